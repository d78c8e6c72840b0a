package io.sngate.codec.v12;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.DecodeException.Reason;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.BiPredicate;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * Properties of {@link MqttSn12Codec}, as its javadoc states them: round trips, canonical
 * encoding, total decoding (a message or a {@link DecodeException}, nothing else) and
 * idempotence of decode-encode-decode.
 *
 * <p>Tries per property come from {@code jqwik.tries.default} (root pom: {@code -Djqwik.tries=N},
 * default 1000); see docs/fuzzing.md for a long run.
 */
class CodecPropertiesTest {

    private static final MqttSn12Codec CODEC = MqttSn12Codec.INSTANCE;
    private static final HexFormat HEX = HexFormat.of();

    /** Below this many tries a property cannot be expected to meet all 27 types. */
    private static final int TRIES_FOR_TYPE_COVERAGE = 27 * 20;

    /** Below this many tries a property cannot be expected to meet all four TopicRef variants. */
    private static final int TRIES_FOR_VARIANT_COVERAGE = 4 * 20;

    /** The MsgType codes of the 27 packet types. */
    private static final List<Integer> PACKET_CODES =
            Packets12.packetTypes().stream().map(MessageType::code).toList();

    // ================================================================== (a) round trips

    /** decode(encode(m)) == m, and encode(decode(encode(m))) == encode(m): encoding is canonical. */
    @Property
    void everyPacketRoundTrips(@ForAll("packets") MqttSn12Message message) {
        Statistics.label("type").collect(message.type());
        Statistics.label("length form").collect(lengthForm(message));

        byte[] encoded = encode(message);
        assertThat(encoded).hasSize(CODEC.encodedLength(message));
        assertThat(encoded.length).isBetween(2, MqttSn12Codec.MAX_PACKET_LENGTH);
        if (encoded.length <= 0xFF) {
            assertThat(encoded[0] & 0xFF).as("canonical 1-byte length").isEqualTo(encoded.length);
        } else {
            assertThat(encoded[0]).as("3-byte length marker").isEqualTo((byte) 0x01);
            assertThat((encoded[1] & 0xFF) << 8 | encoded[2] & 0xFF).isEqualTo(encoded.length);
        }

        MqttSn12Message decoded = decodeValid(encoded, message);
        assertThat(decoded).isEqualTo(message);
        assertThat(decoded.hashCode()).isEqualTo(message.hashCode());
        assertThat(encode(decoded)).as("re-encoding of %s", message).isEqualTo(encoded);

        Statistics.label("type").coverage(coverage -> {
            BiPredicate<Integer, Integer> reached = (count, all) -> all < TRIES_FOR_TYPE_COVERAGE || count > 0;
            for (MessageType type : Packets12.packetTypes()) {
                coverage.check(type).count(reached);
            }
        });
    }

    /**
     * The other entry points agree with {@code decode(byte[])} and {@code encode(message)}: a packet
     * in the middle of a larger array (with garbage on both sides), a heap and a direct ByteBuffer,
     * encoding at an offset and into a ByteBuffer.
     */
    @Property
    void offsetsAndBuffersAgree(@ForAll("packets") MqttSn12Message message,
                                @ForAll @IntRange(max = 7) int before, @ForAll @IntRange(max = 7) int after)
            throws DecodeException {
        byte[] encoded = encode(message);

        byte[] framed = new byte[before + encoded.length + after];
        Arrays.fill(framed, (byte) 0xA5);
        CODEC.encode(message, framed, before);
        assertThat(Arrays.copyOfRange(framed, before, before + encoded.length)).isEqualTo(encoded);
        assertThat(CODEC.decode(framed, before, encoded.length)).isEqualTo(message);

        ByteBuffer heap = ByteBuffer.wrap(framed, before, encoded.length);
        assertThat(CODEC.decode(heap)).isEqualTo(message);
        assertThat(heap.position()).isEqualTo(before);

        ByteBuffer direct = ByteBuffer.allocateDirect(encoded.length + after);
        CODEC.encode(message, direct);
        assertThat(direct.position()).isEqualTo(encoded.length);
        direct.flip();
        assertThat(CODEC.decode(direct)).isEqualTo(message);
    }

