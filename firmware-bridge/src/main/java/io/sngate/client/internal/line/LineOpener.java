package io.sngate.client.internal.line;

import io.sngate.hw.ReconnectBackoff;
import io.sngate.hw.serial.ReconnectingSerialLine;
import io.sngate.hw.serial.SerialBackend;
import io.sngate.hw.serial.SerialException;
import io.sngate.hw.serial.SerialLine;
import io.sngate.hw.serial.SerialSettings;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;

/**
 * How a port gets its serial line: opened once ({@link #direct}), or kept open across unplugs
 * ({@link #reconnecting}). Either way the first open throws when the port is missing, so a
 * wrong path is reported at start instead of being retried silently.
 */
public interface LineOpener {

    SerialSettings settings();

    /**
     * Opens the line; {@code reopened} runs (on a line thread) each time a reconnecting line is
     * back after the port went away.
     */
    SerialLine open(SerialLine.Listener listener, Runnable reopened) throws SerialException;

    /** The port through the backend its settings name; a lost port stays lost. */
    static LineOpener direct(SerialSettings settings) {
        Objects.requireNonNull(settings, "settings");
        return new LineOpener() {
            @Override
            public SerialSettings settings() {
                return settings;
            }

            @Override
            public SerialLine open(SerialLine.Listener listener, Runnable reopened) throws SerialException {
                return SerialBackend.of(settings.backend()).open(settings, listener);
            }
        };
    }

    /** The port reopened with {@code backoff} whenever it goes away (USB adapter pulled, radio power-cycled). */
    static LineOpener reconnecting(SerialSettings settings, ScheduledExecutorService timers, ReconnectBackoff backoff) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(timers, "timers");
        Objects.requireNonNull(backoff, "backoff");
        return new LineOpener() {
            @Override
            public SerialSettings settings() {
                return settings;
            }

            @Override
            public SerialLine open(SerialLine.Listener listener, Runnable reopened) throws SerialException {
                ReconnectingSerialLine.State state = new ReconnectingSerialLine.State() {
                    @Override
                    public void onDown(IOException cause, long retryInMillis) {
                        // ReconnectingSerialLine logs it; writes fail until the port is back.
                    }

                    @Override
                    public void onUp() {
                        reopened.run();
                    }
                };
                return ReconnectingSerialLine.open(SerialBackend.of(settings.backend()), settings, listener, state,
                        timers, backoff);
            }
        };
    }
}
