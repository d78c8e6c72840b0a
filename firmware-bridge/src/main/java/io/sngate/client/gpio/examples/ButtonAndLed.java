package io.sngate.client.gpio.examples;

import com.pi4j.io.gpio.digital.DigitalInput;
import com.pi4j.io.gpio.digital.DigitalOutput;
import com.pi4j.io.gpio.digital.PullResistance;
import io.sngate.client.ClientRuntime;
import io.sngate.client.Link;
import io.sngate.client.MqttSnClient;
import io.sngate.client.Outcome;
import io.sngate.client.UdpLink;
import io.sngate.client.gpio.InputBinding;
import io.sngate.client.gpio.InputPublisher;
import io.sngate.client.gpio.OutputBinding;
import io.sngate.client.gpio.OutputSubscriber;
import io.sngate.client.gpio.PiGpio;
import io.sngate.client.serial.SerialLink;
import io.sngate.client.serial.XBeeLink;
import io.sngate.codec.QoS;
import io.sngate.codec.SngateVersion;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.hw.cli.Args;
import io.sngate.hw.cli.Cli;
import io.sngate.hw.cli.CliCommand;
import io.sngate.hw.cli.UsageError;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A Raspberry Pi as an MQTT-SN device: a push button publishes to {@code PREFIX/button}
 * ("1" pressed, "0" released, retained) and an LED follows {@code PREFIX/led} (1/0, on/off,
 * true/false). See docs/device-gpio.md for the wiring.
 *
 * <pre>
 * java -cp sngate-bridge.jar io.sngate.client.gpio.examples.ButtonAndLed --udp 192.168.1.10:1883 \
 *      --client-id pi-kitchen --button 23 --led 24
 * </pre>
 */
public final class ButtonAndLed {

    private ButtonAndLed() {
    }

    /** The example's command line, without what it does. */
    static CliCommand command() {
        return CliCommand.named("ButtonAndLed")
                .summary("a Raspberry Pi's push button and LED as an MQTT-SN device")
                .synopsis("java -cp sngate-bridge.jar io.sngate.client.gpio.examples.ButtonAndLed [OPTIONS]")
                .description("The button publishes to PREFIX/button (\"1\" pressed, \"0\" released, retained); "
                        + "the LED follows PREFIX/led (1/0, on/off, true/false). It talks to the gateway over UDP, "
                        + "or over a serial line or the Pi's XBee radio; see docs/device-gpio.md for the wiring. "
                        + "It runs until SIGTERM or Ctrl-C.")
                .helpNames("-h", "--help")
                .version("sngate ButtonAndLed example " + SngateVersion.get())
                .errorPrefix("ButtonAndLed")
                .group("Gateway (one of)")
                .value("--udp", "HOST:PORT", "the gateway over UDP (default 127.0.0.1:1883)")
                .value("--serial", "PATH[:BAUD]", "the gateway (or a bridge) on a serial line (default 115200 baud)")
                .value("--xbee", "PATH[:BAUD][:ap=1|2]", "the Pi's XBee radio, the gateway's radio being the "
                        + "coordinator")
                .group("Device")
                .value("--client-id", "ID", "the MQTT-SN client id (default sngate-pi)")
                .value("--button", "BCM", "the button's GPIO (default 23), wired to ground, internal pull-up")
                .value("--led", "BCM", "the LED's GPIO (default 24), through a resistor to ground")
                .value("--prefix", "TOPIC", "topic prefix (default sngate/CLIENT-ID)")
                .choice("--qos", "0|1|2", List.of("0", "1", "2"), "QoS of the button's publishes and the LED's "
                        + "subscription (default 1)")
                .exitCode(Cli.EXIT_OK, "stopped by SIGTERM or Ctrl-C; or the help or version was printed")
                .exitCode(Cli.EXIT_FAILURE, "the GPIO, the link or the gateway failed")
                .exitCode(Cli.EXIT_USAGE, "usage error: an unknown or repeated option, a bad value")
                .examples("java -cp sngate-bridge.jar io.sngate.client.gpio.examples.ButtonAndLed "
                                + "--udp 192.168.1.10:1883 \\",
                        "    --client-id pi-kitchen --button 23 --led 24");
    }

