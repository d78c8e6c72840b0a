package io.sngate.client;

import io.sngate.codec.Bytes;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Where a packet came from, in the terms of the link it came over: what a {@link Link} gives
 * with each packet, and what {@link ClientEvent.GatewayFound} says about a gateway.
 */
public sealed interface LinkAddress permits LinkAddress.Udp, LinkAddress.SerialPort, XBeeAddress,
        LinkAddress.Announced {

    /** A UDP (or DTLS) peer: its IP address and port. */
    record Udp(InetSocketAddress socket) implements LinkAddress {
        /** Checks the socket address is there. */
        public Udp {
            Objects.requireNonNull(socket, "socket");
        }

        @Override
        public String toString() {
            return socket.getHostString() + ":" + socket.getPort();
        }
    }

    /** The partner at the other end of a serial line, named by the line's port (e.g. {@code /dev/ttyAMA0}). */
    record SerialPort(String path) implements LinkAddress {
        /** Checks the path is there. */
        public SerialPort {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public String toString() {
            return path;
        }
    }

    /**
     * A gateway address another client announced in its GWINFO (spec §5.4.3: the gwAdd field), as
     * the bytes it sent: the spec leaves their format to the network, so they are given as they are.
     */
    record Announced(Bytes bytes) implements LinkAddress {
        /** Checks the bytes are there. */
        public Announced {
            Objects.requireNonNull(bytes, "bytes");
        }
    }
}
