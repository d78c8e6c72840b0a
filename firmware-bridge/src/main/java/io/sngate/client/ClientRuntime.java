package io.sngate.client;

import io.sngate.client.internal.runtime.SelectorRuntime;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * The one thread that drives clients and their links: every request, every packet from a link
 * and every timer of a client runs on it, so listeners and callbacks run there too and must not
 * block. One runtime can drive thousands of clients (a simulated fleet costs one thread, not one
 * per device); a client built without one gets a runtime of its own, closed with it.
 *
 * <pre>
 * try (ClientRuntime runtime = ClientRuntime.start("sensors")) {
 *     MqttSnClient a = MqttSnClient.builder("sensor-a").link(UdpLink.to("gw.local", 1883)).runtime(runtime).build();
 *     MqttSnClient b = MqttSnClient.builder("sensor-b").link(UdpLink.to("gw.local", 1883)).runtime(runtime).build();
 *     ...
 * }
 * </pre>
 *
 * <p>Only runtimes from {@link #start} drive the links of this library; implement it yourself only
 * for links of your own.
 */
public interface ClientRuntime extends Executor, AutoCloseable {

    /** A runtime on a new daemon thread named {@code threadName}, timed by {@link System#nanoTime()}. */
    static ClientRuntime start(String threadName) {
        return new SelectorRuntime(threadName);
    }

    /**
     * A runtime timed by {@code clockMillis}, a monotonic clock in milliseconds: a test that moves
     * its own clock decides when the client's retransmissions, keep-alive pings and searches fall due.
     */
    static ClientRuntime start(String threadName, LongSupplier clockMillis) {
        return new SelectorRuntime(threadName, clockMillis);
    }

    /** Milliseconds of the runtime's monotonic clock: the time {@link #schedule} deadlines are in. */
    long now();

    /** Whether the caller runs on the runtime's thread. */
    boolean inRuntime();

    /**
     * Runs {@code task} on the runtime's thread, after the tasks already posted.
     *
     * @throws IllegalStateException when the runtime was closed
     */
    @Override
    void execute(Runnable task);

    /** Runs {@code task} on the runtime's thread once {@link #now()} reaches {@code deadline}. */
    Timer schedule(long deadline, Runnable task);

    /** Stops the thread (waiting for it, unless called from it). Tasks and timers still pending never run. */
    @Override
    void close();

    /** A task {@linkplain #schedule scheduled} for later. */
    interface Timer {

        /** Keeps the task from running, if it has not run yet. */
        void cancel();

        /** When the task is due, in the runtime's {@linkplain #now() milliseconds}. */
        long deadline();
    }
}
