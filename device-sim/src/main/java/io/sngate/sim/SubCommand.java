package io.sngate.sim;

import io.sngate.codec.QoS;
import io.sngate.client.MqttSnClient;
import io.sngate.client.Topic;
import io.sngate.hw.cli.CliCommand;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** {@code sub}: subscribe through an MQTT-SN gateway and print what arrives, like mosquitto_sub. */
final class SubCommand {

    /** The gateway was lost and --no-reconnect said not to look for it again. */
    static final int EXIT_LOST = 3;

    private static final String PREFIX = "sngate-sim sub: ";
    /** Messages waiting for the printing thread; beyond this the tool counts and says so. */
    private static final int BACKLOG = 10_000;
    /** The longest the loop waits before it looks at the session again (a loss, -W, the next wake). */
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    /** Pause after the first failed reconnection; it doubles up to {@link #MAX_BACKOFF_MILLIS}. */
    private static final long FIRST_BACKOFF_MILLIS = 500;
    private static final long MAX_BACKOFF_MILLIS = 30_000;

    private final PrintStream out;
    private final PrintStream err;

    SubCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** What sub does besides connecting: what it subscribes to, prints, and when it stops. */
    private record Listening(ToolOptions options, List<ToolOptions.NamedTopic> unsubscribe, SubOutput output,
                             List<TopicFilter> filteredOut, boolean skipRetained, int count, boolean exitOnceSubscribed,
                             boolean reconnect) {
    }

    /** A message and when it arrived (for -F's times). */
    private record Arrival(MqttSnClient.Message message, ZonedDateTime at) {
    }

    /** {@code sngate-sim sub}: its options, help and action. */
    CliCommand command() {
        CliCommand command = CliCommand.named("sub")
                .summary("subscribe through an MQTT-SN gateway and print what arrives, like mosquitto_sub")
                .synopsis("sngate-sim sub (-t TOPIC... | --predefined ID | -U TOPIC...) [OPTIONS]")
                .description("Connects to the gateway as an MQTT-SN client, subscribes to each -t, unsubscribes "
                                + "from each -U, and prints each message's payload on a line of its own (with -v: "
                                + "'topic payload'; with -F: a format) until -C messages arrived, -W seconds passed, "
                                + "or Ctrl-C. With --sleep it sleeps at the gateway and wakes now and then to collect "
                                + "what the gateway held. The options are mosquitto_sub's where it has them.",
                        "When the gateway stops answering (a keep-alive ping goes unanswered after --max-retries "
                                + "resends of --retry-seconds each) or ends the session, sub says so on stderr, "
                                + "connects again with growing pauses until the gateway answers, subscribes again "
                                + "(as mosquitto_sub does: an MQTT-SN CONNACK does not say whether a -c session "
                                + "was kept) and goes on printing. With --no-reconnect it exits with status 3.",
                        "Every way out sends DISCONNECT first: -C reached, -W passed, an error after "
                                + "connecting, Ctrl-C or SIGTERM (waiting at most 3 s for the gateway's answer). The "
                                + "will (--will-topic) is thus published only when sub vanishes without it: killed "
                                + "with SIGKILL, or cut off from the gateway.")
                .valuesMayLookLikeOptions();
        ToolOptions.addTopicOptions(command, "sub")
                .repeatable("-U", "TOPIC", "unsubscribe from TOPIC after subscribing (e.g. what a -c session still "
                        + "has); may be given several times");
        command.group("Output")
                .flag("-v", "print 'topic payload' instead of the payload alone")
                // picocli formats option descriptions: a '%' is written '%%' there.
                .value("-F", "FORMAT", "print FORMAT for each message: " + SubOutput.SPECIFIERS.replace("%", "%%")
                        + " and \\n \\t \\r \\a \\e \\v \\0 \\\\ (see docs/simulator.md)")
                .flag("-N", "no newline after each message")
                .flag("-R", "do not print messages with the retain flag set (stale: retained before we subscribed)")
                .repeatable("-T", "FILTER", "do not print messages whose topic matches FILTER; may be given "
                        + "several times")
                .value("-C", "COUNT", "exit after COUNT messages printed")
                .value("-W", "SECONDS", "exit after SECONDS, counted from the first packet (connecting included); "
                        + "exit code 1 if -C was given and not reached, or if the gateway had not answered by then")
                .flag("-E", "exit once the gateway acknowledged the subscriptions and unsubscriptions");
        ToolOptions.addSessionOptions(command);
        command.group("Losing the gateway")
                .flag("--reconnect", "connect and subscribe again when the gateway is lost (the default)")
                .flag("--no-reconnect", "exit with status 3 when the gateway is lost");
        return command
                .exitCode(Main.EXIT_OK, "-C messages printed, -W seconds passed without -C, -E's subscriptions "
                        + "acknowledged")
                .exitCode(Main.EXIT_FAILURE, "the gateway did not answer (within -W, or after the retries) or "
                        + "refused (connect, subscribe); the host is unknown; -W passed before -C messages or while "
                        + "reconnecting")
                .exitCode(Main.EXIT_USAGE, "usage error: an unknown or repeated option, a bad value, no topic")
                .exitCode(EXIT_LOST, "the gateway was lost after subscribing, with --no-reconnect")
                .exitCode(130, "SIGINT (Ctrl-C), after sending DISCONNECT")
                .exitCode(143, "SIGTERM, after sending DISCONNECT")
                .examples("sngate-sim sub -h 192.168.1.10 -t 'plant/#' -v -q 1",
                        "sngate-sim sub -t plant/temperature -C 1 -W 30",
                        "sngate-sim sub -t 'plant/#' -T 'plant/debug/#' -R -F '%I %t %p'",
                        "sngate-sim sub -t plant/commands -c -i panel-1 --will-topic plant/panel-1/status "
                                + "--will-payload offline --will-retain")
                .action(args -> run(new ToolArgs(args)));
    }

