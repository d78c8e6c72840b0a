package io.sngate.hw.serial;

import io.sngate.hw.ReconnectBackoff;
import java.io.IOException;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A program that keeps a {@link ReconnectingSerialLine} open on the port named by its argument and
 * closes it in a shutdown hook, as the gateway and the bridge do, for
 * {@link ReconnectingSerialLineShutdownTest} to stop with SIGTERM. Its hook closes the line only
 * once jSerialComm's own hook has closed the port under it (or after 10 s): the order in which the
 * line used to take the JVM's end for a lost port.
 */
public final class SerialLineOwner {

    /** Printed once the line is open. */
    static final String READY = "line open";
    /** Starts the hook's report: {@code hook: port end heard=true downs=0 ups=0 closed=1}. */
    static final String REPORT = "hook: ";

    private SerialLineOwner() {
    }

    public static void main(String[] args) throws Exception {
        CountDownLatch portEnded = new CountDownLatch(1);
        AtomicInteger downs = new AtomicInteger();
        AtomicInteger ups = new AtomicInteger();
        AtomicInteger closed = new AtomicInteger();
        ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "serial-reopen");
            thread.setDaemon(true);
            return thread;
        });
        ReconnectingSerialLine line = ReconnectingSerialLine.open(new JSerialCommBackend(),
                SerialSettings.of(args[0], 115_200), new SerialLine.Listener() {
                    @Override
                    public void onBytes(byte[] buffer, int offset, int length) {
                    }

                    @Override
                    public void onClosed(IOException cause) {
                        closed.incrementAndGet();
                        portEnded.countDown();
                    }
                }, new ReconnectingSerialLine.State() {
                    @Override
                    public void onDown(IOException cause, long retryInMillis) {
                        downs.incrementAndGet();
                        portEnded.countDown();
                    }

                    @Override
                    public void onUp() {
                        ups.incrementAndGet();
                    }
                }, timers, new ReconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200), 0.2, new Random(7)));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            boolean heard;
            try {
                heard = portEnded.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                heard = false;
            }
            line.close();
            System.out.println(REPORT + "port end heard=" + heard + " downs=" + downs + " ups=" + ups
                    + " closed=" + closed);
            System.out.flush();
        }, "owner-shutdown"));
        System.out.println(READY);
        System.out.flush();
        new CountDownLatch(1).await(); // until SIGTERM
    }
}
