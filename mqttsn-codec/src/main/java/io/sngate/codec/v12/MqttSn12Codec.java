package io.sngate.codec.v12;

import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.DecodeException.Reason;
import io.sngate.codec.MqttSnCodec;
import io.sngate.codec.QoS;
import java.util.OptionalInt;

/**
 * The MQTT-SN 1.2 codec.
 *
 * <p>Decoding is strict about structure and tolerant about what 1.2 leaves open:
 * <ul>
 *   <li>the Length field must equal the number of bytes given (trailing bytes are an error,
 *       so a datagram carries exactly one packet);</li>
 *   <li>both length forms are accepted, including the 3-byte form for small packets;</li>
 *   <li>flag bits a packet does not use are ignored, as 1.2 asks;</li>
 *   <li>errors: reserved message types (and the forwarder encapsulation 0xFE, which is a
 *       framing), return codes 0x04..0xFF, topic id type 0b11 in PUBLISH, QoS -1 in WILLTOPIC
 *       and WILLTOPICUPD, an empty topic name in REGISTER, SUBSCRIBE and UNSUBSCRIBE, a predefined
 *       id or short name that is not exactly 2 bytes, a packet shorter than its fixed fields, a
 *       fixed-size packet of another size, a DISCONNECT body of other than 0 or 2 bytes;</li>
 *   <li>not errors, because real clients send them and a gateway must answer rather than stay
 *       silent: CONNECT with an empty client id ({@link Connect#clientId()} is then empty),
 *       SUBSCRIBE with QoS bits 0b11 ({@link QoS#MINUS_ONE}), and SUBSCRIBE or UNSUBSCRIBE with
 *       topic id type 0b11 ({@link TopicRef.Reserved}, holding the raw rest of the packet).</li>
 * </ul>
 * Encoding is canonical: the 1-byte length form whenever the packet fits 255 bytes, unused
 * flag bits 0. So encoding a decoded canonical packet gives back the same bytes, and for any
 * input that decodes, decode(encode(decode(x))) equals decode(x).
 */
public final class MqttSn12Codec implements MqttSnCodec<MqttSn12Message> {

    public static final MqttSn12Codec INSTANCE = new MqttSn12Codec();

    /** The largest packet the 3-byte length form can describe. */
    public static final int MAX_PACKET_LENGTH = 0xFFFF;

    private static final int DUP = 0x80;
    private static final int RETAIN = 0x10;
    private static final int WILL = 0x08;
    private static final int CLEAN_SESSION = 0x04;
    private static final int QOS_SHIFT = 5;

    private MqttSn12Codec() {
    }

    // ---------------------------------------------------------------- decoding

