package io.sngate.sim.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Whether a port has a listener, from Linux's socket tables in {@code /proc/net}: a TCP socket in
 * state LISTEN, or any bound UDP socket. Reading the tables leaves the program alone (a probe
 * connection would show in a broker's log and counters).
 */
final class Listeners {

    private static final String TCP_LISTEN = "0A";

    private Listeners() {
    }

    static boolean listening(Directive.Port port) {
        String hexPort = String.format(Locale.ROOT, "%04X", port.number());
        for (String table : List.of(port.protocol(), port.protocol() + "6")) {
            for (String line : lines(Path.of("/proc/net", table))) {
                // "sl local_address rem_address st ...": local_address is HEXIP:HEXPORT
                String[] fields = line.strip().split("\\s+");
                if (fields.length < 4 || !fields[1].contains(":")) {
                    continue;
                }
                boolean samePort = fields[1].substring(fields[1].lastIndexOf(':') + 1).equals(hexPort);
                if (samePort && (port.protocol().equals("udp") || fields[3].equals(TCP_LISTEN))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static List<String> lines(Path table) {
        try {
            return Files.readAllLines(table);
        } catch (NoSuchFileException e) {
            return List.of(); // no IPv6 on this host
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
