package io.sngate.hw.gpio;

import com.pi4j.Pi4J;
import com.pi4j.context.Context;
import com.pi4j.io.gpio.digital.DigitalOutput;
import com.pi4j.io.gpio.digital.DigitalState;
import io.sngate.hw.config.GpioConfig;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The gateway's GPIO on a Raspberry Pi: the status LED and the XBee reset line configured in
 * {@link GpioConfig} (BCM numbers), driven through pi4j 2.x.
 *
 * <p><b>Provider.</b> On a Pi the outputs are created explicitly with pi4j's gpiod provider
 * ({@value #GPIOD_DIGITAL_OUTPUT}, from {@code pi4j-plugin-gpiod}, a runtime dependency): it
 * talks to the kernel's GPIO character device ({@code /dev/gpiochip0}) through libgpiod, which
 * the plugin ships for armhf and aarch64, works on every Pi model including the Pi 5, and needs
 * no root, only membership of the {@code gpio} group. Platform auto-detection is off, so the
 * provider never silently changes with what happens to be on the class path. Tests pass their
 * own context and provider id (pi4j's mock platform) to
 * {@link #open(GpioConfig, Context, String, ScheduledExecutorService, Duration, Duration)}.
 *
 * <p><b>Absent pins.</b> A pin left out of the configuration gives {@link StatusLed#NONE} or
 * {@link RadioReset#NONE}; with no pin at all no pi4j context is created, so a gateway that is
 * not on a Pi and configures no GPIO never touches pi4j.
 *
 * <p>Closing shuts the context down, leaving the LED off and the radio running (RESET high).
 */
public final class GpioBoard implements AutoCloseable {

    /** The pi4j provider id of gpiod digital outputs, used on a Pi. */
    public static final String GPIOD_DIGITAL_OUTPUT = "gpiod-digital-output";

    /** Configuration keys, named in errors. */
    public static final String STATUS_LED_KEY = "gpio.status-led-pin";
    public static final String RADIO_RESET_KEY = "gpio.radio-reset-pin";

    /** Long enough to see, short enough that a burst of packets shows as blinking. */
    public static final Duration DEFAULT_BLINK = Duration.ofMillis(50);

    /** XBee 3 modules are ready for commands well within this after RESET is released. */
    public static final Duration DEFAULT_RESET_SETTLE = Duration.ofMillis(500);

    private final Context context;
    private final StatusLed statusLed;
    private final RadioReset radioReset;

    private GpioBoard(Context context, StatusLed statusLed, RadioReset radioReset) {
        this.context = context;
        this.statusLed = statusLed;
        this.radioReset = radioReset;
    }

    /**
     * Opens the configured pins on a Raspberry Pi with the gpiod provider.
     *
     * @throws GpioException naming the pin's key when GPIO cannot be used (not a Pi, no access
     *                       to {@code /dev/gpiochip0}, pin busy)
     */
    public static GpioBoard open(GpioConfig config, ScheduledExecutorService scheduler) throws GpioException {
        if (!config.enabled()) {
            return new GpioBoard(null, StatusLed.NONE, RadioReset.NONE);
        }
        Context context;
        try {
            context = Pi4J.newContextBuilder().noAutoDetectPlatforms().autoDetectProviders().build();
        } catch (RuntimeException | LinkageError e) {
            throw new GpioException("gpio", "cannot start pi4j: " + e, e);
        }
        return open(config, context, GPIOD_DIGITAL_OUTPUT, scheduler, DEFAULT_BLINK, DEFAULT_RESET_SETTLE);
    }

    /**
     * Opens the configured pins with {@code outputProvider} in {@code context}, which the board
     * then owns: it is shut down on {@link #close()} or when opening fails.
     *
     * @param blink       how long a traffic blink of the status LED lasts
     * @param resetSettle how long a radio reset waits after releasing RESET
     */
    public static GpioBoard open(GpioConfig config, Context context, String outputProvider,
            ScheduledExecutorService scheduler, Duration blink, Duration resetSettle) throws GpioException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(outputProvider, "outputProvider");
        Objects.requireNonNull(scheduler, "scheduler");
        try {
            StatusLed led = StatusLed.NONE;
            if (config.statusLedPin().isPresent()) {
                DigitalOutput pin = output(context, outputProvider, STATUS_LED_KEY, "sngate-status-led",
                        config.statusLedPin().getAsInt(), DigitalState.LOW);
                led = new BlinkingStatusLed(pin, STATUS_LED_KEY, scheduler, blink);
            }
            RadioReset reset = RadioReset.NONE;
            if (config.radioResetPin().isPresent()) {
                // RESET is active low: the radio runs while the pin is high, also after shutdown.
                DigitalOutput pin = output(context, outputProvider, RADIO_RESET_KEY, "sngate-radio-reset",
                        config.radioResetPin().getAsInt(), DigitalState.HIGH);
                reset = new PulsedRadioReset(pin, RADIO_RESET_KEY, scheduler,
                        Duration.ofMillis(config.resetPulseMillis()), resetSettle);
            }
            return new GpioBoard(context, led, reset);
        } catch (GpioException | RuntimeException e) {
            shutdown(context);
            throw e;
        }
    }

    private static DigitalOutput output(Context context, String provider, String key, String id, int bcm,
            DigitalState idle) throws GpioException {
        if (!context.hasProvider(provider)) {
            // pi4j drops a provider whose start failed (gpiod loads its native library then).
            throw new GpioException(key, "cannot use BCM pin " + bcm + ": pi4j provider " + provider
                    + " is not available; the gpiod provider starts only on Linux on armhf or aarch64 with "
                    + "/dev/gpiochip0, i.e. on a Raspberry Pi (this machine: " + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch") + ")", null);
        }
        try {
            return context.create(DigitalOutput.newConfigBuilder(context).id(id).name(key).address(bcm)
                    .initial(idle).shutdown(idle).provider(provider));
        } catch (RuntimeException | LinkageError e) {
            throw new GpioException(key, "cannot use BCM pin " + bcm + " as an output through pi4j provider "
                    + provider + " (is this a Raspberry Pi, and may this user open /dev/gpiochip0?): " + e, e);
        }
    }

    /** The status LED, or {@link StatusLed#NONE} when no pin is configured. */
    public StatusLed statusLed() {
        return statusLed;
    }

    /** The radio reset, or {@link RadioReset#NONE} when no pin is configured. */
    public RadioReset radioReset() {
        return radioReset;
    }

    @Override
    public void close() {
        if (context != null) {
            shutdown(context);
        }
    }

    private static void shutdown(Context context) {
        if (!context.isShutdown()) {
            context.shutdown();
        }
    }
}