    @Override
    public MqttSn12Message decode(byte[] in, int offset, int length) throws DecodeException {
        if (offset < 0 || length < 0 || offset > in.length - length) {
            throw new IndexOutOfBoundsException("range outside the input array"); // caller bug, not input
        }
        if (length < 2) {
            throw new DecodeException("HEADER", "Length", 0, Reason.TRUNCATED,
                    "datagram of " + length + " byte(s) is shorter than the 2-byte header");
        }
        int first = in[offset] & 0xFF;
        int total;
        int header;
        if (first == 0x01) {
            if (length < 4) {
                throw new DecodeException("HEADER", "Length", 0, Reason.TRUNCATED,
                        "3-byte length form needs a 4-byte header but datagram has " + length + " bytes");
            }
            total = (in[offset + 1] & 0xFF) << 8 | (in[offset + 2] & 0xFF);
            header = 4;
        } else {
            total = first;
            header = 2;
        }
        int code = in[offset + header - 1] & 0xFF;
        MessageType type = MessageType.fromCode(code);
        String name = type != null ? type.name() : String.format("TYPE 0x%02X", code);
        if (first == 0x00) {
            throw new DecodeException(name, "Length", 0, Reason.INVALID_FIELD, "length 0 is not a valid length");
        }
        if (header == 4 && total < 4) {
            throw new DecodeException(name, "Length", 0, Reason.INVALID_FIELD,
                    "3-byte length " + total + " is less than its own 4-byte header");
        }
        if (type == MessageType.ENCAPSULATED) {
            // Its Length counts only the wrapper, so the length check below would misreport it.
            throw new DecodeException(name, "MsgType", header - 1, Reason.UNKNOWN_TYPE,
                    "a forwarder-encapsulated frame is not a packet: unwrap it with ForwarderEncapsulation");
        }
        if (total != length) {
            throw new DecodeException(name, "Length", 0, Reason.LENGTH_MISMATCH,
                    "length " + total + " but datagram has " + length + " bytes");
        }
        if (type == null) {
            throw new DecodeException(name, "MsgType", header - 1, Reason.UNKNOWN_TYPE,
                    String.format("message type 0x%02X is reserved", code));
        }
        Body body = new Body(in, offset, offset + header, offset + length, type);
        return switch (type) {
            case ADVERTISE -> {
                body.exactly(3);
                yield new Advertise(body.u8(), body.u16());
            }
            case SEARCHGW -> {
                body.exactly(1);
                yield new SearchGw(body.u8());
            }
            case GWINFO -> {
                body.atLeast(1, "GwId");
                yield new GwInfo(body.u8(), body.rest());
            }
            case CONNECT -> decodeConnect(body);
            case CONNACK -> {
                body.exactly(1);
                yield new ConnAck(body.returnCode());
            }
            case WILLTOPICREQ -> {
                body.exactly(0);
                yield WillTopicReq.INSTANCE;
            }
            case WILLMSGREQ -> {
                body.exactly(0);
                yield WillMsgReq.INSTANCE;
            }
            case PINGRESP -> {
                body.exactly(0);
                yield PingResp.INSTANCE;
            }
            case WILLTOPIC -> {
                WillTopicFields f = decodeWillTopic(body);
                yield f == null ? WillTopic.EMPTY : new WillTopic(f.qos, f.retain, f.topic);
            }
            case WILLTOPICUPD -> {
                WillTopicFields f = decodeWillTopic(body);
                yield f == null ? WillTopicUpd.EMPTY : new WillTopicUpd(f.qos, f.retain, f.topic);
            }
            case WILLMSG -> new WillMsg(body.rest());
            case WILLMSGUPD -> new WillMsgUpd(body.rest());
            case WILLTOPICRESP -> new WillTopicResp(decodeOptionalReturnCode(body));
            case WILLMSGRESP -> new WillMsgResp(decodeOptionalReturnCode(body));
            case REGISTER -> {
                body.atLeast(4, "MsgId");
                int topicId = body.u16();
                int msgId = body.u16();
                yield new Register(topicId, msgId, body.nonEmptyRest("TopicName", "topic name is empty"));
            }
            case REGACK -> {
                body.exactly(5);
                yield new RegAck(body.u16(), body.u16(), body.returnCode());
            }
            case PUBLISH -> decodePublish(body);
            case PUBACK -> {
                body.exactly(5);
                yield new PubAck(body.u16(), body.u16(), body.returnCode());
            }
            case PUBREC -> {
                body.exactly(2);
                yield new PubRec(body.u16());
            }
            case PUBREL -> {
                body.exactly(2);
                yield new PubRel(body.u16());
            }
            case PUBCOMP -> {
                body.exactly(2);
                yield new PubComp(body.u16());
            }
            case UNSUBACK -> {
                body.exactly(2);
                yield new UnsubAck(body.u16());
            }
            case SUBSCRIBE -> {
                body.atLeast(3, "MsgId");
                int flags = body.u8();
                int msgId = body.u16();
                yield new Subscribe((flags & DUP) != 0, QoS.fromBits(flags >>> QOS_SHIFT), msgId,
                        decodeTopicRef(body, flags));
            }
            case UNSUBSCRIBE -> {
                body.atLeast(3, "MsgId");
                int flags = body.u8();
                int msgId = body.u16();
                yield new Unsubscribe(msgId, decodeTopicRef(body, flags));
            }
            case SUBACK -> {
                body.exactly(6);
                int flags = body.u8();
                yield new SubAck(QoS.fromBits(flags >>> QOS_SHIFT), body.u16(), body.u16(), body.returnCode());
            }
            case PINGREQ -> new PingReq(body.rest());
            case DISCONNECT -> {
                int size = body.remaining();
                if (size == 0) {
                    yield Disconnect.PLAIN;
                }
                if (size != 2) {
                    throw body.error("Duration", 0, size < 2 ? Reason.TRUNCATED : Reason.LENGTH_MISMATCH,
                            "DISCONNECT carries 0 or 2 bytes after the header, not " + size);
                }
                yield new Disconnect(OptionalInt.of(body.u16()));
            }
            case ENCAPSULATED -> throw new AssertionError("rejected above");
        };
    }

