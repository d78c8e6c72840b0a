package io.sngate.client.internal.line;

import io.sngate.hw.ReconnectBackoff;
import io.sngate.hw.serial.ReconnectingSerialLine;
import io.sngate.hw.serial.SerialBackend;
import io.sngate.hw.serial.SerialException;
import io.sngate.hw.serial.SerialLine;
import io.sngate.hw.serial.SerialSettings;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;

/**
 * How a port gets its serial line: opened once ({@link #direct}), or kept open across unplugs
 * ({@link #reconnecting}). Either way the first open throws when the port is missing, so a
 * wrong path is reported at start instead of being retried silently.
 */
public interface LineOpener {

    SerialSettings settings();

    /** What hears of nothing: for owners that do not care when the port goes and comes back. */
    ReconnectingSerialLine.State NO_PRESENCE = new ReconnectingSerialLine.State() {
    };

    /**
     * Opens the line; {@code presence} hears (on a line thread) each time a reconnecting line's
     * port goes away and each time it is back. A line opened once never tells it anything.
     */
    SerialLine open(SerialLine.Listener listener, ReconnectingSerialLine.State presence) throws SerialException;

    /** The port through the backend its settings name; a lost port stays lost. */
    static LineOpener direct(SerialSettings settings) {
        Objects.requireNonNull(settings, "settings");
        return new LineOpener() {
            @Override
            public SerialSettings settings() {
                return settings;
            }

            @Override
            public SerialLine open(SerialLine.Listener listener, ReconnectingSerialLine.State presence)
                    throws SerialException {
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
            public SerialLine open(SerialLine.Listener listener, ReconnectingSerialLine.State presence)
                    throws SerialException {
                // ReconnectingSerialLine logs the loss and the return; writes fail while the port is away.
                return ReconnectingSerialLine.open(SerialBackend.of(settings.backend()), settings, listener, presence,
                        timers, backoff);
            }
        };
    }
}
