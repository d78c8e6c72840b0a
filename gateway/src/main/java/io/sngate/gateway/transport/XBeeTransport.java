package io.sngate.gateway.transport;

import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.xbee.XBeeFrame;
import io.sngate.codec.xbee.XBeeFrameCodec;
import io.sngate.codec.xbee.XBeeFrameDecoder;
import io.sngate.gateway.Metrics;
import io.sngate.gateway.WarnLimiter;
import io.sngate.hw.ReconnectBackoff;
import io.sngate.hw.config.XBeeRadioConfig;
import io.sngate.hw.xbee.AtCommandFailedException;
import io.sngate.hw.xbee.AtCommandTimeoutException;
import io.sngate.hw.xbee.ParameterDifference;
import io.sngate.hw.xbee.RadioInfo;
import io.sngate.hw.xbee.XBeeAtCommands;
import io.sngate.hw.xbee.XBeeRadioSetup;
import io.sngate.hw.xbee.XBeeSetupException;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MQTT-SN over a Zigbee network through the gateway's own XBee radio in API mode (AP=1 or 2) on
 * a serial port. Each remote radio's 64-bit address is one device address
 * ({@link LinkAddress.XBee}): its packets arrive as 0x90 Receive Packets, replies leave as 0x10
 * Transmit Requests to that address, and ADVERTISE as a broadcast Transmit Request.
 *
 * <p>At start the radio's settings are checked (and, if configured, applied) with AT commands
 * over the same line ({@link XBeeRadioSetup}); a radio that does not answer fails the start
 * with an error naming its port. The radio's NP (largest RF payload) bounds what is sent: the
 * session layer refuses deliveries that would not fit, and a packet that still exceeds it here
 * is counted and not sent, never cut.
 *
 * <p>When the port goes away and comes back, the radio behind it may be another one, or reset:
 * packets through it stop at the loss and the setup runs again when the port is back, and only a
 * radio that passes carries packets again, with the NP it reports then ({@link RadioGuard}).
 *
 * <p>Each unicast carries a frame id, so the radio answers with a 0x8B Transmit Status. A
 * failure (no MAC/network acknowledgement, address or route not found) is counted by status
 * and reported to the receiver, which lets the device's session retry its exchange early.
 *
 * <p>Counters, under {@code xbee.<name>.}: {@code received_frames}, {@code discarded_bytes},
 * {@code bad_checksums}, {@code oversized_frames}, {@code malformed_frames},
 * {@code abandoned_frames}, {@code empty_rf_data}, {@code unexpected_frames},
 * {@code tx_ok}, {@code tx_failed}, {@code tx_status.0xNN}, {@code dropped_oversized},
 * {@code modem_status.0xNN}, {@code port_lost}, {@code setup_retries},
 * {@code dropped_unchecked_radio}, {@code recheck_passed}, {@code recheck_failed}, and the writer's.
 */
public final class XBeeTransport implements Transport {

    private static final Logger LOG = LoggerFactory.getLogger(XBeeTransport.class);

    /** Frames that may wait for the UART (at 9 600 baud a full 84-byte payload takes ~110 ms). */
    static final int WRITE_QUEUE_FRAMES = 256;

    /** Runs of the setup before an unanswering radio fails the start (or, later, its check). */
    static final int SETUP_ATTEMPTS = 3;

    /** AT commands of the start-up setup: AP, ID/SC/CE/NI read and maybe set, WR, AC, SH, SL, VR, HV, NP. */
    private static final int SETUP_COMMANDS = 17;

    private final XBeeRadioConfig config;
    private final ScheduledExecutorService timers;
    private final ReconnectBackoff backoff;
    private final Metrics metrics;
    private final WarnLimiter warnings;
    private final String prefix;

    private XBeeFrameDecoder decoder;
    private XBeeFrameDecoder.Counters seen = new XBeeFrameDecoder.Counters(0, 0, 0, 0, 0, 0);
    private OpenLine line;
    private XBeeAtCommands commands;
    private final RadioGuard guard;
    private Receiver receiver;
    private volatile RadioInfo radio;
    private volatile int maxPayload;

    /** Frame id 1..255 of each unicast still waiting for its Transmit Status -> its destination. */
    private final AtomicReferenceArray<LinkAddress.XBee> awaitingStatus = new AtomicReferenceArray<>(256);
    private final AtomicInteger lastFrameId = new AtomicInteger();

