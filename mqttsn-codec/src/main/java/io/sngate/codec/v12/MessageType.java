package io.sngate.codec.v12;

/**
 * MQTT-SN 1.2 message types with their MsgType codes.
 * Note the spec's order: PUBCOMP is 0x0E and PUBREC 0x0F, unlike MQTT.
 */
public enum MessageType {
    ADVERTISE(0x00),
    SEARCHGW(0x01),
    GWINFO(0x02),
    CONNECT(0x04),
    CONNACK(0x05),
    WILLTOPICREQ(0x06),
    WILLTOPIC(0x07),
    WILLMSGREQ(0x08),
    WILLMSG(0x09),
    REGISTER(0x0A),
    REGACK(0x0B),
    PUBLISH(0x0C),
    PUBACK(0x0D),
    PUBCOMP(0x0E),
    PUBREC(0x0F),
    PUBREL(0x10),
    SUBSCRIBE(0x12),
    SUBACK(0x13),
    UNSUBSCRIBE(0x14),
    UNSUBACK(0x15),
    PINGREQ(0x16),
    PINGRESP(0x17),
    DISCONNECT(0x18),
    WILLTOPICUPD(0x1A),
    WILLTOPICRESP(0x1B),
    WILLMSGUPD(0x1C),
    WILLMSGRESP(0x1D),
    /** A forwarder-encapsulated message (0xFE): a framing, unwrapped by {@code ForwarderEncapsulation}. */
    ENCAPSULATED(0xFE);

    private static final MessageType[] BY_CODE = new MessageType[256];

    static {
        for (MessageType type : values()) {
            BY_CODE[type.code] = type;
        }
    }

    private final int code;

    MessageType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type with this code, or {@code null} for a reserved code (0x03, 0x11, 0x19, 0x1E..0xFD, 0xFF). */
    public static MessageType fromCode(int code) {
        return code >= 0 && code < 256 ? BY_CODE[code] : null;
    }
}
