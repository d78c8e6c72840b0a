package io.sngate.codec.frame;

import io.sngate.codec.DecodeException;
import io.sngate.codec.v12.MessageType;
import io.sngate.codec.v12.MqttSn12Codec;
import java.util.Arrays;
import java.util.Objects;

/**
 * Finds MQTT-SN frames in the byte stream of a serial line (UART), where nothing delimits a
 * frame but MQTT-SN's own Length field. Sans-I/O: the transport {@linkplain #feed feeds} the
 * bytes it read, in chunks of any size, and each whole frame goes to the {@link FrameListener}
 * as a new array the listener owns (the transport may reuse its read buffer at once).
 *
 * <h2>What a frame is</h2>
 * <ul>
 *   <li>a packet: Length is byte 0 (2..255), or 0x01 followed by a uint16 (the 3-byte form,
 *       accepted for any size); the frame is Length bytes;</li>
 *   <li>a forwarder-encapsulated frame (MsgType 0xFE, see {@link ForwarderEncapsulation}): its
 *       1-byte Length counts only the header, so the frame is that Length plus the inner
 *       packet's own Length (either form).</li>
 * </ul>
 * Sending needs no counterpart: a frame on the line is just the packet's (or the
 * encapsulated frame's) bytes.
 *
 * <h2>Resynchronisation</h2>
 * After noise, a lost byte or a reset device, byte 0 of the buffer may not start a frame.
 * A candidate frame starting at byte 0 is accepted only if
 * <ol>
 *   <li>its header is plausible: Length is not 0x00, a 3-byte Length is at least 4, the
 *       MsgType is a known MQTT-SN 1.2 type or 0xFE (a 3-byte Length cannot precede 0xFE),
 *       and for 0xFE the header Length is at least 3 and the inner packet's header is
 *       plausible in the same way (its type a known 1.2 type, not 0xFE); and</li>
 *   <li>its total length is at most {@link #maxFrameSize()} (otherwise it is counted as an
 *       {@linkplain Counters#oversizeHeaders() oversize header}); and</li>
 *   <li>once all its bytes are here, the {@link FrameValidator} accepts the whole frame
 *       (by default {@link FrameValidator#MQTT_SN_12}: the 1.2 codec decodes it, or
 *       {@link ForwarderEncapsulation} unwraps it and the codec decodes the inner packet).</li>
 * </ol>
 * Whenever a candidate fails, exactly <em>one</em> byte is dropped (counted as discarded) and
 * the bytes already buffered are scanned again from the next byte. So a real frame that a
 * bogus Length seemed to swallow is still found once the bogus candidate has been rejected:
 * the decoder resynchronises within one frame, and never skips more than one byte on a guess.
 * Each decision depends only on the bytes, never on how they were chunked, so any chunking
 * of the same stream gives the same frames and the same counters.
 *
 * <p>The price of the one-byte rule: a bogus but plausible header holds back the frames after
 * it until as many bytes as it claims have arrived (at most {@link #maxFrameSize()}), or until
 * {@link #reset()}. A serial transport calls {@code reset()} when the line has been silent
 * longer than an inter-byte gap, since a sender writes a frame without pauses; whatever was
 * buffered then is dropped and counted. And since MQTT-SN frames carry no checksum, bytes
 * that merely look like a valid packet (inside noise, or inside the payload of a frame being
 * skipped) are delivered as one; the validator is the only defence, and the session layer must
 * cope with the odd bogus packet as it does on UDP.
 *
 * <h2>Memory and cost</h2>
 * One array of {@link #maxFrameSize()} bytes, allocated once; the buffer never holds more.
 * Each delivered frame costs a copy (the array handed out) and one validation; each dropped
 * byte costs a header look and, if the header was plausible, one validation.
 *
 * <p>Not thread-safe: one decoder per line, used by the thread that reads it (counters too).
 * The listener must not call {@link #feed} or {@link #reset()} (that is an
 * {@link IllegalStateException}). If it throws, the exception leaves {@code feed}: the frame
 * counts as delivered, bytes of the chunk already buffered stay buffered and are scanned at the
 * next {@code feed} (even an empty one), and the rest of the chunk is not taken.
 */
public final class SerialFrameDecoder {

    /**
     * The default limit: any packet in the 1-byte length form, even forwarder-encapsulated with
     * the longest node id (255 + 255 bytes), fits.
     */
    public static final int DEFAULT_MAX_FRAME_SIZE = 512;