    /**
     * Non-canonical but valid forms decode to the same message: the 3-byte length form for a
     * packet that fits the 1-byte form, and flag bits the packet does not use set to 1.
     */
    @Property
    void nonCanonicalFormsDecodeToTheSameMessage(@ForAll("packets") MqttSn12Message message,
                                                 @ForAll @IntRange(max = 0xFF) int junkFlags) {
        byte[] encoded = encode(message);
        if (encoded.length <= 0xFF) {
            byte[] longForm = new byte[encoded.length + 2];
            longForm[0] = 0x01;
            longForm[1] = (byte) (longForm.length >>> 8);
            longForm[2] = (byte) longForm.length;
            System.arraycopy(encoded, 1, longForm, 3, encoded.length - 1);
            MqttSn12Message fromLongForm = decodeValid(longForm, message);
            assertThat(fromLongForm).isEqualTo(message);
            assertThat(encode(fromLongForm)).isEqualTo(encoded);
        }

        int unused = unusedFlagBits(message);
        if (unused != 0 && (junkFlags & unused) != 0) {
            int flagsAt = encoded.length <= 0xFF ? 2 : 4;
            byte[] junk = encoded.clone();
            junk[flagsAt] = (byte) (junk[flagsAt] | junkFlags & unused);
            MqttSn12Message fromJunk = decodeValid(junk, message);
            assertThat(fromJunk).isEqualTo(message);
            assertThat(encode(fromJunk)).isEqualTo(encoded);
        }
    }

    // ================================================================== (b) total decoding

    /** Any bytes at all: a message or a DecodeException, nothing else. */
    @Property
    void randomBytesDecodeOrFailWithDecodeException(@ForAll("randomBytes") byte[] input) {
        decodeTotally(input);
    }

    /**
     * Inputs with a plausible header (a right or nearly right length in either form, a valid,
     * reserved or random type code) and a body biased to small values, so that decoding gets
     * past the header into every packet's body checks.
     */
    @Property
    void headerShapedInputsDecodeOrFailWithDecodeException(@ForAll("headerShaped") byte[] input) {
        MqttSn12Message decoded = decodeTotally(input);
        Statistics.label("outcome").collect(decoded != null ? "decoded" : "rejected");
    }

    // ================================================================== (c) idempotence

    /** Whatever decodes re-encodes to bytes that decode to an equal value and re-encode to the same bytes. */
    @Property
    void whateverDecodesReencodesToAnEqualValue(@ForAll("anyInput") byte[] input) {
        MqttSn12Message decoded = decodeTotally(input);
        if (decoded != null) {
            assertIdempotent(input, decoded);
        }
        Statistics.label("outcome").collect(decoded != null ? "decoded" : "rejected");
    }

    // ================================================================== (d) mutations

    /** A valid encoding with a byte flipped, truncated or extended: decodes (idempotently) or is a DecodeException. */
    @Property
    void mutatedEncodingsDecodeOrFailWithDecodeException(@ForAll("mutated") byte[] input) {
        MqttSn12Message decoded = decodeTotally(input);
        if (decoded != null) {
            assertIdempotent(input, decoded);
        }
        Statistics.label("outcome").collect(decoded != null ? "decoded" : "rejected");
    }

    // ================================================================== (e) what real clients send

    /**
     * SUBSCRIBE (every QoS, -1 included) and UNSUBSCRIBE with every {@link TopicRef} variant
     * ({@link TopicRef.Reserved} included) round-trip byte for byte.
     */
    @Property
    void everySubscriptionRoundTrips(@ForAll("subscriptions") MqttSn12Message message) {
        TopicRef topic = topicOf(message);
        Statistics.label("topic").collect(topic.getClass().getSimpleName());
        if (message instanceof Subscribe subscribe) {
            Statistics.label("qos").collect(subscribe.qos());
        }

        byte[] encoded = encode(message);
        assertThat(encoded).hasSize(CODEC.encodedLength(message));
        MqttSn12Message decoded = decodeValid(encoded, message);
        assertThat(decoded).isEqualTo(message);
        assertThat(encode(decoded)).isEqualTo(encoded);

        BiPredicate<Integer, Integer> reached = (count, all) -> all < TRIES_FOR_VARIANT_COVERAGE || count > 0;
        Statistics.label("topic").coverage(coverage -> {
            for (String variant : List.of("Name", "Predefined", "ShortName", "Reserved")) {
                coverage.check(variant).count(reached);
            }
        });
    }

