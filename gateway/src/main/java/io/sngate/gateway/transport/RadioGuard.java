package io.sngate.gateway.transport;

import io.sngate.gateway.Metrics;
import io.sngate.hw.ReconnectBackoff;
import io.sngate.hw.serial.ReconnectingSerialLine;
import io.sngate.hw.xbee.RadioInfo;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the gateway's XBee radio in step with the radio behind its serial port. The port can go
 * away and come back (a USB adapter pulled and plugged in again, a radio power-cycled), and the
 * radio that comes back may be another one, one reset to its factory settings (another PAN id or
 * channel mask, transparent mode), or one with another NP. So:
 *
 * <ul>
 *   <li>When the port goes, the radio is suspended, with one WARN line saying so: device packets
 *       from it and packets to its devices are dropped and counted
 *       ({@code xbee.<name>.dropped_unchecked_radio}).</li>
 *   <li>When it is back, the radio setup runs again, as at start (same retries; with
 *       {@code apply-settings} the settings that differ are written and saved again). A radio that
 *       passes is used as it is now, with the NP it reports; an address or NP other than before
 *       is a WARN naming the old and the new value.</li>
 *   <li>A radio that fails (another API mode, no answer, an error status) stays suspended, with
 *       one ERROR naming the fix (another one only if the reason changes), and is set up again
 *       after the reconnect backoff, for as long as it takes: the gateway heals once the radio is
 *       put right rather than exiting.</li>
 * </ul>
 *
 * <p>Frames are dropped rather than held: a radio not set up yet may be in another API mode,
 * and what it sends then reads wrong; one that passes answers within a second, and devices send
 * again what goes unanswered (CONNECT, QoS 1 and 2, pings); and holding would mean a queue that
 * fills while a failing radio waits for its owner. Sessions of the radio's devices are left
 * alone: they end by their own keep-alive, as with any loss of the link.
 *
 * <p>The port's loss and return are told on the line's threads, the setup ends where the radio's
 * answers or their timeouts arrive: the state is kept under this object's lock, and nothing here
 * waits for the radio. A setup started before the port went (or came) again is ignored when it
 * ends. A loss during the start suspends the radio too, and the radio is set up again once the
 * start's setup passed, since that may have been answered by the radio before.
 */
