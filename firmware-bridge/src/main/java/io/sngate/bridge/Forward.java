package io.sngate.bridge;

import io.sngate.codec.Bytes;
import java.util.Objects;

/** What the {@link ForwarderCore} asks the bridge to send, and where. */
sealed interface Forward {

    /** An encapsulated frame for the gateway. */
    record ToGateway(Bytes datagram) implements Forward {
        public ToGateway {
            Objects.requireNonNull(datagram, "datagram");
        }
    }

    /** A packet for the device on serial line {@code line} (an index into the configured lines). */
    record ToSerialLine(int line, Bytes packet) implements Forward {
        public ToSerialLine {
            Objects.requireNonNull(packet, "packet");
        }
    }

    /**
     * RF data for radio {@code radio}: a unicast to {@code destination64}, or with
     * {@link io.sngate.codec.xbee.XBeeFrame#BROADCAST_ADDRESS_64} a broadcast limited to
     * {@code radius} hops (0: the network's maximum).
     */
    record ToRadio(int radio, long destination64, int radius, Bytes rfData) implements Forward {
        public ToRadio {
            Objects.requireNonNull(rfData, "rfData");
        }

        @Override
        public String toString() {
            return String.format("ToRadio[radio=%d, destination64=%016X, radius=%d, rfData=%s]", radio,
                    destination64, radius, rfData);
        }
    }
}
