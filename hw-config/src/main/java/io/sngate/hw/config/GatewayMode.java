package io.sngate.hw.config;

/** How the gateway carries device sessions to the broker (spec §4). */
public enum GatewayMode {
    /** One MQTT 5 connection per device, with the device's client id and will. */
    TRANSPARENT,
    /** One shared connection; the gateway keeps subscriptions and wills itself. */
    AGGREGATING
}
