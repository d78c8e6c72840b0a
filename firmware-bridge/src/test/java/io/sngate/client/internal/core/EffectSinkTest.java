package io.sngate.client.internal.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sngate.client.ClientState;
import io.sngate.client.LinkAddress;
import io.sngate.client.Outcome;
import io.sngate.client.Topic;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.SearchGw;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The one effect sink of a client core: binding per input, the announced state, the time of the last send. */
class EffectSinkTest extends PartFixture {

    private static final LinkAddress GW = udp("192.0.2.1", 1);

    @Test
    void theStateStartsDisconnectedAndOnlyRealChangesAreAnnounced() {
        assertThat(sink.state()).isEqualTo(ClientState.DISCONNECTED);

        sink.changeState(ClientState.CONNECTING, "connect requested");
        sink.changeState(ClientState.CONNECTING, "again");
        sink.changeState(ClientState.ACTIVE, "connected");

        assertThat(drain()).containsExactly(
                changed(ClientState.DISCONNECTED, ClientState.CONNECTING, "connect requested"),
                changed(ClientState.CONNECTING, ClientState.ACTIVE, "connected"));
        assertThat(sink.state()).isEqualTo(ClientState.ACTIVE);
    }

    @Test
    void sendingToTheGatewayIsTimedButBroadcastsAreNot() {
        assertThat(sink.lastSent()).isZero();

        sink.send(PingReq.PLAIN, now);
        advance(700);
        sink.broadcast(new SearchGw(1), 1);

        assertThat(sink.lastSent()).isEqualTo(START);
        assertThat(drain()).containsExactly(send(PingReq.PLAIN), new ClientEffect.Broadcast(new SearchGw(1), 1));
    }

    @Test
    void theCoresOwnExchangesCompleteSilently() {
        sink.complete(0, Outcome.ok());
        sink.complete(9, Outcome.failed(Outcome.Status.NOT_CONNECTED, "why"));

        assertThat(drain()).containsExactly(completed(9, Outcome.failed(Outcome.Status.NOT_CONNECTED, "why")));
    }

    @Test
    void informingEffectsKeepTheirVocabulary() {
        sink.deliver("a/b", bytes("x"), QoS.AT_LEAST_ONCE, true);
        sink.gatewayFound(4, GW);
        sink.gatewayLost(4);

        assertThat(drain()).containsExactly(
                new ClientEffect.MessageReceived("a/b", bytes("x"), QoS.AT_LEAST_ONCE, true),
                new ClientEffect.GatewayFound(4, GW),
                new ClientEffect.GatewayLost(4));
    }

    @Test
    void anEffectOutsideAnInputIsABug() {
        EffectSink unbound = new EffectSink();

        assertThatThrownBy(() -> unbound.send(PingReq.PLAIN, now)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void bindingHandsBackThePreviousTarget() {
        EffectSink fresh = new EffectSink();
        List<ClientEffect> outer = new ArrayList<>();
        List<ClientEffect> inner = new ArrayList<>();

        Consumer<ClientEffect> none = fresh.bind(outer::add);
        fresh.send(PingReq.PLAIN, now);
        Consumer<ClientEffect> back = fresh.bind(inner::add);
        fresh.complete(1, Outcome.ok());
        fresh.bind(back);
        fresh.complete(2, Outcome.ok());
        fresh.bind(none);

        assertThat(outer).containsExactly(send(PingReq.PLAIN), completed(2, Outcome.ok()));
        assertThat(inner).containsExactly(completed(1, Outcome.ok()));
        assertThatThrownBy(() -> fresh.complete(3, Outcome.ok())).isInstanceOf(IllegalStateException.class);
    }

    /** Through the façade: an input a driver starts from within a callback gets its own effects. */
    @Test
    void anInputStartedFromACallbackGetsItsOwnEffects() {
        ClientCore core = new ClientCore(config, new Random(1));
        List<ClientEffect> outer = new ArrayList<>();
        List<ClientEffect> inner = new ArrayList<>();
        long connect = core.connect(true, Optional.empty(), now, effect -> { });
        Consumer<ClientEffect> driver = effect -> {
            outer.add(effect);
            if (effect instanceof ClientEffect.Completed done && done.requestId() == connect) {
                core.publish(Topic.shortName("ab"), bytes("x"), QoS.AT_MOST_ONCE, false, now, inner::add);
            }
        };

        core.onPacket(new ConnAck(ReturnCode.ACCEPTED), GW, now, driver);

        assertThat(outer).containsExactly(
                changed(ClientState.CONNECTING, ClientState.ACTIVE, "connected"),
                completed(connect, Outcome.ok()));
        assertThat(inner).hasSize(2).first().isInstanceOf(ClientEffect.Send.class);
        assertThat(inner.get(1)).isInstanceOf(ClientEffect.Completed.class);
    }
}
