package io.sngate.bridge;

import io.sngate.client.ClientRuntime;
import io.sngate.hw.ReconnectBackoff;
import io.sngate.hw.serial.ReconnectingSerialLine;
import io.sngate.hw.xbee.RadioInfo;
import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps forwarding through one XBee radio in step with the radio behind its port. The port can go
 * away and come back (a USB adapter pulled and plugged in again, a radio power-cycled), and the
 * radio that comes back may be another one, reset to another API mode, or have another NP. So:
 *
 * <ul>
 *   <li>When the port goes, the radio is suspended in the {@link ForwarderCore}, with one WARN
 *       line saying so: nothing is forwarded to or from it.</li>
 *   <li>When it is back, {@link RadioCheck} asks the radio again. A radio that passes resumes
 *       forwarding, with the NP it reports now; an address or NP other than before is a WARN naming
 *       the old and the new value.</li>
 *   <li>A radio that fails (another API mode, no answer) stays suspended, with one ERROR naming
 *       the fix (another ERROR only if the reason changes), and is asked again after the reconnect
 *       backoff, for as long as it takes: the bridge is a service and heals once the radio is
 *       put right, rather than exiting.</li>
 * </ul>
 *
 * <p>Frames from the devices, and replies for them, that meet a suspended radio are dropped and
 * counted ({@link ForwarderCounters#uncheckedRadio()}), not held. A radio not checked yet may be
 * in another API mode, and its frames then read wrong, so they cannot be trusted; one that passes
 * answers within milliseconds, and MQTT-SN devices send again what goes unanswered (CONNECT,
 * QoS 1 and 2, pings), so little is lost; and holding would mean a queue that fills while a
 * failing radio waits for its owner. The line that says forwarding resumes gives the number
 * dropped.
 *
 * <p>The state lives on the bridge's runtime thread; {@link #presence()} is told on the line's
 * threads and hands over, and so do the checks, which complete where the radio's answers or their
 * timeouts arrive. A check started before the port went (or came) again is ignored when it ends.
 */
final class RadioGuard implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RadioGuard.class);

    private final int radio;
    private final String port;
    private final RadioCheck check;
    private final ForwarderCore core;
    private final ClientRuntime runtime;
    private final ScheduledExecutorService timers;
    private final ReconnectBackoff backoff;
    private final BooleanSupplier portOpen;
    private volatile boolean closed;

    // On the runtime thread only.
    private RadioInfo known;
    /** Moves on each time the port goes or comes: a check asked in an earlier one has no say. */
    private long generation;
    private int failuresInARow;
    private String lastFailure;
    private ScheduledFuture<?> retry;
    private long portLost;
    private long passed;
    private long failed;

    /**
     * @param timers   run the checks asked again after a failure ({@code backoff} apart)
     * @param portOpen whether the radio's port is open now
     */
    RadioGuard(int radio, String port, RadioCheck check, ForwarderCore core, ClientRuntime runtime,
               ScheduledExecutorService timers, ReconnectBackoff backoff, BooleanSupplier portOpen) {
        this.radio = radio;
        this.port = port;
        this.check = check;
        this.core = core;
        this.runtime = runtime;
        this.timers = timers;
        this.backoff = backoff;
        this.portOpen = portOpen;
    }

    /** What the radio's reconnecting port tells, on its threads. */
    ReconnectingSerialLine.State presence() {
        return new ReconnectingSerialLine.State() {
            @Override
            public void onDown(IOException cause, long retryInMillis) {
                hand(RadioGuard.this::portDown);
            }

            @Override
            public void onUp() {
                hand(RadioGuard.this::portUp);
            }
        };
    }

    /** On the runtime thread: the radio passed the start's check with {@code info}. */
    void started(RadioInfo info) {
        known = info;
        core.limitRadioPayload(radio, info.effectiveMaxPayload());
    }

    /** On the runtime thread. */
    RadioRechecks counters() {
        return new RadioRechecks(portLost, passed, failed);
    }

    private void hand(Runnable task) {
        if (closed) {
            return;
        }
        try {
            runtime.execute(task);
        } catch (IllegalStateException stopped) {
            // the bridge is closing: its runtime ran its last task
        }
    }

    private void portDown() {
        if (closed) {
            return;
        }
        portLost++;
        if (portOpen.getAsBoolean()) {
            // Back already (the reopen beat this hand-over): its onUp, handed over too, checks the radio.
            return;
        }
        generation++;
        cancelRetry();
        suspend();
    }

    private void portUp() {
        if (closed) {
            return;
        }
        generation++;
        cancelRetry();
        failuresInARow = 0;
        lastFailure = null;
        suspend(); // already, unless the port came back before its loss was handed over
        LOG.info("radio on {}: the port is back; asking the radio its API mode, address and NP again", port);
        ask();
    }

    private void suspend() {
        if (core.isSuspended(radio)) {
            return;
        }
        core.suspendRadio(radio);
        LOG.warn("radio on {}: port lost; frames to and from its devices are dropped (counted as unchecked-radio)"
                + " until the port is back and the radio passes its check again", port);
    }

    private void ask() {
        long asked = generation;
        check.start().whenComplete((info, failure) -> hand(() -> answered(asked, info, failure)));
    }

    private void answered(long asked, RadioInfo info, Throwable failure) {
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
        failed++;
        long delay = backoff.delayMillis(failuresInARow++);
        String reason = cause.getMessage() != null ? cause.getMessage() : cause.toString();
        if (reason.equals(lastFailure)) {
            LOG.debug("{}; asking again in {} ms", reason, delay);
        } else {
            lastFailure = reason;
            LOG.error("{}. Not forwarding through it until it passes; asking again in {} ms, then less and less"
                    + " often (up to the reconnect backoff's longest pause)", reason, delay);
        }
        long asked = generation;
        try {
            retry = timers.schedule(() -> hand(() -> {
                if (!closed && asked == generation) {
                    ask();
                }
            }), delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            // the bridge is closing: its timers are shut down
        }
    }

    private void passed(RadioInfo info) {
        passed++;
        RadioInfo before = known;
        known = info;
        failuresInARow = 0;
        lastFailure = null;
        if (before != null && before.address64() != info.address64()) {
            LOG.warn("radio on {} is another radio now: address {} (was {})", port, info.addressHex(),
                    before.addressHex());
        }
        if (before != null && before.radioMaxPayload() != info.radioMaxPayload()) {
            LOG.warn("radio on {}: NP is {} now (was {}); the largest reply sent to it is {} bytes (was {})", port,
                    info.radioMaxPayload(), before.radioMaxPayload(), info.effectiveMaxPayload(),
                    before.effectiveMaxPayload());
        }
        long dropped = core.resumeRadio(radio, info.effectiveMaxPayload());
        LOG.info("{}; forwarding through it again ({} frame(s) dropped while it was not checked)", info.describe(),
                dropped);
    }

    private void cancelRetry() {
        if (retry != null) {
            retry.cancel(false);
            retry = null;
        }
    }

    /** Asks nothing more; the bridge shuts the timers and the runtime down after. */
    @Override
    public void close() {
        closed = true;
    }
}
