package io.sngate.device;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread that drives many clients: it waits on a selector for their sockets, runs tasks
 * posted from other threads, and fires timers. A simulated fleet of thousands of devices
 * costs one thread per runtime, not one per device.
 *
 * <p>Everything a client core does happens on this thread, so the cores need no locks.
 */
public final class DeviceRuntime implements Executor, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceRuntime.class);

    /** Called on the runtime thread when a registered channel is readable. */
    @FunctionalInterface
    public interface ReadHandler {
        void onReadable() throws IOException;
    }

    private final Selector selector;
    private final Thread thread;
    private final LongSupplier clock;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;
    /** Timers may be scheduled from any thread (see {@link #schedule}), so the tie-breaker is atomic. */
    private final java.util.concurrent.atomic.AtomicLong timerSequence = new java.util.concurrent.atomic.AtomicLong();

    public DeviceRuntime(String name) {
        this(name, () -> System.nanoTime() / 1_000_000);
    }

    public DeviceRuntime(String name, LongSupplier clock) {
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

    /** Milliseconds of the runtime's monotonic clock. */
    public long now() {
        return clock.getAsLong();
    }

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

    /** Runs {@code task} on the runtime thread at {@code deadline}; cancel with the handle. */
    public Timer schedule(long deadline, Runnable task) {
        Timer timer = new Timer(deadline, timerSequence.getAndIncrement(), task);
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
                    Timer timer = timers.poll();
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

    /** A scheduled task; {@link #cancel()} from the runtime thread. */
    public static final class Timer implements Comparable<Timer> {
        final long deadline;
        final long sequence;
        final Runnable task;
        volatile boolean cancelled;

        Timer(long deadline, long sequence, Runnable task) {
            this.deadline = deadline;
            this.sequence = sequence;
            this.task = task;
        }

        public void cancel() {
            cancelled = true;
        }

        public long deadline() {
            return deadline;
        }

        @Override
        public int compareTo(Timer other) {
            int byDeadline = Long.compare(deadline, other.deadline);
            return byDeadline != 0 ? byDeadline : Long.compare(sequence, other.sequence);
        }
    }
}
