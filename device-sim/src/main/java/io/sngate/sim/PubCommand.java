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
                                + "message (or one per line of standard input with -l, or one --repeat times) and "
                                + "disconnects, or goes to sleep with --sleep. At QoS -1 it sends the publish "
                                + "without connecting; the topic is then a predefined id or a short name. The "
                                + "options are mosquitto_pub's where it has them.",
                        "Every way out after connecting sends DISCONNECT first, failures, -W and Ctrl-C or "
                                + "SIGTERM included (waiting at most 3 s for the gateway's answer), so that no "
                                + "session is left at the gateway and no will is published.",
                        "QoS -1 is fire-and-forget: nothing answers it, so pub cannot tell whether the gateway "
                                + "took it. A gateway drops a QoS -1 publish to a predefined id it does not know "
                                + "without a word (ours logs it and counts it as dropped.qos_minus_one); pub says "
                                + "so on stderr.")
                .valuesMayLookLikeOptions();
        ToolOptions.addTopicOptions(command, "pub").flag("-r", "retain");
        command.group("Payload (exactly one)")
                .value("-m", "MESSAGE", "the payload")
                .file("-f", "FILE", "the payload is the file's bytes")
                .flag("-n", "an empty payload")
                .flag("-s", "the payload is all of standard input")
                .flag("-l", "one message per line of standard input");
        command.group("Repeating and time")
                .value("--repeat", "COUNT", "publish the message COUNT times (not with -l)")
                .value("--repeat-delay", "SECONDS", "wait SECONDS between the repeats (with --repeat)")
                .value("-W", "SECONDS", "give up after SECONDS, counted from the first packet (connecting "
                        + "included), with exit code 1");
        return ToolOptions.addSessionOptions(command)
                .exitCode(Main.EXIT_OK, "published: acknowledged at QoS 1 and 2, sent at QoS 0 and -1")
                .exitCode(Main.EXIT_FAILURE, "the gateway did not answer (within -W, or after the retries) or "
                        + "refused (connect, register, publish); the host is unknown; the payload could not be read")
                .exitCode(Main.EXIT_USAGE, "usage error: an unknown or repeated option, a bad value, no topic, "
                        + "not exactly one payload")
                .exitCode(130, "SIGINT (Ctrl-C), after sending DISCONNECT")
                .exitCode(143, "SIGTERM, after sending DISCONNECT")
                .examples("sngate-sim pub -h 192.168.1.10 -t plant/temperature -m 21.5 -q 1",
                        "sngate-sim pub --predefined 7 -q -1 -m on",
                        "sngate-sim pub -t plant/log -l < readings.txt",
                        "sngate-sim pub -t plant/heartbeat -m beat --repeat 10 --repeat-delay 0.5 -W 30")
                .action(args -> run(new ToolArgs(args)));
    }

    private int run(ToolArgs line) throws ToolArgs.UsageError {
        ToolOptions options = ToolOptions.from(line, "pub");
        boolean retain = line.has("-r");
        int repeat = line.getInt("--repeat", 1, 1, Integer.MAX_VALUE);
        double repeatDelay = line.getDouble("--repeat-delay", 0, 0, 31_536_000);
        if (line.has("--repeat-delay") && !line.has("--repeat")) {
            throw new ToolArgs.UsageError("--repeat-delay needs --repeat");
        }
        if (line.has("--repeat") && line.has("-l")) {
            throw new ToolArgs.UsageError("--repeat repeats one message: not with -l");
        }
        List<Bytes> payloads;
        try {
            payloads = payloads(line);
        } catch (IOException e) {
            err.println("sngate-sim pub: cannot read the payload: " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
        Deadline deadline = Deadline.after(options.timeoutSeconds());
        ToolSession session = null;
        try {
            session = ToolSession.open(options, "pub", err);
            publish(session, options, payloads, retain, repeat, repeatDelay, deadline);
            return Main.EXIT_OK;
        } catch (ToolSession.Failure e) {
            if (session == null || !session.stopping()) {
                err.println("sngate-sim pub: " + e.getMessage());
            }
            return e.exitCode();
        } catch (RuntimeException e) {
            err.println("sngate-sim pub: " + e.getMessage());
            return Main.EXIT_FAILURE;
        } finally {
            if (session != null) {
                session.close(); // DISCONNECT first, unless done or asleep
            }
        }
    }

    private void publish(ToolSession session, ToolOptions options, List<Bytes> payloads, boolean retain, int repeat,
                         double repeatDelay, Deadline deadline) throws ToolSession.Failure {
        boolean minusOne = options.qos() == QoS.MINUS_ONE;
        if (minusOne) {
            err.println("sngate-sim pub: note: QoS -1 is fire-and-forget, nothing confirms it: a gateway drops a "
                    + "publish to a predefined id it does not know without a word (see its log and its "
                    + "dropped.qos_minus_one count)");
        } else {
            session.connect(deadline);
        }
        try {
            for (int round = 0; round < repeat; round++) {
                if (round > 0 && repeatDelay > 0) {
                    deadline.sleep(Math.round(repeatDelay * 1000));
                    if (deadline.passed()) {
                        throw new ToolSession.Failure("publish failed: -W passed after " + round + " of " + repeat
                                + " message(s)");
                    }
                }
                for (Bytes payload : payloads) {
                    session.await("publish", session.client.publish(options.topic(), payload, options.qos(), retain),
                            deadline);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ToolSession.Failure("interrupted");
        }
        if (minusOne) {
            session.flush(deadline); // nothing answers a QoS -1 PUBLISH: wait until it has left
        } else if (options.sleepSeconds() > 0) {
            session.await("sleep", session.client.sleep(options.sleepSeconds()), deadline);
            session.leaveAsleep();
        } else {
            session.end();
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
