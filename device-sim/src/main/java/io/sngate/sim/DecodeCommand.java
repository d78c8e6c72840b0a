package io.sngate.sim;

import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.MqttSnCodec;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicRef;
import io.sngate.codec.v12.Unsubscribe;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code decode}: a packet dissector for captures and serial logs. The arguments together
 * are one packet in hex; with {@code -} every line of standard input is one packet.
 */
final class DecodeCommand {

    private final PrintStream out;
    private final PrintStream err;

    DecodeCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(List<String> args) {
        if (args.isEmpty()) {
            err.println("sngate-sim decode: give the packet in hex, or '-' to read packets from stdin");
            return Main.EXIT_USAGE;
        }
        if (args.equals(List.of("-"))) {
            return decodeLines();
        }
        return decodeOne(String.join("", args)) ? Main.EXIT_OK : Main.EXIT_FAILURE;
    }

    private int decodeLines() {
        boolean allGood = true;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    allGood &= decodeOne(line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return allGood ? Main.EXIT_OK : Main.EXIT_FAILURE;
    }

    private boolean decodeOne(String hex) {
        Bytes bytes;
        try {
            bytes = Bytes.fromHex(hex.replaceAll("\\s+", ""));
        } catch (IllegalArgumentException e) {
            err.println("not hex: " + hex.strip());
            return false;
        }
        try {
            out.println(describe(bytes.toArray()));
            return true;
        } catch (DecodeException e) {
            out.println("malformed: " + e.getMessage());
            return false;
        }
    }

    private static String describe(byte[] packet) throws DecodeException {
        MqttSn12Message message = MqttSnCodec.v12().decode(packet);
        List<String> outside = outsideTheSpec(message);
        // The codec decodes these because real clients send them; whoever reads a capture should still
        // see at a glance that the device is off the spec. '#' keeps the line valid input for "decode -".
        return outside.isEmpty() ? message.toString()
                : message + "  # outside MQTT-SN 1.2: " + String.join(", ", outside);
    }

    /** What in a decoded packet MQTT-SN 1.2 does not provide for. */
    private static List<String> outsideTheSpec(MqttSn12Message message) {
        List<String> notes = new ArrayList<>();
        if (message instanceof Connect connect && connect.clientId().isEmpty()) {
            notes.add("empty client id");
        }
        if (message instanceof Subscribe subscribe) {
            if (subscribe.qos() == QoS.MINUS_ONE) {
                notes.add("QoS -1 in SUBSCRIBE");
            }
            addReserved(subscribe.topic(), notes);
        }
        if (message instanceof Unsubscribe unsubscribe) {
            addReserved(unsubscribe.topic(), notes);
        }
        return notes;
    }

    private static void addReserved(TopicRef topic, List<String> notes) {
        if (topic instanceof TopicRef.Reserved reserved) {
            notes.add("reserved topic id type 0b11 (" + reserved.field().length() + " byte(s) after MsgId)");
        }
    }
}
