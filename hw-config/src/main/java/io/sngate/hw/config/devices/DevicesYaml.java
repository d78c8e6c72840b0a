package io.sngate.hw.config.devices;

import io.sngate.codec.Bytes;
import io.sngate.hw.config.ConfigError;
import io.sngate.hw.config.Suggestions;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a devices file in YAML. It works on SnakeYAML's node tree rather than on constructed maps:
 * nodes keep their line, so every error can name the line to fix, and scalars keep the text as
 * written ({@code client-id: 0012} stays {@code 0012}, {@code topic: on} does not become true).
 */
final class DevicesYaml {

    static final String DEFAULT = "default";
    static final String DEVICES = "devices";
    static final String CLIENT_ID = "client-id";
    static final String CLIENT_ID_PATTERN = "client-id-pattern";
    static final String ADDRESSES = "addresses";
    static final String USERNAME = "username";
    static final String PASSWORD = "password";
    static final String PASSWORD_FILE = "password-file";
    static final String PREDEFINED = "predefined";
    static final String PUBLISH = "publish";
    static final String SUBSCRIBE = "subscribe";
    static final String QOS_MINUS_ONE = "qos-minus-one";
    static final String DTLS_IDENTITY = "dtls-identity";
    static final String PSK = "psk";

    static final List<String> ROOT_KEYS = List.of(DEFAULT, DEVICES);
    /** What the default entry may say: everything but which client ids it is about. */
    static final List<String> DEFAULT_KEYS = List.of(ADDRESSES, USERNAME, PASSWORD, PASSWORD_FILE, PREDEFINED, PUBLISH,
            SUBSCRIBE, QOS_MINUS_ONE);
    static final List<String> DEVICE_KEYS = Stream.concat(Stream.of(CLIENT_ID, CLIENT_ID_PATTERN),
            Stream.concat(DEFAULT_KEYS.stream(), Stream.of(DTLS_IDENTITY, PSK))).toList();

    /** A file listing every device of a large fleet can pass SnakeYAML's 3 MB default; this is far above any. */
    private static final int MAX_CODE_POINTS = 64 * 1024 * 1024;

    private final String key;
    private final String source;
    private final Path directory;

    private DevicesYaml(String key, Path file) {
        this.key = key;
        this.source = file.toString();
        Path parent = file.toAbsolutePath().getParent();
        this.directory = parent != null ? parent : Path.of(".");
    }

    /**
     * The devices file {@code file} holding {@code text}.
     *
     * @param key the configuration key errors are reported under
     */
    static DevicesFile parse(String key, Path file, String text) throws ConfigError {
        return new DevicesYaml(key, file).read(text);
    }

    private DevicesFile read(String text) throws ConfigError {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(MAX_CODE_POINTS);
        Node root;
        try {
            root = new Yaml(new SafeConstructor(options)).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() != null ? e.getProblemMark().getLine() + 1 : 1;
            throw new ConfigError(key, source + " line " + line + ": not valid YAML: " + e.getProblem());
        } catch (YAMLException e) {
            throw new ConfigError(key, source + ": not valid YAML: " + e.getMessage().replace('\n', ' '));
        }
        if (root == null || isNull(root)) {
            return new DevicesFile(List.of(), DeviceEntry.ALLOW_ALL); // an empty file lists nobody
        }
        Map<String, Node> keys = mapping(root, "", ROOT_KEYS, "a mapping with the keys default and devices");
        DeviceEntry fallback = keys.containsKey(DEFAULT)
                ? entry(keys.get(DEFAULT), DEFAULT, keyLine((MappingNode) root, DEFAULT)) : DeviceEntry.ALLOW_ALL;
        List<DeviceEntry> entries = new ArrayList<>();
        Node devices = keys.get(DEVICES);
        if (devices != null) {
            if (!(devices instanceof SequenceNode list)) {
                throw error(devices, DEVICES, "must be a list of devices (items like '- client-id: sensor-1'), not "
                        + describe(devices));
            }
            Map<String, DeviceEntry> seen = new HashMap<>();
            for (int i = 0; i < list.getValue().size(); i++) {
                Node item = list.getValue().get(i);
                DeviceEntry entry = entry(item, DEVICES + "[" + i + "]", 0);
                String id = (entry.match() instanceof ClientIdMatcher.Exact ? "client id '" : "client id pattern '")
                        + entry.match().text() + "'";
                DeviceEntry before = seen.putIfAbsent(id, entry);
                if (before != null) {
                    throw error(item, DEVICES + "[" + i + "]", id + " is already listed on " + before.origin());
                }
                entries.add(entry);
            }
        }
        return new DevicesFile(entries, fallback);
    }

