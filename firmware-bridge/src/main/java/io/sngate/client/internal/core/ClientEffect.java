package io.sngate.client.internal.core;

import io.sngate.client.ClientState;
import io.sngate.client.LinkAddress;
import io.sngate.client.Outcome;
import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.MqttSn12Message;

/**
 * What the client core asks its driver to do ({@link Send}, {@link Broadcast}) or tell the
 * application (the others, which the API turns into outcomes and {@code ClientEvent}s).
 */
public sealed interface ClientEffect {

    /** Send to the gateway the client uses. */
    record Send(MqttSn12Message message) implements ClientEffect {
    }

    /** Send to everyone the link reaches (SEARCHGW, a client's GWINFO). */
    record Broadcast(MqttSn12Message message, int radius) implements ClientEffect {
    }

    /** Request {@code requestId} has ended. */
    record Completed(long requestId, Outcome outcome) implements ClientEffect {
    }

    /** A message from a subscription (delivered once, even for QoS 2 resends). */
    record MessageReceived(String topic, Bytes payload, QoS qos, boolean retain) implements ClientEffect {
    }

    record StateChanged(ClientState from, ClientState to, String reason) implements ClientEffect {
    }

    /** A gateway answered SEARCHGW or advertised itself; {@code address} is the link's. */
    record GatewayFound(int gwId, LinkAddress address) implements ClientEffect {
    }

    /** A gateway missed its advertisements (N_ADV periods). */
    record GatewayLost(int gwId) implements ClientEffect {
    }
}
