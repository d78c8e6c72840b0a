package io.sngate.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.gateway.Metrics;
import io.sngate.gateway.SessionUpstream;
import io.sngate.gateway.session.DeliveryFailure;
import io.sngate.gateway.session.UpstreamConnect;
import io.sngate.gateway.session.UpstreamEvent;
import io.sngate.gateway.session.Will;
import io.sngate.gateway.upstream.FakeUpstreamConnection.Acknowledge;
import io.sngate.gateway.upstream.FakeUpstreamConnection.Call;
import io.sngate.gateway.upstream.FakeUpstreamConnection.Close;
import io.sngate.gateway.upstream.FakeUpstreamConnection.Connect;
import io.sngate.gateway.upstream.FakeUpstreamConnection.Publish;
import io.sngate.gateway.upstream.FakeUpstreamConnection.Release;
import io.sngate.gateway.upstream.FakeUpstreamConnection.Subscribe;
import io.sngate.gateway.upstream.FakeUpstreamConnection.Unsubscribe;
import io.sngate.hw.ReconnectBackoff;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Aggregating mode without sockets: devices' requests are queued on an embedded event loop and
 * run when the test says so, the broker's side is played through the fake shared connection,
 * and the retained-message window runs on the loop's frozen clock.
 */
class AggregatingUpstreamTest {

    private static final UpstreamSettings SETTINGS = new UpstreamSettings("broker.test", 1883, Optional.empty(),
            Optional.empty(), 60, 64, ReconnectBackoff.defaults(), 3);

    private final EmbeddedChannel loopChannel = new EmbeddedChannel();
    private final EventLoop loop = loopChannel.eventLoop();
    private final Metrics metrics = new Metrics();
    private final FakeUpstreamConnection.Factory connections = new FakeUpstreamConnection.Factory()
            .answeringConnectWith(new UpstreamEvent.Connected(false));
    private AggregatingUpstream upstream;
    private FakeUpstreamConnection shared;

    /** One device: its session's events, in order. */
    private final class Device {
        final List<UpstreamEvent> events = new ArrayList<>();
        final SessionUpstream upstream;

        Device(String clientId) {
            this.upstream = AggregatingUpstreamTest.this.upstream.create(clientId, loop, events::add);
        }

        List<UpstreamEvent> take() {
            List<UpstreamEvent> taken = List.copyOf(events);
            events.clear();
            return taken;
        }
    }

    @BeforeEach
    void start() {
        // Time moves only when the test advances it: the 5 s retained window is exact.
        loopChannel.freezeTime();
        upstream = AggregatingUpstream.start(loop, SETTINGS, metrics, connections);
        shared = connections.last();
        shared.takeCalls();
    }

    @AfterEach
    void closeLoop() {
        loopChannel.finishAndReleaseAll();
    }

    /** Runs what the devices' calls queued on the shared connection's loop, and what is due. */
    private List<Call> run() {
        loopChannel.runPendingTasks();
        return shared.takeCalls();
    }

    private static UpstreamConnect connectRequest(String clientId, boolean cleanStart, Optional<Will> will) {
        return new UpstreamConnect(clientId, cleanStart, 3600, 30, 20, will, 512);
    }

    /** The token of the one upstream SUBSCRIBE among {@code calls}. */
    private static long subscribeToken(List<Call> calls) {
        assertThat(calls).hasSize(1).first().isInstanceOf(Subscribe.class);
        return ((Subscribe) calls.get(0)).token();
    }

    /** Subscribes {@code device} and plays the broker's SUBACK granting {@code qos}. */
    private void subscribed(Device device, long sessionToken, String filter, QoS qos) {
        device.upstream.subscribe(sessionToken, filter, qos);
        shared.emit(new UpstreamEvent.Subscribed(subscribeToken(run()), Optional.of(qos), Optional.empty()));
        assertThat(device.take()).containsExactly(
                new UpstreamEvent.Subscribed(sessionToken, Optional.of(qos), Optional.empty()));
    }

    private static UpstreamEvent.Message brokerMessage(long deliveryId, String topic, QoS qos, boolean retain) {
        return new UpstreamEvent.Message(deliveryId, topic, Bytes.utf8("m"), qos, retain);
    }

