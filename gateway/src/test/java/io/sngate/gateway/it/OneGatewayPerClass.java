package io.sngate.gateway.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * A test class that shares one gateway (transparent, with its own mosquitto) and one Paho
 * observer on the broker among its tests; each test uses topics and client ids of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class OneGatewayPerClass {

    TestGateway gw;
    Observer paho;

    /** The observer's client id at the broker. */
    abstract String observerId();

    @BeforeAll
    void startGateway() throws Exception {
        gw = TestGateway.start(Setup.TRANSPARENT_MOSQUITTO);
        paho = gw.observer(observerId());
    }

    @AfterAll
    void stopGateway() throws Exception {
        if (paho != null) {
            paho.close();
        }
        if (gw != null) {
            gw.close();
        }
    }
}
