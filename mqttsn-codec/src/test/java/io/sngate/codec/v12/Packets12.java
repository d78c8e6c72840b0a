package io.sngate.codec.v12;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import java.math.BigInteger;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCases;
import net.jqwik.api.ExhaustiveGenerator;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.RandomGenerator;
import net.jqwik.api.Tuple;

/**
 * jqwik generators for every MQTT-SN 1.2 packet, with every field drawn from its whole range.
 *
 * <p>{@link #any()} picks one of the 27 packet types with equal weight; each type also has
 * its own method ({@link #publish()}, {@link #connect()}, ...) and {@link #ofType} picks by
 * {@link MessageType}. Everything generated is a valid message: the record constructors accept
 * it and {@link MqttSn12Codec} can encode it (at most {@link MqttSn12Codec#MAX_PACKET_LENGTH} bytes).
 *
 * <p>What the generators reach:
 * <ul>
 *   <li>uint8 and uint16 fields uniformly over 0..255 / 0..65535, with the edges (0, 1, 0x7F/0x80,
 *       0xFF/0x100, 0x7FFF/0x8000, max-1, max) as jqwik edge cases;</li>
 *   <li>every QoS (including -1 where a packet may carry it: PUBLISH, SUBSCRIBE, SUBACK), every
 *       flag, every {@link TopicRef} variant ({@link TopicRef.Reserved} too), every
 *       {@link TopicIdType} a PUBLISH can carry, every {@link ReturnCode};</li>
 *   <li>variable-length fields (payloads, topic names, client ids, will fields, gateway
 *       addresses) that are empty where the packet allows it, short, a few hundred bytes long,
 *       right around the switch from the 1-byte to the 3-byte length form, and now and then
 *       as long as the largest packet allows; their bytes favour 0x00, 0xFF and printable ASCII
 *       but take any value (invalid UTF-8 included: topic names are exact bytes).</li>
 * </ul>
 *
 * <p>Stateless; usable from any jqwik property ({@code @Provide Arbitrary<...> x() { return Packets12.publish(); }}).
 */
public final class Packets12 {

    /** The longest packet the 3-byte length form can describe. */
    private static final int MAX_PACKET = MqttSn12Codec.MAX_PACKET_LENGTH;

    /** The longest packet the 1-byte length form can describe. */
    private static final int MAX_SHORT_PACKET = 0xFF;

    /** See {@link #any()}. */
    private static final int EDGE_CASES_PER_TYPE = 24;

    private static final Set<MessageType> PACKET_TYPES =
            Collections.unmodifiableSet(EnumSet.complementOf(EnumSet.of(MessageType.ENCAPSULATED)));

    private Packets12() {
    }

    /** The 27 message types that are packets (every {@link MessageType} but {@code ENCAPSULATED}). */
    public static Set<MessageType> packetTypes() {
        return PACKET_TYPES;
    }

    // ------------------------------------------------------------------ any packet

    /**
     * Any MQTT-SN 1.2 packet; every type equally likely. Each type brings at most
     * {@value #EDGE_CASES_PER_TYPE} edge cases: jqwik takes a one-of's edge cases type by type
     * up to a budget of about the number of tries, so without a cap the first few types
     * (whose field combinations give thousands) would use it all and PUBLISH would get none.
     */
    public static Arbitrary<MqttSn12Message> any() {
        return Arbitraries.oneOf(packetTypes().stream().map(type -> fewEdgeCases(ofType(type))).toList());
    }

    /** Packets of one type; {@code ENCAPSULATED} is a framing, not a packet, and is refused. */
    public static Arbitrary<MqttSn12Message> ofType(MessageType type) {
        return widen(switch (type) {
            case ADVERTISE -> advertise();
            case SEARCHGW -> searchGw();
            case GWINFO -> gwInfo();
            case CONNECT -> connect();
            case CONNACK -> connAck();
            case WILLTOPICREQ -> willTopicReq();
            case WILLTOPIC -> willTopic();
            case WILLMSGREQ -> willMsgReq();
            case WILLMSG -> willMsg();
            case REGISTER -> register();
            case REGACK -> regAck();
            case PUBLISH -> publish();
            case PUBACK -> pubAck();
            case PUBCOMP -> pubComp();
            case PUBREC -> pubRec();
            case PUBREL -> pubRel();
            case SUBSCRIBE -> subscribe();
            case SUBACK -> subAck();
            case UNSUBSCRIBE -> unsubscribe();
            case UNSUBACK -> unsubAck();
            case PINGREQ -> pingReq();
            case PINGRESP -> pingResp();
            case DISCONNECT -> disconnect();
            case WILLTOPICUPD -> willTopicUpd();
            case WILLTOPICRESP -> willTopicResp();
            case WILLMSGUPD -> willMsgUpd();
            case WILLMSGRESP -> willMsgResp();
            case ENCAPSULATED -> throw new IllegalArgumentException("ENCAPSULATED is a framing, not a 1.2 packet");
        });
    }

