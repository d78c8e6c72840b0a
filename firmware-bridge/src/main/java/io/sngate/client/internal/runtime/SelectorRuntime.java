package io.sngate.client.internal.runtime;

import io.sngate.client.ClientRuntime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ClientRuntime} behind {@link ClientRuntime#start}: one thread that waits on a
 * selector for the sockets of its links, runs tasks posted from other threads, and fires
 * timers. Everything a client core does happens on this thread, so the cores need no locks.
 *
 * <p>Beyond the API it lets a socket be {@linkplain #register registered} for reads: the UDP link
 * does so, and so do the bridge and the simulator's benchmark devices (which drive
 * {@code ClientCore}s on raw sockets).
 */
public final class SelectorRuntime implements ClientRuntime {

    private static final Logger LOG = LoggerFactory.getLogger(SelectorRuntime.class);

    /** Called on the runtime thread when a registered channel is readable. */
    @FunctionalInterface
    public interface ReadHandler {
        void onReadable() throws IOException;
    }

    private final Selector selector;
    private final Thread thread;
    private final LongSupplier clock;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<ScheduledTask> timers = new PriorityQueue<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;
    /** Timers may be scheduled from any thread (see {@link #schedule}), so the tie-breaker is atomic. */
    private final java.util.concurrent.atomic.AtomicLong timerSequence = new java.util.concurrent.atomic.AtomicLong();

    public SelectorRuntime(String name) {
        this(name, () -> System.nanoTime() / 1_000_000);
    }

    public SelectorRuntime(String name, LongSupplier clock) {
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector", e);
        }
        this.clock = clock;
        this.thread = new Thread(this::loop, name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * The runtime behind {@code runtime}, for a link that must register a socket.
     *
     * @throws IllegalArgumentException when {@code runtime} did not come from {@link ClientRuntime#start}
     */
    public static SelectorRuntime of(ClientRuntime runtime, String who) {
        if (runtime instanceof SelectorRuntime selector) {
            return selector;
        }
        throw new IllegalArgumentException(who + " needs a runtime from ClientRuntime.start, not a "
                + runtime.getClass().getName());
    }

    @Override
    public long now() {
        return clock.getAsLong();
    }

    @Override
    public boolean inRuntime() {
        return Thread.currentThread() == thread;
    }

    /** Runs {@code task} on the runtime thread. */
    @Override
    public void execute(Runnable task) {
        if (!running) {
            throw new IllegalStateException("runtime stopped");
        }
        tasks.add(task);
        selector.wakeup();
    }

    @Override
    public Timer schedule(long deadline, Runnable task) {
        ScheduledTask timer = new ScheduledTask(deadline, timerSequence.getAndIncrement(), task);
        if (inRuntime()) {
            timers.add(timer);
        } else {
            execute(() -> timers.add(timer));
        }
        return timer;
    }

    /** Registers a channel for reads; call on the runtime thread. */
    public SelectionKey register(SelectableChannel channel, ReadHandler handler) throws IOException {
        channel.configureBlocking(false);
        return channel.register(selector, SelectionKey.OP_READ, handler);
    }

    private void loop() {
        try {
            while (running) {
                long wait = waitMillis();
                if (wait == 0) {
                    selector.selectNow();
                } else {
                    selector.select(wait);
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    if (key.isValid() && key.isReadable()) {
                        try {
                            ((ReadHandler) key.attachment()).onReadable();
                        } catch (IOException | RuntimeException e) {
                            LOG.warn("device link read failed: {}", e.toString());
                        }
                    }
                }
                selector.selectedKeys().clear();
                for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
                    runSafely(task);
                }
                long now = clock.getAsLong();
                while (!timers.isEmpty() && timers.peek().deadline <= now) {
                    ScheduledTask timer = timers.poll();
                    if (!timer.cancelled) {
                        runSafely(timer.task);
                    }
                }
            }
        } catch (IOException | ClosedSelectorException e) {
            if (running) {
                LOG.error("device runtime stopped: {}", e.toString());
            }
        } finally {
            stopped.countDown();
        }
    }

    private long waitMillis() {
        if (!tasks.isEmpty()) {
            return 0;
        }
        while (!timers.isEmpty() && timers.peek().cancelled) {
            timers.poll();
        }
        if (timers.isEmpty()) {
            return 1_000;
        }
        long wait = timers.peek().deadline - clock.getAsLong();
        return wait <= 0 ? 0 : Math.min(wait, 1_000);
    }

    private static void runSafely(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.error("device task failed", e);
        }
    }

    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        selector.wakeup();
        if (!inRuntime()) {
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            selector.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A scheduled task. */
    private static final class ScheduledTask implements Timer, Comparable<ScheduledTask> {
        final long deadline;
        final long sequence;
        final Runnable task;
        volatile boolean cancelled;

        ScheduledTask(long deadline, long sequence, Runnable task) {
            this.deadline = deadline;
            this.sequence = sequence;
            this.task = task;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        @Override
        public long deadline() {
            return deadline;
        }

        @Override
        public int compareTo(ScheduledTask other) {
            int byDeadline = Long.compare(deadline, other.deadline);
            return byDeadline != 0 ? byDeadline : Long.compare(sequence, other.sequence);
        }
    }
}