    public XBeeTransport(XBeeRadioConfig config, ScheduledExecutorService timers, ReconnectBackoff backoff,
                         Metrics metrics, WarnLimiter warnings) {
        this.config = config;
        this.timers = timers;
        this.backoff = backoff;
        this.metrics = metrics;
        this.warnings = warnings;
        this.prefix = "xbee." + config.name();
        this.maxPayload = config.maxPayload();
        this.guard = new RadioGuard(config.name(), config.serial().path(), prefix, new RadioGuard.Radio() {
            @Override
            public CompletableFuture<RadioInfo> setUp() {
                // Their retries are logged at DEBUG: the guard's ERROR or INFO tells how the setup ended.
                return XBeeTransport.this.setUp(1, false);
            }

            @Override
            public void use(RadioInfo info) {
                XBeeTransport.this.use(info);
            }
        }, metrics, timers, backoff, () -> {
            OpenLine open = line;
            return open != null && open.isOpen();
        });
    }

    /** Opens the port, runs the radio setup and starts passing packets; throws naming the port. */
    @Override
    public void start(Receiver receiver) throws IOException, InterruptedException {
        this.receiver = receiver;
        decoder = new XBeeFrameDecoder(config.apiMode(), new XBeeFrameDecoder.Listener() {
            @Override
            public void onFrame(XBeeFrame frame) {
                XBeeTransport.this.onFrame(frame);
            }

            @Override
            public void onMalformed(DecodeException error) {
                LOG.debug("radio {}: malformed frame skipped: {}", config.name(), error.getMessage());
            }
        });
        // Everything the reader thread touches exists before the port opens: a radio whose
        // devices are already talking delivers frames from the first read on.
        commands = XBeeAtCommands.forRadio(config, frame -> {
            OpenLine open = line;
            if (open == null || !open.write(frame)) {
                throw new IOException("write queue of radio " + config.name() + " is full");
            }
        }, timers);
        line = OpenLine.open(config.name(), prefix, config.serial(), timers, backoff, metrics, warnings,
                WRITE_QUEUE_FRAMES, this::read, guard.presence());
        RadioInfo info = awaitStartSetUp();
        LOG.info("xbee {}: {}", config.name(), info.describe());
        use(info);
        guard.started(info);
    }