    // ------------------------------------------------------------------ one method per packet type

    public static Arbitrary<Advertise> advertise() {
        return Combinators.combine(uint8(), uint16()).as(Advertise::new);
    }

    public static Arbitrary<SearchGw> searchGw() {
        return uint8().map(SearchGw::new);
    }

    /** With and without a gateway address (opaque, the rest of the packet). */
    public static Arbitrary<GwInfo> gwInfo() {
        return Combinators.combine(uint8(), variableField(1, 0)).as(GwInfo::new);
    }

    /** Mostly protocol id 0x01, but any byte (the codec keeps what it received). */
    public static Arbitrary<Connect> connect() {
        Arbitrary<Integer> protocolId = Arbitraries.frequencyOf(List.of(
                Tuple.of(3, Arbitraries.just(Connect.PROTOCOL_ID)),
                Tuple.of(1, uint8())));
        return Combinators.combine(Arbitraries.of(true, false), Arbitraries.of(true, false), protocolId, uint16(),
                        clientId())
                .as(Connect::new);
    }

    public static Arbitrary<ConnAck> connAck() {
        return returnCode().map(ConnAck::new);
    }

    public static Arbitrary<WillTopicReq> willTopicReq() {
        return Arbitraries.just(WillTopicReq.INSTANCE);
    }

    /** The empty form and full ones with will QoS 0..2 and either retain flag. */
    public static Arbitrary<WillTopic> willTopic() {
        return Arbitraries.frequencyOf(List.of(
                Tuple.of(1, Arbitraries.just(WillTopic.EMPTY)),
                Tuple.of(5, Combinators.combine(willQos(), Arbitraries.of(true, false), variableField(1, 1))
                        .as(WillTopic::new))));
    }

    public static Arbitrary<WillMsgReq> willMsgReq() {
        return Arbitraries.just(WillMsgReq.INSTANCE);
    }

    public static Arbitrary<WillMsg> willMsg() {
        return variableField(0, 0).map(WillMsg::new);
    }

    public static Arbitrary<Register> register() {
        return Combinators.combine(uint16(), uint16(), variableField(4, 1)).as(Register::new);
    }

    public static Arbitrary<RegAck> regAck() {
        return Combinators.combine(uint16(), uint16(), returnCode()).as(RegAck::new);
    }

    /**
     * Every QoS (-1 too), DUP, retain and topic id type in any combination, any topic id and
     * MsgId: the codec decodes what peers send and leaves judging to the gateway.
     */
    public static Arbitrary<Publish> publish() {
        return Combinators.combine(Arbitraries.of(true, false), qos(), Arbitraries.of(true, false), topicIdType(),
                        uint16(), uint16(), variableField(5, 0))
                .as(Publish::new);
    }

    public static Arbitrary<PubAck> pubAck() {
        return Combinators.combine(uint16(), uint16(), returnCode()).as(PubAck::new);
    }

    public static Arbitrary<PubComp> pubComp() {
        return uint16().map(PubComp::new);
    }

    public static Arbitrary<PubRec> pubRec() {
        return uint16().map(PubRec::new);
    }

    public static Arbitrary<PubRel> pubRel() {
        return uint16().map(PubRel::new);
    }

    /**
     * Every requested QoS (-1 too: clients send it, the codec keeps it), DUP either way, every
     * {@link TopicRef} variant.
     */
    public static Arbitrary<Subscribe> subscribe() {
        return Combinators.combine(Arbitraries.of(true, false), qos(), uint16(), topicRef()).as(Subscribe::new);
    }

    /** Granted QoS of all four values: some gateways put 0b11 in rejections. */
    public static Arbitrary<SubAck> subAck() {
        return Combinators.combine(qos(), uint16(), uint16(), returnCode()).as(SubAck::new);
    }

