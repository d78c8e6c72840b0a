package io.sngate.bridge;

import io.sngate.hw.xbee.AtCommandFailedException;
import io.sngate.hw.xbee.AtCommandTimeoutException;
import io.sngate.hw.xbee.RadioInfo;
import io.sngate.hw.xbee.XBeeAtCommands;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the bridge asks an XBee radio before forwarding through it: {@code AP}, then
 * {@code SH}, {@code SL}, {@code VR}, {@code HV} and {@code NP}, with local AT commands. It only
 * reads: the radio's network settings are the owner's (set once with XCTU), as the bridge has
 * no flags for them.
 *
 * <p>A radio passes its remote devices' packets to the UART without being asked anything, so
 * the bridge would forward without this. It asks because what it assumes otherwise fails
 * silently: a radio in another API mode than {@code ap=} (a factory-new XBee is in transparent
 * mode, AP=0) turns every frame into noise, and one whose NP is below {@code max-payload=}
 * (APS encryption or source routing lower it) refuses the larger replies. So a radio that does
 * not answer in the configured mode, or answers with another AP, stops the start with a
 * message naming the port, as the gateway's start-up check of its radio does; NP lowers the
 * largest reply sent to the radio. The bridge asks again each time the radio's port comes back
 * ({@link RadioGuard}), since the radio behind it may be another one by then. The gateway's own
 * check ({@code XBeeRadioSetup}) also compares and writes PAN id, channels and role, which the
 * bridge leaves alone.
 *
 * <p>A frame can be lost or damaged on a serial line, so the questions are asked up to
 * {@link #ATTEMPTS} times before a radio counts as not answering.
 */
final class RadioCheck {

    private static final Logger LOG = LoggerFactory.getLogger(RadioCheck.class);

    static final int ATTEMPTS = 3;

    /** An XBee answers a local AT command within milliseconds; a second is the gateway's default too. */
    static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(1);

    private final XBeeAtCommands commands;
    private final BridgeConfig.RadioSpec spec;

    RadioCheck(XBeeAtCommands commands, BridgeConfig.RadioSpec spec) {
        this.commands = commands;
        this.spec = spec;
    }

    /**
     * Asks until the radio has answered every question, at most {@link #ATTEMPTS} times, waiting
     * for the outcome (the bridge's start).
     *
     * @return the radio's address, versions and NP; {@link RadioInfo#effectiveMaxPayload()} is
     *         the smaller of NP and {@code max-payload=}
     * @throws IOException naming the port: the radio does not answer, is in another API mode,
     *                     or refuses a question every XBee answers
     */
    RadioInfo run() throws IOException, InterruptedException {
        try {
            return start().get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause().getMessage(), e.getCause());
        }
    }

    /**
     * As {@link #run()}, without waiting: the questions go one after the other as the answers come
     * (on the thread that hands the radio's frames to the AT commands, or the one that times them
     * out), so a check after the port came back holds up no thread. The future fails with the
     * {@link IOException} {@link #run()} throws.
     */
    CompletableFuture<RadioInfo> start() {
        return attempt(1);
    }

    private CompletableFuture<RadioInfo> attempt(int attempt) {
        return once().exceptionallyCompose(failure -> {
            Throwable cause = unwrap(failure);
            if (!(cause instanceof AtCommandTimeoutException e)) {
                return CompletableFuture.failedFuture(cause);
            }
            if (attempt >= ATTEMPTS) {
                return CompletableFuture.failedFuture(new IOException("radio on " + commands.port()
                        + " does not answer: no reply to AT" + e.command() + " within " + e.timeoutMillis() + " ms, "
                        + ATTEMPTS + " times. The bridge talks to it in API mode AP=" + spec.mode().apParameter()
                        + " at " + spec.settings().baud() + " baud (--xbee PATH:BAUD:ap=1|2); a factory-new XBee is"
                        + " in transparent mode (AP=0): set AP=" + spec.mode().apParameter() + " with XCTU", e));
            }
            LOG.warn("{}; asking again ({} of {})", e.getMessage(), attempt + 1, ATTEMPTS);
            return attempt(attempt + 1);
        });
    }

    private CompletableFuture<RadioInfo> once() {
        int wanted = spec.mode().apParameter();
        return number("AP").thenCompose(ap -> {
            if (ap != wanted) {
                throw new CompletionException(new IOException("radio on " + commands.port() + " is in API mode AP="
                        + ap + " but the bridge was told ap=" + wanted + ": give --xbee " + commands.port() + ":"
                        + spec.settings().baud() + ":ap=" + ap + ", or set AP=" + wanted
                        + " on the radio (e.g. with XCTU)"));
            }
            return number("SH");
        }).thenCompose(high -> number("SL").thenCompose(low -> number("VR").thenCompose(firmware ->
                number("HV").thenCompose(hardware -> maxPayload().thenApply(np -> new RadioInfo(commands.port(),
                        high << 32 | (low & 0xFFFF_FFFFL), firmware.intValue(), hardware.intValue(), np,
                        Math.min(np, spec.maxPayload()), List.of(), List.of()))))));
    }

    /** NP, or {@code max-payload=} from firmware without NP: the radio still carries that, as before. */
    private CompletableFuture<Integer> maxPayload() {
        return number("NP").thenApply(Long::intValue).exceptionallyCompose(failure -> {
            Throwable cause = unwrap(failure);
            if (cause instanceof AtCommandFailedException e) {
                LOG.info("{}; keeping max-payload={}", e.getMessage(), spec.maxPayload());
                return CompletableFuture.completedFuture(spec.maxPayload());
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    /**
     * The answer to {@code command} as a number. XBeeAtCommands ends every question, with an
     * answer, a status or a timeout, so the future always completes.
     */
    private CompletableFuture<Long> number(String command) {
        return commands.query(command).thenApply(value -> {
            if (value.length == 0 || value.length > Long.BYTES) {
                throw new CompletionException(new IOException("radio on " + commands.port() + " answered AT" + command
                        + " with " + value.length + " bytes, expected a number of 1 to 8 bytes"));
            }
            long n = 0;
            for (byte b : value) {
                n = n << 8 | (b & 0xFF);
            }
            return n;
        });
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }
}