    /**
     * Any SUBSCRIBE or UNSUBSCRIBE with its topic id type bits turned to 0b11 decodes to the same
     * packet with a {@link TopicRef.Reserved} holding exactly the bytes after MsgId, and encodes
     * back to the same bytes.
     */
    @Property
    void subscriptionsWithTopicIdType0b11DecodeToReserved(@ForAll("subscriptions") MqttSn12Message message) {
        byte[] wire = encode(message);
        int flagsAt = wire.length <= 0xFF ? 2 : 4;
        wire[flagsAt] |= 0b11;
        TopicRef.Reserved reserved = new TopicRef.Reserved(Bytes.copyOf(wire, flagsAt + 3, wire.length - flagsAt - 3));
        MqttSn12Message expected = message instanceof Subscribe s
                ? new Subscribe(s.dup(), s.qos(), s.msgId(), reserved)
                : new Unsubscribe(((Unsubscribe) message).msgId(), reserved);

        MqttSn12Message decoded = decodeValid(wire, message);
        assertThat(decoded).isEqualTo(expected);
        assertThat(topicOf(decoded).topicIdType()).isEqualTo(TopicIdType.RESERVED);
        assertThat(encode(decoded)).isEqualTo(wire);
    }

    /** Any PUBLISH with its topic id type bits turned to 0b11 is still refused, at the flags byte. */
    @Property
    void publishWithTopicIdType0b11IsRefused(@ForAll("publishes") Publish publish) {
        byte[] wire = encode(publish);
        int flagsAt = wire.length <= 0xFF ? 2 : 4;
        wire[flagsAt] |= 0b11;
        Throwable thrown = catchThrowable(() -> CODEC.decode(wire));
        assertThat(thrown).as("decode of %s with topic id type 0b11", publish).isInstanceOf(DecodeException.class);
        DecodeException e = (DecodeException) thrown;
        assertThat(e.packet()).isEqualTo("PUBLISH");
        assertThat(e.field()).isEqualTo("Flags.TopicIdType");
        assertThat(e.reason()).isEqualTo(Reason.RESERVED_VALUE);
        assertThat(e.offset()).isEqualTo(flagsAt);
    }

    private static TopicRef topicOf(MqttSn12Message subscription) {
        return subscription instanceof Subscribe s ? s.topic() : ((Unsubscribe) subscription).topic();
    }

    // ================================================================== generators

    @Provide
    Arbitrary<MqttSn12Message> subscriptions() {
        return Arbitraries.<MqttSn12Message>oneOf(Packets12.subscribe(), Packets12.unsubscribe());
    }

    @Provide
    Arbitrary<Publish> publishes() {
        return Packets12.publish();
    }

    @Provide
    Arbitrary<MqttSn12Message> packets() {
        return Packets12.any();
    }

