package io.sngate.hw.xbee;

import io.sngate.codec.Bytes;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.codec.xbee.XBeeFrame;
import io.sngate.codec.xbee.XBeeFrame.AtCommand;
import io.sngate.codec.xbee.XBeeFrame.AtCommandResponse;
import io.sngate.codec.xbee.XBeeFrameCodec;
import io.sngate.hw.config.XBeeRadioConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Local AT commands (frame 0x08) to one XBee radio, each answered by an AT Command Response
 * (0x88) with the same frame id.
 *
 * <p>This class owns no serial line: the code that owns the radio's port (a gateway
 * transport, or start-up code) gives it a {@link FrameWriter} for the encoded frames and
 * passes every frame it decodes to {@link #onFrame}, which keeps the responses this class
 * waits for and returns false for everything else. So the radio can be configured while the
 * same line carries traffic.
 *
 * <p>Frame ids run 1..255 and wrap around; 0 is never used (it tells the radio not to answer)
 * and an id still waiting for its response is skipped. At most {@code maxOutstanding}
 * commands wait at once; one more is refused at once rather than queued. A response
 * only completes the command whose frame id <em>and</em> command name it carries, so a late
 * answer to a timed-out command cannot complete a newer one that reused its id.
 *
 * <p>Every command ends: with the radio's answer, with {@link AtCommandFailedException} for a
 * status other than OK, with {@link AtCommandTimeoutException} when no answer came within the
 * response timeout (run on the injected scheduler), or with an {@link AtCommandException} when
 * the frame could not be written or the commands were {@link #close() closed}.
 *
 * <p>Thread-safe: commands may be sent from any thread, {@link #onFrame} runs on the line's
 * reader thread. Futures are completed outside the internal lock, on the thread that saw the
 * outcome (reader, scheduler or caller): callbacks should not block.
 */
public final class XBeeAtCommands implements AutoCloseable {

    /** Writes one complete encoded frame (delimiter to checksum) to the radio's line. */
    @FunctionalInterface
    public interface FrameWriter {
        void write(byte[] frame) throws IOException;
    }

    /** Start-up needs a handful at a time; more waiting would mean the radio is not answering. */
    public static final int DEFAULT_MAX_OUTSTANDING = 16;

    private static final int MAX_FRAME_ID = 255;

    private final String port;
    private final ApiMode mode;
    private final FrameWriter writer;
    private final ScheduledExecutorService scheduler;
    private final long timeoutMillis;
    private final int maxOutstanding;

    private final Object lock = new Object();
    /** Indexed by frame id; slot 0 stays empty. Guarded by {@link #lock}. */
    private final Pending[] inFlight = new Pending[MAX_FRAME_ID + 1];
    private int outstanding;
    private int lastFrameId;
    private boolean closed;

    private static final class Pending {
        final int frameId;
        final String command;
        final CompletableFuture<byte[]> result = new CompletableFuture<>();
        ScheduledFuture<?> timeout;

        Pending(int frameId, String command) {
            this.frameId = frameId;
            this.command = command;
        }
    }

    /**
     * @param port            the radio's serial port, named in every error message
     * @param mode            the API mode the radio speaks (frames are escaped for AP=2)
     * @param writer          sends encoded frames to the radio
     * @param scheduler       runs the response timeouts
     * @param responseTimeout how long each command may wait for its answer
     * @param maxOutstanding  how many commands may wait for answers at once, 1..255
     */
    public XBeeAtCommands(String port, ApiMode mode, FrameWriter writer, ScheduledExecutorService scheduler,
            Duration responseTimeout, int maxOutstanding) {
        this.port = Objects.requireNonNull(port, "port");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.writer = Objects.requireNonNull(writer, "writer");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.timeoutMillis = Objects.requireNonNull(responseTimeout, "responseTimeout").toMillis();
        if (timeoutMillis <= 0) {
            throw new IllegalArgumentException("response timeout must be at least 1 ms: " + responseTimeout);
        }
        if (maxOutstanding < 1 || maxOutstanding > MAX_FRAME_ID) {
            throw new IllegalArgumentException("maxOutstanding must be 1..255: " + maxOutstanding);
        }
        this.maxOutstanding = maxOutstanding;
    }

    public XBeeAtCommands(String port, ApiMode mode, FrameWriter writer, ScheduledExecutorService scheduler,
            Duration responseTimeout) {
        this(port, mode, writer, scheduler, responseTimeout, DEFAULT_MAX_OUTSTANDING);
    }

    /** Commands for a configured radio: its port, API mode and response timeout. */
    public static XBeeAtCommands forRadio(XBeeRadioConfig radio, FrameWriter writer,
            ScheduledExecutorService scheduler) {
        return new XBeeAtCommands(radio.serial().path(), radio.apiMode(), writer, scheduler,
                Duration.ofMillis(radio.responseTimeoutMillis()));
    }

    public String port() {
        return port;
    }

    public ApiMode mode() {
        return mode;
    }

    /** Reads a parameter: completes with the value bytes the radio answered. */
    public CompletableFuture<byte[]> query(String command) {
        return send(command, Bytes.EMPTY);
    }

    /** Sets a parameter (in the radio's RAM until {@code WR}; active once applied, e.g. by {@code AC}). */
    public CompletableFuture<Void> set(String command, byte[] value) {
        Objects.requireNonNull(value, "value");
        return send(command, Bytes.copyOf(value)).thenApply(ignored -> null);
    }

    /** Runs a command that takes no parameter, such as {@code WR} or {@code AC}. */
    public CompletableFuture<Void> execute(String command) {
        return send(command, Bytes.EMPTY).thenApply(ignored -> null);
    }

    /**
     * Sends {@code command} with {@code parameter} (empty for a query or an execute command)
     * and completes with the response data.
     */
    public CompletableFuture<byte[]> send(String command, Bytes parameter) {
        String name = normalise(command);
        Objects.requireNonNull(parameter, "parameter");
        Pending pending;
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(new AtCommandException(port, name,
                        "AT" + name + " to the radio on " + port + " not sent: the radio's AT commands are closed"));
            }
            if (outstanding >= maxOutstanding) {
                return CompletableFuture.failedFuture(new AtCommandException(port, name,
                        "AT" + name + " to the radio on " + port + " refused: " + outstanding
                                + " commands already wait for an answer (limit " + maxOutstanding + ")"));
            }
            pending = new Pending(nextFrameId(), name);
            inFlight[pending.frameId] = pending;
            outstanding++;
            // Armed under the lock, so a response cannot arrive before there is a timeout to cancel.
            pending.timeout = scheduler.schedule(() -> expire(pending), timeoutMillis, TimeUnit.MILLISECONDS);
        }
        byte[] frame;
        try {
            frame = XBeeFrameCodec.encode(new AtCommand(pending.frameId, name, parameter), mode);
            writer.write(frame);
        } catch (IOException | RuntimeException e) {
            if (remove(pending)) {
                pending.result.completeExceptionally(new AtCommandException(port, name,
                        "AT" + name + " could not be sent to the radio on " + port + ": " + e.getMessage(), e));
            }
        }
        return pending.result;
    }

    /**
     * Offers a frame decoded from the radio's line.
     *
     * @return true if it was the answer to a command sent here (and so is consumed), false
     *         for any other frame, which the caller handles as usual
     */
    public boolean onFrame(XBeeFrame frame) {
        if (!(frame instanceof AtCommandResponse response) || response.frameId() == 0) {
            return false;
        }
        Pending pending;
        synchronized (lock) {
            pending = inFlight[response.frameId()];
            if (pending == null || !pending.command.equals(response.command().toUpperCase(Locale.ROOT))) {
                return false;
            }
            inFlight[pending.frameId] = null;
            outstanding--;
        }
        pending.timeout.cancel(false);
        AtStatus status = new AtStatus(response.status());
        if (status.ok()) {
            pending.result.complete(response.data().toArray());
        } else {
            pending.result.completeExceptionally(new AtCommandFailedException(port, pending.command, status));
        }
        return true;
    }

    /** Commands still waiting for their answers. */
    public int outstanding() {
        synchronized (lock) {
            return outstanding;
        }
    }

    /**
     * Fails every waiting command (e.g. the radio's line closed) and refuses new ones.
     * Idempotent.
     */
    @Override
    public void close() {
        List<Pending> failed = new ArrayList<>();
        synchronized (lock) {
            closed = true;
            for (int id = 1; id <= MAX_FRAME_ID; id++) {
                if (inFlight[id] != null) {
                    failed.add(inFlight[id]);
                    inFlight[id] = null;
                }
            }
            outstanding = 0;
        }
        for (Pending p : failed) {
            p.timeout.cancel(false);
            p.result.completeExceptionally(new AtCommandException(port, p.command,
                    "AT" + p.command + " to the radio on " + port + " got no answer: the radio's AT commands were closed"));
        }
    }

    private void expire(Pending pending) {
        if (remove(pending)) {
            pending.result.completeExceptionally(new AtCommandTimeoutException(port, pending.command, timeoutMillis));
        }
    }

    /** Removes {@code pending} if it still waits; true if this call removed it. */
    private boolean remove(Pending pending) {
        synchronized (lock) {
            if (inFlight[pending.frameId] != pending) {
                return false;
            }
            inFlight[pending.frameId] = null;
            outstanding--;
        }
        pending.timeout.cancel(false);
        return true;
    }

    /** The next id after the last one used that is not waiting; there is one since outstanding < 255. */
    private int nextFrameId() {
        int id = lastFrameId;
        do {
            id = id == MAX_FRAME_ID ? 1 : id + 1;
        } while (inFlight[id] != null);
        lastFrameId = id;
        return id;
    }

    private static String normalise(String command) {
        Objects.requireNonNull(command, "command");
        if (command.length() != 2 || !Character.isLetterOrDigit(command.charAt(0))
                || !Character.isLetterOrDigit(command.charAt(1)) || command.charAt(0) > 0x7F
                || command.charAt(1) > 0x7F) {
            throw new IllegalArgumentException("an AT command is two ASCII letters or digits such as \"ID\", not \""
                    + command + "\"");
        }
        return command.toUpperCase(Locale.ROOT);
    }
}