    /** The parsed command line. */
    record Options(String udp, String serial, String xbee, String clientId, int button, int led, String prefix,
                   QoS qos) {

        static Options from(Args args) throws UsageError {
            String udp = args.get("--udp", "127.0.0.1:1883");
            String serial = args.get("--serial");
            String xbee = args.get("--xbee");
            String clientId = args.get("--client-id", "sngate-pi");
            int button = args.has("--button") ? pin("--button", args.get("--button")) : 23;
            int led = args.has("--led") ? pin("--led", args.get("--led")) : 24;
            String prefix = args.get("--prefix");
            QoS qos = QoS.AT_LEAST_ONCE;
            if (args.has("--qos")) {
                String value = args.get("--qos");
                qos = switch (value) {
                    case "0" -> QoS.AT_MOST_ONCE;
                    case "1" -> QoS.AT_LEAST_ONCE;
                    case "2" -> QoS.EXACTLY_ONCE;
                    default -> throw new UsageError("--qos: '" + value + "' is not 0, 1 or 2");
                };
            }
            if (serial != null && xbee != null) {
                throw new UsageError("--xbee: give either --serial or --xbee, not both");
            }
            if (button == led) {
                throw new UsageError("--led: BCM " + led + " is already the button");
            }
            return new Options(udp, serial, xbee, clientId, button, led, prefix != null ? prefix : "sngate/" + clientId,
                    qos);
        }

        private static int pin(String flag, String value) throws UsageError {
            try {
                int bcm = Integer.parseInt(value);
                if (bcm >= 0 && bcm <= 27) {
                    return bcm;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new UsageError(flag + ": '" + value + "' is not a BCM GPIO number 0..27");
        }

        Link link() {
            if (serial != null) {
                String[] parts = serial.split(":");
                return SerialLink.on(parts[0], parts.length > 1 ? number("--serial", parts[1]) : 115_200);
            }
            if (xbee != null) {
                String[] parts = xbee.split(":");
                int baud = 9_600;
                ApiMode mode = ApiMode.ESCAPED;
                for (int i = 1; i < parts.length; i++) {
                    if (parts[i].startsWith("ap=")) {
                        mode = ApiMode.fromApParameter(number("--xbee", parts[i].substring(3)));
                    } else {
                        baud = number("--xbee", parts[i]);
                    }
                }
                return XBeeLink.on(parts[0], baud, mode);
            }
            int colon = udp.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("--udp: '" + udp + "' is not HOST:PORT");
            }
            return UdpLink.to(udp.substring(0, colon), number("--udp", udp.substring(colon + 1)));
        }

        private static int number(String flag, String value) {
            try {
                return Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + ": '" + value + "' is not a number");
            }
        }
    }

    /** Runs the example with its command line (see {@code docs/device-gpio.md}); exits non-zero when it fails. */
    public static void main(String[] args) {
        int code = run(List.of(args), System.out, System.err);
        if (code != Cli.EXIT_OK) {
            System.exit(code);
        }
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        return command().action(parsed -> {
            Options options = Options.from(parsed);
            Link link;
            try {
                link = options.link();
            } catch (IllegalArgumentException e) {
                throw new UsageError(e.getMessage());
            }
            return serve(options, link, out, err);
        }).run(args, out, err);
    }

    /** Runs the device until the JVM is stopped; 1 when something fails on the way. */
    private static int serve(Options options, Link link, PrintStream out, PrintStream err) {
        List<AutoCloseable> open = new ArrayList<>();
        try {
            PiGpio gpio = PiGpio.open();
            open.add(gpio);
            DigitalInput button = gpio.input("--button", options.button(), PullResistance.PULL_UP);
            DigitalOutput led = gpio.output("--led", options.led());
            ClientRuntime runtime = ClientRuntime.start("button-and-led");
            open.add(0, runtime);
            MqttSnClient client = MqttSnClient.builder(options.clientId()).link(link).runtime(runtime).build();
            open.add(0, client);
            require("connect", client.connect(true).get(60, TimeUnit.SECONDS));
            OutputSubscriber ledFollower = OutputSubscriber.bind(led, client,
                    OutputBinding.of(options.prefix() + "/led").withQos(options.qos()));
            require("subscribe", ledFollower.subscribe().get(60, TimeUnit.SECONDS));
            InputPublisher buttonPublisher = InputPublisher.bind(button, client, runtime,
                    InputBinding.of(options.prefix() + "/button").withQos(options.qos()).withActiveLow(true));
            open.add(0, buttonPublisher);
            out.println("ButtonAndLed ready: " + options.prefix() + "/button <- BCM " + options.button()
                    + ", " + options.prefix() + "/led -> BCM " + options.led());
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                buttonPublisher.close();
                try {
                    client.disconnect().get(5, TimeUnit.SECONDS);
                } catch (Exception e) {
                    // leaving anyway: the gateway's keep-alive ends the session
                }
                closeAll(open, err);
                stopped.countDown();
            }, "button-and-led-stop"));
            stopped.await();
            return Cli.EXIT_OK;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeAll(open, err);
            return Cli.EXIT_FAILURE;
        } catch (Exception e) {
            err.println("ButtonAndLed: " + e.getMessage());
            closeAll(open, err);
            return Cli.EXIT_FAILURE;
        }
    }

    private static void require(String what, Outcome outcome) {
        if (!outcome.success()) {
            throw new IllegalStateException(what + " failed: " + outcome.detail());
        }
    }

    private static void closeAll(List<AutoCloseable> open, PrintStream err) {
        for (AutoCloseable resource : open) {
            try {
                resource.close();
            } catch (Exception e) {
                err.println("ButtonAndLed: closing: " + e);
            }
        }
        open.clear();
    }
}