    @Provide
    Arbitrary<byte[]> randomBytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
    }

    @Provide
    Arbitrary<byte[]> headerShaped() {
        Arbitrary<Integer> typeCode = Arbitraries.frequencyOf(List.of(
                Tuple.of(12, Arbitraries.of(PACKET_CODES)),
                Tuple.of(1, Arbitraries.of(0x03, 0x11, 0x19, 0x1E, 0xFD, 0xFE, 0xFF)),
                Tuple.of(1, Arbitraries.integers().between(0, 0xFF))));
        Arbitrary<byte[]> body = Arbitraries.frequencyOf(List.of(
                Tuple.of(6, bodyByte().array(byte[].class).ofMaxSize(8)),
                Tuple.of(2, bodyByte().array(byte[].class).ofMaxSize(40)),
                Tuple.of(1, bodyByte().array(byte[].class).ofMinSize(245).ofMaxSize(300))));
        Arbitrary<byte[]> anyTypeAnyBody = Combinators.combine(typeCode, body, Arbitraries.of(true, false),
                lengthError()).as(CodecPropertiesTest::withHeader);

        // A real packet's type and body length (give or take one byte) with its fixed fields
        // (flags, ids, return codes: the first bytes of the body) replaced by biased random bytes.
        Arbitrary<byte[]> realTypeAndLength = Combinators.combine(Packets12.any(),
                        bodyByte().array(byte[].class).ofSize(7), Arbitraries.integers().between(-1, 1),
                        Arbitraries.of(true, false), lengthError())
                .as((message, fixedFields, lengthChange, shortForm, lengthError) -> {
                    byte[] encoded = encode(message);
                    int headerLength = encoded.length <= 0xFF ? 2 : 4;
                    byte[] realBody = Arrays.copyOfRange(encoded, headerLength, encoded.length);
                    byte[] newBody = Arrays.copyOf(realBody, Math.max(0, realBody.length + lengthChange));
                    System.arraycopy(fixedFields, 0, newBody, 0, Math.min(fixedFields.length, newBody.length));
                    return withHeader(message.type().code(), newBody, shortForm, lengthError);
                });

        return Arbitraries.frequencyOf(List.of(
                Tuple.of(1, anyTypeAnyBody),
                Tuple.of(1, realTypeAndLength)));
    }

    /** A body byte: small values (return codes, flags, lengths) and 0xFF often, anything otherwise. */
    private static Arbitrary<Byte> bodyByte() {
        return Arbitraries.frequencyOf(List.of(
                Tuple.of(3, Arbitraries.bytes().between((byte) 0x00, (byte) 0x04)),
                Tuple.of(1, Arbitraries.just((byte) 0xFF)),
                Tuple.of(4, Arbitraries.bytes())));
    }

    /** Mostly 0 (a right length), sometimes off by up to 3. */
    private static Arbitrary<Integer> lengthError() {
        return Arbitraries.frequencyOf(List.of(
                Tuple.of(10, Arbitraries.just(0)),
                Tuple.of(1, Arbitraries.integers().between(-3, 3))));
    }

    @Provide
    Arbitrary<byte[]> mutated() {
        return Combinators.combine(Packets12.any(), Arbitraries.of(Mutation.class),
                        Arbitraries.integers().between(0, Integer.MAX_VALUE), Arbitraries.integers().between(0, 0xFF))
                .as((message, mutation, where, value) -> mutation.apply(encode(message), where, value));
    }

    @Provide
    Arbitrary<byte[]> anyInput() {
        return Arbitraries.frequencyOf(List.of(
                Tuple.of(1, randomBytes()),
                Tuple.of(2, headerShaped()),
                Tuple.of(2, mutated())));
    }

    /** One change to a valid encoding. {@code where} is reduced to a position; {@code value} is a byte. */
    enum Mutation {
        FLIP_BIT {
            @Override
            byte[] apply(byte[] in, int where, int value) {
                byte[] out = in.clone();
                out[where % out.length] ^= (byte) (1 << (value & 7));
                return out;
            }
        },
        REPLACE_BYTE {
            @Override
            byte[] apply(byte[] in, int where, int value) {
                byte[] out = in.clone();
                out[where % out.length] = (byte) value;
                return out;
            }
        },
        TRUNCATE {
            @Override
            byte[] apply(byte[] in, int where, int value) {
                return Arrays.copyOf(in, where % in.length);
            }
        },
        APPEND {
            @Override
            byte[] apply(byte[] in, int where, int value) {
                byte[] out = Arrays.copyOf(in, in.length + 1);
                out[in.length] = (byte) value;
                return out;
            }
        },
        INSERT {
            @Override
            byte[] apply(byte[] in, int where, int value) {
                int at = where % (in.length + 1);
                byte[] out = new byte[in.length + 1];
                System.arraycopy(in, 0, out, 0, at);
                out[at] = (byte) value;
                System.arraycopy(in, at, out, at + 1, in.length - at);
                return out;
            }
        },
        DELETE {
            @Override
            byte[] apply(byte[] in, int where, int value) {
                int at = where % in.length;
                byte[] out = new byte[in.length - 1];
                System.arraycopy(in, 0, out, 0, at);
                System.arraycopy(in, at + 1, out, at, in.length - at - 1);
                return out;
            }
        };

        abstract byte[] apply(byte[] encoded, int where, int value);
    }

    /** A header for {@code body}: the 1-byte form when asked for and possible, else the 3-byte form; length off by {@code lengthError}. */
    private static byte[] withHeader(int typeCode, byte[] body, boolean shortForm, int lengthError) {
        int shortTotal = 2 + body.length;
        if (shortForm && shortTotal <= 0xFF) {
            byte[] out = new byte[shortTotal];
            out[0] = (byte) (shortTotal + lengthError);
            out[1] = (byte) typeCode;
            System.arraycopy(body, 0, out, 2, body.length);
            return out;
        }
        int total = 4 + body.length;
        int length = total + lengthError;
        byte[] out = new byte[total];
        out[0] = 0x01;
        out[1] = (byte) (length >>> 8);
        out[2] = (byte) length;
        out[3] = (byte) typeCode;
        System.arraycopy(body, 0, out, 4, body.length);
        return out;
    }

    // ================================================================== checks

    /** Decodes {@code input}: the message, null for a DecodeException, a test failure for anything else. */
    static MqttSn12Message decodeTotally(byte[] input) {
        try {
            return CODEC.decode(input);
        } catch (DecodeException e) {
            assertThat(e.reason()).as("reason of %s", e.getMessage()).isNotNull();
            return null;
        } catch (Throwable t) {
            throw new AssertionError("decode threw " + t + " (not a DecodeException) for input ["
                    + HEX.formatHex(input) + "] (" + input.length + " bytes)", t);
        }
    }

    /** decode(encode(d)) equals d and encode(decode(encode(d))) equals encode(d). */
    static void assertIdempotent(byte[] input, MqttSn12Message decoded) {
        byte[] canonical;
        try {
            canonical = CODEC.encode(decoded);
        } catch (Throwable t) {
            throw new AssertionError("encode threw " + t + " for " + decoded + " decoded from ["
                    + HEX.formatHex(input) + "]", t);
        }
        MqttSn12Message again = decodeValid(canonical, decoded);
        assertThat(again).as("decode(encode(decode([%s])))", HEX.formatHex(input)).isEqualTo(decoded);
        assertThat(encode(again)).as("encode(decode(encode(decode([%s]))))", HEX.formatHex(input))
                .isEqualTo(canonical);
    }

    private static byte[] encode(MqttSn12Message message) {
        return CODEC.encode(message);
    }

    /** Decodes bytes that must decode; a DecodeException fails the property with the input and the source. */
    private static MqttSn12Message decodeValid(byte[] encoded, Object source) {
        try {
            return CODEC.decode(encoded);
        } catch (DecodeException e) {
            throw new AssertionError("[" + HEX.formatHex(encoded) + "] (from " + source + ") did not decode: "
                    + e.getMessage() + " [" + e.reason() + "]", e);
        } catch (Throwable t) {
            throw new AssertionError("decode threw " + t + " for [" + HEX.formatHex(encoded) + "] (from "
                    + source + ")", t);
        }
    }

    private static String lengthForm(MqttSn12Message message) {
        return CODEC.encodedLength(message) <= 0xFF ? "1-byte" : "3-byte";
    }

    /** The flag bits a packet's flags byte does not use (1.2 says receivers ignore them); 0 when it has no flags byte. */
    private static int unusedFlagBits(MqttSn12Message message) {
        return switch (message.type()) {
            case CONNECT -> 0xFF & ~0x0C;
            case PUBLISH -> 0x0C;
            case SUBSCRIBE -> 0x1C;
            case UNSUBSCRIBE -> 0xFC;
            case SUBACK -> 0x9F;
            case WILLTOPIC, WILLTOPICUPD -> encodedBodyLength(message) > 0 ? 0x8F : 0;
            default -> 0;
        };
    }

    private static int encodedBodyLength(MqttSn12Message message) {
        int total = CODEC.encodedLength(message);
        return total - (total <= 0xFF ? 2 : 4);
    }
}
