package io.sngate.gateway.it;

/** The MQTT-SN flows in transparent mode against the embedded HiveMQ CE broker (no --broker). */
class EmbeddedBrokerFlowsTest extends ProtocolFlowsContract {

    @Override
    Setup setup() {
        return Setup.TRANSPARENT_EMBEDDED;
    }

    /**
     * Not reliably. The gateway ends a device's broker connection the MQTT 5 way, DISCONNECT 0x00
     * and then closing the TCP connection, before it opens the next one with the same client id
     * (a device's repeated CONNECT, or a will update). HiveMQ CE 2025.5 then sometimes (about 1
     * to 2 in 100 restarts here) keeps the discarded will as pending and publishes it when the
     * next session of that client id ends. Closing the TCP connection a little later (letting the
     * broker close it) made this disappear in the same experiment; mosquitto never does it. So in
     * this set-up the tests do not assert the absence of a replaced will.
     */
    @Override
    boolean brokerForgetsDiscardedWills() {
        return false;
    }
}