    public static Arbitrary<Unsubscribe> unsubscribe() {
        return Combinators.combine(uint16(), topicRef()).as(Unsubscribe::new);
    }

    public static Arbitrary<UnsubAck> unsubAck() {
        return uint16().map(UnsubAck::new);
    }

    /** The plain keep-alive ping and a waking client's ping with its client id. */
    public static Arbitrary<PingReq> pingReq() {
        return Arbitraries.frequencyOf(List.of(
                Tuple.of(1, Arbitraries.just(PingReq.PLAIN)),
                Tuple.of(3, variableField(0, 1).map(PingReq::new))));
    }

    public static Arbitrary<PingResp> pingResp() {
        return Arbitraries.just(PingResp.INSTANCE);
    }

    /** The plain disconnect and a sleep with any duration. */
    public static Arbitrary<Disconnect> disconnect() {
        return Arbitraries.frequencyOf(List.of(
                Tuple.of(1, Arbitraries.just(Disconnect.PLAIN)),
                Tuple.of(3, uint16().map(Disconnect::sleep))));
    }

    /** The empty form and full ones with will QoS 0..2 and either retain flag. */
    public static Arbitrary<WillTopicUpd> willTopicUpd() {
        return Arbitraries.frequencyOf(List.of(
                Tuple.of(1, Arbitraries.just(WillTopicUpd.EMPTY)),
                Tuple.of(5, Combinators.combine(willQos(), Arbitraries.of(true, false), variableField(1, 1))
                        .as(WillTopicUpd::new))));
    }

    public static Arbitrary<WillTopicResp> willTopicResp() {
        return returnCode().map(WillTopicResp::new);
    }

    public static Arbitrary<WillMsgUpd> willMsgUpd() {
        return variableField(0, 0).map(WillMsgUpd::new);
    }

    public static Arbitrary<WillMsgResp> willMsgResp() {
        return returnCode().map(WillMsgResp::new);
    }

    // ------------------------------------------------------------------ fields

    /** 0..255, uniformly, with the edges 0, 1, 0x7F, 0x80, 0xFE, 0xFF. */
    public static Arbitrary<Integer> uint8() {
        return Arbitraries.integers().between(0, 0xFF)
                .withDistribution(RandomDistribution.uniform())
                .edgeCases(c -> c.add(0x7F, 0x80));
    }

    /** 0..65535, uniformly, with the edges 0, 1, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFE, 0xFFFF. */
    public static Arbitrary<Integer> uint16() {
        return Arbitraries.integers().between(0, 0xFFFF)
                .withDistribution(RandomDistribution.uniform())
                .edgeCases(c -> c.add(0xFF, 0x100, 0x7FFF, 0x8000));
    }

    /** All four, QoS -1 included. */
    public static Arbitrary<QoS> qos() {
        return Arbitraries.of(QoS.class);
    }

    /** QoS 0, 1 and 2: what a will or a subscription may ask for. */
    public static Arbitrary<QoS> willQos() {
        return Arbitraries.of(QoS.AT_MOST_ONCE, QoS.AT_LEAST_ONCE, QoS.EXACTLY_ONCE);
    }

    /** The three a PUBLISH can carry: {@link TopicIdType#RESERVED} belongs to {@link TopicRef.Reserved} only. */
    public static Arbitrary<TopicIdType> topicIdType() {
        return Arbitraries.of(TopicIdType.NORMAL, TopicIdType.PREDEFINED, TopicIdType.SHORT);
    }

    public static Arbitrary<ReturnCode> returnCode() {
        return Arbitraries.of(ReturnCode.class);
    }

    /**
     * A topic name or filter (never empty, any bytes), a predefined id, a short name (any two bytes),
     * or the raw field of topic id type 0b11 (any bytes, empty too).
     */
    public static Arbitrary<TopicRef> topicRef() {
        return Arbitraries.oneOf(List.of(
                variableField(3, 1).map(TopicRef.Name::new),
                uint16().map(TopicRef.Predefined::new),
                uint16().map(TopicRef.ShortName::new),
                variableField(3, 0).map(TopicRef.Reserved::new)));
    }

    /** A CONNECT client id: 1 byte up to the longest a CONNECT can carry, often a few hundred bytes. */
    public static Arbitrary<Bytes> clientId() {
        return variableField(4, 1);
    }

