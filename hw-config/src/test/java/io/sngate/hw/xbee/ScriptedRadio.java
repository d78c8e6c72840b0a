package io.sngate.hw.xbee;

import io.sngate.codec.Bytes;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.codec.xbee.XBeeFrame;
import io.sngate.codec.xbee.XBeeFrame.AtCommand;
import io.sngate.codec.xbee.XBeeFrame.AtCommandResponse;
import io.sngate.codec.xbee.XBeeFrameCodec;
import io.sngate.codec.xbee.XBeeFrameDecoder;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A fake local XBee radio on the far end of a pseudo-terminal: it decodes the API frames the
 * code under test writes (in its own {@code wireMode}, as a real radio would) and answers AT
 * commands from a parameter map. A set stores the value; {@code WR} and {@code AC} are
 * counted. It can be told to ignore commands or to answer them with an error status.
 */
final class ScriptedRadio implements AutoCloseable {

    private final ApiMode wireMode;
    private final Map<String, byte[]> parameters = new ConcurrentHashMap<>();
    private final Map<String, Integer> errors = new ConcurrentHashMap<>();
    private final Set<String> ignored = ConcurrentHashMap.newKeySet();
    private final List<AtCommand> received = new ArrayList<>();
    private final FileOutputStream out;
    private final FileInputStream in;
    private final XBeeFrameDecoder decoder;
    private final Thread reader;
    private volatile boolean silent;
    private volatile boolean closed;

    ScriptedRadio(Path tty, ApiMode wireMode, Map<String, byte[]> initial) {
        this.wireMode = wireMode;
        initial.forEach((k, v) -> parameters.put(k, v.clone()));
        this.decoder = new XBeeFrameDecoder(wireMode, this::onFrame);
        try {
            this.out = new FileOutputStream(tty.toFile());
            this.in = new FileInputStream(tty.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.reader = new Thread(this::read, "scripted-radio");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /** Answers nothing at all, as a radio in transparent mode or at the wrong baud rate. */
    ScriptedRadio silent() {
        silent = true;
        return this;
    }

    /** Does not answer {@code command}. */
    ScriptedRadio ignore(String command) {
        ignored.add(command);
        return this;
    }

    /** Answers {@code command} with {@code status} instead of OK. */
    ScriptedRadio fail(String command, int status) {
        errors.put(command, status);
        return this;
    }

    byte[] parameter(String command) {
        byte[] value = parameters.get(command);
        return value == null ? null : value.clone();
    }

    /** The commands received so far, in order. */
    List<AtCommand> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    List<String> receivedCommands() {
        return received().stream().map(AtCommand::command).toList();
    }

    private void read() {
        byte[] chunk = new byte[512];
        try {
            int n;
            while (!closed && (n = in.read(chunk)) >= 0) {
                decoder.feed(chunk, 0, n);
            }
        } catch (IOException e) {
            // the pty went away or this radio was closed
        }
    }

    private void onFrame(XBeeFrame frame) {
        if (!(frame instanceof AtCommand command)) {
            return;
        }
        synchronized (received) {
            received.add(command);
        }
        String name = command.command();
        if (silent || ignored.contains(name) || command.frameId() == 0) {
            return;
        }
        Integer error = errors.get(name);
        if (error != null) {
            answer(command, error, Bytes.EMPTY);
        } else if (name.equals("WR") || name.equals("AC")) {
            answer(command, AtCommandResponse.STATUS_OK, Bytes.EMPTY);
        } else if (!parameters.containsKey(name)) {
            answer(command, AtCommandResponse.STATUS_INVALID_COMMAND, Bytes.EMPTY);
        } else if (command.parameter().isEmpty()) {
            answer(command, AtCommandResponse.STATUS_OK, Bytes.copyOf(parameters.get(name)));
        } else {
            parameters.put(name, command.parameter().toArray());
            answer(command, AtCommandResponse.STATUS_OK, Bytes.EMPTY);
        }
    }

    private void answer(AtCommand command, int status, Bytes data) {
        byte[] frame = XBeeFrameCodec.encode(
                new AtCommandResponse(command.frameId(), command.command(), status, data), wireMode);
        try {
            synchronized (out) {
                out.write(frame);
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
