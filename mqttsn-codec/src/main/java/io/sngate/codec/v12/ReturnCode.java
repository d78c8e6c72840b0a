package io.sngate.codec.v12;

/** MQTT-SN 1.2 return codes (CONNACK, REGACK, PUBACK, SUBACK, WILLTOPICRESP, WILLMSGRESP). */
public enum ReturnCode {
    ACCEPTED(0x00),
    /** The receiver is congested; the sender waits T_WAIT before trying again. */
    REJECTED_CONGESTION(0x01),
    /** Unknown topic id: a normal id must be registered again; a predefined one cannot be fixed. */
    REJECTED_INVALID_TOPIC_ID(0x02),
    REJECTED_NOT_SUPPORTED(0x03);

    private static final ReturnCode[] BY_CODE = values();

    private final int code;

    ReturnCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The return code with this value, or {@code null} for a reserved value (0x04..0xFF). */
    public static ReturnCode fromCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