    @Test
    void theSharedConnectionIsCleanAndNamedAfterTheGateway() {
        ConnectOptions options = shared.options;
        assertThat(options.clientId()).isEqualTo("sngate-gw3");
        assertThat(options.cleanStart()).isTrue();
        assertThat(options.sessionExpirySeconds()).isZero();
        assertThat(options.receiveMaximum()).isEqualTo(65_535);
        assertThat(shared.loop).isSameAs(loop);
    }

    @Test
    void theSharedConnectionRetriesForEverAndTheStartDoesNotWaitForIt() {
        assertThat(shared.options.retryForever()).as("nobody else would open it again").isTrue();

        FakeUpstreamConnection.Factory silent = new FakeUpstreamConnection.Factory();
        AggregatingUpstream waiting = AggregatingUpstream.start(loop, SETTINGS, metrics, silent);
        FakeUpstreamConnection pending = silent.last();
        assertThat(pending.takeCalls()).as("started, not waited for").containsExactly(new Connect());
        List<UpstreamEvent> heard = new ArrayList<>();
        SessionUpstream listening = waiting.create("d2", loop, heard::add);
        listening.connect(connectRequest("d2", true, Optional.empty()));
        loopChannel.runPendingTasks();
        assertThat(heard).as("devices hear the broker is not there yet").containsExactly(
                new UpstreamEvent.ConnectFailed(DeliveryFailure.CONGESTION, "the broker connection is down"));

        heard.clear();
        pending.emit(new UpstreamEvent.Connected(false));
        listening.connect(connectRequest("d2", true, Optional.empty()));
        loopChannel.runPendingTasks();
        assertThat(heard).containsExactly(new UpstreamEvent.Connected(false));
        assertThat(metrics.get("upstream.connect_failed")).isZero();
    }

    @Test
    void aDeviceConnectIsAnsweredByTheSharedConnectionsState() {
        Device device = new Device("d1");

        device.upstream.connect(connectRequest("d1", true, Optional.empty()));
        run();
        assertThat(device.take()).containsExactly(new UpstreamEvent.Connected(false));

        shared.emit(new UpstreamEvent.ConnectionLost("reset"));
        device.upstream.connect(connectRequest("d1", true, Optional.empty()));
        run();
        assertThat(device.take()).containsExactly(
                new UpstreamEvent.ConnectFailed(DeliveryFailure.CONGESTION, "the broker connection is down"));

        shared.emit(new UpstreamEvent.Reconnected(true));
        device.upstream.connect(connectRequest("d1", true, Optional.empty()));
        run();
        assertThat(device.take()).containsExactly(new UpstreamEvent.Connected(false));

        shared.emit(new UpstreamEvent.ConnectFailed(DeliveryFailure.REFUSED, "banned"));
        device.upstream.connect(connectRequest("d1", true, Optional.empty()));
        run();
        assertThat(device.take()).containsExactly(
                new UpstreamEvent.ConnectFailed(DeliveryFailure.CONGESTION, "the broker connection is down"));
        assertThat(metrics.get("upstream.connection_lost")).isEqualTo(1);
        assertThat(metrics.get("upstream.reconnected")).isEqualTo(1);
        assertThat(metrics.get("upstream.connect_failed")).isEqualTo(1);
    }

    @Test
    void aSessionIsPresentWhenTheDeviceKeepsItsSubscriptions() {
        Device device = new Device("d1");
        subscribed(device, 1, "a/+", QoS.AT_LEAST_ONCE);

        device.upstream.connect(connectRequest("d1", false, Optional.empty()));
        assertThat(run()).isEmpty();
        assertThat(device.take()).containsExactly(new UpstreamEvent.Connected(true));

        // A clean start drops them, and the broker hears of it as the filter's last subscriber left.
        device.upstream.connect(connectRequest("d1", true, Optional.empty()));
        List<Call> calls = run();
        assertThat(calls).hasSize(1).first().isInstanceOf(Unsubscribe.class);
        assertThat(((Unsubscribe) calls.get(0)).filter()).isEqualTo("a/+");
        assertThat(device.take()).containsExactly(new UpstreamEvent.Connected(false));
        assertThat(upstream.upstreamFilters()).isZero();
    }

