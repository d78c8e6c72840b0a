package io.sngate.device.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sngate.client.ClientRuntime;
import io.sngate.client.Link;
import io.sngate.client.MqttSnClient;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.codec.xbee.XBeeFrame;
import io.sngate.codec.xbee.XBeeFrame.TransmitRequest;
import io.sngate.gateway.transport.FakeCoordinator;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.hw.config.GatewayMode;
import io.sngate.hw.config.GpioConfig;
import io.sngate.hw.config.HardwareConfig;
import io.sngate.hw.config.SerialPortConfig;
import io.sngate.hw.config.XBeeRadioConfig;
import io.sngate.hw.serial.SerialSettings;
import io.sngate.hw.testing.PtyPair;
import io.sngate.sim.radio.XBeeRadioEmulator;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The examples of docs/client.md, taken from the doc as written, compiled and run as a user would
 * run them: the UDP, sleep and will examples in a JVM of their own whose class path is nothing but
 * mqttsn-codec, firmware-bridge and slf4j-api (where this test found those classes), against a real
 * gateway and mosquitto; the serial example over a socat pseudo-terminal to the gateway's serial
 * transport; the XBee example with its radio on a pseudo-terminal, relayed over an emulated air to
 * the coordinator radio on the gateway's XBee line. That the UDP ones run there shows a client over UDP needs none of the libraries
 * firmware-bridge declares optional (hw-config with YAML and two serial libraries, pi4j, Scandium).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ClientExamplesTest {

    static final Path DOC = Path.of("..", "docs", "client.md");
    static final Duration RUN_LIMIT = Duration.ofSeconds(60);
    static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    static final Pattern CLASS_NAME = Pattern.compile("^public class (\\w+)", Pattern.MULTILINE);
    /** What firmware-bridge declares optional, one class of each, none of which a UDP client may need. */
    static final List<String> OPTIONAL_CLASSES = List.of("io.sngate.hw.serial.SerialSettings",
            "com.fazecast.jSerialComm.SerialPort", "jssc.SerialPort", "org.yaml.snakeyaml.Yaml", "com.pi4j.Pi4J",
            "org.eclipse.californium.scandium.DTLSConnector");

    PtyPair line;
    /** The gateway's XBee transport on one end, the emulated coordinator radio on the other. */
    PtyPair radioLine;
    XBeeRadioEmulator radio;
    GatewayUnderTest env;
    BrokerWatcher watcher;
    Map<String, String> examples;
    @TempDir
    Path work;

    @BeforeAll
    void start() throws Exception {
        examples = examples(Files.readString(DOC, StandardCharsets.UTF_8));
        line = PtyPair.open();
        radioLine = PtyPair.open();
        radio = XBeeRadioEmulator.open(XBeeRadioEmulator.Config.of(radioLine.b().toString()).withBaud(115_200));
        HardwareConfig hardware = new HardwareConfig(List.of(
                new SerialPortConfig("example-line", SerialSettings.of(line.a().toString(), 115_200), false)),
                List.of(new XBeeRadioConfig("example-radio", SerialSettings.of(radioLine.a().toString(), 115_200),
                        ApiMode.ESCAPED, OptionalLong.empty(), OptionalInt.empty(), Optional.empty(),
                        Optional.empty(), false, XBeeRadioConfig.DEFAULT_MAX_PAYLOAD, 1_000)),
                GpioConfig.NONE);
        env = GatewayUnderTest.start(GatewayMode.TRANSPARENT, Map.of(), hardware);
        radio.gatewaySeen().get(30, TimeUnit.SECONDS);
        watcher = new BrokerWatcher(env.brokerUri(), "examples-watcher");
        watcher.subscribe("example/#", 2);
        watcher.subscribe("tp", 2);
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {watcher, env, radio, radioLine, line}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void theDocHasTheExamplesThisTestChecks() {
        assertThat(examples).containsOnlyKeys("UdpExample", "SleepExample", "WillExample", "SerialExample",
                "XBeeExample");
    }

    @Test
    void theClientsClassPathHoldsTheClientAndNoneOfTheOptionalLibraries() throws Exception {
        try (URLClassLoader loader = new URLClassLoader(urls(clientClassPath()),
                ClassLoader.getPlatformClassLoader())) {
            assertThat(loader.loadClass("io.sngate.client.MqttSnClient")).isNotNull();
            for (String optional : OPTIONAL_CLASSES) {
                assertThatThrownBy(() -> loader.loadClass(optional)).as(optional)
                        .isInstanceOf(ClassNotFoundException.class);
            }
        }
    }

    @Test
    void theUdpExamplePublishesAtEachQosAndGetsItsMessagesBackOnTheClientsClassPathAlone() throws Exception {
        Run run = runOnClientClassPath("UdpExample", "127.0.0.1", String.valueOf(env.udpPort()), "udp-ex");

        assertThat(run.stdout()).as(run.toString()).contains(
                "published example/udp-ex/qos0 at QoS 0",
                "published example/udp-ex/qos1 at QoS 1",
                "published example/udp-ex/qos2 at QoS 2",
                "received example/udp-ex/qos0 at QoS 0: hello at QoS 0",
                "received example/udp-ex/qos1 at QoS 1: hello at QoS 1",
                "received example/udp-ex/qos2 at QoS 2: hello at QoS 2",
                "disconnected");
        for (int qos = 0; qos <= 2; qos++) {
            BrokerWatcher.Received atBroker = watcher.awaitMessage("example/udp-ex/qos" + qos);
            assertThat(atBroker.text()).isEqualTo("hello at QoS " + qos);
            assertThat(atBroker.qos()).as("QoS at the broker").isEqualTo(qos);
        }
    }

    @Test
    void theSleepExampleFetchesWhatTheGatewayHeldWhileItSlept() throws Exception {
        Run run = runOnClientClassPath("SleepExample", "127.0.0.1", String.valueOf(env.udpPort()), "sleep-ex");

        assertThat(run.stdout()).as(run.toString())
                .contains("sleeper ASLEEP", "sleeper AWAKE", "fetched: first", "fetched: second", "sleeper ACTIVE");
        assertThat(run.stdout().indexOf("fetched: first")).as("in the order sent")
                .isLessThan(run.stdout().indexOf("fetched: second"));
        await().atMost(RUN_LIMIT).until(() -> watcher.texts("example/sleep-ex/inbox").size() >= 2);
        assertThat(watcher.texts("example/sleep-ex/inbox")).containsExactly("first", "second");
    }

    @Test
    void theWillExampleGetsTheWillOfADeviceThatWentQuiet() throws Exception {
        Run run = runOnClientClassPath("WillExample", "127.0.0.1", String.valueOf(env.udpPort()), "will-ex");

        assertThat(run.stdout()).as(run.toString()).contains("will received: offline");
        assertThat(watcher.awaitMessage("example/will-ex/status").text()).isEqualTo("offline");
    }

    @Test
    void theSerialExampleTalksToTheGatewayOverAPseudoTerminal() throws Exception {
        // The serial link needs hw-config and its serial libraries: this test's own class path has them.
        Run run = compileAndRun("SerialExample", testClassPath(), line.b().toString(), "serial-ex");

        assertThat(run.stdout()).as(run.toString()).contains("received over " + line.b() + ": over the wire");
        assertThat(watcher.awaitMessage("example/serial-ex/echo").text()).isEqualTo("over the wire");
    }

    @Test
    void theXBeeExampleFindsTheGatewayThroughItsRadioAndPublishes() throws Exception {
        // The example's own radio is played on a pty of its own; what it transmits goes over the
        // emulated air to the coordinator on the gateway's radio line, and back.
        try (PtyPair deviceRadioLine = PtyPair.open();
             Air air = new Air(deviceRadioLine.b(), radio.device(0x0013A200_70000001L),
                     radio.address().address64())) {
            Run run = compileAndRun("XBeeExample", testClassPath(), deviceRadioLine.a().toString(), "xbee-ex");

            assertThat(run.stdout()).as(run.toString()).containsPattern("gateway "
                    + io.sngate.hw.config.GatewaySettings.GATEWAY_ID.defaultValue() + " behind radio \\S+");
            BrokerWatcher.Received first = watcher.awaitMessage("tp");
            assertThat(first.text()).isEqualTo("21.5");
            assertThat(first.qos()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> watcher.texts("tp").contains("21.6"));
            assertThat(air.broadcasts()).as("the SEARCHGW went out as a broadcast").isPositive();
        }
    }

    /**
     * A device's radio and the air between it and the coordinator: the Transmit Requests the
     * example's XBeeLink writes on its line reach the gateway as that remote radio's packets (a
     * broadcast as a broadcast), and what the gateway sends it comes back as Receive Packets from
     * the coordinator. AT commands and transmit statuses are the fake radio's.
     */
    static final class Air implements AutoCloseable {
        private final FakeCoordinator deviceRadio;
        private final Link remote;
        private final ClientRuntime runtime = ClientRuntime.start("example-air");
        private final Thread relay;
        private volatile boolean closed;
        private volatile int broadcasts;

        Air(Path deviceRadioTty, Link remote, long coordinator64) throws Exception {
            this.deviceRadio = new FakeCoordinator(deviceRadioTty, ApiMode.ESCAPED, XBeeRadioConfig.DEFAULT_MAX_PAYLOAD);
            this.remote = remote;
            CompletableFuture<Void> opened = new CompletableFuture<>();
            runtime.execute(() -> {
                try {
                    remote.open(runtime, (packet, from) -> deviceRadio.fromDevice(coordinator64, packet));
                    opened.complete(null);
                } catch (IOException | RuntimeException e) {
                    opened.completeExceptionally(e);
                }
            });
            opened.get(10, TimeUnit.SECONDS);
            relay = new Thread(this::relay, "example-air-relay");
            relay.setDaemon(true);
            relay.start();
        }

        private void relay() {
            while (!closed) {
                TransmitRequest request;
                try {
                    request = deviceRadio.nextTransmit(Duration.ofMillis(200));
                } catch (TimeoutException e) {
                    continue;
                } catch (InterruptedException e) {
                    return;
                }
                byte[] packet = request.rfData().toArray();
                boolean broadcast = request.destination64() == XBeeFrame.BROADCAST_ADDRESS_64;
                if (broadcast) {
                    broadcasts++;
                }
                runtime.execute(() -> {
                    try {
                        if (broadcast) {
                            remote.broadcast(packet, 1);
                        } else {
                            remote.send(packet);
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }

        int broadcasts() {
            return broadcasts;
        }

        @Override
        public void close() throws Exception {
            closed = true;
            relay.join(5_000);
            runtime.execute(remote::close);
            runtime.close();
            deviceRadio.close();
        }
    }

    // ------------------------------------------------------------------ helpers

    /** What a program printed, and how it ended. */
    record Run(String example, int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return example + " exited " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    /** The examples of the doc by class name, each a whole compilation unit. */
    static Map<String, String> examples(String markdown) {
        Map<String, String> byName = new LinkedHashMap<>();
        Matcher block = JAVA_BLOCK.matcher(markdown);
        while (block.find()) {
            Matcher name = CLASS_NAME.matcher(block.group(1));
            assertThat(name.find()).as("a public class in the java block at offset %d of %s", block.start(), DOC)
                    .isTrue();
            byName.put(name.group(1), block.group(1));
        }
        return byName;
    }

    /** Where the codec, the client and slf4j-api were loaded from: target/classes or their jars. */
    static List<Path> clientClassPath() {
        return List.of(origin(MqttSn12Codec.class), origin(MqttSnClient.class), origin(LoggerFactory.class));
    }

    static List<Path> testClassPath() {
        return Pattern.compile(Pattern.quote(File.pathSeparator)).splitAsStream(System.getProperty("java.class.path"))
                .map(Path::of).toList();
    }

    static Path origin(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("where " + type.getName() + " came from", e);
        }
    }

    static URL[] urls(List<Path> classPath) {
        return classPath.stream().map(p -> {
            try {
                return p.toUri().toURL();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).toArray(URL[]::new);
    }

    Run runOnClientClassPath(String example, String... args) throws Exception {
        return compileAndRun(example, clientClassPath(), args);
    }

    Run compileAndRun(String example, List<Path> classPath, String... args) throws Exception {
        Path classes = compile(example, classPath);
        List<Path> runPath = new ArrayList<>(classPath);
        runPath.add(classes);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-cp", joined(runPath), example));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).start();
        CompletableFuture<String> stdout = drain(process.getInputStream());
        CompletableFuture<String> stderr = drain(process.getErrorStream());
        if (!process.waitFor(RUN_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(example + " still running after " + RUN_LIMIT + "\n--- stdout\n"
                    + stdout.getNow("") + "--- stderr\n" + stderr.getNow(""));
        }
        Run run = new Run(example, process.exitValue(), stdout.get(5, TimeUnit.SECONDS),
                stderr.get(5, TimeUnit.SECONDS));
        assertThat(run.exitCode()).as(run.toString()).isZero();
        return run;
    }

    /** Compiles the doc's {@code example} against {@code classPath} alone; returns the directory of its classes. */
    Path compile(String example, List<Path> classPath) throws IOException {
        assertThat(examples).as("examples of %s", DOC).containsKey(example);
        Path sources = Files.createDirectories(work.resolve(example).resolve("src"));
        Path classes = Files.createDirectories(work.resolve(example).resolve("classes"));
        Path source = Files.writeString(sources.resolve(example + ".java"), examples.get(example),
                StandardCharsets.UTF_8);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertThat(javac).as("a JDK's compiler").isNotNull();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int result = javac.run(null, diagnostics, diagnostics, "-proc:none", "-Xlint:all,-path,-options", "-Werror",
                "-cp", joined(classPath), "-d", classes.toString(), source.toString());
        assertThat(result).as("javac %s on %s:%n%s", example, classPath, diagnostics.toString(StandardCharsets.UTF_8))
                .isZero();
        return classes;
    }

    static String joined(List<Path> classPath) {
        return classPath.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
    }

    static CompletableFuture<String> drain(InputStream stream) {
        return CompletableFuture.supplyAsync(() -> {
            try (stream) {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