    private static Connect decodeConnect(Body body) throws DecodeException {
        body.atLeast(4, "Duration");
        int flags = body.u8();
        int protocolId = body.u8();
        int keepAlive = body.u16();
        Bytes clientId = body.rest();
        return new Connect((flags & WILL) != 0, (flags & CLEAN_SESSION) != 0, protocolId, keepAlive, clientId);
    }

    private static Publish decodePublish(Body body) throws DecodeException {
        body.atLeast(5, "MsgId");
        int flags = body.u8();
        TopicIdType topicIdType = body.topicIdType(flags);
        int topicId = body.u16();
        int msgId = body.u16();
        return new Publish((flags & DUP) != 0, QoS.fromBits(flags >>> QOS_SHIFT), (flags & RETAIN) != 0,
                topicIdType, topicId, msgId, body.rest());
    }

    private record WillTopicFields(QoS qos, boolean retain, Bytes topic) {
    }

    /** Null for the empty form: no flags and no topic, or flags with nothing after them. */
    private static WillTopicFields decodeWillTopic(Body body) throws DecodeException {
        if (body.remaining() == 0) {
            return null;
        }
        int flags = body.u8();
        QoS qos = QoS.fromBits(flags >>> QOS_SHIFT);
        if (qos == QoS.MINUS_ONE) {
            throw body.error("Flags.QoS", -1, Reason.INVALID_FIELD, "will QoS -1 is meaningless");
        }
        Bytes topic = body.rest();
        return topic.isEmpty() ? null : new WillTopicFields(qos, (flags & RETAIN) != 0, topic);
    }

    private static ReturnCode decodeOptionalReturnCode(Body body) throws DecodeException {
        if (body.remaining() == 0) {
            return ReturnCode.ACCEPTED; // pre-1.2 peers send no return code
        }
        body.exactly(1);
        return body.returnCode();
    }

    /** The topic of a SUBSCRIBE or UNSUBSCRIBE whose flags byte is {@code flags}; the cursor is after MsgId. */
    private static TopicRef decodeTopicRef(Body body, int flags) throws DecodeException {
        TopicIdType topicIdType = TopicIdType.fromBits(flags);
        if (topicIdType == null) {
            return new TopicRef.Reserved(body.rest()); // 1.2 gives 0b11 no shape: keep the bytes as they came
        }
        if (topicIdType == TopicIdType.NORMAL) {
            return new TopicRef.Name(body.nonEmptyRest("TopicName", "topic name is empty"));
        }
        String field = topicIdType == TopicIdType.PREDEFINED ? "TopicId" : "ShortTopicName";
        if (body.remaining() != 2) {
            throw body.error(field, 0, body.remaining() < 2 ? Reason.TRUNCATED : Reason.LENGTH_MISMATCH,
                    field + " takes 2 bytes, packet has " + body.remaining());
        }
        int value = body.u16();
        return topicIdType == TopicIdType.PREDEFINED ? new TopicRef.Predefined(value) : new TopicRef.ShortName(value);
    }