    private int run(ToolArgs line) throws ToolArgs.UsageError {
        Listening listening = listening(line);
        ToolSession session = null;
        try {
            session = ToolSession.open(listening.options(), "sub", err);
            return listen(session, listening, Deadline.after(listening.options().timeoutSeconds()));
        } catch (ToolSession.Failure e) {
            if (session == null || !session.stopping()) {
                err.println(PREFIX + e.getMessage());
            }
            return e.exitCode();
        } catch (RuntimeException e) {
            err.println(PREFIX + e.getMessage());
            return Main.EXIT_FAILURE;
        } finally {
            if (session != null) {
                session.close();
            }
        }
    }

    private static Listening listening(ToolArgs line) throws ToolArgs.UsageError {
        ToolOptions options = ToolOptions.from(line, "sub");
        if (options.qos() == QoS.MINUS_ONE) {
            throw new ToolArgs.UsageError("-q -1 cannot be subscribed");
        }
        List<ToolOptions.NamedTopic> unsubscribe = new ArrayList<>();
        for (String name : line.all("-U")) {
            if (name.isEmpty()) {
                throw new ToolArgs.UsageError("-U must not be empty");
            }
            unsubscribe.add(new ToolOptions.NamedTopic(ToolOptions.topicNamed(name, line.has("--short"), "-U"), name));
        }
        if (line.has("-F") && line.has("-v")) {
            throw new ToolArgs.UsageError("-F and -v exclude each other: put %t in the format");
        }
        SubOutput output;
        try {
            output = SubOutput.of(Optional.ofNullable(line.get("-F")), line.has("-v"), !line.has("-N"));
        } catch (IllegalArgumentException e) {
            throw new ToolArgs.UsageError("-F: " + e.getMessage());
        }
        List<TopicFilter> filteredOut = new ArrayList<>();
        for (String filter : line.all("-T")) {
            try {
                filteredOut.add(new TopicFilter(filter));
            } catch (IllegalArgumentException e) {
                throw new ToolArgs.UsageError("-T: " + e.getMessage());
            }
        }
        int count = line.getInt("-C", 0, 1, Integer.MAX_VALUE);
        boolean exitOnceSubscribed = line.has("-E");
        if (exitOnceSubscribed && (line.has("-C") || line.has("--sleep"))) {
            throw new ToolArgs.UsageError("-E exits once subscribed: -C and --sleep have nothing left to do");
        }
        if (line.has("--reconnect") && line.has("--no-reconnect")) {
            throw new ToolArgs.UsageError("--reconnect and --no-reconnect exclude each other");
        }
        return new Listening(options, unsubscribe, output, filteredOut, line.has("-R"), count, exitOnceSubscribed,
                !line.has("--no-reconnect"));
    }