    @Test
    void eachSubscribeGoesUpstreamAtTheHighestQosOfTheFilterButTheFilterIsHeldOnce() {
        Device low = new Device("low");
        Device high = new Device("high");

        low.upstream.subscribe(1, "a/+", QoS.AT_MOST_ONCE);
        List<Call> first = run();
        high.upstream.subscribe(1, "a/+", QoS.EXACTLY_ONCE);
        List<Call> second = run();
        low.upstream.subscribe(2, "a/+", QoS.AT_MOST_ONCE);
        List<Call> third = run();

        assertThat(((Subscribe) first.get(0)).qos()).isZero();
        // Subscribing again is how a new subscriber gets the retained messages it is owed.
        assertThat(((Subscribe) second.get(0)).qos()).isEqualTo(2);
        assertThat(((Subscribe) third.get(0)).qos()).as("still the highest held").isEqualTo(2);
        assertThat(List.of(first.get(0), second.get(0), third.get(0)))
                .extracting(c -> ((Subscribe) c).filter()).containsOnly("a/+");
        assertThat(upstream.upstreamFilters()).isEqualTo(1);

        // Each SUBACK goes to the device whose SUBSCRIBE it answers, with that device's token.
        shared.emit(new UpstreamEvent.Subscribed(subscribeToken(second), Optional.of(QoS.EXACTLY_ONCE),
                Optional.empty()));
        shared.emit(new UpstreamEvent.Subscribed(subscribeToken(first), Optional.of(QoS.AT_MOST_ONCE),
                Optional.empty()));
        assertThat(high.take()).containsExactly(
                new UpstreamEvent.Subscribed(1, Optional.of(QoS.EXACTLY_ONCE), Optional.empty()));
        assertThat(low.take()).containsExactly(
                new UpstreamEvent.Subscribed(1, Optional.of(QoS.AT_MOST_ONCE), Optional.empty()));
    }

    @Test
    void aMessageIsFannedOutOncePerDeviceAtTheLowerOfItsQosAndTheSubscriptions() {
        Device a = new Device("a");
        Device b = new Device("b");
        subscribed(a, 1, "s/+", QoS.AT_LEAST_ONCE);
        subscribed(a, 2, "s/#", QoS.EXACTLY_ONCE);
        subscribed(b, 1, "s/x", QoS.AT_MOST_ONCE);
        Device other = new Device("other");
        subscribed(other, 1, "t/#", QoS.EXACTLY_ONCE);

        shared.emit(brokerMessage(99, "s/x", QoS.EXACTLY_ONCE, false));
        shared.emit(brokerMessage(100, "s/x", QoS.AT_LEAST_ONCE, false));
        shared.emit(brokerMessage(101, "s/x", QoS.AT_MOST_ONCE, false));

        // The sessions' delivery ids are the gateway's own: one broker message becomes several.
        List<UpstreamEvent> toA = a.take();
        List<UpstreamEvent> toB = b.take();
        assertThat(toA).extracting(e -> ((UpstreamEvent.Message) e).qos())
                .containsExactly(QoS.EXACTLY_ONCE, QoS.AT_LEAST_ONCE, QoS.AT_MOST_ONCE);
        assertThat(toB).extracting(e -> ((UpstreamEvent.Message) e).qos())
                .containsExactly(QoS.AT_MOST_ONCE, QoS.AT_MOST_ONCE, QoS.AT_MOST_ONCE);
        List<Long> ids = new ArrayList<>();
        toA.forEach(e -> ids.add(((UpstreamEvent.Message) e).deliveryId()));
        toB.forEach(e -> ids.add(((UpstreamEvent.Message) e).deliveryId()));
        assertThat(ids).doesNotHaveDuplicates();
        assertThat(toA.get(0)).isEqualTo(new UpstreamEvent.Message(((UpstreamEvent.Message) toA.get(0)).deliveryId(),
                "s/x", Bytes.utf8("m"), QoS.EXACTLY_ONCE, false));
        assertThat(other.take()).isEmpty();
        // Acknowledged upstream at fan-out, QoS 1 and 2 only; the devices' acknowledgements go nowhere.
        assertThat(run()).containsExactly(new Acknowledge(99), new Acknowledge(100));
        a.upstream.acknowledge(((UpstreamEvent.Message) toA.get(0)).deliveryId());
        assertThat(run()).isEmpty();
    }

