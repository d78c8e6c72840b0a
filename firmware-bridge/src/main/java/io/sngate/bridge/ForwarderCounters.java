package io.sngate.bridge;

/**
 * What the forwarding core has done.
 *
 * @param toGateway            device packets wrapped and sent to the gateway
 * @param toDevices            encapsulated replies unwrapped and sent to one device
 * @param broadcasts           gateway packets sent to every line and radio (ADVERTISE, GWINFO, empty node id)
 * @param unknownNodes         encapsulated replies for a node id no line or radio has: dropped
 * @param malformedFromGateway datagrams from the gateway that did not decode: dropped
 * @param unroutable           plain (unencapsulated) gateway packets meant for no one but the bridge: dropped
 * @param rejectedFromDevices  device frames that are not one whole MQTT-SN packet, or are themselves encapsulated;
 *                             on a forwarder line, frames that are not encapsulated or whose node id clashes
 * @param tooLargeForRadio     replies larger than the radio's RF payload: dropped, never cut
 * @param uncheckedRadio       frames to or from a radio whose port went away, until the radio behind the port
 *                             passed its check again: dropped
 */
public record ForwarderCounters(long toGateway, long toDevices, long broadcasts, long unknownNodes,
                                long malformedFromGateway, long unroutable, long rejectedFromDevices,
                                long tooLargeForRadio, long uncheckedRadio) {

    public String describe() {
        return "to-gateway=" + toGateway + " to-devices=" + toDevices + " broadcasts=" + broadcasts
                + " unknown-node=" + unknownNodes + " malformed-from-gateway=" + malformedFromGateway
                + " unroutable=" + unroutable + " rejected-from-devices=" + rejectedFromDevices
                + " too-large-for-radio=" + tooLargeForRadio + " unchecked-radio=" + uncheckedRadio;
    }
}