    private int listen(ToolSession session, Listening listening, Deadline deadline) throws ToolSession.Failure {
        ToolOptions options = listening.options();
        BlockingQueue<Arrival> inbox = new ArrayBlockingQueue<>(BACKLOG);
        AtomicLong overflow = new AtomicLong();
        session.client.onMessage(message -> {
            if (!inbox.offer(new Arrival(message, ZonedDateTime.now()))) {
                overflow.incrementAndGet();
            }
        });
        session.connect(deadline);
        subscribe(session, listening, deadline);
        if (listening.exitOnceSubscribed()) {
            session.end();
            return Main.EXIT_OK;
        }
        long nextWake = sleep(session, options, deadline);
        int printed = 0;
        try {
            while (listening.count() == 0 || printed < listening.count()) {
                if (deadline.passed()) {
                    break;
                }
                Optional<String> lost = session.lostReason();
                if (lost.isPresent()) {
                    if (!listening.reconnect()) {
                        throw new ToolSession.Failure("lost the gateway at " + session.gateway() + ": " + lost.get()
                                + " (--no-reconnect)", EXIT_LOST);
                    }
                    reconnect(session, listening, lost.get(), deadline);
                    nextWake = sleep(session, options, deadline);
                    continue;
                }
                long now = System.nanoTime();
                if (now - nextWake >= 0) {
                    wake(session, deadline);
                    nextWake = System.nanoTime() + wakeInterval(options);
                    continue;
                }
                long wait = deadline.cap(Math.min(POLL_NANOS, nextWake - now));
                Arrival arrival = inbox.poll(wait, TimeUnit.NANOSECONDS);
                if (arrival != null && print(arrival, listening)) {
                    printed++;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ToolSession.Failure("interrupted");
        }
        if (overflow.get() > 0) {
            err.println(PREFIX + overflow.get() + " message(s) not printed: output too slow");
        }
        session.end();
        if (listening.count() > 0 && printed < listening.count()) {
            throw new ToolSession.Failure("timeout after " + printed + " of " + listening.count() + " message(s)");
        }
        return Main.EXIT_OK;
    }

    /** SUBSCRIBE to each -t, then UNSUBSCRIBE from each -U, as mosquitto_sub orders them. */
    private static void subscribe(ToolSession session, Listening listening, Deadline deadline)
            throws ToolSession.Failure {
        List<ToolOptions.NamedTopic> topics = listening.options().topics();
        for (ToolOptions.NamedTopic named : topics) {
            String what = topics.size() == 1 ? "subscribe" : "subscribe to " + named.label();
            session.await(what, session.client.subscribe(named.topic(), listening.options().qos()), deadline);
        }
        for (ToolOptions.NamedTopic named : listening.unsubscribe()) {
            Topic topic = named.topic();
            session.await("unsubscribe from " + named.label(), session.client.unsubscribe(topic), deadline);
        }
    }

    /** With --sleep, goes to sleep; returns when to wake next (never without --sleep). */
    private static long sleep(ToolSession session, ToolOptions options, Deadline deadline) throws ToolSession.Failure {
        if (options.sleepSeconds() == 0) {
            return System.nanoTime() + Long.MAX_VALUE / 2;
        }
        session.await("sleep", session.client.sleep(options.sleepSeconds()), deadline);
        return System.nanoTime() + wakeInterval(options);
    }

    /**
     * Polls the gateway for what it held while we slept; it answers PINGREQ with PINGRESP when
     * done. No answer means the gateway is lost, unless -W's time ran out meanwhile.
     */
    private static void wake(ToolSession session, Deadline deadline) {
        try {
            session.await("wake", session.client.wake(), deadline);
        } catch (ToolSession.Failure e) {
            if (!deadline.passed()) {
                session.markLost(e.getMessage());
            }
        }
    }

    /** Wake well inside the sleep duration, so the gateway never counts us lost. */
    private static long wakeInterval(ToolOptions options) {
        return TimeUnit.SECONDS.toNanos(options.sleepSeconds()) / 2;
    }

    /**
     * Connects and subscribes again, pausing longer after each failed try, until it worked or -W
     * passed. One line says the gateway was lost and one that it is back; -d tells of each try.
     */
    private void reconnect(ToolSession session, Listening listening, String why, Deadline deadline)
            throws ToolSession.Failure, InterruptedException {
        err.println(PREFIX + "lost the gateway at " + session.gateway() + " (" + why + "); reconnecting");
        long pause = FIRST_BACKOFF_MILLIS;
        while (true) {
            boolean connected = false;
            try {
                session.connect(deadline);
                connected = true;
                subscribe(session, listening, deadline);
                err.println(PREFIX + "reconnected to the gateway at " + session.gateway());
                return;
            } catch (ToolSession.Failure e) {
                // A refused CONNECT may be a gateway still starting (congestion); a refused
                // subscription is the gateway's answer to the same request as before.
                if (deadline.passed() || connected && e.refused()) {
                    throw e;
                }
                if (listening.options().debug()) {
                    err.println(PREFIX + "reconnecting: " + e.getMessage() + "; next try in " + pause + " ms");
                }
            }
            deadline.sleep(pause);
            pause = Math.min(2 * pause, MAX_BACKOFF_MILLIS);
        }
    }

    /** Prints the message unless -R or -T leave it out; true when printed. */
    private boolean print(Arrival arrival, Listening listening) {
        MqttSnClient.Message message = arrival.message();
        if (listening.skipRetained() && message.retain()) {
            return false;
        }
        for (TopicFilter filter : listening.filteredOut()) {
            if (filter.matches(message.topic())) {
                return false;
            }
        }
        try {
            out.write(listening.output().render(message, arrival.at()));
            out.flush();
        } catch (SubOutput.NotJson e) {
            err.println(PREFIX + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return true;
    }
}
