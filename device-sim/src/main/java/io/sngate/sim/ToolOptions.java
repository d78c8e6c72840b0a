package io.sngate.sim;

import io.sngate.client.ClientConfig;
import io.sngate.client.Topic;
import io.sngate.client.dtls.DtlsCredentials;
import io.sngate.codec.QoS;
import io.sngate.hw.cli.CliCommand;
import java.util.Map;
import java.util.Optional;

/**
 * The options {@code pub} and {@code sub} share, in mosquitto_pub/mosquitto_sub's spelling.
 *
 * @param dtls the credentials, when the tool speaks DTLS to the gateway ({@code --dtls})
 */
record ToolOptions(String host, int port, String clientId, int keepAlive, QoS qos, Topic topic, String topicLabel,
                   boolean debug, boolean cleanSession, int sleepSeconds, Optional<DtlsCredentials> dtls) {

    static final String TOPIC_GROUP = "Topic and QoS";
    static final String SESSION_GROUP = "Gateway and session";

    /** Adds the topic options, -t -q --predefined --short, to a tool's command line. */
    static CliCommand addTopicOptions(CliCommand command) {
        return command.group(TOPIC_GROUP)
                .value("-t", "TOPIC", "topic name (with --short: a two-character short topic name)")
                .value("--predefined", "ID", "use predefined topic id ID (-t then only names it in output)")
                .flag("--short", "-t is a short topic name")
                .value("-q", "QOS", "quality of service: -1, 0, 1 or 2 (default 0)");
    }

    /** Adds the gateway, session and DTLS options to a tool's command line. */
    static CliCommand addSessionOptions(CliCommand command) {
        command.group(SESSION_GROUP)
                .value("-h", "HOST", "gateway host (default localhost)")
                .value("-p", "PORT", "gateway UDP port, or DTLS port with --dtls (default 1883)")
                .value("-i", "ID", "client id (default sngate-<tool>-<pid>)")
                .value("-k", "SECONDS", "keep-alive (default 60)")
                .flag("-c", "clean session 0: keep the session at the gateway")
                .value("--sleep", "SECONDS", "sleep at the gateway between rounds instead of staying connected")
                .flag("-d", "print every packet sent and received");
        return DtlsSettings.addOptions(command, "DTLS", "DTLS 1.2 to the gateway (-p is then its DTLS port), with a "
                + "PSK or certificates");
    }

    /** The options of {@code args} as {@code tool} (pub or sub) reads them, from its command line alone. */
    static ToolOptions parse(java.util.List<String> args, String tool) throws ToolArgs.UsageError {
        CliCommand command = addSessionOptions(addTopicOptions(CliCommand.named(tool)));
        return from(new ToolArgs(command.parse(args)), tool);
    }

    static ToolOptions from(ToolArgs line, String tool) throws ToolArgs.UsageError {
        String host = line.get("-h", "localhost");
        int port = line.getInt("-p", 1883, 1, 65535);
        int qosLevel = line.getInt("-q", 0, -1, 2);
        String clientId = line.get("-i", "sngate-" + tool + "-" + ProcessHandle.current().pid());
        boolean ownClientId = line.has("-i");
        if (clientId.isEmpty()) {
            throw new ToolArgs.UsageError("-i must not be empty");
        }
        int keepAlive = line.getInt("-k", 60, 0, 65535);
        String name = line.get("-t");
        Topic topic;
        String label;
        if (line.has("--predefined")) {
            int id = line.getInt("--predefined", 0, 1, 0xFFFE);
            topic = Topic.predefined(id);
            label = name != null ? name : "predefined/" + id;
        } else if (name == null || name.isEmpty()) {
            throw new ToolArgs.UsageError("a topic is needed: -t TOPIC or --predefined ID");
        } else if (line.has("--short")) {
            try {
                topic = Topic.shortName(name);
            } catch (IllegalArgumentException e) {
                throw new ToolArgs.UsageError("--short: " + e.getMessage());
            }
            label = name;
        } else {
            topic = Topic.name(name);
            label = name;
        }
        QoS qos = QoS.ofLevel(qosLevel);
        if (qos == QoS.MINUS_ONE && topic instanceof Topic.Name) {
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
        return new ToolOptions(host, port, clientId, keepAlive, qos, topic, label, line.has("-d"), !line.has("-c"),
                sleep, dtls);
    }

    ClientConfig clientConfig() {
        ClientConfig config = ClientConfig.defaults(clientId).withKeepAlive(keepAlive);
        if (topic instanceof Topic.Predefined predefined) {
            config = config.withPredefinedTopics(Map.of(predefined.id(), topicLabel));
        }
        return config;
    }
}
