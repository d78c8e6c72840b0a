package io.sngate.gateway;

import io.sngate.gateway.transport.LinkAddress;
import io.sngate.gateway.upstream.DeviceCredentials;
import io.sngate.hw.config.devices.ClientIdMatcher;
import io.sngate.hw.config.devices.DeviceEntry;
import io.sngate.hw.config.devices.DevicesFile;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@link DeviceRules} read from a devices file (and the per-client lines of the predefined
 * topics file). A device behind a forwarder is judged by the forwarder's address: that is the
 * address its packets come from and the one a devices file can name.
 */
final class DevicesFileRules implements DeviceRules {

    private final DevicesFile file;
    private final Map<String, Map<Integer, String>> perClientPredefined;

    DevicesFileRules(DevicesFile file, Map<String, Map<Integer, String>> perClientPredefined) {
        this.file = file;
        this.perClientPredefined = perClientPredefined;
    }

    @Override
    public boolean listed(String clientId) {
        return file.listed(clientId);
    }

    @Override
    public boolean addressAllowed(String clientId, LinkAddress address) {
        DeviceEntry entry = file.entryFor(clientId);
        return !entry.pinned() || allows(entry, address);
    }

    private static boolean allows(DeviceEntry entry, LinkAddress address) {
        LinkAddress source = address instanceof LinkAddress.Forwarded forwarded ? forwarded.forwarder() : address;
        if (source instanceof LinkAddress.Udp udp) {
            return entry.allows(udp.socket());
        }
        if (source instanceof LinkAddress.Dtls dtls) {
            // Its text form (dtls:identity@ip:port/cid) is no address a devices file can write:
            // the socket its records come from is.
            return entry.allows(dtls.peer());
        }
        return entry.allowsLink(source.toString());
    }

    @Override
    public boolean mayPublishWithoutSession(LinkAddress from, String topic, boolean requireListed) {
        for (DeviceEntry entry : file.entries()) {
            if (entry.pinned() && entry.flags().contains(DeviceEntry.QOS_MINUS_ONE_FLAG) && allows(entry, from)) {
                String clientId = entry.match() instanceof ClientIdMatcher.Exact exact ? exact.clientId() : "";
                if (entry.mayPublish(clientId, topic)) {
                    return true;
                }
            }
        }
        return !requireListed && file.defaultEntry().mayPublish("", topic);
    }

    @Override
    public boolean mayPublish(String clientId, String topic) {
        return file.entryFor(clientId).mayPublish(clientId, topic);
    }

    @Override
    public boolean maySubscribe(String clientId, String filter) {
        return file.entryFor(clientId).maySubscribe(clientId, filter);
    }

    @Override
    public Map<Integer, String> predefined(String clientId) {
        Map<Integer, String> fromFile = file.entryFor(clientId).predefined();
        Map<Integer, String> fromPaho = perClientPredefined.getOrDefault(clientId, Map.of());
        if (fromPaho.isEmpty()) {
            return fromFile;
        }
        Map<Integer, String> merged = new HashMap<>(fromPaho);
        merged.putAll(fromFile);
        return merged;
    }

    @Override
    public Optional<String> dtlsIdentity(String clientId) {
        return file.entryFor(clientId).dtls().map(DeviceEntry.DtlsBinding::identity);
    }

    @Override
    public Optional<DeviceCredentials> credentials(String clientId) {
        DeviceEntry entry = file.entryFor(clientId);
        if (entry.username().isEmpty() && entry.password().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new DeviceCredentials(entry.username(),
                entry.password().map(password -> password.getBytes(StandardCharsets.UTF_8))));
    }
}