    // ------------------------------------------------------------------ one entry

    /**
     * One device entry, or (with {@code defaultLine} > 0, the line of the {@code default:} key) the
     * default entry.
     */
    private DeviceEntry entry(Node node, String path, int defaultLine) throws ConfigError {
        boolean device = defaultLine == 0;
        Map<String, Node> keys = mapping(node, path, device ? DEVICE_KEYS : DEFAULT_KEYS,
                device ? "a device (keys such as client-id, addresses, publish)"
                        : "a section (keys such as addresses, publish, subscribe)");
        ClientIdMatcher match = device ? matcher(node, path, keys) : ClientIdMatcher.pattern("*");
        List<AddressRange> addresses = keys.containsKey(ADDRESSES)
                ? addresses(keys.get(ADDRESSES), path + "." + ADDRESSES) : List.of();
        Optional<String> username = keys.containsKey(USERNAME)
                ? Optional.of(nonEmpty(keys.get(USERNAME), path + "." + USERNAME)) : Optional.empty();
        Optional<String> password = password(path, keys);
        if (password.isPresent() && username.isEmpty()) {
            Node at = keys.containsKey(PASSWORD) ? keys.get(PASSWORD) : keys.get(PASSWORD_FILE);
            throw error(at, path, "a password needs a username (MQTT 3.1.1 sends no password without one)");
        }
        Map<Integer, String> predefined = keys.containsKey(PREDEFINED)
                ? predefined(keys.get(PREDEFINED), path + "." + PREDEFINED) : Map.of();
        Optional<List<String>> publish = permissions(keys.get(PUBLISH), path + "." + PUBLISH);
        Optional<List<String>> subscribe = permissions(keys.get(SUBSCRIBE), path + "." + SUBSCRIBE);
        String origin = device ? source + " line " + line(node) : source + " line " + defaultLine + " (" + DEFAULT + ")";
        Set<String> flags = keys.containsKey(QOS_MINUS_ONE) && bool(keys.get(QOS_MINUS_ONE), path + "." + QOS_MINUS_ONE)
                ? Set.of(DeviceEntry.QOS_MINUS_ONE_FLAG) : Set.of();
        Optional<DeviceEntry.DtlsBinding> dtls = device ? dtls(path, keys, match) : Optional.empty();
        return new DeviceEntry(match, addresses, username, password, predefined, publish, subscribe, flags, origin, dtls);
    }

    /**
     * {@code dtls-identity} and {@code psk}: a key belongs to one identity, so a {@code psk} needs
     * one device (its client id is the identity unless {@code dtls-identity} says otherwise).
     */
    private Optional<DeviceEntry.DtlsBinding> dtls(String path, Map<String, Node> keys, ClientIdMatcher match)
            throws ConfigError {
        Node identityNode = keys.get(DTLS_IDENTITY);
        Node pskNode = keys.get(PSK);
        if (identityNode == null && pskNode == null) {
            return Optional.empty();
        }
        Optional<Bytes> psk = Optional.empty();
        if (pskNode != null) {
            String hex = nonEmpty(pskNode, path + "." + PSK).strip();
            if (!hex.matches("(?i)(0x)?([0-9a-f]{2})+")) {
                // What is wrong, never the digits: errors reach logs, and a mistyped key is mostly the key.
                String digits = hex.regionMatches(true, 0, "0x", 0, 2) ? hex.substring(2) : hex;
                int bad = 0;
                while (bad < digits.length() && "0123456789abcdefABCDEF".indexOf(digits.charAt(bad)) >= 0) {
                    bad++;
                }
                String why = bad < digits.length()
                        ? "character " + (hex.length() - digits.length() + bad + 1) + " is not a hex digit"
                        : digits.isEmpty() ? "it has no digits" : "it has an odd number of digits (" + digits.length() + ")";
                throw error(pskNode, path + "." + PSK, "must be the key in hex (an even number of 0-9, a-f), but " + why);
            }
            psk = Optional.of(Bytes.fromHex(hex.regionMatches(true, 0, "0x", 0, 2) ? hex.substring(2) : hex));
        }
        String identity;
        if (identityNode != null) {
            identity = nonEmpty(identityNode, path + "." + DTLS_IDENTITY);
        } else if (match instanceof ClientIdMatcher.Exact exact) {
            identity = exact.clientId();
        } else {
            throw error(pskNode, path + "." + PSK, "a key for a client-id-pattern needs dtls-identity: the one "
                    + "identity that key belongs to");
        }
        return Optional.of(new DeviceEntry.DtlsBinding(identity, psk));
    }