    @Test
    void aMessageNoDeviceWantsIsCountedAndStillAcknowledged() {
        shared.emit(brokerMessage(5, "nobody/here", QoS.AT_LEAST_ONCE, false));

        assertThat(metrics.get("upstream.no_matching_device")).isEqualTo(1);
        assertThat(run()).containsExactly(new Acknowledge(5));
    }

    @Test
    void retainedMessagesGoOnlyToDevicesThatSubscribedInTheLastFiveSeconds() {
        Device old = new Device("old");
        Device fresh = new Device("fresh");
        subscribed(old, 1, "r/+", QoS.AT_LEAST_ONCE);
        loopChannel.advanceTimeBy(5, TimeUnit.SECONDS);
        run();
        subscribed(fresh, 1, "r/#", QoS.AT_LEAST_ONCE);

        shared.emit(brokerMessage(1, "r/x", QoS.AT_LEAST_ONCE, true));
        assertThat(old.take()).isEmpty();
        assertThat(fresh.take()).extracting(e -> ((UpstreamEvent.Message) e).retain()).containsExactly(true);
        assertThat(run()).containsExactly(new Acknowledge(1));

        loopChannel.advanceTimeBy(4_999, TimeUnit.MILLISECONDS);
        assertThat(run()).isEmpty();
        shared.emit(brokerMessage(2, "r/x", QoS.AT_LEAST_ONCE, true));
        assertThat(fresh.take()).as("still inside the window").hasSize(1);
        assertThat(run()).containsExactly(new Acknowledge(2));

        loopChannel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        assertThat(run()).isEmpty();
        shared.emit(brokerMessage(3, "r/x", QoS.AT_LEAST_ONCE, true));
        assertThat(fresh.take()).isEmpty();
        assertThat(old.take()).isEmpty();
        assertThat(metrics.get("upstream.no_matching_device")).isEqualTo(1);
        assertThat(run()).as("acknowledged even when no device gets it").containsExactly(new Acknowledge(3));

        // A message that is not retained goes to every subscriber, fresh or not.
        shared.emit(brokerMessage(4, "r/x", QoS.AT_MOST_ONCE, false));
        assertThat(old.take()).hasSize(1);
        assertThat(fresh.take()).hasSize(1);
    }

    @Test
    void theFilterIsUnsubscribedUpstreamOnlyWhenItsLastDeviceLeaves() {
        Device a = new Device("a");
        Device b = new Device("b");
        subscribed(a, 1, "u/+", QoS.AT_LEAST_ONCE);
        subscribed(b, 1, "u/+", QoS.AT_LEAST_ONCE);

        a.upstream.unsubscribe(2, "u/+");
        assertThat(run()).isEmpty();
        assertThat(a.take()).containsExactly(new UpstreamEvent.Unsubscribed(2));

        b.upstream.unsubscribe(2, "u/+");
        List<Call> calls = run();
        assertThat(calls).hasSize(1).first().isInstanceOf(Unsubscribe.class);
        assertThat(((Unsubscribe) calls.get(0)).filter()).isEqualTo("u/+");
        assertThat(b.take()).as("answered at the broker's UNSUBACK").isEmpty();
        shared.emit(new UpstreamEvent.Unsubscribed(((Unsubscribe) calls.get(0)).token()));
        assertThat(b.take()).containsExactly(new UpstreamEvent.Unsubscribed(2));
        assertThat(upstream.upstreamFilters()).isZero();

        // A filter the device never held is answered at once.
        a.upstream.unsubscribe(3, "never/held");
        assertThat(run()).isEmpty();
        assertThat(a.take()).containsExactly(new UpstreamEvent.Unsubscribed(3));
    }

    @Test
    void aRefusedSubscriptionRemovesTheDeviceFromTheFilter() {
        Device alone = new Device("alone");
        alone.upstream.subscribe(1, "f/+", QoS.AT_LEAST_ONCE);
        shared.emit(new UpstreamEvent.Subscribed(subscribeToken(run()), Optional.empty(),
                Optional.of(DeliveryFailure.REFUSED)));

        assertThat(alone.take()).containsExactly(
                new UpstreamEvent.Subscribed(1, Optional.empty(), Optional.of(DeliveryFailure.REFUSED)));
        List<Call> calls = run();
        assertThat(calls).hasSize(1).first().isInstanceOf(Unsubscribe.class);
        assertThat(upstream.upstreamFilters()).isZero();
        shared.emit(brokerMessage(1, "f/x", QoS.AT_LEAST_ONCE, false));
        assertThat(alone.take()).isEmpty();
    }

