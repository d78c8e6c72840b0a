package io.sngate.hw.xbee;

import io.sngate.codec.xbee.XBeeFrame.AtCommandResponse;

/**
 * The status byte of an AT Command Response (0x88), with a name for the values radios send.
 *
 * @param code the byte as the radio sent it
 */
public record AtStatus(int code) {

    public static final AtStatus OK = new AtStatus(AtCommandResponse.STATUS_OK);

    public AtStatus {
        if (code < 0 || code > 0xFF) {
            throw new IllegalArgumentException("status must be one byte: " + code);
        }
    }

    public boolean ok() {
        return code == AtCommandResponse.STATUS_OK;
    }

    /** E.g. {@code "status 3 (invalid parameter)"}; unknown codes are shown as sent. */
    public String describe() {
        String name = switch (code) {
            case AtCommandResponse.STATUS_OK -> "OK";
            case AtCommandResponse.STATUS_ERROR -> "ERROR";
            case AtCommandResponse.STATUS_INVALID_COMMAND -> "invalid command";
            case AtCommandResponse.STATUS_INVALID_PARAMETER -> "invalid parameter";
            case AtCommandResponse.STATUS_TX_FAILURE -> "tx failure";
            default -> null;
        };
        return name == null ? String.format("unknown status 0x%02X", code) : "status " + code + " (" + name + ")";
    }

    @Override
    public String toString() {
        return describe();
    }
}
