package io.sngate.gateway.admin;

/**
 * What is known of a client without asking its event loop (the fields its session host
 * publishes after every input): enough to filter and page the client list, and for the
 * gauges, before the page's clients are snapshotted on their loops.
 *
 * @param state the session state, lower case
 * @param link udp, dtls, serial, xbee or forwarded
 * @param queued messages waiting for the device
 * @param upstream the state of the client's broker side
 */
public record ClientSummary(String clientId, String state, String link, String address, int queued,
                            String upstream) {
}
