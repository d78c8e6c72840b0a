package io.sngate.gateway.admin;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The filters and the page of {@code GET /api/clients}: {@code state} (one or more states,
 * comma-separated), {@code link}, {@code address} (a part of the address, in any case: an XBee's
 * 64-bit address or an IPv6 address is hex, written either way), {@code prefix} (of the
 * client id), {@code offset} and {@code limit}. Clients are listed by client id, so that pages
 * follow each other while clients come and go.
 */
public record ClientsQuery(Set<String> states, String link, String address, String prefix, int offset, int limit) {

    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1000;

    /** The states a session can be in, as the API writes them. */
    static final Set<String> STATES = Set.of("disconnected", "awaiting_will_topic", "awaiting_will_message",
            "connecting", "active", "asleep", "awake", "lost");
    static final Set<String> LINKS = Set.of("udp", "dtls", "serial", "xbee", "forwarded");

    /** A query parameter that cannot be used: names it and says why (answered with 400). */
    public static final class BadParameter extends IllegalArgumentException {
        private final String parameter;

        BadParameter(String parameter, String reason) {
            super(parameter + ": " + reason);
            this.parameter = parameter;
        }

        public String parameter() {
            return parameter;
        }
    }

    /** One page of the filtered list, and how many matched in all. */
    public record Page(int total, int offset, int limit, List<ClientSummary> clients) {
    }

    public ClientsQuery {
        states = Set.copyOf(states);
    }

    /** Reads the query parameters; unknown ones are refused, so that a typo does not list everything. */
    public static ClientsQuery parse(Map<String, String> params) {
        for (String name : params.keySet()) {
            if (!Set.of("state", "link", "address", "prefix", "offset", "limit").contains(name)) {
                throw new BadParameter(name, "unknown parameter (state, link, address, prefix, offset, limit)");
            }
        }
        Set<String> states = Set.of();
        String state = params.get("state");
        if (state != null && !state.isBlank()) {
            states = java.util.Arrays.stream(state.split(",")).map(s -> s.strip().toLowerCase(Locale.ROOT))
                    .collect(Collectors.toSet());
            for (String s : states) {
                if (!STATES.contains(s)) {
                    throw new BadParameter("state", "'" + s + "' is not a state (one of " + sorted(STATES) + ")");
                }
            }
        }
        String link = params.getOrDefault("link", "").strip().toLowerCase(Locale.ROOT);
        if (!link.isEmpty() && !LINKS.contains(link)) {
            throw new BadParameter("link", "'" + link + "' is not a link (one of " + sorted(LINKS) + ")");
        }
        int offset = integer(params, "offset", 0, 0, Integer.MAX_VALUE);
        int limit = integer(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        return new ClientsQuery(states, link, params.getOrDefault("address", ""), params.getOrDefault("prefix", ""),
                offset, limit);
    }

    private static int integer(Map<String, String> params, String name, int absent, int min, int max) {
        String raw = params.get(name);
        if (raw == null || raw.isBlank()) {
            return absent;
        }
        try {
            int value = Integer.parseInt(raw.strip());
            if (value < min || value > max) {
                throw new BadParameter(name, raw + " is out of range " + min + ".." + max);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new BadParameter(name, "'" + raw + "' is not a whole number");
        }
    }

    private static String sorted(Set<String> values) {
        return String.join(", ", new java.util.TreeSet<>(values));
    }

    boolean matches(ClientSummary client) {
        return (states.isEmpty() || states.contains(client.state()))
                && (link.isEmpty() || link.equals(client.link()))
                && (address.isEmpty() || client.address().toLowerCase(Locale.ROOT)
                        .contains(address.toLowerCase(Locale.ROOT)))
                && client.clientId().startsWith(prefix);
    }

    /** The clients that match, by client id, cut to the page. */
    public Page apply(Collection<ClientSummary> clients) {
        List<ClientSummary> matching = clients.stream().filter(this::matches)
                .sorted(Comparator.comparing(ClientSummary::clientId)).toList();
        int from = Math.min(offset, matching.size());
        int to = (int) Math.min((long) from + limit, matching.size());
        return new Page(matching.size(), offset, limit, matching.subList(from, to));
    }
}
