package io.sngate.gateway.session;

/** Why an upstream request did not succeed; each maps to an MQTT-SN return code. */
public enum DeliveryFailure {
    /** The broker is unreachable or a bound was hit: the device may retry later (rc 0x01). */
    CONGESTION,
    /** The broker refused (not authorised, topic invalid, quota...): rc 0x03. */
    REFUSED
}
