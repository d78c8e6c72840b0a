package io.sngate.bridge;

import io.sngate.client.serial.LineCounters;
import java.util.List;

/**
 * A snapshot of everything a bridge counts.
 *
 * @param forwarder          the forwarding decisions
 * @param datagramsIn        datagrams received from the gateway
 * @param foreignDatagrams   datagrams from any other sender: dropped
 * @param udpSendDrops       frames for the gateway the socket refused (buffer full or send error)
 * @param lines              each serial line's port, in line order
 * @param radios             each radio's port, in radio order
 * @param transmitFailures   each radio's Transmit Status frames reporting a failed delivery
 * @param rechecks           each radio's port losses and the checks after them
 */
public record BridgeCounters(ForwarderCounters forwarder, long datagramsIn, long foreignDatagrams, long udpSendDrops,
                             List<LineCounters> lines, List<LineCounters> radios, List<Long> transmitFailures,
                             List<RadioRechecks> rechecks) {

    public BridgeCounters {
        lines = List.copyOf(lines);
        radios = List.copyOf(radios);
        transmitFailures = List.copyOf(transmitFailures);
        rechecks = List.copyOf(rechecks);
    }
}
