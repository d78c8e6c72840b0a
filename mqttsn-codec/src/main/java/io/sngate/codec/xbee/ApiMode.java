package io.sngate.codec.xbee;

/**
 * The two API operating modes of an XBee radio, selected by its {@code AP} parameter.
 *
 * <p>Both carry the same frames. {@code AP=2} additionally escapes the bytes that would
 * otherwise be ambiguous on the line (0x7E start delimiter, 0x7D escape, 0x11 XON,
 * 0x13 XOFF), so that a 0x7E always starts a frame and software flow control can be used.
 * {@code AP=0} is transparent mode, which has no frames and so no value here.
 */
public enum ApiMode {

    /** {@code AP=1}: frames are delimited by their length field only. */
    UNESCAPED(1),

    /** {@code AP=2}: special bytes after the start delimiter are sent as 0x7D, byte XOR 0x20. */
    ESCAPED(2);

    private final int apParameter;

    ApiMode(int apParameter) {
        this.apParameter = apParameter;
    }

    /** The value of the radio's {@code AP} parameter for this mode. */
    public int apParameter() {
        return apParameter;
    }

    /** The mode a radio configured with {@code AP=value} speaks. */
    public static ApiMode fromApParameter(int value) {
        for (ApiMode mode : values()) {
            if (mode.apParameter == value) {
                return mode;
            }
        }
        throw new IllegalArgumentException(value == 0
                ? "AP=0 is transparent mode, which has no API frames"
                : "AP=" + value + " is not an API mode (1 or 2)");
    }
}