    /** A cursor over a packet's body that reports problems with the packet's name and offsets. */
    private static final class Body {
        private final byte[] in;
        private final int packetStart;
        private final int end;
        private final MessageType type;
        private int pos;

        Body(byte[] in, int packetStart, int bodyStart, int end, MessageType type) {
            this.in = in;
            this.packetStart = packetStart;
            this.pos = bodyStart;
            this.end = end;
            this.type = type;
        }

        int remaining() {
            return end - pos;
        }

        void exactly(int bytes) throws DecodeException {
            int size = remaining();
            if (size != bytes) {
                int expected = pos - packetStart + bytes;
                throw error("Length", -(pos - packetStart), size < bytes ? Reason.TRUNCATED : Reason.LENGTH_MISMATCH,
                        type.name() + " is " + expected + " bytes, packet has " + (end - packetStart));
            }
        }

        void atLeast(int bytes, String lastField) throws DecodeException {
            if (remaining() < bytes) {
                throw error(lastField, 0, Reason.TRUNCATED, "packet of " + (end - packetStart)
                        + " bytes ends before " + lastField);
            }
        }

        int u8() {
            return in[pos++] & 0xFF;
        }

        int u16() {
            int value = (in[pos] & 0xFF) << 8 | (in[pos + 1] & 0xFF);
            pos += 2;
            return value;
        }

        Bytes rest() {
            Bytes bytes = Bytes.wrap(in, pos, end - pos);
            pos = end;
            return bytes;
        }

        Bytes nonEmptyRest(String field, String detail) throws DecodeException {
            if (pos == end) {
                throw error(field, 0, Reason.INVALID_FIELD, detail);
            }
            return rest();
        }

        ReturnCode returnCode() throws DecodeException {
            int code = u8();
            ReturnCode rc = ReturnCode.fromCode(code);
            if (rc == null) {
                throw error("ReturnCode", -1, Reason.RESERVED_VALUE, String.format("return code 0x%02X is reserved", code));
            }
            return rc;
        }

        /** The topic id type of a flags byte just read. */
        TopicIdType topicIdType(int flags) throws DecodeException {
            TopicIdType t = TopicIdType.fromBits(flags);
            if (t == null) {
                throw error("Flags.TopicIdType", -1, Reason.RESERVED_VALUE, "topic id type 0b11 is reserved");
            }
            return t;
        }

        /** An error about the field at the cursor moved by {@code delta} bytes. */
        DecodeException error(String field, int delta, Reason reason, String detail) {
            return new DecodeException(type.name(), field, pos - packetStart + delta, reason, detail);
        }
    }

    // ---------------------------------------------------------------- encoding

    @Override
    public int encodedLength(MqttSn12Message message) {
        return totalLength(bodyLength(message));
    }

