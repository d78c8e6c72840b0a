package io.sngate.sim;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.client.ClientConfig;
import io.sngate.client.Topic;
import io.sngate.client.Will;
import io.sngate.client.dtls.DtlsCredentials;
import io.sngate.hw.cli.CliCommand;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The options {@code pub} and {@code sub} share, in mosquitto_pub/mosquitto_sub's spelling.
 *
 * @param topics         what -t and --predefined name: one for pub; one or more for sub (none
 *                       when sub only unsubscribes with -U)
 * @param dtls           the credentials, when the tool speaks DTLS to the gateway ({@code --dtls})
 * @param will           the last will the gateway publishes if the tool goes without DISCONNECT
 * @param timeoutSeconds -W: the whole run's time, counted from before the first packet; 0 for none
 * @param retrySeconds   --retry-seconds: T_RETRY
 * @param maxRetries     --max-retries: N_RETRY
 */
record ToolOptions(String host, int port, String clientId, int keepAlive, QoS qos, List<NamedTopic> topics,
                   boolean debug, boolean cleanSession, int sleepSeconds, Optional<DtlsCredentials> dtls,
                   Optional<Will> will, double timeoutSeconds, double retrySeconds, int maxRetries) {

    static final String TOPIC_GROUP = "Topic and QoS";
    static final String SESSION_GROUP = "Gateway and session";
    static final String WILL_GROUP = "Will (the gateway publishes it when the tool vanishes without DISCONNECT)";

    /** A topic as the client names it, and as the tool prints it. */
    record NamedTopic(Topic topic, String label) {
    }

    ToolOptions {
        topics = List.copyOf(topics);
    }

    /** Adds the topic options, -t -q --predefined --short, to a tool's command line; {@code tool} is pub or sub. */
    static CliCommand addTopicOptions(CliCommand command, String tool) {
        command.group(TOPIC_GROUP);
        if (tool.equals("sub")) {
            command.repeatable("-t", "TOPIC", "topic name or filter to subscribe to (with --short: a two-character "
                    + "short topic name); may be given several times");
        } else {
            command.value("-t", "TOPIC", "topic name (with --short: a two-character short topic name)");
        }
        return command
                .value("--predefined", "ID", "use predefined topic id ID (-t then only names it in output)")
                .flag("--short", "-t is a short topic name")
                .value("-q", "QOS", "quality of service: -1, 0, 1 or 2 (default 0)");
    }

    /** Adds the gateway, session, will and DTLS options to a tool's command line. */
    static CliCommand addSessionOptions(CliCommand command) {
        command.group(SESSION_GROUP)
                .value("-h", "HOST", "gateway host (default localhost)")
                .value("-p", "PORT", "gateway UDP port, or DTLS port with --dtls (default 1883)")
                .value("-i", "ID", "client id (default sngate-<tool>-<pid>)")
                .value("-k", "SECONDS", "keep-alive (default 60): a ping after SECONDS of silence; a ping without "
                        + "answer loses the gateway; 0: no pings")
                .flag("-c", "clean session 0: keep the session at the gateway")
                .value("--sleep", "SECONDS", "sleep at the gateway between rounds instead of staying connected")
                .value("--retry-seconds", "SECONDS", "T_RETRY: send a request again after SECONDS without answer "
                        + "(default 10)")
                .value("--max-retries", "COUNT", "N_RETRY: give a request up after COUNT resends (default 3)")
                .flag("-d", "print every packet sent and received");
        command.group(WILL_GROUP)
                .value("--will-topic", "TOPIC", "the will's topic name")
                .value("--will-payload", "PAYLOAD", "the will's payload (default empty)")
                .value("--will-qos", "QOS", "the will's QoS: 0, 1 or 2 (default 0)")
                .flag("--will-retain", "the broker retains the will");
        return DtlsSettings.addOptions(command, "DTLS", "DTLS 1.2 to the gateway (-p is then its DTLS port), with a "
                + "PSK or certificates");
    }

    /** The options of {@code args} as {@code tool} (pub or sub) reads them, from its command line alone. */
    static ToolOptions parse(List<String> args, String tool) throws ToolArgs.UsageError {
        CliCommand command = addSessionOptions(addTopicOptions(CliCommand.named(tool), tool))
                .value("-W", "SECONDS", "time limit");
        return from(new ToolArgs(command.parse(args)), tool);
    }

    static ToolOptions from(ToolArgs line, String tool) throws ToolArgs.UsageError {
        String host = line.get("-h", "localhost");
        if (host.isBlank()) {
            throw new ToolArgs.UsageError("-h must name a host");
        }
        int port = line.getInt("-p", 1883, 1, 65535);
        int qosLevel = line.getInt("-q", 0, -1, 2);
        String clientId = line.get("-i", "sngate-" + tool + "-" + ProcessHandle.current().pid());
        boolean ownClientId = line.has("-i");
        if (clientId.isEmpty()) {
            throw new ToolArgs.UsageError("-i must not be empty");
        }
        int keepAlive = line.getInt("-k", 60, 0, 65535);
        List<NamedTopic> topics = topics(line, tool);
        QoS qos = QoS.ofLevel(qosLevel);
        if (qos == QoS.MINUS_ONE && topics.stream().anyMatch(t -> t.topic() instanceof Topic.Name)) {
            throw new ToolArgs.UsageError("-q -1 needs --predefined ID or --short");
        }
        int sleep = line.getInt("--sleep", 0, 0, 65535);
        Optional<DtlsCredentials> dtls;
        try {
            Optional<DtlsSettings> settings = DtlsSettings.fromFlags(line::get, line.has("--dtls"));
            dtls = settings.isEmpty() ? Optional.empty() : Optional.of(settings.get().credentialsFor(0, clientId));
        } catch (DtlsSettings.Invalid e) {
            throw new ToolArgs.UsageError(e.getMessage());
        }
        if (!ownClientId && dtls.isPresent() && dtls.get().gatewayIdentity().isPresent()) {
            // The gateway binds a DTLS identity to the client id of the same name (its default
            // dtls.identity-binding): without -i, be that client.
            clientId = dtls.get().gatewayIdentity().get();
        }
        Optional<Will> will = will(line);
        if (will.isPresent() && qos == QoS.MINUS_ONE && tool.equals("pub")) {
            throw new ToolArgs.UsageError("--will-topic needs a connection, and -q -1 publishes without one");
        }
        double timeout = line.getDouble("-W", 0, 0.001, 31_536_000);
        double retrySeconds = line.getDouble("--retry-seconds", 10, 0.01, 3600);
        int maxRetries = line.getInt("--max-retries", 3, 0, 100);
        return new ToolOptions(host, port, clientId, keepAlive, qos, topics, line.has("-d"), !line.has("-c"),
                sleep, dtls, will, timeout, retrySeconds, maxRetries);
    }

    /** -t (several for sub) or --predefined, read as --short says. */
    private static List<NamedTopic> topics(ToolArgs line, String tool) throws ToolArgs.UsageError {
        List<String> names = line.all("-t");
        List<NamedTopic> topics = new ArrayList<>();
        if (line.has("--predefined")) {
            int id = line.getInt("--predefined", 0, 1, 0xFFFE);
            if (names.size() > 1) {
                throw new ToolArgs.UsageError("--predefined takes one -t, the name printed for it");
            }
            topics.add(new NamedTopic(Topic.predefined(id), names.isEmpty() ? "predefined/" + id : names.get(0)));
            return topics;
        }
        for (String name : names) {
            if (name.isEmpty()) {
                throw new ToolArgs.UsageError("-t must not be empty");
            }
            topics.add(new NamedTopic(topicNamed(name, line.has("--short"), "-t"), name));
        }
        if (topics.isEmpty() && !(tool.equals("sub") && line.has("-U"))) {
            throw new ToolArgs.UsageError("a topic is needed: -t TOPIC or --predefined ID"
                    + (tool.equals("sub") ? " (or -U TOPIC to unsubscribe only)" : ""));
        }
        return topics;
    }

    /** A topic name or filter, or with {@code --short} a two-character short name; {@code option} is named in errors. */
    static Topic topicNamed(String name, boolean shortName, String option) throws ToolArgs.UsageError {
        if (!shortName) {
            return Topic.name(name);
        }
        try {
            return Topic.shortName(name);
        } catch (IllegalArgumentException e) {
            throw new ToolArgs.UsageError("--short: " + e.getMessage() + " (" + option + " " + name + ")");
        }
    }

    private static Optional<Will> will(ToolArgs line) throws ToolArgs.UsageError {
        String topic = line.get("--will-topic");
        if (topic == null) {
            for (String option : List.of("--will-payload", "--will-qos", "--will-retain")) {
                if (line.has(option)) {
                    throw new ToolArgs.UsageError(option + " needs --will-topic");
                }
            }
            return Optional.empty();
        }
        if (topic.isEmpty() || topic.contains("+") || topic.contains("#")) {
            throw new ToolArgs.UsageError("--will-topic must be a topic name without wildcards, not '" + topic + "'");
        }
        QoS qos = QoS.ofLevel(line.getInt("--will-qos", 0, 0, 2));
        return Optional.of(new Will(topic, Bytes.utf8(line.get("--will-payload", "")), qos,
                line.has("--will-retain")));
    }

    /** The first topic: pub's only one. */
    Topic topic() {
        return topics.get(0).topic();
    }

    /** How the first topic is printed. */
    String topicLabel() {
        return topics.get(0).label();
    }

    /** Where the gateway is, as messages name it. */
    String gateway() {
        return host + ":" + port;
    }

    ClientConfig clientConfig() {
        ClientConfig config = ClientConfig.defaults(clientId).withKeepAlive(keepAlive)
                .withRetry(Math.max(1, Math.round(retrySeconds * 1000)), maxRetries);
        Map<Integer, String> predefined = new HashMap<>();
        for (NamedTopic named : topics) {
            if (named.topic() instanceof Topic.Predefined id) {
                predefined.put(id.id(), named.label());
            }
        }
        return predefined.isEmpty() ? config : config.withPredefinedTopics(predefined);
    }
}
