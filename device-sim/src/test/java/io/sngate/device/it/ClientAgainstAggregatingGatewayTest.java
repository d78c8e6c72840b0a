package io.sngate.device.it;

import io.sngate.hw.config.GatewayMode;

/**
 * The client tests against the gateway in aggregating mode: one shared broker connection,
 * subscriptions fanned out and wills published by the gateway itself.
 */
class ClientAgainstAggregatingGatewayTest extends ClientAgainstGatewayTest {

    @Override
    GatewayMode mode() {
        return GatewayMode.AGGREGATING;
    }

    @Override
    String prefix() {
        return "a";
    }
}
