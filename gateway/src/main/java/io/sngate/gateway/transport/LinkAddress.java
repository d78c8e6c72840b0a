package io.sngate.gateway.transport;

import io.sngate.codec.Bytes;
import java.net.InetSocketAddress;

/**
 * Where a device is, whatever the link: the session layer keys clients by it and never
 * looks inside. Values compare by content, so they serve as map keys.
 */
public sealed interface LinkAddress {

    /** A device (or forwarder) on UDP. */
    record Udp(InetSocketAddress socket) implements LinkAddress {
        @Override
        public String toString() {
            return "udp:" + socket.getAddress().getHostAddress() + ":" + socket.getPort();
        }
    }

    /**
     * A device on the DTLS listener: its DTLS connection ({@code connection}: the Connection ID
     * the gateway gave it, or its address when it uses none) and the identity its handshake
     * proved. The connection, not the socket address, names the device: with a Connection ID the
     * device keeps its address here when a NAT gives it a new port, because every record proves
     * who sent it. {@code peer} is where the packet at hand came from, for logs and address
     * rules; it takes no part in equality.
     */
    record Dtls(String connection, String identity, InetSocketAddress peer) implements LinkAddress {
        @Override
        public boolean equals(Object other) {
            return other instanceof Dtls dtls && dtls.connection.equals(connection) && dtls.identity.equals(identity);
        }

        @Override
        public int hashCode() {
            return connection.hashCode() * 31 + identity.hashCode();
        }

        @Override
        public String toString() {
            return "dtls:" + identity + "@" + peer.getAddress().getHostAddress() + ":" + peer.getPort()
                    + (connection.startsWith("cid:") ? "/" + connection : "");
        }
    }

    /** The device on a serial line that carries one device's frames (or a forwarder's). */
    record Serial(String line) implements LinkAddress {
        @Override
        public String toString() {
            return "serial:" + line;
        }
    }

    /** A remote XBee radio, by its 64-bit address, reached through the gateway's radio {@code radio}. */
    record XBee(String radio, long address64) implements LinkAddress {
        @Override
        public String toString() {
            return String.format("xbee:%s/%016X", radio, address64);
        }
    }

    /**
     * A device behind a forwarder (spec §5.5): the forwarder's own address plus the wireless
     * node id it wrapped the frames with. Replies go back wrapped with the same node id and
     * control byte.
     */
    record Forwarded(LinkAddress forwarder, Bytes nodeId) implements LinkAddress {
        @Override
        public String toString() {
            return forwarder + "/node:" + nodeId.toHex();
        }
    }
}
