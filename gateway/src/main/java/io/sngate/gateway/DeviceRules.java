package io.sngate.gateway;

import io.sngate.gateway.transport.LinkAddress;
import io.sngate.gateway.upstream.DeviceCredentials;
import java.util.Map;
import java.util.Optional;

/**
 * Who may connect, from where, and what each device may do: the gateway's reading of the
 * devices file. Immutable; a reload (SIGHUP) swaps the whole object, so one packet is judged by
 * one version of the file.
 */
interface DeviceRules {

    /** No devices file: anyone may connect from anywhere and do anything. */
    DeviceRules ANONYMOUS = new DeviceRules() {
    };

    /** True when the file names this client id (exactly or by pattern). */
    default boolean listed(String clientId) {
        return false;
    }

    /** True unless the device's entry pins it to addresses and {@code address} is not one of them. */
    default boolean addressAllowed(String clientId, LinkAddress address) {
        return true;
    }

    default boolean mayPublish(String clientId, String topic) {
        return true;
    }

    default boolean maySubscribe(String clientId, String filter) {
        return true;
    }

    /**
     * True when a QoS -1 PUBLISH (which names no client) from {@code from} may go to {@code topic}.
     * With a devices file: from an address a pinned entry with the QoS -1 flag allows, on a topic
     * that entry may publish to; from anywhere else only when unlisted clients are admitted and
     * the default entry lets everyone publish there.
     */
    default boolean mayPublishWithoutSession(LinkAddress from, String topic, boolean requireListed) {
        return true;
    }

    /** The device's own predefined topic ids, beside the gateway's. */
    default Map<Integer, String> predefined(String clientId) {
        return Map.of();
    }

    /**
     * The DTLS identity the devices file binds this client id to ({@code dtls-identity}, or the
     * client id of an entry with a {@code psk}): only a device authenticated as it may use the id.
     */
    default Optional<String> dtlsIdentity(String clientId) {
        return Optional.empty();
    }

    /** The device's own broker credentials (transparent mode), if the file gives it any. */
    default Optional<DeviceCredentials> credentials(String clientId) {
        return Optional.empty();
    }
}
