package io.sngate.codec.v12;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.DecodeException.Reason;
import io.sngate.codec.QoS;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A seeded fuzz of {@link MqttSn12Codec#decode}: {@value #DEFAULT_INPUTS} inputs from a
 * {@link SplittableRandom} with a fixed seed, so every run sees the same inputs and a failure
 * names the input that caused it. The mix:
 * <ul>
 *   <li>pure random bytes, 0..300 long;</li>
 *   <li>valid encodings of random packets of every type, with one to three mutations (a bit
 *       flipped, a byte replaced, inserted or deleted, the packet truncated or extended,
 *       the length rewritten in the other form, the type code replaced);</li>
 *   <li>header-shaped inputs: a right or nearly right length in either form, a valid or
 *       reserved type code, and a short body of bytes biased to small values, so decoding
 *       reaches every packet's body checks.</li>
 * </ul>
 * Each input must decode or throw {@link DecodeException}; whatever decodes must survive
 * decode(encode(m)) == m and encode(decode(encode(m))) == encode(m); decoding the same bytes in
 * the middle of a larger array must give the same outcome. The run counts decodes per packet
 * type and rejections per {@link Reason}, and requires every packet type among the decodes.
 *
 * <p>The number of inputs and the seed can be changed for a long run (docs/fuzzing.md):
 * {@code -DargLine="-Dsngate.fuzz.inputs=10000000 -Dsngate.fuzz.seed=42"}.
 */
class FuzzSmokeTest {

    /** System property: the number of inputs. */
    static final String INPUTS_PROPERTY = "sngate.fuzz.inputs";
    /** System property: the seed (decimal, or hexadecimal with 0x). */
    static final String SEED_PROPERTY = "sngate.fuzz.seed";

    static final int DEFAULT_INPUTS = 100_000;
    static final long DEFAULT_SEED = 0x5A6A7E12L;

    private static final MqttSn12Codec CODEC = MqttSn12Codec.INSTANCE;
    private static final HexFormat HEX = HexFormat.of();
    private static final MessageType[] TYPES = Packets12.packetTypes().toArray(MessageType[]::new);
    private static final int MAX_FAILURES_REPORTED = 10;

    /** Where an input came from. */
    enum Source { RANDOM, MUTATED, HEADER_SHAPED }

    @Test
    void decodingIsTotalAndIdempotentOnSeededInputs() {
        int inputs = Integer.getInteger(INPUTS_PROPERTY, DEFAULT_INPUTS);
        long seed = Long.getLong(SEED_PROPERTY, DEFAULT_SEED);
        SplittableRandom random = new SplittableRandom(seed);

        Map<MessageType, Integer> decodedByType = new EnumMap<>(MessageType.class);
        Map<Reason, Integer> rejectedByReason = new EnumMap<>(Reason.class);
        Map<Source, int[]> bySource = new EnumMap<>(Source.class); // {decoded, rejected}
        for (Source source : Source.values()) {
            bySource.put(source, new int[2]);
        }
        Map<String, String> failures = new LinkedHashMap<>(); // first input per kind of failure
        Throwable firstFailure = null;
        int failureCount = 0;

        long started = System.nanoTime();
        for (int i = 0; i < inputs; i++) {
            Source source = pickSource(random);
            byte[] input = switch (source) {
                case RANDOM -> randomBytes(random, random.nextInt(301));
                case MUTATED -> mutate(random, CODEC.encode(randomMessage(random)));
                case HEADER_SHAPED -> headerShaped(random);
            };
            int padBefore = random.nextInt(8) == 0 ? random.nextInt(1, 6) : 0;
            int padAfter = padBefore > 0 ? random.nextInt(6) : 0;
            try {
                MqttSn12Message decoded = check(input, padBefore, padAfter, random);
                decodedByType.merge(decoded.type(), 1, Integer::sum);
                bySource.get(source)[0]++;
            } catch (Rejected rejected) {
                rejectedByReason.merge(rejected.reason, 1, Integer::sum);
                bySource.get(source)[1]++;
            } catch (Throwable t) {
                failureCount++;
                if (firstFailure == null) {
                    firstFailure = t;
                }
                String kind = t.getClass().getName() + " at " + firstCodecFrame(t);
                if (failures.size() < MAX_FAILURES_REPORTED) {
                    failures.putIfAbsent(kind, "input #" + i + " (" + source + ", " + input.length + " bytes) ["
                            + HEX.formatHex(input) + "]: " + t);
                }
            }
        }
        long millis = (System.nanoTime() - started) / 1_000_000;

        int decoded = decodedByType.values().stream().mapToInt(Integer::intValue).sum();
        int rejected = rejectedByReason.values().stream().mapToInt(Integer::intValue).sum();
        System.out.printf("FuzzSmokeTest: %d inputs (seed %d) in %d ms: %d decoded, %d rejected, %d failures%n",
                inputs, seed, millis, decoded, rejected, failureCount);
        System.out.println("  decoded by type:    " + decodedByType);
        System.out.println("  rejected by reason: " + rejectedByReason);
        bySource.forEach((source, counts) -> System.out.printf("  %-13s decoded %d, rejected %d%n",
                source, counts[0], counts[1]));

        if (failureCount > 0) {
            StringBuilder report = new StringBuilder().append(failureCount).append(" of ").append(inputs)
                    .append(" inputs (seed ").append(seed).append(") broke the codec; the first of each kind:");
            failures.forEach((kind, first) -> report.append("\n  ").append(kind).append("\n    ").append(first));
            throw new AssertionError(report.toString(), firstFailure);
        }
        if (inputs >= DEFAULT_INPUTS) {
            Set<MessageType> missing = EnumSet.copyOf(Packets12.packetTypes());
            missing.removeAll(decodedByType.keySet());
            assertThat(missing).as("packet types never decoded: the fuzz is too shallow").isEmpty();
            assertThat(rejectedByReason.keySet()).as("rejection reasons reached").contains(
                    Reason.TRUNCATED, Reason.LENGTH_MISMATCH, Reason.UNKNOWN_TYPE, Reason.RESERVED_VALUE,
                    Reason.INVALID_FIELD);
            // Pure random bytes almost never decode (about 1 in 10 000); the other two sources must do both.
            for (Source source : List.of(Source.MUTATED, Source.HEADER_SHAPED)) {
                assertThat(bySource.get(source)[0]).as("decoded inputs from %s", source).isPositive();
                assertThat(bySource.get(source)[1]).as("rejected inputs from %s", source).isPositive();
            }
        }
    }

    /** A DecodeException, as an outcome rather than a failure. */
    private static final class Rejected extends Exception {
        private static final long serialVersionUID = 1L;
        final Reason reason;

        Rejected(Reason reason) {
            super(null, null, false, false);
            this.reason = reason;
        }
    }

    /**
     * Decodes {@code input} and checks what the codec promises. Returns the message (never null);
     * throws {@link Rejected} for a DecodeException; anything else escaping is a codec failure.
     */
    private static MqttSn12Message check(byte[] input, int padBefore, int padAfter, SplittableRandom random)
            throws Rejected {
        MqttSn12Message decoded;
        Reason reason = null;
        try {
            decoded = CODEC.decode(input);
        } catch (DecodeException e) {
            if (e.reason() == null) {
                throw new AssertionError("DecodeException without a reason: " + e.getMessage());
            }
            decoded = null;
            reason = e.reason();
        }

        if (padBefore + padAfter > 0) {
            byte[] framed = new byte[padBefore + input.length + padAfter];
            random.nextBytes(framed);
            System.arraycopy(input, 0, framed, padBefore, input.length);
            MqttSn12Message atOffset;
            Reason reasonAtOffset = null;
            try {
                atOffset = CODEC.decode(framed, padBefore, input.length);
            } catch (DecodeException e) {
                atOffset = null;
                reasonAtOffset = e.reason();
            }
            if (!Objects.equals(decoded, atOffset) || reason != reasonAtOffset) {
                throw new AssertionError("decoding at offset " + padBefore + " gave " + describe(atOffset, reasonAtOffset)
                        + " but at 0 " + describe(decoded, reason));
            }
        }

        if (decoded == null) {
            throw new Rejected(reason);
        }
        byte[] canonical = CODEC.encode(decoded);
        MqttSn12Message again;
        try {
            again = CODEC.decode(canonical);
        } catch (DecodeException e) {
            throw new AssertionError("re-encoding [" + HEX.formatHex(canonical) + "] of " + decoded
                    + " does not decode: " + e.getMessage());
        }
        if (!again.equals(decoded)) {
            throw new AssertionError("decode(encode(m)) = " + again + " but m = " + decoded);
        }
        if (!Arrays.equals(CODEC.encode(again), canonical)) {
            throw new AssertionError("encode(decode(encode(m))) differs from encode(m) for " + decoded);
        }
        return decoded;
    }

    private static String describe(MqttSn12Message message, Reason reason) {
        return message != null ? message.toString() : "DecodeException " + reason;
    }

    private static String firstCodecFrame(Throwable t) {
        for (StackTraceElement frame : t.getStackTrace()) {
            if (frame.getClassName().startsWith("io.sngate.codec") && !frame.getClassName().endsWith("FuzzSmokeTest")) {
                return frame.toString();
            }
        }
        return t.getStackTrace().length > 0 ? t.getStackTrace()[0].toString()
                : "(no stack trace: the JVM omits it for an exception thrown often from the same place)";
    }

    private static Source pickSource(SplittableRandom random) {
        int r = random.nextInt(10);
        return r < 2 ? Source.RANDOM : r < 6 ? Source.MUTATED : Source.HEADER_SHAPED;
    }

    // ------------------------------------------------------------------ inputs

    private static byte[] randomBytes(SplittableRandom random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    /**
     * A length in either form (right, or off by up to 3), a type code, and a body biased to small
     * byte values. Half of them take the type and body length (give or take one byte) of a real
     * packet and keep its body but for the first bytes (the fixed fields: flags, ids, return codes).
     */
    private static byte[] headerShaped(SplittableRandom random) {
        int code;
        byte[] body;
        if (random.nextBoolean()) {
            MqttSn12Message message = randomMessage(random);
            byte[] encoded = CODEC.encode(message);
            int headerLength = encoded.length <= 0xFF ? 2 : 4;
            code = message.type().code();
            body = Arrays.copyOfRange(encoded, headerLength, Math.max(headerLength, encoded.length + random.nextInt(-1, 2)));
            for (int i = 0, n = Math.min(7, body.length); i < n; i++) {
                body[i] = bodyByte(random);
            }
        } else {
            int r = random.nextInt(14);
            code = r < 12 ? TYPES[random.nextInt(TYPES.length)].code()
                    : r == 12 ? new int[] {0x03, 0x11, 0x19, 0x1E, 0xFD, 0xFE, 0xFF}[random.nextInt(7)]
                    : random.nextInt(256);
            int length = switch (random.nextInt(9)) {
                case 0, 1, 2, 3, 4, 5 -> random.nextInt(9);
                case 6, 7 -> random.nextInt(41);
                default -> random.nextInt(245, 301);
            };
            body = new byte[length];
            for (int i = 0; i < length; i++) {
                body[i] = bodyByte(random);
            }
        }
        int bodyLength = body.length;
        int lengthError = random.nextInt(11) == 0 ? random.nextInt(-3, 4) : 0;
        boolean shortForm = random.nextBoolean() && 2 + bodyLength <= 0xFF;
        byte[] out;
        if (shortForm) {
            out = new byte[2 + bodyLength];
            out[0] = (byte) (out.length + lengthError);
            out[1] = (byte) code;
        } else {
            out = new byte[4 + bodyLength];
            int length = out.length + lengthError;
            out[0] = 0x01;
            out[1] = (byte) (length >>> 8);
            out[2] = (byte) length;
            out[3] = (byte) code;
        }
        System.arraycopy(body, 0, out, out.length - bodyLength, bodyLength);
        return out;
    }

    /** Small values (return codes, flags, lengths) and 0xFF often, anything otherwise. */
    private static byte bodyByte(SplittableRandom random) {
        int kind = random.nextInt(8);
        return (byte) (kind < 3 ? random.nextInt(5) : kind == 3 ? 0xFF : random.nextInt(256));
    }

    /** One to three mutations of a valid encoding. */
    private static byte[] mutate(SplittableRandom random, byte[] encoded) {
        byte[] out = encoded;
        int count = 1 + (random.nextInt(4) == 0 ? random.nextInt(1, 3) : 0);
        for (int m = 0; m < count; m++) {
            out = mutateOnce(random, out);
        }
        return out;
    }

    private static byte[] mutateOnce(SplittableRandom random, byte[] in) {
        int n = in.length;
        switch (random.nextInt(n == 0 ? 2 : 9)) {
            case 0: { // append one byte (or a few)
                int extra = random.nextInt(8) == 0 ? random.nextInt(2, 6) : 1;
                byte[] out = Arrays.copyOf(in, n + extra);
                for (int i = n; i < out.length; i++) {
                    out[i] = (byte) random.nextInt(256);
                }
                return out;
            }
            case 1: { // insert a byte
                int at = random.nextInt(n + 1);
                byte[] out = new byte[n + 1];
                System.arraycopy(in, 0, out, 0, at);
                out[at] = (byte) random.nextInt(256);
                System.arraycopy(in, at, out, at + 1, n - at);
                return out;
            }
            case 2: // truncate
                return Arrays.copyOf(in, random.nextInt(n));
            case 3: { // delete a byte
                int at = random.nextInt(n);
                byte[] out = new byte[n - 1];
                System.arraycopy(in, 0, out, 0, at);
                System.arraycopy(in, at + 1, out, at, n - at - 1);
                return out;
            }
            case 4: { // replace a byte
                byte[] out = in.clone();
                out[random.nextInt(n)] = (byte) random.nextInt(256);
                return out;
            }
            case 5: { // replace the type code
                byte[] out = in.clone();
                int at = (out[0] == 0x01 && n >= 4) ? 3 : Math.min(1, n - 1);
                out[at] = (byte) (random.nextBoolean() ? TYPES[random.nextInt(TYPES.length)].code() : random.nextInt(256));
                return out;
            }
            case 6: // rewrite the length in the other form (or make it disagree)
                return reframe(random, in);
            default: { // flip a bit (twice as likely: the classic corruption)
                byte[] out = in.clone();
                out[random.nextInt(n)] ^= (byte) (1 << random.nextInt(8));
                return out;
            }
        }
    }

    /** The same type and body under the other length form; sometimes with a wrong length. */
    private static byte[] reframe(SplittableRandom random, byte[] in) {
        boolean longForm = in.length >= 4 && in[0] == 0x01;
        int headerLength = longForm ? 4 : 2;
        if (in.length < headerLength) {
            return in;
        }
        byte[] typeAndBody = Arrays.copyOfRange(in, headerLength - 1, in.length);
        int error = random.nextInt(4) == 0 ? random.nextInt(-2, 3) : 0;
        if (longForm && typeAndBody.length + 1 <= 0xFF) {
            byte[] out = new byte[1 + typeAndBody.length];
            out[0] = (byte) (out.length + error);
            System.arraycopy(typeAndBody, 0, out, 1, typeAndBody.length);
            return out;
        }
        byte[] out = new byte[3 + typeAndBody.length];
        int length = out.length + error;
        out[0] = 0x01;
        out[1] = (byte) (length >>> 8);
        out[2] = (byte) length;
        System.arraycopy(typeAndBody, 0, out, 3, typeAndBody.length);
        return out;
    }

    // ------------------------------------------------------------------ valid packets

    /** A random valid packet of a random type, fields across their full ranges. */
    static MqttSn12Message randomMessage(SplittableRandom r) {
        MessageType type = TYPES[r.nextInt(TYPES.length)];
        return switch (type) {
            case ADVERTISE -> new Advertise(u8(r), u16(r));
            case SEARCHGW -> new SearchGw(u8(r));
            case GWINFO -> new GwInfo(u8(r), field(r, 0));
            case CONNECT -> new Connect(r.nextBoolean(), r.nextBoolean(),
                    r.nextInt(4) == 0 ? u8(r) : Connect.PROTOCOL_ID, u16(r), field(r, 1));
            case CONNACK -> new ConnAck(returnCode(r));
            case WILLTOPICREQ -> WillTopicReq.INSTANCE;
            case WILLTOPIC -> r.nextInt(5) == 0 ? WillTopic.EMPTY
                    : new WillTopic(willQos(r), r.nextBoolean(), field(r, 1));
            case WILLMSGREQ -> WillMsgReq.INSTANCE;
            case WILLMSG -> new WillMsg(field(r, 0));
            case REGISTER -> new Register(u16(r), u16(r), field(r, 1));
            case REGACK -> new RegAck(u16(r), u16(r), returnCode(r));
            case PUBLISH -> new Publish(r.nextBoolean(), qos(r), r.nextBoolean(),
                    PUBLISH_TOPIC_ID_TYPES[r.nextInt(PUBLISH_TOPIC_ID_TYPES.length)], u16(r), u16(r), field(r, 0));
            case PUBACK -> new PubAck(u16(r), u16(r), returnCode(r));
            case PUBCOMP -> new PubComp(u16(r));
            case PUBREC -> new PubRec(u16(r));
            case PUBREL -> new PubRel(u16(r));
            case SUBSCRIBE -> new Subscribe(r.nextBoolean(), qos(r), u16(r), topicRef(r));
            case SUBACK -> new SubAck(qos(r), u16(r), u16(r), returnCode(r));
            case UNSUBSCRIBE -> new Unsubscribe(u16(r), topicRef(r));
            case UNSUBACK -> new UnsubAck(u16(r));
            case PINGREQ -> r.nextInt(4) == 0 ? PingReq.PLAIN : new PingReq(field(r, 1));
            case PINGRESP -> PingResp.INSTANCE;
            case DISCONNECT -> r.nextInt(3) == 0 ? Disconnect.PLAIN : new Disconnect(OptionalInt.of(u16(r)));
            case WILLTOPICUPD -> r.nextInt(5) == 0 ? WillTopicUpd.EMPTY
                    : new WillTopicUpd(willQos(r), r.nextBoolean(), field(r, 1));
            case WILLTOPICRESP -> new WillTopicResp(returnCode(r));
            case WILLMSGUPD -> new WillMsgUpd(field(r, 0));
            case WILLMSGRESP -> new WillMsgResp(returnCode(r));
            case ENCAPSULATED -> throw new AssertionError("not a packet type");
        };
    }

    /** Not {@link TopicIdType#values()}: RESERVED is for TopicRef.Reserved only and a Publish refuses it. */
    private static final TopicIdType[] PUBLISH_TOPIC_ID_TYPES =
            {TopicIdType.NORMAL, TopicIdType.PREDEFINED, TopicIdType.SHORT};

    private static final int[] UINT8_EDGES = {0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF};
    private static final int[] UINT16_EDGES = {0x0000, 0x0001, 0x00FF, 0x0100, 0x7FFF, 0x8000, 0xFFFE, 0xFFFF};

    private static int u8(SplittableRandom r) {
        return r.nextInt(5) == 0 ? UINT8_EDGES[r.nextInt(UINT8_EDGES.length)] : r.nextInt(0x100);
    }

    private static int u16(SplittableRandom r) {
        return r.nextInt(5) == 0 ? UINT16_EDGES[r.nextInt(UINT16_EDGES.length)] : r.nextInt(0x10000);
    }

    private static QoS qos(SplittableRandom r) {
        return QoS.values()[r.nextInt(4)];
    }

    private static QoS willQos(SplittableRandom r) {
        return QoS.ofLevel(r.nextInt(3));
    }

    private static ReturnCode returnCode(SplittableRandom r) {
        return ReturnCode.values()[r.nextInt(ReturnCode.values().length)];
    }

    private static TopicRef topicRef(SplittableRandom r) {
        return switch (r.nextInt(4)) {
            case 0 -> new TopicRef.Name(field(r, 1));
            case 1 -> new TopicRef.Predefined(u16(r));
            case 2 -> new TopicRef.ShortName(u16(r));
            default -> new TopicRef.Reserved(field(r, 0));
        };
    }

    /** A variable-length field: mostly short, sometimes a few hundred bytes (both length forms). */
    private static Bytes field(SplittableRandom r, int minLength) {
        int length = switch (r.nextInt(10)) {
            case 0, 1, 2, 3, 4, 5 -> r.nextInt(minLength, 17);
            case 6, 7 -> r.nextInt(minLength, 301);
            default -> r.nextInt(240, 270);
        };
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            int kind = r.nextInt(4);
            bytes[i] = (byte) (kind == 0 ? 0x00 : kind == 1 ? 0xFF : kind == 2 ? r.nextInt(0x20, 0x7F) : r.nextInt(256));
        }
        return Bytes.wrap(bytes);
    }
}