    @Override
    public int encode(MqttSn12Message message, byte[] out, int offset) {
        int bodyLength = bodyLength(message);
        int total = totalLength(bodyLength);
        if (offset < 0 || offset > out.length - total) {
            throw new IndexOutOfBoundsException("packet of " + total + " bytes does not fit at " + offset);
        }
        int p = offset;
        if (total <= 0xFF) {
            out[p++] = (byte) total;
        } else {
            out[p++] = 0x01;
            p = put16(out, p, total);
        }
        out[p++] = (byte) message.type().code();
        switch (message.type()) {
            case ADVERTISE -> {
                Advertise m = (Advertise) message;
                out[p++] = (byte) m.gwId();
                p = put16(out, p, m.duration());
            }
            case SEARCHGW -> out[p++] = (byte) ((SearchGw) message).radius();
            case GWINFO -> {
                GwInfo m = (GwInfo) message;
                out[p++] = (byte) m.gwId();
                p = put(out, p, m.gwAddress());
            }
            case CONNECT -> {
                Connect m = (Connect) message;
                out[p++] = (byte) ((m.will() ? WILL : 0) | (m.cleanSession() ? CLEAN_SESSION : 0));
                out[p++] = (byte) m.protocolId();
                p = put16(out, p, m.keepAlive());
                p = put(out, p, m.clientId());
            }
            case CONNACK -> out[p++] = (byte) ((ConnAck) message).returnCode().code();
            case WILLTOPICREQ, WILLMSGREQ, PINGRESP -> {
                // header only
            }
            case WILLTOPIC -> {
                WillTopic m = (WillTopic) message;
                p = putWillTopic(out, p, m.qos(), m.retain(), m.willTopic());
            }
            case WILLTOPICUPD -> {
                WillTopicUpd m = (WillTopicUpd) message;
                p = putWillTopic(out, p, m.qos(), m.retain(), m.willTopic());
            }
            case WILLMSG -> p = put(out, p, ((WillMsg) message).willMessage());
            case WILLMSGUPD -> p = put(out, p, ((WillMsgUpd) message).willMessage());
            case WILLTOPICRESP -> out[p++] = (byte) ((WillTopicResp) message).returnCode().code();
            case WILLMSGRESP -> out[p++] = (byte) ((WillMsgResp) message).returnCode().code();
            case REGISTER -> {
                Register m = (Register) message;
                p = put16(out, p, m.topicId());
                p = put16(out, p, m.msgId());
                p = put(out, p, m.topicName());
            }
            case REGACK -> {
                RegAck m = (RegAck) message;
                p = put16(out, p, m.topicId());
                p = put16(out, p, m.msgId());
                out[p++] = (byte) m.returnCode().code();
            }
            case PUBLISH -> {
                Publish m = (Publish) message;
                out[p++] = (byte) ((m.dup() ? DUP : 0) | m.qos().bits() << QOS_SHIFT | (m.retain() ? RETAIN : 0)
                        | m.topicIdType().bits());
                p = put16(out, p, m.topicId());
                p = put16(out, p, m.msgId());
                p = put(out, p, m.data());
            }
            case PUBACK -> {
                PubAck m = (PubAck) message;
                p = put16(out, p, m.topicId());
                p = put16(out, p, m.msgId());
                out[p++] = (byte) m.returnCode().code();
            }
            case PUBREC -> p = put16(out, p, ((PubRec) message).msgId());
            case PUBREL -> p = put16(out, p, ((PubRel) message).msgId());
            case PUBCOMP -> p = put16(out, p, ((PubComp) message).msgId());
            case UNSUBACK -> p = put16(out, p, ((UnsubAck) message).msgId());
            case SUBSCRIBE -> {
                Subscribe m = (Subscribe) message;
                out[p++] = (byte) ((m.dup() ? DUP : 0) | m.qos().bits() << QOS_SHIFT | m.topic().topicIdType().bits());
                p = put16(out, p, m.msgId());
                p = putTopicRef(out, p, m.topic());
            }
            case UNSUBSCRIBE -> {
                Unsubscribe m = (Unsubscribe) message;
                out[p++] = (byte) m.topic().topicIdType().bits();
                p = put16(out, p, m.msgId());
                p = putTopicRef(out, p, m.topic());
            }
            case SUBACK -> {
                SubAck m = (SubAck) message;
                out[p++] = (byte) (m.grantedQos().bits() << QOS_SHIFT);
                p = put16(out, p, m.topicId());
                p = put16(out, p, m.msgId());
                out[p++] = (byte) m.returnCode().code();
            }
            case PINGREQ -> p = put(out, p, ((PingReq) message).clientId());
            case DISCONNECT -> {
                OptionalInt duration = ((Disconnect) message).duration();
                if (duration.isPresent()) {
                    p = put16(out, p, duration.getAsInt());
                }
            }
            case ENCAPSULATED -> throw new AssertionError("no 1.2 message has type ENCAPSULATED");
        }
        assert p - offset == total : message.type() + " wrote " + (p - offset) + " of " + total;
        return total;
    }

