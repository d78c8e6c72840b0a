package io.sngate.gateway.transport;

import io.sngate.codec.frame.ForwarderEncapsulation;
import io.sngate.codec.frame.SerialFrameDecoder;
import io.sngate.gateway.Metrics;
import io.sngate.gateway.WarnLimiter;
import io.sngate.hw.ReconnectBackoff;
import io.sngate.hw.config.SerialPortConfig;
import io.sngate.hw.serial.SerialException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MQTT-SN over a serial line (UART or USB): frames are delimited by MQTT-SN's own length field
 * ({@link SerialFrameDecoder}). The line carries one device, whose address is
 * {@link LinkAddress.Serial}, or, with a forwarder on it, many devices whose frames are
 * forwarder-encapsulated; the dispatcher unwraps those, so both kinds look the same here.
 *
 * <p>Reading happens on the line's reader thread (one per port), writing on a {@link io.sngate.hw.serial.SerialWriter}
 * thread, so nothing here blocks an event loop. A port that disappears is reopened with backoff
 * ({@link ReconnectingSerialLine}); a port missing at start fails {@link #start} naming the path.
 *
 * <p>Resynchronisation: the decoder drops one byte at a time until a plausible frame starts
 * (see its documentation). Since a sender writes a frame without pauses, bytes still buffered
 * when the line has been silent for {@link #gapMillis} are the rest of a broken frame: they are
 * dropped (counted) before the next bytes are read, so a half frame never holds back the next one.
 *
 * <p>Counters, under {@code serial.<name>.}: {@code received_frames}, {@code discarded_bytes},
 * {@code rejected_frames}, {@code oversize_headers}, {@code gap_resets},
 * {@code unwrapped_on_forwarder_line} (a bare frame on a forwarder line, dropped), and the writer's.
 */
public final class SerialTransport implements Transport {

    private static final Logger LOG = LoggerFactory.getLogger(SerialTransport.class);

    /** Frames that may wait for the UART: at 9 600 baud, several seconds of replies. */
    static final int WRITE_QUEUE_FRAMES = 256;

    private final SerialPortConfig config;
    private final ScheduledExecutorService timers;
    private final ReconnectBackoff backoff;
    private final int maxPacketSize;
    private final Metrics metrics;
    private final WarnLimiter warnings;
    private final LongSupplier clock;
    private final long gapMillis;
    private final String prefix;
    private final LinkAddress.Serial address;

    private SerialFrameDecoder decoder;
    private SerialFrameDecoder.Counters seen = new SerialFrameDecoder.Counters(0, 0, 0, 0);
    private long lastBytesAt;
    private OpenLine line;

    /**
     * @param maxPacketSize largest frame read or written (the gateway's packet limit, at most 65 535)
     * @param clock         milliseconds, for the inter-frame gap
     */
    public SerialTransport(SerialPortConfig config, ScheduledExecutorService timers, ReconnectBackoff backoff,
                           int maxPacketSize, Metrics metrics, WarnLimiter warnings, LongSupplier clock) {
        this.config = config;
        this.timers = timers;
        this.backoff = backoff;
        this.maxPacketSize = Math.max(SerialFrameDecoder.MIN_MAX_FRAME_SIZE,
                Math.min(maxPacketSize, SerialFrameDecoder.MAX_MAX_FRAME_SIZE));
        this.metrics = metrics;
        this.warnings = warnings;
        this.clock = clock;
        this.gapMillis = gapMillis(config.serial().baud());
        this.prefix = "serial." + config.name();
        this.address = new LinkAddress.Serial(config.name());
    }

    /**
     * Silence that ends a frame: 20 character times, but at least 100 ms, because USB serial
     * adapters deliver bytes in bursts (an FTDI chip holds them up to 16 ms) and the OS may
     * deliver a frame in two reads.
     */
    static long gapMillis(int baud) {
        return Math.max(100, 20L * 10 * 1000 / baud);
    }

    @Override
    public void start(Receiver receiver) throws SerialException {
        decoder = new SerialFrameDecoder(maxPacketSize, SerialFrameDecoder.FrameValidator.MQTT_SN_12, frame -> {
            if (config.forwarder() && !ForwarderEncapsulation.isEncapsulated(frame, 0, frame.length)) {
                // A forwarder wraps every device frame; a bare one is line noise that happened to
                // decode, and answering it would put replies for nobody on the line.
                metrics.count(prefix + ".unwrapped_on_forwarder_line");
                return;
            }
            receiver.onPacket(address, frame);
        });
        line = OpenLine.open(config.name(), prefix, config.serial(), timers, backoff, metrics, warnings,
                WRITE_QUEUE_FRAMES, this::read);
        LOG.info("serial line {} open: {}{}", config.name(), config.serial().describe(),
                config.forwarder() ? " (forwarder-encapsulated frames)" : "");
    }

    /** On the line's reader thread: the only thread that touches the decoder. */
    private void read(byte[] buffer, int offset, int length, boolean stale) {
        long now = clock.getAsLong();
        if (stale) {
            decoder.reset();
        }
        if (decoder.buffered() > 0 && now - lastBytesAt > gapMillis) {
            metrics.count(prefix + ".gap_resets");
            decoder.reset();
        }
        lastBytesAt = now;
        try {
            decoder.feed(buffer, offset, length);
        } finally {
            publishCounters();
        }
    }

    private void publishCounters() {
        SerialFrameDecoder.Counters now = decoder.counters();
        metrics.add(prefix + ".received_frames", now.framesDelivered() - seen.framesDelivered());
        metrics.add(prefix + ".discarded_bytes", now.bytesDiscarded() - seen.bytesDiscarded());
        metrics.add(prefix + ".rejected_frames", now.framesRejected() - seen.framesRejected());
        metrics.add(prefix + ".oversize_headers", now.oversizeHeaders() - seen.oversizeHeaders());
        seen = now;
    }

    @Override
    public void send(LinkAddress to, byte[] packet) {
        if (!owns(to)) {
            throw new IllegalArgumentException("not on serial line " + config.name() + ": " + to);
        }
        write(packet);
    }

    /** ADVERTISE: the device on the line (or the forwarder, which passes it to its radio network). */
    @Override
    public void broadcast(byte[] packet) {
        write(packet);
    }

    private void write(byte[] packet) {
        if (packet.length > maxPacketSize) {
            metrics.count(prefix + ".dropped_oversized");
            warnings.warn(prefix + ".dropped_oversized", () -> "serial line " + config.name() + ": packet of "
                    + packet.length + " bytes exceeds " + maxPacketSize + ", not sent");
            return;
        }
        OpenLine open = line;
        if (open == null) {
            metrics.count(Metrics.DROPPED_TRANSPORT_CLOSED);
            return;
        }
        open.write(packet);
    }

    @Override
    public boolean owns(LinkAddress address) {
        return this.address.equals(address);
    }

    @Override
    public int maxPacketSize() {
        return maxPacketSize;
    }

    @Override
    public String describe() {
        return "serial:" + config.name() + "=" + config.serial().path();
    }

    /** Bytes of an unfinished frame (tests wait for a read to have happened). */
    int bufferedForTests() {
        SerialFrameDecoder d = decoder;
        return d == null ? 0 : d.buffered();
    }

    /** This line's device address (the forwarder's, on a forwarder line). */
    public LinkAddress.Serial address() {
        return address;
    }

    @Override
    public void close() {
        if (line != null) {
            line.close();
        }
    }
}
