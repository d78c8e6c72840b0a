package io.sngate.sim;

import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.MqttSnCodec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
        return MqttSnCodec.v12().decode(packet).toString();
    }
}
