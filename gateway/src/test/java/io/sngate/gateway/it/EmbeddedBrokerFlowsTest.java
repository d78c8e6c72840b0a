package io.sngate.gateway.it;

/** The MQTT-SN flows in transparent mode against the embedded HiveMQ CE broker (no --broker). */
class EmbeddedBrokerFlowsTest extends ProtocolFlowsContract {

    @Override
    Setup setup() {
        return Setup.TRANSPARENT_EMBEDDED;
    }
}
