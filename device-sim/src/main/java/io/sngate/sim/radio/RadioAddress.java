package io.sngate.sim.radio;

/**
 * A node of the emulated Zigbee network: its 64-bit serial number and its 16-bit network
 * address. A simulated device's link reports the gateway's radio (the coordinator) as the
 * sender of what it receives, with this value.
 */
public record RadioAddress(long address64, int address16) {

    public RadioAddress {
        if (address16 < 0 || address16 > 0xFFFF) {
            throw new IllegalArgumentException("a 16-bit network address is 0..0xFFFF, not " + address16);
        }
    }

    @Override
    public String toString() {
        return String.format("xbee:%016X/%04X", address64, address16);
    }
}
