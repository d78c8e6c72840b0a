package io.sngate.sim;

import io.sngate.client.Topic;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.ShortTopicName;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.sim.line.LineImpairment;
import io.sngate.sim.radio.XBeeRadioEmulator;
import io.sngate.sim.serial.VirtualSerialLine;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.SortedMap;
import java.util.StringJoiner;
import java.util.TreeMap;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * A fleet scenario: what N simulated devices do. Read from YAML; every problem names the key.
 * See docs/simulator.md for the format.
 */
record Scenario(String host, int port, int devices, String clientIdPrefix, int keepAlive, boolean cleanSession,
                double retrySeconds, int maxRetries, double durationSeconds, double connectSpreadSeconds, Publishing publishing,
                List<Subscription> subscriptions, Sleeping sleeping, Impairment impairment, long seed, int runtimes,
                LinkSpec link, Optional<DtlsSettings> dtls, Nat nat) {

    /** How the devices reach the gateway. */
    enum LinkKind { UDP, XBEE, SERIAL }

    /** The XBee address of device 0 is this + 1: Digi's OUI, then a block no real radio of ours uses. */
    static final long DEFAULT_ADDRESS_BASE = 0x0013A200_50000000L;

    /**
     * The devices' link: UDP to {@code gateway.host:port}, or an emulated XBee radio / serial line on
     * {@code port}, the device end of a pty pair whose other end the gateway opens.
     *
     * @param port           the device end of the line (xbee, serial), empty for UDP
     * @param apiMode        xbee: AP of the emulated radio
     * @param forwarder      serial: the devices sit behind one forwarder (§5.5), node id i + 1
     * @param addressBase    xbee: device i has the 64-bit address addressBase + i + 1
     * @param maxPayload     xbee: NP; serial: the largest packet
     * @param lineImpairment what the UART does to the frames written to the gateway
     */
    record LinkSpec(LinkKind kind, String port, int baud, ApiMode apiMode, boolean forwarder, long addressBase,
                    int maxPayload, LineImpairment lineImpairment) {

        static final LinkSpec UDP = new LinkSpec(LinkKind.UDP, "", 9_600, ApiMode.ESCAPED, false,
                DEFAULT_ADDRESS_BASE, XBeeRadioEmulator.Config.DEFAULT_MAX_PAYLOAD, LineImpairment.NONE);

        LinkSpec withPort(LinkKind newKind, String path) {
            int payload = newKind == kind ? maxPayload : defaultMaxPayload(newKind);
            return new LinkSpec(newKind, path, baud, apiMode, forwarder, addressBase, payload, lineImpairment);
        }

        LinkSpec withForwarder(boolean on) {
            return new LinkSpec(kind, port, baud, apiMode, on, addressBase, maxPayload, lineImpairment);
        }

        LinkSpec withBaud(int newBaud) {
            return new LinkSpec(kind, port, newBaud, apiMode, forwarder, addressBase, maxPayload, lineImpairment);
        }

        static int defaultMaxPayload(LinkKind kind) {
            return kind == LinkKind.SERIAL ? VirtualSerialLine.Config.DEFAULT_MAX_PACKET_SIZE
                    : XBeeRadioEmulator.Config.DEFAULT_MAX_PAYLOAD;
        }

        /** For the start line, e.g. {@code xbee radio on /tmp/sngate-radio (AP=2)}. */
        String describe(String host, int udpPort) {
            return switch (kind) {
                case UDP -> host + ":" + udpPort;
                case XBEE -> "xbee radio on " + port + " (AP=" + apiMode.apParameter() + ", NP=" + maxPayload + ")";
                case SERIAL -> (forwarder ? "forwarder on serial " : "serial ") + port;
            };
        }
    }

    /**
     * The reading each device publishes on a schedule.
     *
     * @param topic        each device's topic name ({@code {id}} is its client id), registered by the device
     * @param predefinedId when not 0, every device publishes to this predefined topic id instead of a name
     * @param shortTopic   when not empty, every device publishes to this two-byte short topic name instead
     * @param qos          the QoS of each device: one level for all, or a mix
     */
    record Publishing(String topic, int predefinedId, String shortTopic, double intervalSeconds,
                      double jitterSeconds, QosMix qos, boolean retain, PayloadKind payload, double start, double step,
                      String template) {

        /** The topic device {@code clientId} publishes to. */
        Topic topicFor(String clientId) {
            if (predefinedId != 0) {
                return Topic.predefined(predefinedId);
            }
            if (!shortTopic.isEmpty()) {
                return Topic.shortName(shortTopic);
            }
            return Topic.name(topic.replace("{id}", clientId));
        }
    }

    /**
     * The QoS of each device: one level for the whole fleet, or each level's share of the devices
     * in percent (e.g. {@code {0: 50%, 1: 40%, 2: 10%}}).
     */
    record QosMix(SortedMap<Integer, Double> percentByLevel) {

        QosMix {
            percentByLevel = Collections.unmodifiableSortedMap(new TreeMap<>(percentByLevel));
        }

        static QosMix of(QoS qos) {
            return new QosMix(new TreeMap<>(Map.of(qos.level(), 100.0)));
        }

        /** Whether some device publishes at {@code qos}. */
        boolean includes(QoS qos) {
            return percentByLevel.containsKey(qos.level());
        }

        /**
         * The QoS of each of {@code devices} devices. The counts are the shares of the fleet rounded so
         * they add up (largest remainder: 10 devices at 50/40/10% are exactly 5, 4 and 1), then
         * {@code random} shuffles which device gets which level, so the same seed gives the same
         * assignment and the levels are not bunched by device number.
         */
        List<QoS> assign(int devices, Random random) {
            List<Integer> levels = new ArrayList<>(percentByLevel.keySet());
            int[] counts = new int[levels.size()];
            double[] remainders = new double[levels.size()];
            int given = 0;
            for (int i = 0; i < levels.size(); i++) {
                double exact = devices * percentByLevel.get(levels.get(i)) / 100.0;
                counts[i] = (int) Math.floor(exact);
                remainders[i] = exact - counts[i];
                given += counts[i];
            }
            List<Integer> byRemainder = new ArrayList<>();
            for (int i = 0; i < levels.size(); i++) {
                byRemainder.add(i);
            }
            // Stable sort: on equal remainders the lower level gets the device, so the result is fixed.
            byRemainder.sort((a, b) -> Double.compare(remainders[b], remainders[a]));
            for (int k = 0; given < devices; k++) {
                counts[byRemainder.get(k % byRemainder.size())]++;
                given++;
            }
            List<QoS> assigned = new ArrayList<>(devices);
            for (int i = 0; i < levels.size(); i++) {
                for (int n = 0; n < counts[i]; n++) {
                    assigned.add(QoS.ofLevel(levels.get(i)));
                }
            }
            Collections.shuffle(assigned, random);
            return assigned;
        }

        /** {@code 1} for a single level, {@code {0: 50%, 1: 50%}} for a mix. */
        String describe() {
            if (percentByLevel.size() == 1) {
                return Integer.toString(percentByLevel.firstKey());
            }
            StringJoiner shares = new StringJoiner(", ", "{", "}");
            percentByLevel.forEach((level, percent) -> shares.add(level + ": " + percentText(percent) + "%"));
            return shares.toString();
        }
    }

    /** 50 as {@code 50}, 12.5 as {@code 12.5}, at most three decimals. */
    private static String percentText(double percent) {
        return java.math.BigDecimal.valueOf(percent).setScale(3, java.math.RoundingMode.HALF_UP).stripTrailingZeros()
                .toPlainString();
    }

    enum PayloadKind { COUNTER, RANDOM_WALK, JSON }

    record Subscription(String topic, QoS qos) {
    }

    /** A sleep duty cycle: sleep, wake to fetch, connect to publish, sleep again. */
    record Sleeping(boolean enabled, int sleepSeconds) {
    }

    /**
     * The devices reach the gateway through a simulated NAT ({@link io.sngate.sim.nat.NatRebinder}).
     *
     * @param rebindAtSeconds    at these times from the start every device gets a new source port
     * @param idleTimeoutSeconds a device silent this long gets a new port with its next packet (0: never)
     */
    record Nat(boolean enabled, List<Double> rebindAtSeconds, double idleTimeoutSeconds) {
        static final Nat NONE = new Nat(false, List.of(), 0);

        Nat {
            rebindAtSeconds = List.copyOf(rebindAtSeconds);
        }

        /** For the start line, e.g. {@code through a NAT rebinding at 10 s, 20 s}. */
        String describe() {
            StringBuilder text = new StringBuilder("through a NAT");
            if (!rebindAtSeconds.isEmpty()) {
                StringJoiner times = new StringJoiner(" s, ", " rebinding at ", " s");
                rebindAtSeconds.forEach(t -> times.add(BigDecimalText.of(t)));
                text.append(times);
            }
            if (idleTimeoutSeconds > 0) {
                text.append(rebindAtSeconds.isEmpty() ? " " : ", ").append("expiring idle mappings after ")
                        .append(BigDecimalText.of(idleTimeoutSeconds)).append(" s");
            }
            return text.toString();
        }
    }

    /** Numbers as a reader writes them: 10 as {@code 10}, 2.5 as {@code 2.5}. */
    private static final class BigDecimalText {
        static String of(double value) {
            return java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
        }
    }

    /** A scenario problem: the key and what is wrong. */
    static final class ScenarioError extends Exception {
        private static final long serialVersionUID = 1L;

        ScenarioError(String key, String reason) {
            super(key + ": " + reason);
        }

        /** A problem whose message names its key already. */
        ScenarioError(DtlsSettings.Invalid invalid) {
            super(invalid.getMessage(), invalid);
        }
    }

    /** A scenario file, checked as a whole: what a fleet can run as it is. */
    static Scenario load(Path file) throws ScenarioError {
        return read(file).checked();
    }

    /**
     * A scenario file, each key checked but not yet the whole (see {@link #checked()}): a link
     * whose port the command line gives, for example, is complete only after it.
     */
    static Scenario read(Path file) throws ScenarioError {
        Object document;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            document = new Yaml(new SafeConstructor(options)).load(reader);
        } catch (IOException e) {
            throw new ScenarioError("--scenario", "cannot read " + file + ": " + e.getMessage());
        } catch (YAMLException e) {
            throw new ScenarioError("--scenario", file + " is not valid YAML: " + e.getMessage().replace('\n', ' '));
        }
        if (document == null) {
            document = Map.of();
        }
        if (!(document instanceof Map<?, ?> root)) {
            throw new ScenarioError("--scenario", file + " must hold a mapping of keys");
        }
        Path folder = file.toAbsolutePath().getParent();
        return unchecked(root, folder != null ? folder : Path.of(""));
    }

    static Scenario defaults() {
        try {
            return fromMap(Map.of());
        } catch (ScenarioError e) {
            throw new IllegalStateException(e);
        }
    }

    static Scenario fromMap(Map<?, ?> root) throws ScenarioError {
        return fromMap(root, Path.of(""));
    }

    /** @param folder where the files the scenario names (keys, certificates) are looked for */
    static Scenario fromMap(Map<?, ?> root, Path folder) throws ScenarioError {
        return unchecked(root, folder).checked();
    }

    private static Scenario unchecked(Map<?, ?> root, Path folder) throws ScenarioError {
        Section top = new Section("", root, Set.of("gateway", "devices", "duration-seconds", "connect-spread-seconds",
                "publish", "subscribe", "sleep", "impairment", "seed", "runtimes", "link", "dtls", "nat"));
        Section gateway = top.section("gateway", Set.of("host", "port"));
        Section devices = top.section("devices", Set.of("count", "client-id-prefix", "keep-alive", "clean-session",
                "retry-seconds", "max-retries"));
        Section publish = top.section("publish", Set.of("topic", "predefined-id", "short-topic", "interval-seconds",
                "jitter-seconds", "qos", "retain", "payload"));
        Section payload = publish.section("payload", Set.of("kind", "start", "step", "template"));
        Section sleep = top.section("sleep", Set.of("enabled", "sleep-seconds"));
        Section impairment = top.section("impairment", Set.of("loss-percent", "duplicate-percent", "reorder-percent",
                "latency-ms", "jitter-ms"));
        Section link = top.section("link", Set.of("kind", "port", "baud", "api-mode", "forwarder", "address-base",
                "max-payload", "line"));
        Section line = link.section("line", Set.of("drop-percent", "corrupt-percent", "noise-percent",
                "half-frame-percent"));
        Section dtlsSection = top.section("dtls", Set.of("enabled", "psk-identity", "psk-hex", "psk-file", "cafile",
                "cert", "key"));
        Section natSection = top.section("nat", Set.of("enabled", "rebind-at-seconds", "idle-timeout-seconds"));

        List<Subscription> subscriptions = new ArrayList<>();
        Object subs = root.get("subscribe");
        if (subs != null) {
            if (!(subs instanceof List<?> list)) {
                throw new ScenarioError("subscribe", "must be a list of {topic, qos}");
            }
            for (int i = 0; i < list.size(); i++) {
                if (!(list.get(i) instanceof Map<?, ?> entry)) {
                    throw new ScenarioError("subscribe[" + i + "]", "must be a mapping with topic and qos");
                }
                Section sub = new Section("subscribe[" + i + "].", entry, Set.of("topic", "qos"));
                subscriptions.add(new Subscription(sub.string("topic", null), QoS.ofLevel(sub.integer("qos", 0, 0, 2))));
            }
        }
        String kindText = payload.string("kind", "counter");
        PayloadKind kind = switch (kindText) {
            case "counter" -> PayloadKind.COUNTER;
            case "random-walk" -> PayloadKind.RANDOM_WALK;
            case "json" -> PayloadKind.JSON;
            default -> throw new ScenarioError("publish.payload.kind", "must be counter, random-walk or json, not '"
                    + kindText + "'");
        };
        LinkSpec linkSpec = linkSpec(link, line);
        QosMix qos = qosMix(publish);
        int predefinedId = publish.integer("predefined-id", 0, 1, 0xFFFE);
        String shortTopic = shortTopic(publish);
        checkPublishTopic(publish, qos, predefinedId, shortTopic);
        Optional<DtlsSettings> dtls = dtls(dtlsSection, folder);
        Nat nat = nat(natSection);
        try {
            return new Scenario(
                    gateway.string("host", "localhost"),
                    gateway.integer("port", 1883, 1, 65535),
                    devices.integer("count", 10, 1, 1_000_000),
                    devices.string("client-id-prefix", "sim-"),
                    devices.integer("keep-alive", 60, 0, 65535),
                    devices.bool("clean-session", true),
                    devices.number("retry-seconds", 10, 0.01, 3600),
                    devices.integer("max-retries", 3, 0, 100),
                    top.number("duration-seconds", 30, 0.1, 31_536_000),
                    top.number("connect-spread-seconds", 2, 0, 3600),
                    new Publishing(
                            publish.string("topic", "sim/{id}/reading"),
                            predefinedId,
                            shortTopic,
                            publish.number("interval-seconds", 5, 0.001, 86_400),
                            publish.number("jitter-seconds", 0, 0, 86_400),
                            qos,
                            publish.bool("retain", false),
                            kind,
                            payload.number("start", 20, -1e12, 1e12),
                            payload.number("step", 0.5, 0, 1e12),
                            payload.string("template", "{\"device\":\"{id}\",\"seq\":{n},\"value\":{value}}")),
                    subscriptions,
                    new Sleeping(sleep.bool("enabled", false), sleep.integer("sleep-seconds", 30, 1, 65535)),
                    new Impairment(
                            impairment.number("loss-percent", 0, 0, 100),
                            impairment.number("duplicate-percent", 0, 0, 100),
                            impairment.number("reorder-percent", 0, 0, 100),
                            (long) impairment.number("latency-ms", 0, 0, 600_000),
                            (long) impairment.number("jitter-ms", 0, 0, 600_000)),
                    (long) top.number("seed", 1, Long.MIN_VALUE, Long.MAX_VALUE),
                    top.integer("runtimes", Math.max(1, Runtime.getRuntime().availableProcessors()), 1, 64),
                    linkSpec, dtls, nat);
        } catch (IllegalArgumentException e) {
            throw new ScenarioError("scenario", e.getMessage());
        }
    }

    /** {@code publish.qos}: a level, or a mapping of levels to their share of the devices in percent. */
    private static QosMix qosMix(Section publish) throws ScenarioError {
        Object value = publish.raw("qos");
        if (value instanceof List) {
            throw new ScenarioError("publish.qos", "must be a level from -1 to 2 or a mix of levels with their"
                    + " share of the devices, e.g. {0: 50%, 1: 50%}");
        }
        if (!(value instanceof Map<?, ?> shares)) {
            return QosMix.of(QoS.ofLevel(publish.integer("qos", 1, -1, 2)));
        }
        if (shares.isEmpty()) {
            throw new ScenarioError("publish.qos", "a mix needs at least one level, e.g. {0: 50%, 1: 50%}");
        }
        SortedMap<Integer, Double> percentByLevel = new TreeMap<>();
        Set<Integer> seen = new HashSet<>();
        double total = 0;
        for (Map.Entry<?, ?> entry : shares.entrySet()) {
            String key = "publish.qos." + entry.getKey();
            int level;
            try {
                level = Integer.parseInt(String.valueOf(entry.getKey()).trim());
            } catch (NumberFormatException e) {
                level = Integer.MIN_VALUE;
            }
            if (level < -1 || level > 2) {
                throw new ScenarioError(key, "is not a QoS level; the levels are -1, 0, 1 and 2");
            }
            if (!seen.add(level)) {
                throw new ScenarioError(key, "level " + level + " is given twice");
            }
            double share = percent(key, entry.getValue());
            total += share;
            if (share > 0) {
                percentByLevel.put(level, share); // a level at 0% gets no device, so it is not in the mix
            }
        }
        // Shares written with decimals (33.3 + 33.3 + 33.4) may be off by rounding, never by more.
        if (Math.abs(total - 100) > 1e-6) {
            throw new ScenarioError("publish.qos", "the shares must add up to 100%, not " + percentText(total) + "%");
        }
        return new QosMix(percentByLevel);
    }

    /** A share such as {@code 50%}, {@code 12.5%} or a bare {@code 50}. */
    private static double percent(String key, Object value) throws ScenarioError {
        double share;
        if (value instanceof Number n) {
            share = n.doubleValue();
        } else {
            String text = value == null ? "" : String.valueOf(value).trim();
            if (text.endsWith("%")) {
                text = text.substring(0, text.length() - 1).trim();
            }
            try {
                share = Double.parseDouble(text);
            } catch (NumberFormatException e) {
                throw new ScenarioError(key, "must be a share of the devices in percent, e.g. 50%, not '" + value
                        + "'");
            }
        }
        if (!(share >= 0 && share <= 100)) {
            throw new ScenarioError(key, "must be a share from 0% to 100%, not " + value);
        }
        return share;
    }

    private static String shortTopic(Section publish) throws ScenarioError {
        String name = publish.string("short-topic", "");
        if (name.isEmpty()) {
            return name;
        }
        if (!ShortTopicName.fits(name)) {
            throw new ScenarioError("publish.short-topic", "a short topic name is exactly two bytes, not '" + name
                    + "'");
        }
        if (name.contains("+") || name.contains("#")) {
            throw new ScenarioError("publish.short-topic", "is published to, so it cannot hold the wildcards + or #,"
                    + " not '" + name + "'");
        }
        return name;
    }

    /**
     * One of topic, predefined-id and short-topic names what the devices publish to; QoS -1 needs one
     * of the last two, as a device that does not connect cannot register a name (spec 6.8).
     */
    private static void checkPublishTopic(Section publish, QosMix qos, int predefinedId, String shortTopic)
            throws ScenarioError {
        if (predefinedId != 0 && !shortTopic.isEmpty()) {
            throw new ScenarioError("publish.short-topic", "excludes publish.predefined-id: give one of them");
        }
        if (publish.has("topic") && (predefinedId != 0 || !shortTopic.isEmpty())) {
            throw new ScenarioError("publish.topic", "excludes publish." + (predefinedId != 0 ? "predefined-id"
                    : "short-topic") + ": give one of them");
        }
        if (qos.includes(QoS.MINUS_ONE) && predefinedId == 0 && shortTopic.isEmpty()) {
            throw new ScenarioError("publish.qos", "QoS -1 needs publish.predefined-id or publish.short-topic (a"
                    + " device that does not connect cannot register a topic name)");
        }
    }

    /** The {@code dtls} section: the tools' flags as keys, files relative to the scenario's folder. */
    private static Optional<DtlsSettings> dtls(Section section, Path folder) throws ScenarioError {
        Map<DtlsSettings.Key, String> given = new java.util.EnumMap<>(DtlsSettings.Key.class);
        for (DtlsSettings.Key key : DtlsSettings.Key.values()) {
            if (key != DtlsSettings.Key.DTLS && section.has(key.yaml)) {
                Object value = section.raw(key.yaml);
                if (!(value instanceof String text)) {
                    // YAML reads 0011 as the number 9 and 0x1f as 31: a key or identity must stay text.
                    throw new ScenarioError("dtls." + key.yaml, "must be text in quotes: YAML reads an unquoted "
                            + value.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT) + " (a hex key of"
                            + " digits becomes a number, 0011 the octal 9)");
                }
                if (!text.isEmpty()) { // "" is the documented default: not given
                    given.put(key, text);
                }
            }
        }
        try {
            return DtlsSettings.fromScenario(given, section.bool("enabled", false), folder);
        } catch (DtlsSettings.Invalid e) {
            throw new ScenarioError(e);
        }
    }

    private static Nat nat(Section section) throws ScenarioError {
        boolean enabled = section.bool("enabled", false);
        List<Double> times = new ArrayList<>();
        Object raw = section.raw("rebind-at-seconds");
        if (raw != null) {
            if (!(raw instanceof List<?> list)) {
                throw new ScenarioError("nat.rebind-at-seconds", "must be a list of times in seconds, e.g. [10, 20]");
            }
            for (int i = 0; i < list.size(); i++) {
                Object value = list.get(i);
                double time;
                try {
                    time = value instanceof Number n ? n.doubleValue() : Double.parseDouble(String.valueOf(value));
                } catch (NumberFormatException e) {
                    throw new ScenarioError("nat.rebind-at-seconds[" + i + "]", "must be a number, not '" + value + "'");
                }
                if (!(time > 0 && time <= 31_536_000)) {
                    throw new ScenarioError("nat.rebind-at-seconds[" + i + "]", "must be above 0, not " + value);
                }
                times.add(time);
            }
            Collections.sort(times);
        }
        double idle = section.number("idle-timeout-seconds", 0, 0, 86_400);
        if (!enabled && (!times.isEmpty() || idle > 0)) {
            throw new ScenarioError(times.isEmpty() ? "nat.idle-timeout-seconds" : "nat.rebind-at-seconds",
                    "needs nat.enabled: true");
        }
        return new Nat(enabled, times, idle);
    }

    private static LinkSpec linkSpec(Section link, Section line) throws ScenarioError {
        String kindText = link.string("kind", "udp");
        LinkKind kind = switch (kindText) {
            case "udp" -> LinkKind.UDP;
            case "xbee" -> LinkKind.XBEE;
            case "serial" -> LinkKind.SERIAL;
            default -> throw new ScenarioError("link.kind", "must be udp, xbee or serial, not '" + kindText + "'");
        };
        int ap = link.integer("api-mode", 2, 1, 2);
        try {
            return new LinkSpec(kind, link.string("port", ""), link.integer("baud", 9_600, 50, 4_000_000),
                    ApiMode.fromApParameter(ap), link.bool("forwarder", false),
                    link.unsignedLong("address-base", DEFAULT_ADDRESS_BASE),
                    link.integer("max-payload", LinkSpec.defaultMaxPayload(kind), 2,
                            kind == LinkKind.SERIAL ? 65_280 : 255),
                    new LineImpairment(
                            line.number("drop-percent", 0, 0, 100),
                            line.number("corrupt-percent", 0, 0, 100),
                            line.number("noise-percent", 0, 0, 100),
                            line.number("half-frame-percent", 0, 0, 100)));
        } catch (IllegalArgumentException e) {
            throw new ScenarioError("link", e.getMessage());
        }
    }

    /**
     * Checks what only the whole scenario can tell (run again after command-line overrides):
     * a line needs its port, and one serial line without a forwarder carries one device.
     */
    Scenario checked() throws ScenarioError {
        if (link.kind() != LinkKind.UDP && (dtls.isPresent() || nat.enabled())) {
            throw new ScenarioError(dtls.isPresent() ? "dtls" : "nat", "is for link kind udp, not "
                    + link.kind().name().toLowerCase(java.util.Locale.ROOT));
        }
        if (dtls.isPresent()) {
            try {
                dtls.get().checkDevices(devices, i -> clientIdPrefix + i);
            } catch (DtlsSettings.Invalid e) {
                throw new ScenarioError(e);
            }
        }
        if (!nat.rebindAtSeconds().isEmpty() && nat.rebindAtSeconds().get(nat.rebindAtSeconds().size() - 1)
                >= durationSeconds) {
            throw new ScenarioError("nat.rebind-at-seconds", BigDecimalText.of(nat.rebindAtSeconds()
                    .get(nat.rebindAtSeconds().size() - 1)) + " is not before the end of the run (duration-seconds "
                    + BigDecimalText.of(durationSeconds) + ")");
        }
        switch (link.kind()) {
            case UDP -> {
                if (!link.port().isEmpty()) {
                    throw new ScenarioError("link.port", "is for kind xbee or serial; UDP uses gateway.host and port");
                }
            }
            case XBEE -> {
                if (link.port().isEmpty()) {
                    throw new ScenarioError("link.port", "is required for kind xbee (the device end of the pty pair)");
                }
                if (link.maxPayload() > 255) {
                    throw new ScenarioError("link.max-payload", "an XBee radio's NP is at most 255, not "
                            + link.maxPayload());
                }
            }
            case SERIAL -> {
                if (link.port().isEmpty()) {
                    throw new ScenarioError("link.port", "is required for kind serial (the device end of the pty pair)");
                }
                if (!link.forwarder() && devices > 1) {
                    throw new ScenarioError("link.forwarder", "must be true (--forwarder) for more than one device on"
                            + " a serial line; devices.count is " + devices);
                }
                if (link.forwarder() && devices > 0xFFFF) {
                    throw new ScenarioError("devices.count", "at most 65535 devices behind one forwarder (two-byte"
                            + " node ids), not " + devices);
                }
            }
            default -> throw new IllegalStateException("link kind " + link.kind());
        }
        return this;
    }

    Scenario withLink(LinkSpec newLink) {
        return new Scenario(host, port, devices, clientIdPrefix, keepAlive, cleanSession, retrySeconds, maxRetries,
                durationSeconds, connectSpreadSeconds, publishing, subscriptions, sleeping, impairment, seed, runtimes,
                newLink, dtls, nat);
    }

    Scenario withDevices(int count) {
        return new Scenario(host, port, count, clientIdPrefix, keepAlive, cleanSession, retrySeconds, maxRetries,
                durationSeconds,
                connectSpreadSeconds, publishing, subscriptions, sleeping, impairment, seed, runtimes, link, dtls, nat);
    }

    Scenario withGateway(String newHost, int newPort) {
        return new Scenario(newHost, newPort, devices, clientIdPrefix, keepAlive, cleanSession, retrySeconds,
                maxRetries, durationSeconds,
                connectSpreadSeconds, publishing, subscriptions, sleeping, impairment, seed, runtimes, link, dtls, nat);
    }

    Scenario withDtls(Optional<DtlsSettings> newDtls) {
        return new Scenario(host, port, devices, clientIdPrefix, keepAlive, cleanSession, retrySeconds, maxRetries,
                durationSeconds, connectSpreadSeconds, publishing, subscriptions, sleeping, impairment, seed, runtimes,
                link, newDtls, nat);
    }

    Scenario withDuration(double seconds) {
        return new Scenario(host, port, devices, clientIdPrefix, keepAlive, cleanSession, retrySeconds, maxRetries,
                seconds,
                connectSpreadSeconds, publishing, subscriptions, sleeping, impairment, seed, runtimes, link, dtls, nat);
    }

    /** One mapping of the YAML, with its path for error messages. */
    private static final class Section {
        private final String path;
        private final Map<?, ?> map;

        Section(String path, Map<?, ?> map, Set<String> allowed) throws ScenarioError {
            this.path = path;
            this.map = map;
            for (Object key : map.keySet()) {
                if (!allowed.contains(String.valueOf(key))) {
                    throw new ScenarioError(path + key, "unknown key (known here: " + String.join(", ",
                            new java.util.TreeSet<>(allowed)) + ")");
                }
            }
        }

        Section section(String key, Set<String> allowed) throws ScenarioError {
            Object value = map.get(key);
            if (value == null) {
                return new Section(path + key + ".", Map.of(), allowed);
            }
            if (!(value instanceof Map<?, ?> child)) {
                throw new ScenarioError(path + key, "must be a section of keys");
            }
            return new Section(path + key + ".", child, allowed);
        }

        boolean has(String key) {
            return map.get(key) != null;
        }

        /** The value as the YAML gave it (null when absent), for keys that take more than one form. */
        Object raw(String key) {
            return map.get(key);
        }

        String string(String key, String fallback) throws ScenarioError {
            Object value = map.get(key);
            if (value == null) {
                if (fallback == null) {
                    throw new ScenarioError(path + key, "is required");
                }
                return fallback;
            }
            if (value instanceof Map || value instanceof List) {
                throw new ScenarioError(path + key, "must be a single value");
            }
            return String.valueOf(value);
        }

        double number(String key, double fallback, double min, double max) throws ScenarioError {
            Object value = map.get(key);
            if (value == null) {
                return fallback;
            }
            double number;
            if (value instanceof Number n) {
                number = n.doubleValue();
            } else {
                try {
                    number = Double.parseDouble(String.valueOf(value));
                } catch (NumberFormatException e) {
                    throw new ScenarioError(path + key, "must be a number, not '" + value + "'");
                }
            }
            if (!(number >= min && number <= max)) {
                throw new ScenarioError(path + key, "must be from " + min + " to " + max + ", not " + value);
            }
            return number;
        }

        int integer(String key, int fallback, int min, int max) throws ScenarioError {
            Object value = map.get(key);
            if (value == null) {
                return fallback;
            }
            if (!(value instanceof Integer) && !(value instanceof Long)) {
                try {
                    value = Long.parseLong(String.valueOf(value));
                } catch (NumberFormatException e) {
                    throw new ScenarioError(path + key, "must be a whole number, not '" + value + "'");
                }
            }
            long number = ((Number) value).longValue();
            if (number < min || number > max) {
                throw new ScenarioError(path + key, "must be from " + min + " to " + max + ", not " + number);
            }
            return (int) number;
        }

        /** An unsigned 64-bit number, decimal or 0x-hex (XBee addresses are written in hex). */
        long unsignedLong(String key, long fallback) throws ScenarioError {
            Object value = map.get(key);
            if (value == null) {
                return fallback;
            }
            if (value instanceof Integer || value instanceof Long) {
                long n = ((Number) value).longValue();
                if (n < 0) {
                    throw new ScenarioError(path + key, "must not be negative, not " + n);
                }
                return n;
            }
            String text = String.valueOf(value).trim().replace("_", "");
            try {
                java.math.BigInteger n = text.startsWith("0x") || text.startsWith("0X")
                        ? new java.math.BigInteger(text.substring(2), 16) : new java.math.BigInteger(text);
                if (n.signum() < 0 || n.bitLength() > 64) {
                    throw new ScenarioError(path + key, "must be from 0 to 0xFFFFFFFFFFFFFFFF, not " + value);
                }
                return n.longValue();
            } catch (NumberFormatException e) {
                throw new ScenarioError(path + key, "must be a number (decimal or 0x hex), not '" + value + "'");
            }
        }

        boolean bool(String key, boolean fallback) throws ScenarioError {
            Object value = map.get(key);
            if (value == null) {
                return fallback;
            }
            if (value instanceof Boolean b) {
                return b;
            }
            throw new ScenarioError(path + key, "must be true or false, not '" + value + "'");
        }
    }
}
