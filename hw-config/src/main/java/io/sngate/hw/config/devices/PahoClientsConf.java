package io.sngate.hw.config.devices;

import io.sngate.hw.config.ConfigError;
import io.sngate.hw.config.Suggestions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the client list of the Eclipse Paho MQTT-SN gateway ({@code clients.conf}), so that its
 * users can point {@code devices.file} at the file they have. The format: one client per line,
 * {@code ClientId,Address[,option...]}; lines starting with {@code #} and blank lines are skipped;
 * spaces around the commas do not count. The address is {@code IP:PORT} ({@code [IPv6]:PORT}), the
 * {@code PORT@IP} of older Paho releases, or a 16-hex-digit XBee 64-bit address. Options are
 * {@code forwarder}, {@code QoS-1}, {@code unstableLine} and {@code secureConnection}.
 * <p>
 * Each line becomes an entry for exactly that client id, pinned to exactly that address: the same
 * "this id only from there" that Paho applies.
 */
final class PahoClientsConf {

    /** The option words Paho knows, in its spelling (which is what the entry's flags keep). */
    static final List<String> OPTIONS = List.of("forwarder", "QoS-1", "unstableLine", "secureConnection");

    private static final Pattern OLD_PORT_AT_IP = Pattern.compile("([0-9]+)@(.+)");

    private PahoClientsConf() {
    }

    static DevicesFile parse(String key, String source, List<String> lines) throws ConfigError {
        List<DeviceEntry> entries = new ArrayList<>();
        Map<String, Integer> idLines = new HashMap<>();
        Map<AddressRange, Integer> addressLines = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            int number = i + 1;
            String where = source + " line " + number;
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split(",", -1);
            if (fields.length < 2) {
                throw new ConfigError(key, where + ": expected 'ClientId,Address[,option...]', got '" + line + "'");
            }
            String clientId = fields[0].strip();
            if (clientId.isEmpty()) {
                throw new ConfigError(key, where + ": the client id is empty");
            }
            AddressRange address = address(key, where, fields[1].strip());
            Set<String> flags = new LinkedHashSet<>();
            for (int f = 2; f < fields.length; f++) {
                String word = fields[f].strip();
                if (!word.isEmpty()) { // a trailing comma is harmless
                    flags.add(option(key, where, word));
                }
            }
            Integer before = idLines.putIfAbsent(clientId, number);
            if (before != null) {
                throw new ConfigError(key, where + ": client id '" + clientId + "' is already listed on line " + before);
            }
            before = addressLines.putIfAbsent(address, number);
            if (before != null) {
                throw new ConfigError(key, where + ": address " + address.text() + " is already given to the client on line "
                        + before);
            }
            entries.add(new DeviceEntry(ClientIdMatcher.exact(clientId), List.of(address), Optional.empty(),
                    Optional.empty(), Map.of(), Optional.empty(), Optional.empty(), flags, where));
        }
        return new DevicesFile(entries, DeviceEntry.ALLOW_ALL);
    }

    private static AddressRange address(String key, String where, String text) throws ConfigError {
        if (AddressRange.XBee.isHex16(text)) {
            return AddressRange.XBee.parse(text);
        }
        Matcher old = OLD_PORT_AT_IP.matcher(text);
        String hostPort = text;
        if (old.matches()) {
            String ip = old.group(2);
            hostPort = (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + old.group(1);
        }
        String expected = "expected IP:PORT, [IPv6]:PORT or a 16-hex-digit XBee address, got '" + text + "'";
        if (hostPort.contains("/")) {
            throw new ConfigError(key, where + ": " + expected + " (a client is one address, not a network)");
        }
        AddressRange.IpRange range;
        try {
            range = AddressRange.IpRange.parse(hostPort);
        } catch (IllegalArgumentException e) {
            throw new ConfigError(key, where + ": " + expected + ": " + e.getMessage());
        }
        if (range.port().isEmpty()) {
            throw new ConfigError(key, where + ": " + expected + " (the port is missing)");
        }
        return range; // no '/' was allowed, so this is exactly one host, and one port
    }

    private static String option(String key, String where, String word) throws ConfigError {
        for (String option : OPTIONS) {
            if (option.toLowerCase(Locale.ROOT).equals(word.toLowerCase(Locale.ROOT))) {
                return option;
            }
        }
        throw new ConfigError(key, where + ": unknown option '" + word + "'" + Suggestions.didYouMean(word, OPTIONS,
                option -> option) + "; the options are " + String.join(", ", OPTIONS));
    }
}