    @Test
    void aRefusedSubscriptionKeepsTheFilterForItsOtherDevices() {
        Device held = new Device("held");
        Device refused = new Device("refused");
        subscribed(held, 1, "f/+", QoS.AT_MOST_ONCE);
        refused.upstream.subscribe(1, "f/+", QoS.EXACTLY_ONCE);
        shared.emit(new UpstreamEvent.Subscribed(subscribeToken(run()), Optional.empty(),
                Optional.of(DeliveryFailure.CONGESTION)));

        assertThat(run()).isEmpty();
        assertThat(refused.take()).containsExactly(
                new UpstreamEvent.Subscribed(1, Optional.empty(), Optional.of(DeliveryFailure.CONGESTION)));
        shared.emit(brokerMessage(1, "f/x", QoS.AT_MOST_ONCE, false));
        assertThat(held.take()).hasSize(1);
        assertThat(refused.take()).isEmpty();
    }

    @Test
    void theGatewayPublishesTheWillOfALostDeviceOnly() {
        Will will = new Will("d/status", Bytes.utf8("lost"), QoS.AT_LEAST_ONCE, true);
        Device lost = new Device("lost");
        lost.upstream.connect(connectRequest("lost", true, Optional.of(will)));
        run();
        lost.upstream.disconnect(true, false);
        assertThat(run()).containsExactly(new Publish(0, "d/status", "lost", 1, true, 0, false));
        assertThat(metrics.get("upstream.wills_published")).isEqualTo(1);

        Device leaving = new Device("leaving");
        leaving.upstream.connect(connectRequest("leaving", true, Optional.of(will)));
        leaving.upstream.disconnect(false, false);
        assertThat(run()).isEmpty();

        Device changed = new Device("changed");
        changed.upstream.connect(connectRequest("changed", true, Optional.of(will)));
        changed.upstream.willChanged(Optional.of(new Will("d/other", Bytes.utf8("new"), QoS.AT_MOST_ONCE, false)));
        changed.upstream.disconnect(true, false);
        assertThat(run()).containsExactly(new Publish(0, "d/other", "new", 0, false, 0, false));

        Device cleared = new Device("cleared");
        cleared.upstream.connect(connectRequest("cleared", true, Optional.of(will)));
        cleared.upstream.willChanged(Optional.empty());
        cleared.upstream.disconnect(true, false);
        assertThat(run()).isEmpty();
    }

    @Test
    void anEndedSessionDropsTheDevicesSubscriptions() {
        Device ending = new Device("ending");
        Device staying = new Device("staying");
        subscribed(ending, 1, "e/+", QoS.AT_LEAST_ONCE);
        subscribed(ending, 2, "shared/#", QoS.AT_LEAST_ONCE);
        subscribed(staying, 1, "shared/#", QoS.AT_LEAST_ONCE);

        ending.upstream.disconnect(false, true);
        List<Call> calls = run();

        assertThat(calls).extracting(c -> ((Unsubscribe) c).filter()).containsExactly("e/+");
        shared.emit(brokerMessage(1, "e/x", QoS.AT_MOST_ONCE, false));
        shared.emit(brokerMessage(2, "shared/x", QoS.AT_MOST_ONCE, false));
        assertThat(ending.take()).isEmpty();
        assertThat(staying.take()).hasSize(1);
        assertThat(upstream.upstreamFilters()).isEqualTo(1);
    }

    @Test
    void aLostBrokerSessionIsGivenEveryFilterAgainAtItsHighestQos() {
        Device a = new Device("a");
        Device b = new Device("b");
        subscribed(a, 1, "x/+", QoS.AT_MOST_ONCE);
        subscribed(b, 1, "x/+", QoS.EXACTLY_ONCE);
        subscribed(b, 2, "y/#", QoS.AT_LEAST_ONCE);

        shared.emit(new UpstreamEvent.ConnectionLost("reset"));
        shared.emit(new UpstreamEvent.Reconnected(true));
        assertThat(run()).as("the broker kept them").isEmpty();

        shared.emit(new UpstreamEvent.Reconnected(false));
        List<Call> calls = run();
        assertThat(calls).extracting(c -> ((Subscribe) c).filter() + "@" + ((Subscribe) c).qos())
                .containsExactlyInAnyOrder("x/+@2", "y/#@1");
        assertThat(calls).extracting(c -> ((Subscribe) c).token()).doesNotHaveDuplicates();

        // Their SUBACKs answer no device's request.
        calls.forEach(c -> shared.emit(new UpstreamEvent.Subscribed(((Subscribe) c).token(),
                Optional.of(QoS.AT_MOST_ONCE), Optional.empty())));
        assertThat(a.take()).isEmpty();
        assertThat(b.take()).isEmpty();
    }

