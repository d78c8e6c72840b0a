package io.sngate.sim;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.hw.cli.CliCommand;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code pub}: publish one message (or one per line) through an MQTT-SN gateway, like mosquitto_pub. */
final class PubCommand {

    private final PrintStream err;
    private final InputStream in;

    /** Prints nothing on stdout: what it has to say (errors, -d's packets) goes to {@code err}. */
    PubCommand(PrintStream err, InputStream in) {
        this.err = err;
        this.in = in;
    }

    /** {@code sngate-sim pub}: its options, help and action. */
    CliCommand command() {
        CliCommand command = CliCommand.named("pub")
                .summary("publish through an MQTT-SN gateway, like mosquitto_pub")
                .synopsis("sngate-sim pub -t TOPIC (-m MESSAGE | -f FILE | -n | -s | -l) [OPTIONS]",
                        "sngate-sim pub (--predefined ID | --short -t TOPIC) -q -1 -m MESSAGE [OPTIONS]")
                .description("Connects to the gateway as an MQTT-SN client, registers the topic, publishes one "
                        + "message (or one per line of standard input with -l) and disconnects, or goes to sleep "
                        + "with --sleep. At QoS -1 it sends the publish without connecting; the topic is then a "
                        + "predefined id or a short name. The options are mosquitto_pub's where it has them.")
                .valuesMayLookLikeOptions();
        ToolOptions.addTopicOptions(command).flag("-r", "retain");
        command.group("Payload (exactly one)")
                .value("-m", "MESSAGE", "the payload")
                .file("-f", "FILE", "the payload is the file's bytes")
                .flag("-n", "an empty payload")
                .flag("-s", "the payload is all of standard input")
                .flag("-l", "one message per line of standard input");
        return ToolOptions.addSessionOptions(command)
                .exitCode(Main.EXIT_OK, "published: acknowledged at QoS 1 and 2, sent at QoS 0 and -1")
                .exitCode(Main.EXIT_FAILURE, "the gateway did not answer or refused (connect, register, publish), "
                        + "or the payload could not be read")
                .exitCode(Main.EXIT_USAGE, "usage error: an unknown or repeated option, a bad value, no topic, "
                        + "not exactly one payload")
                .examples("sngate-sim pub -h 192.168.1.10 -t plant/temperature -m 21.5 -q 1",
                        "sngate-sim pub --predefined 7 -q -1 -m on",
                        "sngate-sim pub -t plant/log -l < readings.txt")
                .action(args -> run(new ToolArgs(args)));
    }

    private int run(ToolArgs line) throws ToolArgs.UsageError {
        ToolOptions options;
        List<Bytes> payloads;
        boolean retain;
        try {
            options = ToolOptions.from(line, "pub");
            payloads = payloads(line);
            retain = line.has("-r");
        } catch (IOException e) {
            err.println("sngate-sim pub: cannot read the payload: " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
        try (ToolSession session = new ToolSession(options, "pub", err)) {
            if (options.qos() != QoS.MINUS_ONE) {
                ToolSession.require("connect", session.connect(options.cleanSession()));
            }
            for (Bytes payload : payloads) {
                ToolSession.require("publish", session.client.publish(options.topic(), payload, options.qos(), retain));
            }
            if (options.qos() == QoS.MINUS_ONE) {
                session.flush(); // nothing answers a QoS -1 PUBLISH: wait until it has left
            } else {
                if (options.sleepSeconds() > 0) {
                    ToolSession.require("sleep", session.client.sleep(options.sleepSeconds()));
                } else {
                    ToolSession.require("disconnect", session.client.disconnect());
                }
            }
            return Main.EXIT_OK;
        } catch (ToolSession.Failure e) {
            err.println("sngate-sim pub: " + e.getMessage());
            return Main.EXIT_FAILURE;
        } catch (RuntimeException e) {
            err.println("sngate-sim pub: " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
    }

    private List<Bytes> payloads(ToolArgs line) throws ToolArgs.UsageError, IOException {
        int sources = (line.has("-m") ? 1 : 0) + (line.has("-f") ? 1 : 0) + (line.has("-n") ? 1 : 0)
                + (line.has("-s") ? 1 : 0) + (line.has("-l") ? 1 : 0);
        if (sources != 1) {
            throw new ToolArgs.UsageError("give exactly one of -m, -f, -n, -s, -l");
        }
        List<Bytes> payloads = new ArrayList<>();
        if (line.has("-m")) {
            payloads.add(Bytes.utf8(line.get("-m")));
        } else if (line.has("-f")) {
            payloads.add(Bytes.copyOf(Files.readAllBytes(Path.of(line.get("-f")))));
        } else if (line.has("-n")) {
            payloads.add(Bytes.EMPTY);
        } else if (line.has("-s")) {
            payloads.add(Bytes.copyOf(in.readAllBytes()));
        } else {
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String text = reader.readLine(); text != null; text = reader.readLine()) {
                payloads.add(Bytes.utf8(text));
            }
        }
        return payloads;
    }
}
