package io.sngate.bridge;

import io.sngate.client.dtls.DtlsCredentials;
import io.sngate.codec.Bytes;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.hw.serial.SerialSettings;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A bridge's settings: the gateway, the local UDP address, and the device side.
 *
 * @param gateway             where encapsulated frames go (and the only sender accepted back)
 * @param bind                the bridge's one UDP socket (port 0: any)
 * @param serialLines         microcontroller lines, one device or one forwarder each, in line order
 * @param radios              XBee coordinator radios, each with many remote devices
 * @param statsIntervalMillis how often the counters are logged at INFO; 0 only at exit
 * @param dtls                DTLS to the gateway with these credentials (then {@code gateway} is its
 *                            DTLS port); empty: plain UDP
 */
public record BridgeConfig(InetSocketAddress gateway, InetSocketAddress bind, List<SerialLineSpec> serialLines,
                           List<RadioSpec> radios, long statsIntervalMillis, Optional<DtlsCredentials> dtls) {

    /** A bridge on plain UDP. */
    public BridgeConfig(InetSocketAddress gateway, InetSocketAddress bind, List<SerialLineSpec> serialLines,
                        List<RadioSpec> radios, long statsIntervalMillis) {
        this(gateway, bind, serialLines, radios, statsIntervalMillis, Optional.empty());
    }

    /**
     * One microcontroller on a serial line, known to the gateway by {@code nodeId}; or, with an
     * empty node id, a forwarder (a microcontroller with its own radio) whose frames are already
     * encapsulated, each with its node's id.
     */
    public record SerialLineSpec(SerialSettings settings, Bytes nodeId) {
        public SerialLineSpec {
            Objects.requireNonNull(settings, "settings");
            Objects.requireNonNull(nodeId, "nodeId");
        }

        /** A line with a forwarder on it. */
        public static SerialLineSpec forwarder(SerialSettings settings) {
            return new SerialLineSpec(settings, Bytes.EMPTY);
        }

        public boolean isForwarder() {
            return nodeId.isEmpty();
        }
    }

    /** An XBee radio in API mode, carrying RF payloads of at most {@code maxPayload} bytes. */
    public record RadioSpec(SerialSettings settings, ApiMode mode, int maxPayload) {
        public RadioSpec {
            Objects.requireNonNull(settings, "settings");
            Objects.requireNonNull(mode, "mode");
        }
    }

    public BridgeConfig {
        Objects.requireNonNull(gateway, "gateway");
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(dtls, "dtls");
        serialLines = List.copyOf(serialLines);
        radios = List.copyOf(radios);
        if (serialLines.isEmpty() && radios.isEmpty()) {
            throw new IllegalArgumentException("no device side: at least one serial line or XBee radio is needed");
        }
        if (statsIntervalMillis < 0) {
            throw new IllegalArgumentException("statsIntervalMillis must not be negative");
        }
    }

    /** The forwarding core's view of this configuration (validates the node ids). */
    ForwarderConfig forwarderConfig() {
        return ForwarderConfig.of(serialLines.stream().map(SerialLineSpec::nodeId).toList(),
                radios.stream().map(RadioSpec::maxPayload).toList());
    }
}