    private ClientIdMatcher matcher(Node node, String path, Map<String, Node> keys) throws ConfigError {
        Node id = keys.get(CLIENT_ID);
        Node pattern = keys.get(CLIENT_ID_PATTERN);
        if (id != null && pattern != null) {
            throw error(pattern, path, "give client-id or client-id-pattern, not both");
        }
        if (id == null && pattern == null) {
            throw error(node, path, "needs client-id (one device) or client-id-pattern (several, with * and ?)");
        }
        if (id != null) {
            String text = nonEmpty(id, path + "." + CLIENT_ID);
            if (text.indexOf('*') >= 0 || text.indexOf('?') >= 0) {
                throw error(id, path + "." + CLIENT_ID, "'" + text + "' holds '*' or '?': for a pattern write "
                        + CLIENT_ID_PATTERN);
            }
            return ClientIdMatcher.exact(text);
        }
        try {
            return ClientIdMatcher.pattern(scalar(pattern, path + "." + CLIENT_ID_PATTERN));
        } catch (IllegalArgumentException e) {
            throw error(pattern, path + "." + CLIENT_ID_PATTERN, e.getMessage());
        }
    }

    private List<AddressRange> addresses(Node node, String path) throws ConfigError {
        List<Node> items = sequence(node, path, "a list of addresses, like [\"192.0.2.10\", \"10.1.0.0/16\"]");
        if (items.isEmpty()) {
            // An empty list reads like "nowhere" but would mean "anywhere": make the user say which.
            throw error(node, path, "is empty (leave the key out to allow any address)");
        }
        List<AddressRange> ranges = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String item = path + "[" + i + "]";
            try {
                ranges.add(AddressRange.parse(scalar(items.get(i), item)));
            } catch (IllegalArgumentException e) {
                throw error(items.get(i), item, e.getMessage());
            }
        }
        return ranges;
    }

    private Optional<String> password(String path, Map<String, Node> keys) throws ConfigError {
        Node inline = keys.get(PASSWORD);
        Node file = keys.get(PASSWORD_FILE);
        if (inline != null && file != null) {
            throw error(file, path, "give password or password-file, not both");
        }
        if (inline != null) {
            return Optional.of(scalar(inline, path + "." + PASSWORD));
        }
        if (file == null) {
            return Optional.empty();
        }
        String where = path + "." + PASSWORD_FILE;
        String name = nonEmpty(file, where);
        Path resolved;
        try {
            resolved = directory.resolve(name); // a relative name is next to the devices file
        } catch (InvalidPathException e) {
            throw error(file, where, "'" + name + "' is not a path: " + e.getReason());
        }
        String secret;
        try {
            secret = Files.readString(resolved, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw error(file, where, "cannot read " + resolved + ": no such file");
        } catch (IOException e) {
            throw error(file, where, "cannot read " + resolved + ": " + e);
        }
        secret = withoutOneLineEnd(secret);
        if (secret.isEmpty()) {
            throw error(file, where, resolved + " is empty");
        }
        return Optional.of(secret);
    }

    /** Editors and {@code echo} end a file with a newline that is not part of the password. */
    static String withoutOneLineEnd(String text) {
        if (text.endsWith("\r\n")) {
            return text.substring(0, text.length() - 2);
        }
        if (text.endsWith("\n")) {
            return text.substring(0, text.length() - 1);
        }
        return text;
    }

    private Map<Integer, String> predefined(Node node, String path) throws ConfigError {
        if (!(node instanceof MappingNode mapping)) {
            throw error(node, path, "must be a mapping of topic ids to topic names, like {1: \"plant/temp\"}, not "
                    + describe(node));
        }
        Map<Integer, String> topics = new LinkedHashMap<>();
        Map<String, Integer> ids = new HashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            String idText = scalar(tuple.getKeyNode(), path);
            String item = path + "." + idText;
            int id;
            try {
                id = Integer.parseInt(idText.strip());
            } catch (NumberFormatException e) {
                throw error(tuple.getKeyNode(), item, "topic id '" + idText + "' is not a number");
            }
            if (id < 1 || id > 0xFFFE) {
                throw error(tuple.getKeyNode(), item, "topic id " + id + " must be from 1 to 65534");
            }
            if (topics.containsKey(id)) {
                throw error(tuple.getKeyNode(), item, "topic id " + id + " is defined twice");
            }
            String topic = scalar(tuple.getValueNode(), item);
            String why = TopicRules.whyNotName(topic);
            if (why != null) {
                throw error(tuple.getValueNode(), item, "'" + TopicRules.printable(topic) + "' is not a topic name: " + why);
            }
            Integer other = ids.putIfAbsent(topic, id);
            if (other != null) {
                throw error(tuple.getValueNode(), item, "topic '" + topic + "' already has id " + other);
            }
            topics.put(id, topic);
        }
        return topics;
    }

    private Optional<List<String>> permissions(Node node, String path) throws ConfigError {
        if (node == null) {
            return Optional.empty(); // no list: the devices file does not restrict this
        }
        List<Node> items = sequence(node, path, "a list of topic filters, like [\"plant/%c/#\"] ([] for none)");
        List<String> patterns = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String item = path + "[" + i + "]";
            String pattern = scalar(items.get(i), item);
            String why = Permissions.whyNotPattern(pattern);
            if (why != null) {
                throw error(items.get(i), item, why);
            }
            patterns.add(pattern);
        }
        return Optional.of(patterns);
    }

    // ------------------------------------------------------------------ nodes

    /** The values of a mapping by key, after checking that every key is allowed and none is repeated. */
    private Map<String, Node> mapping(Node node, String path, List<String> allowed, String what) throws ConfigError {
        if (!(node instanceof MappingNode mapping)) {
            throw error(node, path.isEmpty() ? "(top level)" : path, "must be " + what + ", not " + describe(node));
        }
        Map<String, Node> values = new LinkedHashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            Node keyNode = tuple.getKeyNode();
            String name = keyNode instanceof ScalarNode scalar ? scalar.getValue() : describe(keyNode);
            String full = path.isEmpty() ? name : path + "." + name;
            if (!allowed.contains(name)) {
                throw error(keyNode, full, "unknown key" + Suggestions.didYouMean(name, allowed,
                        candidate -> path.isEmpty() ? candidate : path + "." + candidate));
            }
            if (values.containsKey(name)) {
                throw error(keyNode, full, "is given twice (first on line " + line(values.get(name)) + ")");
            }
            values.put(name, tuple.getValueNode());
        }
        return values;
    }

    private List<Node> sequence(Node node, String path, String what) throws ConfigError {
        if (!(node instanceof SequenceNode sequence)) {
            throw error(node, path, "must be " + what + ", not " + describe(node));
        }
        return sequence.getValue();
    }

    private String scalar(Node node, String path) throws ConfigError {
        if (isNull(node)) {
            throw error(node, path, "needs a value");
        }
        if (!(node instanceof ScalarNode scalar)) {
            throw error(node, path, "must be a single value, not " + describe(node));
        }
        return scalar.getValue();
    }

    private String nonEmpty(Node node, String path) throws ConfigError {
        String value = scalar(node, path);
        if (value.isBlank()) {
            throw error(node, path, "cannot be empty");
        }
        return value;
    }

    private boolean bool(Node node, String path) throws ConfigError {
        String value = scalar(node, path).strip().toLowerCase(java.util.Locale.ROOT);
        return switch (value) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw error(node, path, "must be true or false, not '" + value + "'");
        };
    }

    private static boolean isNull(Node node) {
        return node instanceof ScalarNode && Tag.NULL.equals(node.getTag());
    }

    private static String describe(Node node) {
        if (isNull(node)) {
            return "empty";
        }
        if (node instanceof MappingNode) {
            return "a section";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        return "'" + ((ScalarNode) node).getValue() + "'";
    }

    private static int keyLine(MappingNode mapping, String key) {
        for (NodeTuple tuple : mapping.getValue()) {
            if (tuple.getKeyNode() instanceof ScalarNode scalar && scalar.getValue().equals(key)) {
                return line(scalar);
            }
        }
        throw new IllegalStateException("no key " + key);
    }

    private static int line(Node node) {
        return node.getStartMark().getLine() + 1;
    }

    private ConfigError error(Node node, String path, String reason) {
        return new ConfigError(key, source + " line " + line(node) + ": " + path + ": " + reason);
    }
}
