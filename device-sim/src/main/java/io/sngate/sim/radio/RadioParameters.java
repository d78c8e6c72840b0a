package io.sngate.sim.radio;

import io.sngate.codec.Bytes;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.codec.xbee.XBeeFrame.AtCommand;
import io.sngate.codec.xbee.XBeeFrame.AtCommandResponse;
import java.util.Arrays;
import java.util.Locale;

/**
 * The emulated radio's AT parameters and how it answers local AT commands (0x08 -> 0x88), as
 * an XBee Zigbee radio does: a command without a parameter is a query answered with the value
 * big-endian at the parameter's own width; a command with one sets it (an 0x08 AT command takes
 * effect at once; only 0x09 frames queue until {@code AC}, and those this emulator ignores).
 * {@code WR} saves to flash and {@code AC} applies queued changes: both answer OK. An unknown
 * command answers status 2, a value out of range or a set of a read-only parameter status 3.
 *
 * <p>Numbers are accepted at any width from one byte up to the parameter's width, leading zero
 * bytes allowed, because the gateway's setup sends them without leading zeros.
 *
 * <p>Used only on the line's reader thread; the accessors tests call are synchronized.
 */
final class RadioParameters {

    /** NI holds up to 20 characters on XBee Zigbee firmware. */
    static final int MAX_NODE_IDENTIFIER = 20;

    private ApiMode apiMode;
    private long panId;
    private int scanChannels;
    private boolean coordinator;
    private byte[] nodeIdentifier;
    private final long serialNumber;
    private final int firmwareVersion;
    private final int hardwareVersion;
    private final int maxPayload;
    private long flashWrites;
    private long commands;
    private long errors;

    RadioParameters(XBeeRadioEmulator.Config config) {
        this.apiMode = config.apiMode();
        this.panId = config.panId();
        this.scanChannels = config.scanChannels();
        this.coordinator = config.coordinator();
        this.nodeIdentifier = config.nodeIdentifier().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        this.serialNumber = config.serialNumber();
        this.firmwareVersion = config.firmwareVersion();
        this.hardwareVersion = config.hardwareVersion();
        this.maxPayload = config.maxPayload();
    }

    /** Runs the command and returns the answer (which the caller does not send for frame id 0). */
    synchronized AtCommandResponse handle(AtCommand command) {
        commands++;
        String name = command.command().toUpperCase(Locale.ROOT);
        byte[] parameter = command.parameter().toArray();
        int status = parameter.length == 0 ? AtCommandResponse.STATUS_OK : set(name, parameter);
        byte[] data = new byte[0];
        if (status == AtCommandResponse.STATUS_OK && parameter.length == 0) {
            byte[] value = query(name);
            if (value == null) {
                status = AtCommandResponse.STATUS_INVALID_COMMAND;
            } else {
                data = value;
            }
        }
        if (status != AtCommandResponse.STATUS_OK) {
            errors++;
        }
        return new AtCommandResponse(command.frameId(), command.command(), status, Bytes.wrap(data));
    }

    /** The value for a query, null for an unknown command; WR and AC run here. */
    private byte[] query(String name) {
        return switch (name) {
            case "AP" -> number(apiMode.apParameter(), 1);
            case "ID" -> number(panId, 8);
            case "SC" -> number(scanChannels, 2);
            case "CE" -> number(coordinator ? 1 : 0, 1);
            case "NI" -> nodeIdentifier.clone();
            case "SH" -> number(serialNumber >>> 32, 4);
            case "SL" -> number(serialNumber & 0xFFFF_FFFFL, 4);
            case "VR" -> number(firmwareVersion, 2);
            case "HV" -> number(hardwareVersion, 2);
            case "NP" -> number(maxPayload, 2);
            case "WR" -> {
                flashWrites++;
                yield new byte[0];
            }
            case "AC" -> new byte[0];
            default -> null;
        };
    }

    /** Sets {@code name}; the status to answer. */
    private int set(String name, byte[] value) {
        switch (name) {
            case "AP" -> {
                // AP=0 (transparent) would leave API mode, which an API-frame emulator cannot speak.
                if (!fits(value, 1) || unsigned(value) < 1 || unsigned(value) > 2) {
                    return AtCommandResponse.STATUS_INVALID_PARAMETER;
                }
                apiMode = ApiMode.fromApParameter((int) unsigned(value));
            }
            case "ID" -> {
                if (!fits(value, 8)) {
                    return AtCommandResponse.STATUS_INVALID_PARAMETER;
                }
                panId = unsigned(value);
            }
            case "SC" -> {
                // no channel at all cannot form a network
                if (!fits(value, 2) || unsigned(value) == 0) {
                    return AtCommandResponse.STATUS_INVALID_PARAMETER;
                }
                scanChannels = (int) unsigned(value);
            }
            case "CE" -> {
                if (!fits(value, 1) || unsigned(value) > 1) {
                    return AtCommandResponse.STATUS_INVALID_PARAMETER;
                }
                coordinator = unsigned(value) == 1;
            }
            case "NI" -> {
                if (value.length > MAX_NODE_IDENTIFIER) {
                    return AtCommandResponse.STATUS_INVALID_PARAMETER;
                }
                nodeIdentifier = value.clone();
            }
            case "SH", "SL", "VR", "HV", "NP", "WR", "AC" -> {
                return AtCommandResponse.STATUS_INVALID_PARAMETER; // read-only, or takes no parameter
            }
            default -> {
                return AtCommandResponse.STATUS_INVALID_COMMAND;
            }
        }
        return AtCommandResponse.STATUS_OK;
    }

    /** True if the value, without leading zero bytes, has at most {@code width} bytes. */
    private static boolean fits(byte[] value, int width) {
        int first = 0;
        while (first < value.length && value[first] == 0) {
            first++; // leading zero bytes do not make a value wider
        }
        return value.length - first <= width;
    }

    /** The value as an unsigned big-endian number; call only when it {@link #fits} in 8 bytes. */
    private static long unsigned(byte[] value) {
        long n = 0;
        for (byte b : value) {
            n = (n << 8) | (b & 0xFF);
        }
        return n;
    }

    private static byte[] number(long value, int width) {
        byte[] out = new byte[width];
        for (int i = 0; i < width; i++) {
            out[width - 1 - i] = (byte) (value >>> (8 * i));
        }
        return out;
    }

    synchronized ApiMode apiMode() {
        return apiMode;
    }

    synchronized long panId() {
        return panId;
    }

    synchronized int scanChannels() {
        return scanChannels;
    }

    synchronized boolean coordinator() {
        return coordinator;
    }

    synchronized String nodeIdentifier() {
        return new String(nodeIdentifier, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    int maxPayload() {
        return maxPayload;
    }

    long serialNumber() {
        return serialNumber;
    }

    synchronized long flashWrites() {
        return flashWrites;
    }

    synchronized long commands() {
        return commands;
    }

    synchronized long errors() {
        return errors;
    }

    @Override
    public synchronized String toString() {
        return "RadioParameters[AP=" + apiMode.apParameter() + ", ID=" + Long.toHexString(panId) + ", SC="
                + Integer.toHexString(scanChannels) + ", CE=" + (coordinator ? 1 : 0) + ", NI="
                + Arrays.toString(nodeIdentifier) + "]";
    }
}
