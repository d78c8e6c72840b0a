package io.sngate.hw.config.devices;

import io.sngate.codec.Bytes;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What the devices file says about the client ids one entry matches: where they may connect from,
 * which broker credentials they use, their own predefined topic ids, and what they may publish
 * and subscribe to.
 *
 * @param match      the client ids this entry is about
 * @param addresses  where the device may connect from; empty means anywhere, otherwise the device
 *                   is pinned to these
 * @param username   broker user name for this device's session (transparent mode)
 * @param password   broker password, read from {@code password-file} when the file named one
 * @param predefined this device's own predefined topic ids (id 1..65534 to topic name)
 * @param publish    topic filters the device may publish to, {@code %c} standing for its client id;
 *                   empty Optional: no restriction, empty list: nothing
 * @param subscribe  topic filters the device's subscriptions must stay inside, same conventions
 * @param flags      Paho clients.conf options of the line ({@code forwarder}, {@code QoS-1},
 *                   {@code unstableLine}, {@code secureConnection}), empty for YAML entries
 * @param origin     where the entry was written, e.g. {@code devices.yaml line 12}, for logs
 * @param dtls       the DTLS identity these client ids belong to (and its pre-shared key), if any
 */
public record DeviceEntry(ClientIdMatcher match, List<AddressRange> addresses, Optional<String> username,
        Optional<String> password, Map<Integer, String> predefined, Optional<List<String>> publish,
        Optional<List<String>> subscribe, Set<String> flags, String origin, Optional<DtlsBinding> dtls) {

    /**
     * The authenticated DTLS identity a device must have to use this entry's client ids (a PSK
     * identity, a certificate's common name or a raw public key's name), with the pre-shared key
     * of that identity when the devices file gives it ({@code psk:}).
     */
    public record DtlsBinding(String identity, Optional<Bytes> psk) {
        public DtlsBinding {
            Objects.requireNonNull(identity, "identity");
            Objects.requireNonNull(psk, "psk");
            if (identity.isEmpty()) {
                throw new IllegalArgumentException("a DTLS identity cannot be empty");
            }
        }

        /** The key stays out of logs. */
        @Override
        public String toString() {
            return identity + (psk.isPresent() ? " (psk ***)" : "");
        }
    }

    /** An entry that binds no DTLS identity. */
    public DeviceEntry(ClientIdMatcher match, List<AddressRange> addresses, Optional<String> username,
            Optional<String> password, Map<Integer, String> predefined, Optional<List<String>> publish,
            Optional<List<String>> subscribe, Set<String> flags, String origin) {
        this(match, addresses, username, password, predefined, publish, subscribe, flags, origin, Optional.empty());
    }

    /** What applies to a client id nothing else matches when the file says nothing: everything allowed. */
    /**
     * The flag of a device that may send QoS -1 publishes (which carry no client id) from its
     * pinned addresses: Paho's {@code QoS-1} option, or {@code qos-minus-one: true} in YAML.
     */
    public static final String QOS_MINUS_ONE_FLAG = "QoS-1";

    public static final DeviceEntry ALLOW_ALL = new DeviceEntry(ClientIdMatcher.pattern("*"), List.of(),
            Optional.empty(), Optional.empty(), Map.of(), Optional.empty(), Optional.empty(), Set.of(), "built-in default");

    public DeviceEntry {
        Objects.requireNonNull(match, "match");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(dtls, "dtls");
        addresses = List.copyOf(addresses);
        predefined = Collections.unmodifiableMap(new LinkedHashMap<>(predefined)); // keeps the file's order
        publish = publish.map(List::copyOf);
        subscribe = subscribe.map(List::copyOf);
        // The loader reports these with file and line; checking again here keeps entries made in
        // code honest too, and the matching below relies on valid filters.
        predefined.forEach((id, topic) -> {
            if (id < 1 || id > 0xFFFE) {
                throw new IllegalArgumentException("topic id " + id + " must be from 1 to 65534");
            }
            String why = TopicRules.whyNotName(topic);
            if (why != null) {
                throw new IllegalArgumentException("'" + TopicRules.printable(topic) + "' is not a topic name: " + why);
            }
        });
        for (List<String> patterns : List.of(publish.orElse(List.of()), subscribe.orElse(List.of()))) {
            for (String pattern : patterns) {
                String why = Permissions.whyNotPattern(pattern);
                if (why != null) {
                    throw new IllegalArgumentException(why);
                }
            }
        }
        flags = Collections.unmodifiableSet(new java.util.LinkedHashSet<>(flags));
    }

    /** Whether the device may connect only from its listed addresses. */
    public boolean pinned() {
        return !addresses.isEmpty();
    }

    /** Whether a device at this UDP source address may be this entry's device. */
    public boolean allows(InetSocketAddress source) {
        return addresses.isEmpty() || addresses.stream().anyMatch(range -> range.allows(source));
    }

    /** Whether a device at this link address (gateway text form, see {@link AddressRange#allowsLink}) may be it. */
    public boolean allowsLink(String linkAddressText) {
        return addresses.isEmpty() || addresses.stream().anyMatch(range -> range.allowsLink(linkAddressText));
    }

    /**
     * Whether the device {@code clientId} may publish to {@code topic}: the topic is a valid topic
     * name and one publish filter (after {@code %c}) matches it.
     */
    public boolean mayPublish(String clientId, String topic) {
        if (TopicRules.whyNotName(topic) != null) {
            return false;
        }
        return publish.isEmpty() || publish.get().stream().anyMatch(pattern -> {
            String filter = Permissions.expand(pattern, clientId);
            return filter != null && TopicMatching.matches(filter, topic);
        });
    }

    /**
     * Whether the device {@code clientId} may subscribe to {@code filter}: the filter is valid and
     * every topic it matches is matched by one subscribe filter (after {@code %c}).
     */
    public boolean maySubscribe(String clientId, String filter) {
        if (TopicRules.whyNotFilter(filter) != null) {
            return false;
        }
        return subscribe.isEmpty() || subscribe.get().stream().anyMatch(pattern -> {
            String allowed = Permissions.expand(pattern, clientId);
            return allowed != null && TopicMatching.covers(allowed, filter);
        });
    }

    /** The password stays out of logs. */
    @Override
    public String toString() {
        return "DeviceEntry[" + match.text() + " from " + origin + ", addresses=" + addresses.stream()
                .map(AddressRange::text).toList() + ", username=" + username.orElse("-") + ", password="
                + (password.isPresent() ? "***" : "-") + ", predefined=" + predefined + ", publish="
                + publish.map(Object::toString).orElse("any") + ", subscribe="
                + subscribe.map(Object::toString).orElse("any") + ", flags=" + flags
                + dtls.map(binding -> ", dtls-identity=" + binding).orElse("") + "]";
    }
}