    /** The smallest allowed limit: room for the 4-byte header of the 3-byte length form. */
    public static final int MIN_MAX_FRAME_SIZE = 4;

    /** The largest allowed limit: what the 3-byte length form can describe. */
    public static final int MAX_MAX_FRAME_SIZE = MqttSn12Codec.MAX_PACKET_LENGTH;

    /** Receives each whole frame, as an array of its own. */
    @FunctionalInterface
    public interface FrameListener {
        void onFrame(byte[] frame);
    }

    /**
     * Decides whether {@code length} bytes at {@code offset} are one whole, valid frame. Must
     * not keep or change the array, and must answer {@code false} rather than throw.
     */
    @FunctionalInterface
    public interface FrameValidator {

        /** MQTT-SN 1.2: a packet the 1.2 codec decodes, or an encapsulated frame around one. */
        FrameValidator MQTT_SN_12 = SerialFrameDecoder::isValid12;

        boolean isValid(byte[] buffer, int offset, int length);
    }

    /** What the decoder has seen since it was created. */
    public record Counters(long framesDelivered, long bytesDiscarded, long framesRejected, long oversizeHeaders) {
    }

    private static final int NEED_MORE = 0;
    private static final int IMPLAUSIBLE = -1;
    private static final int OVERSIZE = -2;

    /** The 1.2 packet types, by code; 0xFE (a framing, not a packet) excluded. */
    private static final boolean[] PACKET_TYPE = new boolean[256];

    static {
        for (MessageType type : MessageType.values()) {
            PACKET_TYPE[type.code()] = type != MessageType.ENCAPSULATED;
        }
    }

    private final byte[] buffer;
    private final FrameValidator validator;
    private final FrameListener listener;
    /** The buffered bytes are buffer[start, end); a candidate frame always begins at start. */
    private int start;
    private int end;
    private boolean busy;

    private long framesDelivered;
    private long bytesDiscarded;
    private long framesRejected;
    private long oversizeHeaders;

    /** A decoder for MQTT-SN 1.2 frames of at most {@value #DEFAULT_MAX_FRAME_SIZE} bytes. */
    public SerialFrameDecoder(FrameListener listener) {
        this(DEFAULT_MAX_FRAME_SIZE, FrameValidator.MQTT_SN_12, listener);
    }

    /**
     * @param maxFrameSize the longest frame accepted, {@value #MIN_MAX_FRAME_SIZE}..{@value #MAX_MAX_FRAME_SIZE};
     *                     also the size of the one buffer
     * @param validator    decides whether a complete candidate frame is real
     * @param listener     receives each frame
     */
    public SerialFrameDecoder(int maxFrameSize, FrameValidator validator, FrameListener listener) {
        if (maxFrameSize < MIN_MAX_FRAME_SIZE || maxFrameSize > MAX_MAX_FRAME_SIZE) {
            throw new IllegalArgumentException("maxFrameSize must be " + MIN_MAX_FRAME_SIZE + ".."
                    + MAX_MAX_FRAME_SIZE + ", not " + maxFrameSize);
        }
        this.validator = Objects.requireNonNull(validator, "validator");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.buffer = new byte[maxFrameSize];
    }