    /** The start's setup, waited for: the gateway does not run with a radio it could not set up. */
    private RadioInfo awaitStartSetUp() throws XBeeSetupException, InterruptedException {
        // Each AT command has its own timeout; this bounds the whole in case a timer never fires.
        long deadline = ((long) config.responseTimeoutMillis() * SETUP_COMMANDS + 1_000) * SETUP_ATTEMPTS;
        CompletableFuture<RadioInfo> setup = setUp(1, true);
        try {
            return setup.get(deadline, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof XBeeSetupException setupFailed ? setupFailed
                    : new XBeeSetupException("setup of radio " + config.name() + " failed: "
                            + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new XBeeSetupException("setup of radio " + config.name() + " on " + config.serial().path()
                    + " did not finish within " + deadline + " ms");
        }
    }

    /**
     * Runs the radio setup, again when an answer went missing: a serial line may lose or corrupt
     * a frame, and the setup only reads, then writes what differs, so running it twice is safe.
     * A radio that answers wrongly (another API mode, an error status) fails at once. Nothing
     * waits: each step is sent when the last answer arrives (on the reader thread) or timed out
     * (on the timers). The future fails with an {@link XBeeSetupException} that names the fix.
     */
    private CompletableFuture<RadioInfo> setUp(int attempt, boolean atStart) {
        return new XBeeRadioSetup(commands, config).run().exceptionallyCompose(failure -> {
            XBeeSetupException e = setupException(failure);
            AtCommandTimeoutException unanswered = cause(e, AtCommandTimeoutException.class);
            if (unanswered == null) {
                return CompletableFuture.failedFuture(withFix(e));
            }
            if (attempt >= SETUP_ATTEMPTS) {
                return CompletableFuture.failedFuture(notAnswering(unanswered));
            }
            metrics.count(prefix + ".setup_retries");
            if (atStart) {
                LOG.warn("xbee {}: {}; trying the setup again ({} of {})", config.name(), e.getMessage(), attempt + 1,
                        SETUP_ATTEMPTS);
            } else {
                LOG.debug("xbee {}: {}; trying the setup again ({} of {})", config.name(), e.getMessage(),
                        attempt + 1, SETUP_ATTEMPTS);
            }
            return setUp(attempt + 1, atStart);
        });
    }

    /** A radio silent through every run: the line's baud rate or the radio's mode is wrong. */
    private XBeeSetupException notAnswering(AtCommandTimeoutException e) {
        int ap = config.apiMode().apParameter();
        return new XBeeSetupException("radio " + config.name() + " on " + config.serial().path()
                + " does not answer: no reply to AT" + e.command() + " within " + e.timeoutMillis() + " ms, "
                + SETUP_ATTEMPTS + " times. The gateway talks to it in API mode AP=" + ap + " at "
                + config.serial().baud() + " baud (api-mode and baud of xbee " + config.name() + "): check the baud"
                + " rate (BD on the radio); a factory-new XBee is in transparent mode (AP=0): set AP=" + ap
                + " with XCTU", e);
    }

    /** A command the radio refused names the settings and the firmware to look at; others name their fix already. */
    private XBeeSetupException withFix(XBeeSetupException e) {
        AtCommandFailedException refused = cause(e, AtCommandFailedException.class);
        if (refused == null) {
            return e;
        }
        return new XBeeSetupException("radio " + config.name() + " on " + config.serial().path()
                + " refused the setup: " + refused.getMessage() + ". Check the settings of xbee " + config.name()
                + " (pan-id, channel-mask, coordinator, node-identifier) and that the radio runs Zigbee firmware in"
                + " API mode that knows AT" + refused.command() + " (XCTU updates it)", e);
    }

    private XBeeSetupException setupException(Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause instanceof XBeeSetupException setup ? setup
                : new XBeeSetupException("setup of radio " + config.name() + " failed: " + cause.getMessage(), cause);
    }

    /** What a setup that passed says about the radio: its NP bounds what is sent from now on. */
    private void use(RadioInfo info) {
        radio = info;
        maxPayload = info.effectiveMaxPayload();
        for (ParameterDifference changed : info.changed()) {
            LOG.info("xbee {}: {}: written to the radio", config.name(), changed.describe());
        }
        for (ParameterDifference difference : info.differences()) {
            LOG.warn("xbee {}: {}; left as it is (apply-settings is false)", config.name(), difference.describe());
        }
    }

    /** On the line's reader thread: the only thread that touches the decoder. */
    private void read(byte[] buffer, int offset, int length, boolean stale) {
        if (stale) {
            decoder.reset();
        }
        try {
            decoder.feed(buffer, offset, length);
        } finally {
            publishCounters();
        }
    }

    private void publishCounters() {
        XBeeFrameDecoder.Counters now = decoder.counters();
        metrics.add(prefix + ".received_frames", now.framesDecoded() - seen.framesDecoded());
        metrics.add(prefix + ".discarded_bytes", now.bytesDiscarded() - seen.bytesDiscarded());
        metrics.add(prefix + ".bad_checksums", now.badChecksums() - seen.badChecksums());
        metrics.add(prefix + ".oversized_frames", now.oversizedFrames() - seen.oversizedFrames());
        metrics.add(prefix + ".malformed_frames", now.malformedFrames() - seen.malformedFrames());
        metrics.add(prefix + ".abandoned_frames", now.abandonedFrames() - seen.abandonedFrames());
        seen = now;
    }

    private void onFrame(XBeeFrame frame) {
        if (commands.onFrame(frame)) {
            return;
        }
        if (frame instanceof XBeeFrame.ReceivePacket packet) {
            if (!guard.passing()) {
                guard.dropped();
                return;
            }
            if (packet.rfData().length() == 0) {
                metrics.count(prefix + ".empty_rf_data");
                return;
            }
            receiver.onPacket(new LinkAddress.XBee(config.name(), packet.source64()), packet.rfData().toArray());
        } else if (frame instanceof XBeeFrame.TransmitStatus status) {
            onTransmitStatus(status);
        } else if (frame instanceof XBeeFrame.ModemStatus modem) {
            metrics.count(String.format("%s.modem_status.0x%02X", prefix, modem.status()));
            LOG.info("xbee {}: modem status 0x{} ({})", config.name(), String.format("%02X", modem.status()),
                    describeModemStatus(modem.status()));
        } else {
            metrics.count(prefix + ".unexpected_frames");
            LOG.debug("xbee {}: frame not expected from the local radio: {}", config.name(), frame);
        }
    }

    private void onTransmitStatus(XBeeFrame.TransmitStatus status) {
        LinkAddress.XBee to = status.frameId() == 0 ? null : awaitingStatus.getAndSet(status.frameId(), null);
        if (status.deliveryStatus() == XBeeFrame.TransmitStatus.DELIVERY_SUCCESS) {
            metrics.count(prefix + ".tx_ok");
            return;
        }
        metrics.count(prefix + ".tx_failed");
        metrics.count(String.format("%s.tx_status.0x%02X", prefix, status.deliveryStatus()));
        LOG.debug("xbee {}: delivery to {} failed with status 0x{} after {} retries", config.name(),
                to == null ? "an unknown destination" : to, String.format("%02X", status.deliveryStatus()),
                status.retryCount());
        if (to != null) {
            receiver.onUndeliverable(to);
        }
    }

    private static String describeModemStatus(int status) {
        return switch (status) {
            case XBeeFrame.ModemStatus.HARDWARE_RESET -> "hardware reset";
            case XBeeFrame.ModemStatus.WATCHDOG_RESET -> "watchdog reset";
            case XBeeFrame.ModemStatus.JOINED_NETWORK -> "joined the network";
            case XBeeFrame.ModemStatus.DISASSOCIATED -> "left the network";
            case XBeeFrame.ModemStatus.COORDINATOR_STARTED -> "coordinator started";
            default -> "see the radio's manual";
        };
    }

    @Override
    public void send(LinkAddress to, byte[] packet) {
        if (!(to instanceof LinkAddress.XBee xbee) || !xbee.radio().equals(config.name())) {
            throw new IllegalArgumentException("not reached through radio " + config.name() + ": " + to);
        }
        if (!guard.passing()) {
            guard.dropped();
            return;
        }
        if (!fits(packet)) {
            return;
        }
        int frameId = nextFrameId();
        awaitingStatus.set(frameId, xbee);
        write(XBeeFrame.TransmitRequest.unicast(frameId, xbee.address64(), Bytes.wrap(packet)));
    }

    @Override
    public void broadcast(byte[] packet) {
        broadcast(packet, 0);
    }

    /** A broadcast Transmit Request with that radius (GWINFO takes the radius of the SEARCHGW, spec §6.1). */
    @Override
    public void broadcast(byte[] packet, int radius) {
        if (!guard.passing()) {
            guard.dropped();
            return;
        }
        if (fits(packet)) {
            // Frame id 0: no Transmit Status; a broadcast is never acknowledged by anyone anyway.
            write(new XBeeFrame.TransmitRequest(0, XBeeFrame.BROADCAST_ADDRESS_64, XBeeFrame.UNKNOWN_ADDRESS_16,
                    Math.max(0, Math.min(255, radius)), 0, Bytes.wrap(packet)));
        }
    }

    private boolean fits(byte[] packet) {
        int limit = maxPayload;
        if (packet.length <= limit) {
            return true;
        }
        metrics.count(prefix + ".dropped_oversized");
        warnings.warn(prefix + ".dropped_oversized", () -> "xbee " + config.name() + ": packet of " + packet.length
                + " bytes exceeds the radio's payload limit of " + limit + ", not sent (" + prefix
                + ".dropped_oversized)");
        return false;
    }

    private void write(XBeeFrame.TransmitRequest request) {
        OpenLine open = line;
        if (open == null) {
            metrics.count(Metrics.DROPPED_TRANSPORT_CLOSED);
            return;
        }
        open.write(XBeeFrameCodec.encode(request, config.apiMode()));
    }

    private static <T extends Throwable> T cause(Throwable error, Class<T> type) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    /** 1..255, wrapping; 0 would tell the radio not to report. */
    private int nextFrameId() {
        return lastFrameId.updateAndGet(id -> id >= 255 ? 1 : id + 1);
    }

    @Override
    public boolean owns(LinkAddress address) {
        return address instanceof LinkAddress.XBee xbee && xbee.radio().equals(config.name());
    }

    /** The radio's payload limit: the smaller of its NP and the configured max-payload. */
    @Override
    public int maxPacketSize() {
        return maxPayload;
    }

    @Override
    public String describe() {
        RadioInfo info = radio;
        return "xbee:" + config.name() + "=" + config.serial().path()
                + (info == null ? "" : " (" + info.addressHex() + ")");
    }

    /** What the last setup that passed learned (the start's, or the one after the port came back). */
    public RadioInfo radio() {
        return radio;
    }

    @Override
    public void close() {
        guard.close();
        if (commands != null) {
            commands.close();
        }
        if (line != null) {
            line.close();
        }
    }
}
