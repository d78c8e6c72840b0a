package io.sngate.sim;

import io.sngate.client.MqttSnClient;
import io.sngate.codec.QoS;
import io.sngate.hw.cli.CliCommand;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** {@code sub}: subscribe through an MQTT-SN gateway and print what arrives, like mosquitto_sub. */
final class SubCommand {

    /** Messages waiting for the printing thread; beyond this the tool counts and says so. */
    private static final int BACKLOG = 10_000;

    private final PrintStream out;
    private final PrintStream err;

    SubCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** {@code sngate-sim sub}: its options, help and action. */
    CliCommand command() {
        CliCommand command = CliCommand.named("sub")
                .summary("subscribe through an MQTT-SN gateway and print what arrives, like mosquitto_sub")
                .synopsis("sngate-sim sub (-t TOPIC | --predefined ID) [OPTIONS]")
                .description("Connects to the gateway as an MQTT-SN client, subscribes and prints each message's "
                        + "payload on a line of its own (with -v: 'topic payload') until -C messages arrived, -W "
                        + "seconds passed, or Ctrl-C. With --sleep it sleeps at the gateway and wakes now and then to "
                        + "collect what the gateway held. The options are mosquitto_sub's where it has them.")
                .valuesMayLookLikeOptions();
        ToolOptions.addTopicOptions(command);
        command.group("Output")
                .flag("-v", "print 'topic payload' instead of the payload alone")
                .value("-C", "COUNT", "exit after COUNT messages")
                .value("-W", "SECONDS", "exit after SECONDS (exit code 1 if -C was given and not reached)");
        return ToolOptions.addSessionOptions(command)
                .exitCode(Main.EXIT_OK, "-C messages printed, or -W seconds passed without -C")
                .exitCode(Main.EXIT_FAILURE, "the gateway did not answer or refused, or -W passed before -C messages")
                .exitCode(Main.EXIT_USAGE, "usage error: an unknown or repeated option, a bad value, no topic")
                .examples("sngate-sim sub -h 192.168.1.10 -t 'plant/#' -v -q 1",
                        "sngate-sim sub -t plant/temperature -C 1 -W 30")
                .action(args -> run(new ToolArgs(args)));
    }

    private int run(ToolArgs line) throws ToolArgs.UsageError {
        ToolOptions options = ToolOptions.from(line, "sub");
        if (options.qos() == QoS.MINUS_ONE) {
            throw new ToolArgs.UsageError("-q -1 cannot be subscribed");
        }
        boolean verbose = line.has("-v");
        int count = line.getInt("-C", 0, 1, Integer.MAX_VALUE);
        double timeoutSeconds = line.getDouble("-W", 0, 0.001, 31_536_000);
        BlockingQueue<MqttSnClient.Message> inbox = new ArrayBlockingQueue<>(BACKLOG);
        AtomicLong overflow = new AtomicLong();
        try (ToolSession session = new ToolSession(options, "sub", err)) {
            session.client.onMessage(message -> {
                if (!inbox.offer(message)) {
                    overflow.incrementAndGet();
                }
            });
            ToolSession.require("connect", session.connect(options.cleanSession()));
            ToolSession.require("subscribe", session.client.subscribe(options.topic(), options.qos()));
            long deadline = timeoutSeconds > 0 ? System.nanoTime() + (long) (timeoutSeconds * 1e9) : Long.MAX_VALUE;
            long nextWake = Long.MAX_VALUE;
            if (options.sleepSeconds() > 0) {
                ToolSession.require("sleep", session.client.sleep(options.sleepSeconds()));
                nextWake = System.nanoTime() + wakeInterval(options);
            }
            int received = 0;
            while (count == 0 || received < count) {
                long now = System.nanoTime();
                if (now >= deadline) {
                    break;
                }
                if (now >= nextWake) {
                    // Poll the gateway for what it held while we slept; it answers PINGRESP when done.
                    ToolSession.require("wake", session.client.wake());
                    nextWake = System.nanoTime() + wakeInterval(options);
                    continue;
                }
                long wait = Math.min(deadline, nextWake) - now;
                MqttSnClient.Message message = inbox.poll(Math.min(wait, 200_000_000L), TimeUnit.NANOSECONDS);
                if (message != null) {
                    print(message, verbose);
                    received++;
                }
            }
            if (overflow.get() > 0) {
                err.println("sngate-sim sub: " + overflow.get() + " message(s) not printed: output too slow");
            }
            if (options.sleepSeconds() == 0) {
                session.client.disconnect().join();
            }
            if (count > 0 && received < count) {
                err.println("sngate-sim sub: timeout after " + received + " of " + count + " message(s)");
                return Main.EXIT_FAILURE;
            }
            return Main.EXIT_OK;
        } catch (ToolSession.Failure e) {
            err.println("sngate-sim sub: " + e.getMessage());
            return Main.EXIT_FAILURE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Main.EXIT_FAILURE;
        } catch (RuntimeException e) {
            err.println("sngate-sim sub: " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
    }

    /** Wake well inside the sleep duration, so the gateway never counts us lost. */
    private static long wakeInterval(ToolOptions options) {
        return TimeUnit.SECONDS.toNanos(options.sleepSeconds()) / 2;
    }

    private void print(MqttSnClient.Message message, boolean verbose) {
        try {
            if (verbose) {
                out.write((message.topic() + " ").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            out.write(message.payload().toArray());
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