    /**
     * Takes {@code length} bytes read from the line and delivers every frame they complete,
     * in order, before returning. The bytes are copied; the caller may reuse {@code chunk}.
     */
    public void feed(byte[] chunk, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, chunk.length);
        enter();
        try {
            scan(); // frames left buffered when the listener threw during the previous feed
            while (length > 0) {
                if (start > 0) {
                    System.arraycopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }
                // scan() leaves fewer bytes than the candidate needs, and it needs at most the
                // buffer's size: there is always room for at least one more byte.
                int n = Math.min(length, buffer.length - end);
                assert n > 0 : "buffer full while a candidate needs more bytes";
                System.arraycopy(chunk, offset, buffer, end, n);
                end += n;
                offset += n;
                length -= n;
                scan();
            }
        } finally {
            busy = false;
        }
    }

    /**
     * Drops the bytes of a partial frame, counting them as discarded: call it when the line
     * has been silent for longer than a frame's bytes may be apart.
     */
    public void reset() {
        enter();
        bytesDiscarded += end - start;
        start = 0;
        end = 0;
        busy = false;
    }

    /** The bytes buffered towards a frame not yet complete (less than {@link #maxFrameSize()}). */
    public int buffered() {
        return end - start;
    }

    public int maxFrameSize() {
        return buffer.length;
    }

    public Counters counters() {
        return new Counters(framesDelivered, bytesDiscarded, framesRejected, oversizeHeaders);
    }

    private void enter() {
        if (busy) {
            throw new IllegalStateException("feed() and reset() must not be called from the frame listener");
        }
        busy = true;
    }

    /** Delivers or drops candidates until the one at start needs more bytes, or nothing is left. */
    private void scan() {
        while (start < end) {
            int verdict = examine(start, end - start);
            if (verdict == NEED_MORE) {
                return;
            }
            if (verdict > 0) {
                if (end - start < verdict) {
                    return;
                }
                if (validator.isValid(buffer, start, verdict)) {
                    byte[] frame = Arrays.copyOfRange(buffer, start, start + verdict);
                    start += verdict;
                    framesDelivered++;
                    listener.onFrame(frame);
                    continue;
                }
                framesRejected++;
            } else if (verdict == OVERSIZE) {
                oversizeHeaders++;
            }
            start++;
            bytesDiscarded++;
        }
        start = 0;
        end = 0;
    }

    /**
     * Looks at the header of the candidate at {@code p} with {@code available} bytes: its total
     * length (> 0) if plausible and within the limit, or NEED_MORE, IMPLAUSIBLE, OVERSIZE.
     * NEED_MORE is answered only when the bytes still missing fit the buffer.
     */
    private int examine(int p, int available) {
        int first = buffer[p] & 0xFF;
        if (first == 0x00) {
            return IMPLAUSIBLE;
        }
        if (first == 0x01) {
            if (available < 3) {
                return NEED_MORE;
            }
            int total = u16(p + 1);
            if (total < 4) {
                return IMPLAUSIBLE;
            }
            if (available < 4) {
                return NEED_MORE;
            }
            if (!PACKET_TYPE[buffer[p + 3] & 0xFF]) {
                return IMPLAUSIBLE; // 0xFE included: an encapsulation Length is always one byte
            }
            return total > buffer.length ? OVERSIZE : total;
        }
        if (available < 2) {
            return NEED_MORE;
        }
        int type = buffer[p + 1] & 0xFF;
        if (type != ForwarderEncapsulation.TYPE) {
            if (!PACKET_TYPE[type]) {
                return IMPLAUSIBLE;
            }
            return first > buffer.length ? OVERSIZE : first;
        }
        // Forwarder encapsulation: Length counts the header only; the inner packet has its own.
        int header = first;
        if (header < ForwarderEncapsulation.FIXED_HEADER_LENGTH) {
            return IMPLAUSIBLE;
        }
        if (header + 2 > buffer.length) {
            return OVERSIZE; // even the smallest inner packet would not fit
        }
        if (available < header + 1) {
            return NEED_MORE;
        }
        int innerFirst = buffer[p + header] & 0xFF;
        int innerTotal;
        int innerHeader;
        if (innerFirst == 0x00) {
            return IMPLAUSIBLE;
        }
        if (innerFirst == 0x01) {
            if (header + 4 > buffer.length) {
                return OVERSIZE;
            }
            if (available < header + 3) {
                return NEED_MORE;
            }
            innerTotal = u16(p + header + 1);
            if (innerTotal < 4) {
                return IMPLAUSIBLE;
            }
            innerHeader = 4;
        } else {
            innerTotal = innerFirst;
            innerHeader = 2;
        }
        if (available < header + innerHeader) {
            return NEED_MORE;
        }
        if (!PACKET_TYPE[buffer[p + header + innerHeader - 1] & 0xFF]) {
            return IMPLAUSIBLE; // nested 0xFE included
        }
        int total = header + innerTotal;
        return total > buffer.length ? OVERSIZE : total;
    }

    private int u16(int p) {
        return (buffer[p] & 0xFF) << 8 | (buffer[p + 1] & 0xFF);
    }

    private static boolean isValid12(byte[] frame, int offset, int length) {
        try {
            if (ForwarderEncapsulation.isEncapsulated(frame, offset, length)) {
                ForwarderEncapsulation.decode(frame, offset, length);
                int header = frame[offset] & 0xFF;
                MqttSn12Codec.INSTANCE.decode(frame, offset + header, length - header);
            } else {
                MqttSn12Codec.INSTANCE.decode(frame, offset, length);
            }
            return true;
        } catch (DecodeException e) {
            return false;
        }
    }
}
