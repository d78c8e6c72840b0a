package io.sngate.client;

import io.sngate.codec.xbee.XBeeFrame;

/**
 * A radio's 64-bit (IEEE extended) address: who sent a packet over an XBee link, and which radio
 * an XBee link sends to. Printed as the 16 hex digits on the module's label.
 */
public record XBeeAddress(long address64) implements LinkAddress {

    /** The coordinator of a Zigbee network: where a device's radio finds the gateway by default. */
    public static final XBeeAddress COORDINATOR = new XBeeAddress(XBeeFrame.COORDINATOR_ADDRESS_64);

    @Override
    public String toString() {
        return String.format("%016X", address64);
    }
}
