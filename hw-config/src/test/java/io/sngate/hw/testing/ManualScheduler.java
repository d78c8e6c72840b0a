package io.sngate.hw.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A scheduler on virtual time for deterministic timer tests: nothing runs until the test calls
 * {@link #advance}, which runs every task that falls due, in time order (ties in submission
 * order), on the test's thread. Periodic tasks are rescheduled after each run. Thread-safe, so
 * code under test may schedule from other threads, but tasks only ever run inside
 * {@code advance}.
 */
public final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {

    private final PriorityQueue<Task<?>> queue = new PriorityQueue<>();
    private long nowNanos;
    private long sequence;
    private boolean shutdown;

    /** Virtual time elapsed since creation. */
    public synchronized Duration now() {
        return Duration.ofNanos(nowNanos);
    }

    /** Tasks waiting (cancelled ones are dropped). */
    public synchronized int pending() {
        queue.removeIf(Task::isCancelled);
        return queue.size();
    }

    /** Moves virtual time forward by {@code step}, running what falls due on the way. */
    public void advance(Duration step) {
        long target;
        synchronized (this) {
            target = nowNanos + step.toNanos();
        }
        while (true) {
            Task<?> next;
            synchronized (this) {
                next = queue.peek();
                if (next == null || next.atNanos > target) {
                    nowNanos = target;
                    return;
                }
                queue.poll();
                nowNanos = next.atNanos;
            }
            next.runOnce();
        }
    }

    /** Runs what is due now, without moving time. */
    public void runDue() {
        advance(Duration.ZERO);
    }

    private final class Task<V> extends FutureTask<V> implements ScheduledFuture<V> {
        final long periodNanos;
        final long seq;
        long atNanos;

        Task(Callable<V> callable, long atNanos, long periodNanos) {
            super(callable);
            this.atNanos = atNanos;
            this.periodNanos = periodNanos;
            this.seq = sequence++;
        }

        void runOnce() {
            if (periodNanos == 0) {
                run();
            } else if (runAndReset()) {
                synchronized (ManualScheduler.this) {
                    atNanos += periodNanos;
                    queue.add(this);
                }
            }
        }

        @Override
        public long getDelay(TimeUnit unit) {
            synchronized (ManualScheduler.this) {
                return unit.convert(atNanos - nowNanos, TimeUnit.NANOSECONDS);
            }
        }

        @Override
        public int compareTo(Delayed other) {
            Task<?> o = (Task<?>) other;
            int byTime = Long.compare(atNanos, o.atNanos);
            return byTime != 0 ? byTime : Long.compare(seq, o.seq);
        }
    }

    private synchronized <V> Task<V> add(Callable<V> callable, long delay, long period, TimeUnit unit) {
        if (shutdown) {
            throw new java.util.concurrent.RejectedExecutionException("scheduler is shut down");
        }
        Task<V> task = new Task<>(callable, nowNanos + unit.toNanos(Math.max(0, delay)), unit.toNanos(period));
        queue.add(task);
        return task;
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return add(() -> {
            command.run();
            return null;
        }, delay, 0, unit);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        return add(callable, delay, 0, unit);
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        if (period <= 0) {
            throw new IllegalArgumentException("period must be positive");
        }
        return add(() -> {
            command.run();
            return null;
        }, initialDelay, period, unit);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        // Tasks take no virtual time, so a fixed delay is a fixed rate here.
        return scheduleAtFixedRate(command, initialDelay, delay, unit);
    }

    @Override
    public void execute(Runnable command) {
        schedule(command, 0, TimeUnit.NANOSECONDS);
    }

    @Override
    public synchronized void shutdown() {
        shutdown = true;
    }

    @Override
    public synchronized List<Runnable> shutdownNow() {
        shutdown = true;
        List<Runnable> left = new ArrayList<>(queue);
        queue.clear();
        return left;
    }

    @Override
    public synchronized boolean isShutdown() {
        return shutdown;
    }

    @Override
    public synchronized boolean isTerminated() {
        return shutdown && queue.isEmpty();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return isTerminated();
    }
}
