package io.sngate.sim;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
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
import java.util.Set;

/** {@code pub}: publish one message (or one per line) through an MQTT-SN gateway, like mosquitto_pub. */
final class PubCommand {

    static final String USAGE = """
            usage: sngate-sim pub -t TOPIC (-m MESSAGE | -f FILE | -n | -s | -l) [options]
              -m MESSAGE       the payload
              -f FILE          the payload is the file's bytes
              -n               an empty payload
              -s               the payload is all of standard input
              -l               one message per line of standard input
              -r               retain
            """ + ToolOptions.USAGE;

    private final PrintStream out;
    private final PrintStream err;
    private final InputStream in;

    PubCommand(PrintStream out, PrintStream err, InputStream in) {
        this.out = out;
        this.err = err;
        this.in = in;
    }

    int run(List<String> args) {
        if (args.contains("--help")) {
            out.print(USAGE);
            return Main.EXIT_OK;
        }
        ToolOptions options;
        List<Bytes> payloads;
        boolean retain;
        try {
            CommandLine line = CommandLine.parse(args, union(ToolOptions.WITH_VALUE, Set.of("-m", "-f")),
                    union(ToolOptions.SWITCHES, Set.of("-n", "-s", "-l", "-r")));
            if (!line.positional().isEmpty()) {
                throw new CommandLine.UsageError("unexpected argument " + line.positional().get(0));
            }
            options = ToolOptions.from(line, "pub");
            payloads = payloads(line);
            retain = line.has("-r");
        } catch (CommandLine.UsageError e) {
            err.println("sngate-sim pub: " + e.getMessage());
            err.print(USAGE);
            return Main.EXIT_USAGE;
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

    private List<Bytes> payloads(CommandLine line) throws CommandLine.UsageError, IOException {
        int sources = (line.has("-m") ? 1 : 0) + (line.has("-f") ? 1 : 0) + (line.has("-n") ? 1 : 0)
                + (line.has("-s") ? 1 : 0) + (line.has("-l") ? 1 : 0);
        if (sources != 1) {
            throw new CommandLine.UsageError("give exactly one of -m, -f, -n, -s, -l");
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

    static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new java.util.HashSet<>(a);
        all.addAll(b);
        return all;
    }
}
