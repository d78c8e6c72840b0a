package io.sngate.device.gpio.examples;

import com.pi4j.io.gpio.digital.DigitalInput;
import com.pi4j.io.gpio.digital.DigitalOutput;
import com.pi4j.io.gpio.digital.PullResistance;
import io.sngate.codec.QoS;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.device.ClientConfig;
import io.sngate.device.DeviceRuntime;
import io.sngate.device.Link;
import io.sngate.device.MqttSnClient;
import io.sngate.device.Outcome;
import io.sngate.device.SerialLink;
import io.sngate.device.UdpLink;
import io.sngate.device.XBeeLink;
import io.sngate.device.gpio.InputBinding;
import io.sngate.device.gpio.InputPublisher;
import io.sngate.device.gpio.OutputBinding;
import io.sngate.device.gpio.OutputSubscriber;
import io.sngate.device.gpio.PiGpio;
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
 * java -cp sngate-bridge.jar io.sngate.device.gpio.examples.ButtonAndLed --udp 192.168.1.10:1883 \
 *      --client-id pi-kitchen --button 23 --led 24
 * </pre>
 */
public final class ButtonAndLed {

    private static final String USAGE = """
            usage: java -cp sngate-bridge.jar io.sngate.device.gpio.examples.ButtonAndLed [options]
              --udp HOST:PORT          the gateway over UDP (default 127.0.0.1:1883)
              --serial PATH[:BAUD]     or: the gateway (or a bridge) on a serial line (default 115200 baud)
              --xbee PATH[:BAUD][:ap=1|2]
                                       or: the Pi's XBee radio, the gateway's radio being the coordinator
              --client-id ID           the MQTT-SN client id (default sngate-pi)
              --button BCM             the button's GPIO (default 23), wired to ground, internal pull-up
              --led BCM                the LED's GPIO (default 24), through a resistor to ground
              --prefix TOPIC           topic prefix (default sngate/CLIENT-ID)
              --qos 0|1|2              QoS of the button's publishes and the LED's subscription (default 1)
            """;

    private ButtonAndLed() {
    }

    /** The parsed command line. */
    record Options(String udp, String serial, String xbee, String clientId, int button, int led, String prefix,
                   QoS qos) {

        static Options parse(List<String> args) {
            String udp = "127.0.0.1:1883";
            String serial = null;
            String xbee = null;
            String clientId = "sngate-pi";
            int button = 23;
            int led = 24;
            String prefix = null;
            QoS qos = QoS.AT_LEAST_ONCE;
            for (int i = 0; i < args.size(); i++) {
                String flag = args.get(i);
                if (i + 1 >= args.size()) {
                    throw new IllegalArgumentException(flag + ": needs a value (see --help)");
                }
                String value = args.get(++i);
                switch (flag) {
                    case "--udp" -> udp = value;
                    case "--serial" -> serial = value;
                    case "--xbee" -> xbee = value;
                    case "--client-id" -> clientId = value;
                    case "--button" -> button = pin(flag, value);
                    case "--led" -> led = pin(flag, value);
                    case "--prefix" -> prefix = value;
                    case "--qos" -> qos = switch (value) {
                        case "0" -> QoS.AT_MOST_ONCE;
                        case "1" -> QoS.AT_LEAST_ONCE;
                        case "2" -> QoS.EXACTLY_ONCE;
                        default -> throw new IllegalArgumentException(flag + ": '" + value + "' is not 0, 1 or 2");
                    };
                    default -> throw new IllegalArgumentException(flag + ": unknown flag (see --help)");
                }
            }
            if (serial != null && xbee != null) {
                throw new IllegalArgumentException("--xbee: give either --serial or --xbee, not both");
            }
            if (button == led) {
                throw new IllegalArgumentException("--led: BCM " + led + " is already the button");
            }
            return new Options(udp, serial, xbee, clientId, button, led, prefix != null ? prefix : "sngate/" + clientId,
                    qos);
        }

        private static int pin(String flag, String value) {
            try {
                int bcm = Integer.parseInt(value);
                if (bcm >= 0 && bcm <= 27) {
                    return bcm;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException(flag + ": '" + value + "' is not a BCM GPIO number 0..27");
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

    public static void main(String[] args) throws Exception {
        List<String> argList = List.of(args);
        if (argList.contains("--help") || argList.contains("-h")) {
            System.out.print(USAGE);
            return;
        }
        Options options;
        Link link;
        try {
            options = Options.parse(argList);
            link = options.link();
        } catch (IllegalArgumentException e) {
            System.err.println("ButtonAndLed: " + e.getMessage());
            System.exit(2);
            return;
        }
        List<AutoCloseable> open = new ArrayList<>();
        try {
            PiGpio gpio = PiGpio.open();
            open.add(gpio);
            DigitalInput button = gpio.input("--button", options.button(), PullResistance.PULL_UP);
            DigitalOutput led = gpio.output("--led", options.led());
            DeviceRuntime runtime = new DeviceRuntime("button-and-led");
            open.add(0, runtime);
            MqttSnClient client = MqttSnClient.open(ClientConfig.defaults(options.clientId()), link, runtime);
            open.add(0, client);
            require("connect", client.connect(true).get(60, TimeUnit.SECONDS));
            OutputSubscriber ledFollower = OutputSubscriber.bind(led, client,
                    OutputBinding.of(options.prefix() + "/led").withQos(options.qos()));
            require("subscribe", ledFollower.subscribe().get(60, TimeUnit.SECONDS));
            InputPublisher buttonPublisher = InputPublisher.bind(button, client, runtime,
                    InputBinding.of(options.prefix() + "/button").withQos(options.qos()).withActiveLow(true));
            open.add(0, buttonPublisher);
            System.out.println("ButtonAndLed ready: " + options.prefix() + "/button <- BCM " + options.button()
                    + ", " + options.prefix() + "/led -> BCM " + options.led());
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                buttonPublisher.close();
                try {
                    client.disconnect().get(5, TimeUnit.SECONDS);
                } catch (Exception e) {
                    // leaving anyway: the gateway's keep-alive ends the session
                }
                closeAll(open);
                stopped.countDown();
            }, "button-and-led-stop"));
            stopped.await();
        } catch (Exception e) {
            System.err.println("ButtonAndLed: " + e.getMessage());
            closeAll(open);
            System.exit(1);
        }
    }

    private static void require(String what, Outcome outcome) {
        if (!outcome.success()) {
            throw new IllegalStateException(what + " failed: " + outcome.detail());
        }
    }

    private static void closeAll(List<AutoCloseable> open) {
        for (AutoCloseable resource : open) {
            try {
                resource.close();
            } catch (Exception e) {
                System.err.println("ButtonAndLed: closing: " + e);
            }
        }
        open.clear();
    }
}