    @Test
    void aChainedQos2PublishIsReceivedAndReleasedUnderTheSessionsToken() {
        Device device = new Device("d");

        device.upstream.publish(7, "q/2", Bytes.utf8("two"), QoS.EXACTLY_ONCE, true, 42);
        List<Call> published = run();
        assertThat(published).hasSize(1).first().isInstanceOf(Publish.class);
        Publish publish = (Publish) published.get(0);
        // The shared connection numbers its own packets: the device's message id would collide.
        assertThat(publish).isEqualTo(new Publish(publish.token(), "q/2", "two", 2, true, 0, true));

        shared.emit(new UpstreamEvent.PublishReceived(publish.token()));
        assertThat(device.take()).containsExactly(new UpstreamEvent.PublishReceived(7));

        device.upstream.release(7, 42);
        assertThat(run()).containsExactly(new Release(publish.token(), 0));
        shared.emit(new UpstreamEvent.PublishDone(publish.token(), Optional.empty()));
        assertThat(device.take()).containsExactly(new UpstreamEvent.PublishDone(7, Optional.empty()));

        // The exchange is over: a repeated PUBREL is answered at once, not sent.
        device.upstream.release(7, 42);
        assertThat(run()).isEmpty();
        assertThat(device.take()).containsExactly(new UpstreamEvent.PublishDone(7, Optional.empty()));
    }

    @Test
    void aReleaseOfAnExchangeThisConnectionNeverBeganIsAnsweredAtOnce() {
        Device device = new Device("d");

        device.upstream.release(11, 5);

        assertThat(run()).isEmpty();
        assertThat(device.take()).containsExactly(new UpstreamEvent.PublishDone(11, Optional.empty()));
    }

    @Test
    void qos1PublishesOfDevicesGetTheirOwnUpstreamTokensAndTheirOutcome() {
        Device a = new Device("a");
        Device b = new Device("b");

        a.upstream.publish(1, "p", Bytes.utf8("a"), QoS.AT_LEAST_ONCE, false, 1);
        b.upstream.publish(1, "p", Bytes.utf8("b"), QoS.AT_LEAST_ONCE, false, 1);
        a.upstream.publish(2, "p", Bytes.utf8("a0"), QoS.AT_MOST_ONCE, false, 0);
        List<Call> calls = run();

        assertThat(calls).hasSize(3);
        Publish fromA = (Publish) calls.get(0);
        Publish fromB = (Publish) calls.get(1);
        assertThat(fromA.token()).isNotEqualTo(fromB.token());
        assertThat(List.of(fromA.packetId(), fromB.packetId())).containsOnly(0);
        assertThat(fromA.chained()).isFalse();
        shared.emit(new UpstreamEvent.PublishDone(fromB.token(), Optional.of(DeliveryFailure.REFUSED)));
        shared.emit(new UpstreamEvent.PublishDone(fromA.token(), Optional.empty()));
        // QoS 0 is not awaited: a stray outcome for its token reaches nobody.
        shared.emit(new UpstreamEvent.PublishDone(((Publish) calls.get(2)).token(), Optional.empty()));
        assertThat(a.take()).containsExactly(new UpstreamEvent.PublishDone(1, Optional.empty()));
        assertThat(b.take()).containsExactly(new UpstreamEvent.PublishDone(1, Optional.of(DeliveryFailure.REFUSED)));
    }

    @Test
    void qosMinusOneGoesOutOnTheSharedConnectionAndCloseClosesItOnce() {
        upstream.publishWithoutSession("m/1", Bytes.utf8("x"), true);
        new Device("d").upstream.shutdown();
        assertThat(run()).containsExactly(new Publish(0, "m/1", "x", 0, true, 0, false));

        upstream.close();
        assertThat(run()).containsExactly(new Close());
    }
}