final class RadioGuard implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RadioGuard.class);

    /** What the guard asks of the transport. */
    interface Radio {
        /** Runs the radio setup with the start's retries; fails with the message that names the fix. */
        CompletableFuture<RadioInfo> setUp();

        /** Uses what a setup that passed learned (its NP bounds what is sent); logs what it wrote. */
        void use(RadioInfo info);
    }

    private final String name;
    private final String port;
    private final String droppedCounter;
    private final String prefix;
    private final Radio radio;
    private final Metrics metrics;
    private final ScheduledExecutorService timers;
    private final ReconnectBackoff backoff;
    private final BooleanSupplier portOpen;

    /** Read for every frame: false from the port's loss until the radio passed its setup again. */
    private volatile boolean passing = true;
    /** Frames dropped since the radio was last suspended, for the line that says they pass again. */
    private final AtomicLong droppedWhileSuspended = new AtomicLong();
    private volatile boolean closed;

    // Guarded by this.
    private boolean startedUp;
    private boolean lostWhileStarting;
    private RadioInfo known;
    /** Moves on each time the port goes or comes: a setup started in an earlier one has no say. */
    private long generation;
    private int failuresInARow;
    private String lastFailure;
    private ScheduledFuture<?> retry;

    /**
     * @param prefix   the transport's counter prefix ({@code xbee.<name>})
     * @param timers   run the setups started again after a failure ({@code backoff} apart)
     * @param portOpen whether the radio's port is open now
     */
    RadioGuard(String name, String port, String prefix, Radio radio, Metrics metrics, ScheduledExecutorService timers,
               ReconnectBackoff backoff, BooleanSupplier portOpen) {
        this.name = name;
        this.port = port;
        this.prefix = prefix;
        this.droppedCounter = prefix + ".dropped_unchecked_radio";
        this.radio = radio;
        this.metrics = metrics;
        this.timers = timers;
        this.backoff = backoff;
        this.portOpen = portOpen;
    }

    /** What the radio's reconnecting port tells, on its threads. */
    ReconnectingSerialLine.State presence() {
        return new ReconnectingSerialLine.State() {
            @Override
            public void onDown(IOException cause, long retryInMillis) {
                portDown();
            }

            @Override
            public void onUp() {
                portUp();
            }
        };
    }

    /** True when frames may pass through the radio; any thread. */
    boolean passing() {
        return passing;
    }

    /** A frame from or to the radio's devices met the radio suspended: counts it. */
    void dropped() {
        metrics.count(droppedCounter);
        droppedWhileSuspended.incrementAndGet();
    }

    /** The start's setup passed with {@code info}; from now on the port's loss and return count. */
    synchronized void started(RadioInfo info) {
        known = info;
        startedUp = true;
        if (!lostWhileStarting || closed) {
            return;
        }
        // The port went (and maybe came back) while the start talked to the radio: that answer may
        // be from the radio before, so the one behind the port now is set up again.
        generation++;
        suspend();
        if (portOpen.getAsBoolean()) {
            LOG.info("xbee {}: the port {} went away during the start; running the radio setup again", name, port);
            setUp();
        }
    }

    private synchronized void portDown() {
        if (closed) {
            return;
        }
        if (!startedUp) {
            lostWhileStarting = true;
            suspend();
            return;
        }
        if (portOpen.getAsBoolean()) {
            // Back already (the reopen beat this report): its return runs the setup.
            return;
        }
        generation++;
        cancelRetry();
        suspend();
    }

    private synchronized void portUp() {
        if (closed) {
            return;
        }
        if (!startedUp) {
            // The start's own setup is still asking; whoever answers it, started() asks again.
            lostWhileStarting = true;
            suspend();
            return;
        }
        generation++;
        cancelRetry();
        failuresInARow = 0;
        lastFailure = null;
        suspend(); // already, unless the port came back before its loss was reported
        LOG.info("xbee {}: port {} is back; running the radio setup again before packets pass through it", name, port);
        setUp();
    }

    private void suspend() {
        if (!passing) {
            return;
        }
        droppedWhileSuspended.set(0);
        passing = false;
        LOG.warn("xbee {}: port {} lost; packets from the radio's devices and to them are dropped (counted as {})"
                + " until the port is back and the radio passes its setup again", name, port, droppedCounter);
    }

    /** Under the lock. */
    private void setUp() {
        long asked = generation;
        CompletableFuture<RadioInfo> setup;
        try {
            setup = radio.setUp();
        } catch (RuntimeException e) {
            setup = CompletableFuture.failedFuture(e);
        }
        setup.whenComplete((info, failure) -> answered(asked, info, failure));
    }

    private synchronized void answered(long asked, RadioInfo info, Throwable failure) {
        if (closed || asked != generation) {
            return;
        }
        if (failure != null) {
            failed(failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
                    : failure);
        } else {
            passed(info);
        }
    }

    private void failed(Throwable cause) {
        metrics.count(prefix + ".recheck_failed");
        long delay = backoff.delayMillis(failuresInARow++);
        String reason = cause.getMessage() != null ? cause.getMessage() : cause.toString();
        if (reason.equals(lastFailure)) {
            LOG.debug("xbee {}: {}; setting it up again in {} ms", name, reason, delay);
        } else {
            lastFailure = reason;
            LOG.error("xbee {}: {}. No packets pass through it until its setup passes; setting it up again in {} ms,"
                    + " then less and less often (up to the reconnect backoff's longest pause)", name, reason, delay);
        }
        long asked = generation;
        try {
            retry = timers.schedule(() -> again(asked), delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            // the gateway is closing: its timers are shut down
        }
    }

    private synchronized void again(long asked) {
        if (!closed && asked == generation) {
            retry = null;
            setUp();
        }
    }

    private void passed(RadioInfo info) {
        metrics.count(prefix + ".recheck_passed");
        RadioInfo before = known;
        known = info;
        failuresInARow = 0;
        lastFailure = null;
        if (before.address64() != info.address64()) {
            LOG.warn("xbee {}: the radio on {} is another radio now: address {} (was {})", name, port,
                    info.addressHex(), before.addressHex());
        }
        if (before.radioMaxPayload() != info.radioMaxPayload()) {
            LOG.warn("xbee {}: the radio on {} has NP={} now (was {}); the largest packet sent through it is {} bytes"
                    + " (was {})", name, port, info.radioMaxPayload(), before.radioMaxPayload(),
                    info.effectiveMaxPayload(), before.effectiveMaxPayload());
        }
        radio.use(info);
        passing = true;
        LOG.info("xbee {}: {}; packets pass through it again ({} dropped while it was not set up)", name,
                info.describe(), droppedWhileSuspended.get());
    }

    private void cancelRetry() {
        if (retry != null) {
            retry.cancel(false);
            retry = null;
        }
    }

    /** Starts nothing more; a setup still running is ignored when it ends. */
    @Override
    public synchronized void close() {
        closed = true;
        cancelRetry();
    }
}
