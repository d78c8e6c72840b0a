package io.sngate.client;

import java.util.Objects;

/**
 * What happens to a client, in the order it happens, for {@link MqttSnClient#onEvent}: its state
 * changes ({@link StateChange}: {@link Connected}, {@link Lost}, {@link Asleep}...), gateways found
 * and lost, and messages received.
 *
 * <pre>
 * client.onEvent(event -&gt; {
 *     if (event instanceof ClientEvent.Lost lost) {
 *         System.out.println("gateway lost: " + lost.reason());
 *     } else if (event instanceof ClientEvent.GatewayFound found) {
 *         System.out.println("gateway " + found.gatewayId() + " at " + found.address());
 *     }
 * });
 * </pre>
 */
public sealed interface ClientEvent {

    /** The client moved to {@link #state()} from {@link #from()}. */
    sealed interface StateChange extends ClientEvent {

        /** The state before. */
        ClientState from();

        /** The state now. */
        ClientState state();

        /** Why, in words (e.g. {@code "no answer to PINGREQ"}). */
        String reason();

        /** The event for a move from {@code from} to {@code to}. */
        static StateChange of(ClientState from, ClientState to, String reason) {
            return switch (to) {
                case SEARCHING -> new Searching(from, reason);
                case CONNECTING -> new Connecting(from, reason);
                case ACTIVE -> new Connected(from, reason);
                case ASLEEP -> new Asleep(from, reason);
                case AWAKE -> new Awake(from, reason);
                case DISCONNECTED -> new Disconnected(from, reason);
                case LOST -> new Lost(from, reason);
            };
        }
    }

    /** Looking for a gateway ({@link MqttSnClient#searchGateway}). */
    record Searching(ClientState from, String reason) implements StateChange {
        @Override
        public ClientState state() {
            return ClientState.SEARCHING;
        }
    }

    /** CONNECT sent, waiting for the gateway's CONNACK. */
    record Connecting(ClientState from, String reason) implements StateChange {
        @Override
        public ClientState state() {
            return ClientState.CONNECTING;
        }
    }

    /** The gateway accepted the CONNECT: the client is {@link ClientState#ACTIVE}. */
    record Connected(ClientState from, String reason) implements StateChange {
        @Override
        public ClientState state() {
            return ClientState.ACTIVE;
        }
    }

    /** The gateway confirmed the client's sleep: it buffers messages until the client wakes. */
    record Asleep(ClientState from, String reason) implements StateChange {
        @Override
        public ClientState state() {
            return ClientState.ASLEEP;
        }
    }

    /** Awake to fetch what the gateway buffered ({@link MqttSnClient#wake}). */
    record Awake(ClientState from, String reason) implements StateChange {
        @Override
        public ClientState state() {
            return ClientState.AWAKE;
        }
    }

    /** Disconnected on purpose, the connection refused, or a search that found a gateway. */
    record Disconnected(ClientState from, String reason) implements StateChange {
        @Override
        public ClientState state() {
            return ClientState.DISCONNECTED;
        }
    }

    /**
     * The gateway is gone: it stopped answering (retries or keep-alive exhausted) or sent an
     * unasked DISCONNECT. Requests waiting fail; connect again.
     */
    record Lost(ClientState from, String reason) implements StateChange {
        @Override
        public ClientState state() {
            return ClientState.LOST;
        }
    }

    /** A gateway answered a search or advertised itself (spec §6.1). */
    record GatewayFound(int gatewayId, LinkAddress address) implements ClientEvent {
        /** Checks the address is there. */
        public GatewayFound {
            Objects.requireNonNull(address, "address");
        }
    }

    /** A gateway that advertised itself missed its advertisements (N_ADV periods). */
    record GatewayLost(int gatewayId) implements ClientEvent {
    }

    /** A message from a subscription (once, even when the gateway resends a QoS 2 one). */
    record MessageReceived(MqttSnClient.Message message) implements ClientEvent {
        /** Checks the message is there. */
        public MessageReceived {
            Objects.requireNonNull(message, "message");
        }
    }
}
