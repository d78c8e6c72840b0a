package io.sngate.client.dtls;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that do the DTLS work (handshakes, encryption, retransmission timers) of any number
 * of {@link DtlsLink}s: a fleet of devices shares one pool instead of each Scandium connector
 * starting its own worker and timer threads. Each link still has its own receiver thread, which
 * blocks on its socket.
 *
 * <p>One pool serves as Scandium's executor and as its timer: given a
 * {@link ScheduledExecutorService}, a connector uses it for both and does not shut it down when it
 * stops. Close it after the links that use it.
 */
public final class DtlsThreads implements AutoCloseable {

    private final ScheduledThreadPoolExecutor executor;

    /**
     * @param name    prefix of the threads' names
     * @param threads the pool size: handshakes cost CPU (ECDHE, ECDSA), records little
     */
    public DtlsThreads(String name, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1: " + threads);
        }
        AtomicInteger number = new AtomicInteger();
        ThreadFactory factory = task -> {
            Thread thread = new Thread(task, name + "-" + number.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        executor = new ScheduledThreadPoolExecutor(threads, factory);
        // Every record sent arms and cancels retransmission or timeout tasks: cancelled ones must
        // leave the queue at once, or a busy fleet's queue grows with dead timers.
        executor.setRemoveOnCancelPolicy(true);
    }

    /** A pool with one thread per core, at most four. */
    public static DtlsThreads forFleet(String name) {
        return new DtlsThreads(name, Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())));
    }

    ScheduledExecutorService executor() {
        return executor;
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return executor.isShutdown();
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