    private static int bodyLength(MqttSn12Message message) {
        return switch (message.type()) {
            case ADVERTISE -> 3;
            case SEARCHGW, CONNACK, WILLTOPICRESP, WILLMSGRESP -> 1;
            case GWINFO -> 1 + ((GwInfo) message).gwAddress().length();
            case CONNECT -> 4 + ((Connect) message).clientId().length();
            case WILLTOPICREQ, WILLMSGREQ, PINGRESP -> 0;
            case WILLTOPIC -> willTopicLength(((WillTopic) message).willTopic());
            case WILLTOPICUPD -> willTopicLength(((WillTopicUpd) message).willTopic());
            case WILLMSG -> ((WillMsg) message).willMessage().length();
            case WILLMSGUPD -> ((WillMsgUpd) message).willMessage().length();
            case REGISTER -> 4 + ((Register) message).topicName().length();
            case REGACK, PUBACK -> 5;
            case PUBLISH -> 5 + ((Publish) message).data().length();
            case PUBREC, PUBREL, PUBCOMP, UNSUBACK -> 2;
            case SUBSCRIBE -> 3 + topicRefLength(((Subscribe) message).topic());
            case UNSUBSCRIBE -> 3 + topicRefLength(((Unsubscribe) message).topic());
            case SUBACK -> 6;
            case PINGREQ -> ((PingReq) message).clientId().length();
            case DISCONNECT -> ((Disconnect) message).duration().isPresent() ? 2 : 0;
            case ENCAPSULATED -> throw new AssertionError("no 1.2 message has type ENCAPSULATED");
        };
    }

    private static int totalLength(int bodyLength) {
        if (bodyLength + 2 <= 0xFF) {
            return bodyLength + 2;
        }
        int total = bodyLength + 4;
        if (total > MAX_PACKET_LENGTH) {
            throw new IllegalArgumentException(
                    "packet of " + total + " bytes exceeds the MQTT-SN maximum of " + MAX_PACKET_LENGTH);
        }
        return total;
    }

    private static int willTopicLength(Bytes willTopic) {
        return willTopic.isEmpty() ? 0 : 1 + willTopic.length();
    }

    private static int topicRefLength(TopicRef topic) {
        if (topic instanceof TopicRef.Name name) {
            return name.name().length();
        }
        if (topic instanceof TopicRef.Reserved reserved) {
            return reserved.field().length();
        }
        return 2;
    }

    private static int putWillTopic(byte[] out, int p, QoS qos, boolean retain, Bytes willTopic) {
        if (willTopic.isEmpty()) {
            return p;
        }
        out[p++] = (byte) (qos.bits() << QOS_SHIFT | (retain ? RETAIN : 0));
        return put(out, p, willTopic);
    }

    private static int putTopicRef(byte[] out, int p, TopicRef topic) {
        if (topic instanceof TopicRef.Name name) {
            return put(out, p, name.name());
        }
        if (topic instanceof TopicRef.Predefined predefined) {
            return put16(out, p, predefined.topicId());
        }
        if (topic instanceof TopicRef.ShortName shortName) {
            return put16(out, p, shortName.value());
        }
        if (topic instanceof TopicRef.Reserved reserved) {
            return put(out, p, reserved.field());
        }
        throw new AssertionError("TopicRef is sealed: " + topic);
    }

    private static int put16(byte[] out, int p, int value) {
        out[p] = (byte) (value >>> 8);
        out[p + 1] = (byte) value;
        return p + 2;
    }

    private static int put(byte[] out, int p, Bytes bytes) {
        bytes.copyTo(out, p);
        return p + bytes.length();
    }
}
