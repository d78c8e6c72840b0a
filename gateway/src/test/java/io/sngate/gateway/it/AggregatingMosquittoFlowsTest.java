package io.sngate.gateway.it;

/** The MQTT-SN flows in aggregating mode (one shared broker connection) against mosquitto. */
class AggregatingMosquittoFlowsTest extends ProtocolFlowsContract {

    @Override
    Setup setup() {
        return Setup.AGGREGATING_MOSQUITTO;
    }
}
