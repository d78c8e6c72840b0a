package io.sngate.sim.decode;

/** What the link, IP and UDP headers of one captured packet say. */
sealed interface Dissection {

    /**
     * A UDP datagram. {@code payload} holds the bytes captured; fewer than {@code declaredLength}
     * when the capture's snapshot length cut the packet.
     */
    record Udp(String source, String destination, int sourcePort, int destinationPort, byte[] payload,
               int declaredLength) implements Dissection {

        boolean cut() {
            return payload.length < declaredLength;
        }
    }

    /** A UDP datagram whose header is broken: its ports are known, its payload is not. */
    record BrokenUdp(String source, String destination, int sourcePort, int destinationPort, String why)
            implements Dissection {
    }

    /**
     * One fragment of a fragmented IP datagram. Only the first ({@code offset} 0) holds the UDP
     * header, so only it knows the ports ({@code -1} otherwise); {@code key} ties the fragments
     * of one datagram together.
     */
    record Fragment(String key, String source, String destination, int protocol, int offset, boolean more,
                    int sourcePort, int destinationPort) implements Dissection {
    }

    /** Not a UDP datagram (ARP, TCP, ESP, another address family...): not for this tool. */
    record NotUdp() implements Dissection {
    }

    /** Headers that cannot be read, before it is known whether the packet is UDP. */
    record Damaged(String why) implements Dissection {
    }
}