    /**
     * Bytes of {@code minLength..maxLength}, sizes uniform over the range; each byte is 0x00,
     * 0xFF, printable ASCII or anything, in about equal parts. Shrinks towards short and 0x00.
     */
    public static Arbitrary<Bytes> bytes(int minLength, int maxLength) {
        return octet().array(byte[].class).ofMinSize(minLength).ofMaxSize(maxLength)
                .withSizeDistribution(RandomDistribution.uniform())
                .map(Bytes::copyOf);
    }

    /**
     * The variable-length field that ends a packet whose other body fields take {@code fixedBody}
     * bytes: mostly short or a few hundred bytes, often within a few bytes of the 1-byte/3-byte
     * length form switch, sometimes as long as a 65535-byte packet allows. Every alternative
     * shrinks down to {@code minLength}, so a failure on a long field still shrinks to a short one.
     */
    private static Arbitrary<Bytes> variableField(int fixedBody, int minLength) {
        int longestShortForm = MAX_SHORT_PACKET - 2 - fixedBody;
        int longest = MAX_PACKET - 4 - fixedBody;
        return Arbitraries.frequencyOf(List.of(
                Tuple.of(10, bytes(minLength, 16)),
                Tuple.of(6, bytes(minLength, 400)),
                Tuple.of(3, octet().array(byte[].class).ofMinSize(minLength).ofMaxSize(longestShortForm + 3)
                        .withSizeDistribution(onlyBetween(longestShortForm - 2, longestShortForm + 3))
                        .map(Bytes::copyOf)),
                Tuple.of(1, randomBytes(minLength, longest, onlyBetween(longest - 2, longest)))));
    }

    /**
     * Random bytes made from a seed, for fields tens of kilobytes long: generating those byte by
     * byte through jqwik would dominate the run time. Shrinks by length (a shorter array from the
     * same seed is a prefix of the longer one); the content does not shrink.
     */
    private static Arbitrary<Bytes> randomBytes(int minLength, int maxLength, RandomDistribution lengths) {
        return Combinators.combine(Arbitraries.integers().between(minLength, maxLength).withDistribution(lengths),
                        Arbitraries.longs())
                .as((length, seed) -> {
                    byte[] bytes = new byte[length];
                    new SplittableRandom(seed).nextBytes(bytes);
                    return Bytes.copyOf(bytes);
                });
    }

    /**
     * Generates only values in {@code low..high} (uniformly, clipped to the arbitrary's range);
     * unlike a narrower range, it leaves the arbitrary free to shrink below {@code low}.
     */
    private static RandomDistribution onlyBetween(int low, int high) {
        return new RandomDistribution() {
            @Override
            public RandomNumericGenerator createGenerator(int genSize, BigInteger min, BigInteger max,
                                                          BigInteger center) {
                return random -> BigInteger.valueOf(low + random.nextInt(high - low + 1)).max(min).min(max);
            }

            @Override
            public String toString() {
                return "OnlyBetween(" + low + ".." + high + ")";
            }
        };
    }

    private static Arbitrary<Byte> octet() {
        return Arbitraries.frequencyOf(List.of(
                Tuple.of(1, Arbitraries.just((byte) 0x00)),
                Tuple.of(1, Arbitraries.just((byte) 0xFF)),
                Tuple.of(1, Arbitraries.bytes().between((byte) 0x20, (byte) 0x7E)),
                Tuple.of(1, Arbitraries.bytes())));
    }

    /** Passes {@code arbitrary} through with its edge cases capped at {@value #EDGE_CASES_PER_TYPE}. */
    private static <T> Arbitrary<T> fewEdgeCases(Arbitrary<T> arbitrary) {
        return new Arbitrary<>() {
            @Override
            public RandomGenerator<T> generator(int genSize) {
                return arbitrary.generator(genSize);
            }

            @Override
            public EdgeCases<T> edgeCases(int maxEdgeCases) {
                return arbitrary.edgeCases(Math.min(maxEdgeCases, EDGE_CASES_PER_TYPE));
            }

            @Override
            public Optional<ExhaustiveGenerator<T>> exhaustive(long maxNumberOfSamples) {
                return arbitrary.exhaustive(maxNumberOfSamples);
            }
        };
    }

    private static Arbitrary<MqttSn12Message> widen(Arbitrary<? extends MqttSn12Message> arbitrary) {
        return arbitrary.map(MqttSn12Message.class::cast);
    }
}
