package io.sngate.gateway.transport;

import io.sngate.codec.Bytes;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.codec.xbee.XBeeFrame;
import io.sngate.codec.xbee.XBeeFrame.AtCommand;
import io.sngate.codec.xbee.XBeeFrame.AtCommandResponse;
import io.sngate.codec.xbee.XBeeFrame.ReceivePacket;
import io.sngate.codec.xbee.XBeeFrame.TransmitRequest;
import io.sngate.codec.xbee.XBeeFrame.TransmitStatus;
import io.sngate.codec.xbee.XBeeFrameCodec;
import io.sngate.codec.xbee.XBeeFrameDecoder;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The gateway's local XBee radio as the gateway sees it, on the far end of a pseudo-terminal:
 * answers the start-up AT commands from a parameter table, turns {@link #fromDevice} into 0x90
 * Receive Packets, and keeps every 0x10 Transmit Request the gateway writes, answering each
 * that has a frame id with a 0x8B Transmit Status (success, or the status set for an address).
 */
public final class FakeCoordinator implements AutoCloseable {

    public static final long OWN_ADDRESS = 0x0013A20040ABCDEFL;

    /** How it frames what it sends and reads what it gets; changed only by {@link #switchApiMode}. */
    private volatile ApiMode mode;
    private final Map<String, byte[]> parameters = new ConcurrentHashMap<>();
    private final Map<Long, Integer> failures = new ConcurrentHashMap<>();
    private final BlockingQueue<TransmitRequest> transmitted = new LinkedBlockingQueue<>();
    private final List<String> commands = new ArrayList<>();
    private final FileOutputStream out;
    private final FileInputStream in;
    /** The reader thread's alone: made again there when the mode changed. */
    private XBeeFrameDecoder decoder;
    private ApiMode decoding;
    private final Thread reader;
    private volatile boolean silent;
    private final Map<String, Integer> unanswered = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public FakeCoordinator(Path tty, ApiMode mode, int np) {
        this.mode = mode;
        parameters.put("AP", new byte[] {(byte) mode.apParameter()});
        parameters.put("ID", new byte[] {0x12, 0x34});
        parameters.put("SC", new byte[] {0x7F, (byte) 0xFF});
        parameters.put("CE", new byte[] {1});
        parameters.put("NI", "gateway".getBytes());
        parameters.put("SH", new byte[] {0x00, 0x13, (byte) 0xA2, 0x00});
        parameters.put("SL", new byte[] {0x40, (byte) 0xAB, (byte) 0xCD, (byte) 0xEF});
        parameters.put("VR", new byte[] {0x10, 0x09});
        parameters.put("HV", new byte[] {0x42, 0x43});
        parameters.put("NP", new byte[] {0x00, (byte) np});
        this.decoder = new XBeeFrameDecoder(mode, this::onFrame);
        this.decoding = mode;
        try {
            this.out = new FileOutputStream(tty.toFile());
            this.in = new FileInputStream(tty.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.reader = new Thread(this::read, "fake-coordinator");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /** Answers nothing, as a radio at the wrong baud rate or in transparent mode. */
    public FakeCoordinator silent() {
        silent = true;
        return this;
    }

    /** Answers again, after {@link #silent()}, as a radio once its owner put its baud rate or mode right. */
    public FakeCoordinator answering() {
        silent = false;
        return this;
    }

    /** Sets a parameter as XCTU would (numbers big-endian, as the radio answers them). */
    public FakeCoordinator set(String command, byte... value) {
        parameters.put(command, value.clone());
        return this;
    }

    /** The parameter's value now (as set here, or written by the gateway). */
    public byte[] parameter(String command) {
        return parameters.get(command).clone();
    }

    /** Speaks (and answers AP with) another API mode from now on, as after its owner set AP with XCTU. */
    public FakeCoordinator switchApiMode(ApiMode newMode) {
        parameters.put("AP", new byte[] {(byte) newMode.apParameter()});
        mode = newMode;
        return this;
    }

    /** Leaves the first {@code times} {@code command}s unanswered, as if their answers were lost on the line. */
    public FakeCoordinator loseAnswers(String command, int times) {
        unanswered.put(command, times);
        return this;
    }

    /** Transmit Requests to {@code address64} are answered with {@code deliveryStatus}. */
    public FakeCoordinator failDeliveriesTo(long address64, int deliveryStatus) {
        failures.put(address64, deliveryStatus);
        return this;
    }

    public FakeCoordinator deliverTo(long address64) {
        failures.remove(address64);
        return this;
    }

    /** A remote device's packet, as the radio reports it to the gateway. */
    public void fromDevice(long address64, byte[] packet) {
        int address16 = (int) (address64 & 0xFFFF) ^ 0x5A5A;
        write(XBeeFrameCodec.encode(new ReceivePacket(address64, address16, ReceivePacket.OPTION_ACKNOWLEDGED,
                Bytes.copyOf(packet)), mode));
    }

    /** Raw bytes on the line (noise, half frames). */
    public void writeRaw(byte[] bytes) {
        write(bytes);
    }

    /** The next Transmit Request the gateway wrote. */
    public TransmitRequest nextTransmit(Duration timeout) throws InterruptedException, TimeoutException {
        TransmitRequest request = transmitted.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (request == null) {
            throw new TimeoutException("no Transmit Request within " + timeout);
        }
        return request;
    }

    /** The next Transmit Request to {@code address64}, skipping others. */
    public TransmitRequest nextTransmitTo(long address64, Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            TransmitRequest request = transmitted.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (request == null) {
                throw new TimeoutException(String.format("no Transmit Request to %016X within %s", address64, timeout));
            }
            if (request.destination64() == address64) {
                return request;
            }
        }
    }

    public List<String> commands() {
        synchronized (commands) {
            return List.copyOf(commands);
        }
    }

    private void read() {
        byte[] chunk = new byte[512];
        try {
            int n;
            while (!closed && (n = in.read(chunk)) >= 0) {
                ApiMode now = mode;
                if (now != decoding) {
                    decoder = new XBeeFrameDecoder(now, this::onFrame);
                    decoding = now;
                }
                decoder.feed(chunk, 0, n);
            }
        } catch (IOException e) {
            // the pty went away or this radio was closed
        }
    }

    private void onFrame(XBeeFrame frame) {
        if (frame instanceof AtCommand command) {
            synchronized (commands) {
                commands.add(command.command());
            }
            Integer toLose = unanswered.get(command.command());
            if (toLose != null && toLose > 0) {
                unanswered.put(command.command(), toLose - 1);
                return;
            }
            if (!silent && command.frameId() != 0) {
                answer(command);
            }
        } else if (frame instanceof TransmitRequest request) {
            // The outcome is decided before the test can see the request (and change the outcome).
            int status = failures.getOrDefault(request.destination64(), TransmitStatus.DELIVERY_SUCCESS);
            transmitted.add(request);
            if (request.frameId() != 0) {
                write(XBeeFrameCodec.encode(new TransmitStatus(request.frameId(), 0xFFFE, status == 0 ? 0 : 3, status,
                        0), mode));
            }
        }
    }

    private void answer(AtCommand command) {
        String name = command.command();
        AtCommandResponse response;
        if (name.equals("WR") || name.equals("AC")) {
            response = new AtCommandResponse(command.frameId(), name, AtCommandResponse.STATUS_OK, Bytes.EMPTY);
        } else if (!parameters.containsKey(name)) {
            response = new AtCommandResponse(command.frameId(), name, AtCommandResponse.STATUS_INVALID_COMMAND,
                    Bytes.EMPTY);
        } else if (command.parameter().isEmpty()) {
            response = new AtCommandResponse(command.frameId(), name, AtCommandResponse.STATUS_OK,
                    Bytes.copyOf(parameters.get(name)));
        } else {
            parameters.put(name, command.parameter().toArray());
            response = new AtCommandResponse(command.frameId(), name, AtCommandResponse.STATUS_OK, Bytes.EMPTY);
        }
        write(XBeeFrameCodec.encode(response, mode));
    }

    private void write(byte[] bytes) {
        try {
            synchronized (out) {
                out.write(bytes);
                out.flush();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            out.close();
        } catch (IOException e) {
            // closing anyway
        }
        try {
            in.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
