package io.sngate.sim.decode;

/** A capture file this tool cannot read at all: not pcap, pcapng, an unsupported link type. */
public final class UnreadableCapture extends Exception {

    private static final long serialVersionUID = 1L;

    UnreadableCapture(String message) {
        super(message);
    }
}
