package io.sngate.hw.xbee;

import io.sngate.hw.config.XBeeRadioConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Checks, and if so configured corrects, the settings of the XBee radio a gateway talks to,
 * at start-up and again when the radio's port comes back, through {@link XBeeAtCommands}.
 *
 * <ol>
 *   <li>{@code AP} must equal the configured API mode. If it does not, the setup fails: in the
 *       other mode the radio reads every frame holding an escaped byte differently, so the
 *       gateway cannot reliably talk to it, and changing AP over that same link is not safe.</li>
 *   <li>{@code ID} (PAN id), {@code SC} (scan channels), {@code CE} (coordinator) and
 *       {@code NI} (node identifier) are read and compared with those configured; unset
 *       ones are left alone.</li>
 *   <li>With {@code applySettings} those that differ are written, then saved to flash with
 *       {@code WR} and made active with {@code AC}, each answer checked. Without it nothing is
 *       written and each difference is returned in {@link RadioInfo#differences()} for the
 *       caller to log as a warning.</li>
 *   <li>{@code SH}+{@code SL} (the radio's own 64-bit address), {@code VR}, {@code HV} and
 *       {@code NP} are read last, so that NP reflects the applied settings.</li>
 * </ol>
 * Numbers are sent big-endian without leading zero bytes, which XBee firmware accepts for
 * every numeric parameter whatever its width; answers of any width up to 8 bytes are read.
 * Every step fails with an {@link XBeeSetupException} naming the radio's port.
 */
public final class XBeeRadioSetup {

    private final XBeeAtCommands commands;
    private final XBeeRadioConfig config;

    public XBeeRadioSetup(XBeeAtCommands commands, XBeeRadioConfig config) {
        this.commands = Objects.requireNonNull(commands, "commands");
        this.config = Objects.requireNonNull(config, "config");
    }

    /** One parameter to verify: its command, setting name and wanted value. */
    private record Wanted(String command, String setting, byte[] value, Function<byte[], String> show) {

        boolean matches(byte[] onRadio) {
            return show.apply(onRadio).equals(show.apply(value));
        }

        ParameterDifference difference(byte[] onRadio) {
            return new ParameterDifference(command, setting, show.apply(onRadio), show.apply(value));
        }
    }

    /** Runs the setup; the future fails with an {@link XBeeSetupException}. */
    public CompletableFuture<RadioInfo> run() {
        return query("AP").thenCompose(this::checkApiMode)
                .thenCompose(ignored -> compareAll())
                .thenCompose(differences -> config.applySettings()
                        ? apply(differences).thenApply(changed -> new Outcome(changed, List.of()))
                        : CompletableFuture.completedFuture(new Outcome(List.of(), differences)))
                .thenCompose(this::identify)
                .handle((info, error) -> {
                    if (error == null) {
                        return info;
                    }
                    throw new CompletionException(asSetupException(error));
                });
    }

    /**
     * Runs the setup and waits for it, for start-up code.
     *
     * @throws XBeeSetupException when the setup fails or does not finish within {@code deadline}
     */
    public RadioInfo runBlocking(Duration deadline) throws XBeeSetupException, InterruptedException {
        CompletableFuture<RadioInfo> setup = run();
        try {
            return setup.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw asSetupException(e.getCause());
        } catch (TimeoutException e) {
            setup.cancel(false);
            throw new XBeeSetupException("setup of radio " + config.name() + " on " + commands.port()
                    + " did not finish within " + deadline.toMillis() + " ms");
        }
    }

    private record Outcome(List<ParameterDifference> changed, List<ParameterDifference> differences) {
    }

    private CompletableFuture<Void> checkApiMode(byte[] ap) {
        long onRadio = unsigned("AP", ap);
        int wanted = config.apiMode().apParameter();
        if (onRadio != wanted) {
            return CompletableFuture.failedFuture(new XBeeSetupException("radio " + config.name() + " on "
                    + commands.port() + " is in API mode AP=" + onRadio + " but is configured for AP=" + wanted
                    + " (api-mode): the gateway cannot reliably talk to it; set AP=" + wanted
                    + " on the radio (e.g. with XCTU) or configure api-mode " + onRadio));
        }
        return CompletableFuture.completedFuture(null);
    }

    private List<Wanted> wanted() {
        List<Wanted> wanted = new ArrayList<>();
        config.panId().ifPresent(id -> wanted.add(new Wanted("ID", "pan-id", minimalBigEndian(id),
                v -> String.format("0x%X", unsigned("ID", v)))));
        config.channelMask().ifPresent(mask -> wanted.add(new Wanted("SC", "channel-mask",
                minimalBigEndian(Integer.toUnsignedLong(mask)), v -> String.format("0x%04X", unsigned("SC", v)))));
        config.coordinator().ifPresent(ce -> wanted.add(new Wanted("CE", "coordinator", new byte[] {(byte) (ce ? 1 : 0)},
                v -> unsigned("CE", v) == 0 ? "0 (not coordinator)" : unsigned("CE", v) + " (coordinator)")));
        config.nodeIdentifier().ifPresent(ni -> wanted.add(new Wanted("NI", "node-identifier",
                ni.getBytes(StandardCharsets.US_ASCII), XBeeRadioSetup::nodeIdentifier)));
        return wanted;
    }

    private CompletableFuture<List<ParameterDifference>> compareAll() {
        List<ParameterDifference> differences = new ArrayList<>();
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (Wanted w : wanted()) {
            chain = chain.thenCompose(ignored -> query(w.command())).thenAccept(onRadio -> {
                if (!w.matches(onRadio)) {
                    differences.add(w.difference(onRadio));
                }
            });
        }
        return chain.thenApply(ignored -> differences);
    }

    private CompletableFuture<List<ParameterDifference>> apply(List<ParameterDifference> differences) {
        if (differences.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (Wanted w : wanted()) {
            if (differences.stream().anyMatch(d -> d.command().equals(w.command()))) {
                if (w.value().length == 0) {
                    // An AT command without a parameter is a query: an empty value cannot be written.
                    return CompletableFuture.failedFuture(new XBeeSetupException("radio " + config.name() + " on "
                            + commands.port() + ": an empty " + w.setting() + " cannot be written to the radio"));
                }
                chain = chain.thenCompose(ignored -> commands.set(w.command(), w.value()));
            }
        }
        return chain.thenCompose(ignored -> commands.execute("WR"))
                .thenCompose(ignored -> commands.execute("AC"))
                .thenApply(ignored -> differences);
    }

    private CompletableFuture<RadioInfo> identify(Outcome outcome) {
        long[] address = new long[2];
        int[] versions = new int[3];
        return query("SH").thenAccept(v -> address[0] = unsigned("SH", v))
                .thenCompose(ignored -> query("SL")).thenAccept(v -> address[1] = unsigned("SL", v))
                .thenCompose(ignored -> query("VR")).thenAccept(v -> versions[0] = (int) unsigned("VR", v))
                .thenCompose(ignored -> query("HV")).thenAccept(v -> versions[1] = (int) unsigned("HV", v))
                .thenCompose(ignored -> query("NP")).thenAccept(v -> versions[2] = (int) unsigned("NP", v))
                .thenApply(ignored -> new RadioInfo(commands.port(), (address[0] << 32) | (address[1] & 0xFFFF_FFFFL),
                        versions[0], versions[1], versions[2], Math.min(config.maxPayload(), versions[2]),
                        outcome.changed(), outcome.differences()));
    }

    private CompletableFuture<byte[]> query(String command) {
        return commands.query(command);
    }

    private XBeeSetupException asSetupException(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof XBeeSetupException setup) {
            return setup;
        }
        return new XBeeSetupException("setup of radio " + config.name() + " failed: " + cause.getMessage(), cause);
    }

    /** An unsigned big-endian answer; one longer than 8 bytes is not a number this setup reads. */
    private long unsigned(String command, byte[] value) {
        if (value.length == 0 || value.length > Long.BYTES) {
            throw new CompletionException(new XBeeSetupException("radio " + config.name() + " on " + commands.port()
                    + " answered AT" + command + " with " + value.length + " bytes, expected a number of 1 to 8 bytes"));
        }
        long n = 0;
        for (byte b : value) {
            n = (n << 8) | (b & 0xFF);
        }
        return n;
    }

    /** The value without leading zero bytes, at least one byte. */
    static byte[] minimalBigEndian(long value) {
        int bytes = Math.max(1, Long.BYTES - Long.numberOfLeadingZeros(value) / 8);
        byte[] out = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            out[bytes - 1 - i] = (byte) (value >>> (8 * i));
        }
        return out;
    }

    /** NI as text; some firmware ends it with a CR or NUL, which is not part of the name. */
    private static String nodeIdentifier(byte[] value) {
        int end = value.length;
        while (end > 0 && (value[end - 1] == '\r' || value[end - 1] == 0)) {
            end--;
        }
        return '"' + new String(Arrays.copyOf(value, end), StandardCharsets.ISO_8859_1) + '"';
    }
}
