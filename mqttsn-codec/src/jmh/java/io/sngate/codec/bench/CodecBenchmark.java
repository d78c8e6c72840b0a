package io.sngate.codec.bench;

import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.TopicIdType;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Decode and encode cost of the MQTT-SN 1.2 codec for the packets a gateway sees most.
 *
 * <p>Run with {@code mvn -q -pl mqttsn-codec -Pjmh test-compile exec:exec} (see docs/benchmarks.md).
 * Each benchmark gets its own forked JVM, so the codec's type switch is profiled for one packet
 * type only: these are best-case, monomorphic figures.
 *
 * <p>Decode benchmarks return the message so JMH's blackhole keeps it alive: the message and its
 * payload view must really be allocated, as they are in a gateway that hands them on. Encode
 * benchmarks write into a preallocated array (what a gateway with a send buffer does) or, in the
 * {@code Alloc} variants, into a fresh array from {@code encode(msg)}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@Fork(1)
public class CodecBenchmark {

    private static final MqttSn12Codec CODEC = MqttSn12Codec.INSTANCE;

    // Messages to encode.
    Publish publish16;
    Publish publish512;
    Connect connect;
    Register register;

    // Their wire form, to decode. Decoded messages view these arrays; nothing writes to them.
    byte[] publish16Wire;
    byte[] publish512Wire;
    byte[] connectWire;
    byte[] registerWire;

    /** The reused send buffer that encode benchmarks write into. */
    byte[] out;

    @Setup(Level.Trial)
    public void setUp() throws DecodeException {
        byte[] payload512 = new byte[512];
        for (int i = 0; i < payload512.length; i++) {
            payload512[i] = (byte) (i * 31 + 7);
        }
        // QoS 1 to a registered topic id: the common device-to-gateway publish.
        publish16 = new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, 0x0001, 0x1234,
                Bytes.copyOf(Arrays.copyOf(payload512, 16)));
        // 519 bytes: needs the 3-byte length form.
        publish512 = new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.NORMAL, 0x0001, 0x1235,
                Bytes.copyOf(payload512));
        connect = new Connect(false, true, 60, "sngate-device-000042");
        register = new Register(0x0000, 0x0001, "sensors/room-12/temperature");

        publish16Wire = CODEC.encode(publish16);
        publish512Wire = CODEC.encode(publish512);
        connectWire = CODEC.encode(connect);
        registerWire = CODEC.encode(register);
        out = new byte[1024];

        // Fail fast if the fixtures are not what the names say.
        check(publish16Wire.length == 2 + 5 + 16 && publish16Wire[0] == 23, "PUBLISH 16 wire form");
        check(publish512Wire.length == 4 + 5 + 512 && publish512Wire[0] == 0x01, "PUBLISH 512 wire form");
        check(CODEC.decode(publish16Wire).equals(publish16), "PUBLISH 16 round trip");
        check(CODEC.decode(publish512Wire).equals(publish512), "PUBLISH 512 round trip");
        check(CODEC.decode(connectWire).equals(connect), "CONNECT round trip");
        check(CODEC.decode(registerWire).equals(register), "REGISTER round trip");
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("benchmark fixture broken: " + what);
        }
    }

    // ------------------------------------------------------------ PUBLISH

    @Benchmark
    public MqttSn12Message decodePublish16() throws DecodeException {
        return CODEC.decode(publish16Wire, 0, publish16Wire.length);
    }

    @Benchmark
    public MqttSn12Message decodePublish512() throws DecodeException {
        return CODEC.decode(publish512Wire, 0, publish512Wire.length);
    }

    @Benchmark
    public int encodePublish16() {
        return CODEC.encode(publish16, out, 0);
    }

    @Benchmark
    public int encodePublish512() {
        return CODEC.encode(publish512, out, 0);
    }

    @Benchmark
    public byte[] encodePublish16Alloc() {
        return CODEC.encode(publish16);
    }

    @Benchmark
    public byte[] encodePublish512Alloc() {
        return CODEC.encode(publish512);
    }

    /**
     * Decode a 16-byte PUBLISH and encode it again into a reused array: the gateway's forward
     * path. Only the written length leaves the method, so escape analysis may remove the
     * message and its payload view altogether.
     */
    @Benchmark
    public int roundTripPublish16() throws DecodeException {
        MqttSn12Message message = CODEC.decode(publish16Wire, 0, publish16Wire.length);
        return CODEC.encode(message, out, 0);
    }

    /**
     * The same round trip with the decoded message handed on (to the blackhole), as a gateway
     * hands it to a session: the message and payload view must then be allocated.
     */
    @Benchmark
    public int roundTripPublish16Escaping(Blackhole bh) throws DecodeException {
        MqttSn12Message message = CODEC.decode(publish16Wire, 0, publish16Wire.length);
        bh.consume(message);
        return CODEC.encode(message, out, 0);
    }

    // ------------------------------------------------------------ CONNECT

    @Benchmark
    public MqttSn12Message decodeConnect() throws DecodeException {
        return CODEC.decode(connectWire, 0, connectWire.length);
    }

    @Benchmark
    public int encodeConnect() {
        return CODEC.encode(connect, out, 0);
    }

    // ------------------------------------------------------------ REGISTER

    @Benchmark
    public MqttSn12Message decodeRegister() throws DecodeException {
        return CODEC.decode(registerWire, 0, registerWire.length);
    }

    @Benchmark
    public int encodeRegister() {
        return CODEC.encode(register, out, 0);
    }
}
