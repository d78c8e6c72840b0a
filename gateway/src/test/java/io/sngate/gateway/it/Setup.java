package io.sngate.gateway.it;

import io.sngate.hw.config.GatewayMode;

/** The set-ups the protocol flows run in: which mode, and which broker the gateway talks to. */
enum Setup {
    /** One MQTT 5 connection per device, to a real mosquitto. */
    TRANSPARENT_MOSQUITTO(GatewayMode.TRANSPARENT, true),
    /** One shared MQTT 5 connection for every device, to a real mosquitto. */
    AGGREGATING_MOSQUITTO(GatewayMode.AGGREGATING, true),
    /** One MQTT 5 connection per device, to the embedded HiveMQ CE broker (no --broker). */
    TRANSPARENT_EMBEDDED(GatewayMode.TRANSPARENT, false);

    final GatewayMode mode;
    final boolean mosquitto;

    Setup(GatewayMode mode, boolean mosquitto) {
        this.mode = mode;
        this.mosquitto = mosquitto;
    }

    /** A short tag for client ids and topics. */
    String tag() {
        return switch (this) {
            case TRANSPARENT_MOSQUITTO -> "tm";
            case AGGREGATING_MOSQUITTO -> "am";
            case TRANSPARENT_EMBEDDED -> "te";
        };
    }
}
