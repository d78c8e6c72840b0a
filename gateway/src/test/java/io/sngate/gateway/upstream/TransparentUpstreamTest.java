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
import io.sngate.gateway.upstream.FakeUpstreamConnection.Close;
import io.sngate.gateway.upstream.FakeUpstreamConnection.Connect;
import io.sngate.gateway.upstream.FakeUpstreamConnection.Disconnect;
import io.sngate.gateway.upstream.FakeUpstreamConnection.Publish;
import io.sngate.gateway.upstream.FakeUpstreamConnection.Release;
import io.sngate.gateway.upstream.FakeUpstreamConnection.Subscribe;
import io.sngate.gateway.upstream.FakeUpstreamConnection.Unsubscribe;
import io.sngate.gateway.upstream.FakeUpstreamConnection.UpdateWill;
import io.sngate.hw.ReconnectBackoff;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Transparent mode without sockets: each device session gets its own (fake) broker connection,
 * configured from the device's CONNECT, and the connection's events reach the session as they are.
 */
class TransparentUpstreamTest {

    private static final UpstreamSettings SETTINGS = new UpstreamSettings("broker.test", 1883,
            Optional.of("gateway"), Optional.of("gw-secret".getBytes(StandardCharsets.UTF_8)), 60, 64,
            ReconnectBackoff.defaults(), 7);

    private final EmbeddedChannel loopChannel = new EmbeddedChannel();
    private final EventLoop loop = loopChannel.eventLoop();
    private final Metrics metrics = new Metrics();
    private final FakeUpstreamConnection.Factory connections = new FakeUpstreamConnection.Factory();
    private final List<UpstreamEvent> events = new ArrayList<>();
    private TransparentUpstream upstream = new TransparentUpstream(loop, SETTINGS, metrics,
            DeviceCredentials.Lookup.NONE, connections);

    @AfterEach
    void closeLoop() {
        loopChannel.finishAndReleaseAll();
    }

    private static UpstreamConnect connectRequest(boolean cleanStart, Optional<Will> will) {
        return new UpstreamConnect("dev1", cleanStart, 3600, 30, 20, will, 512);
    }

    private SessionUpstream connectedDevice() {
        SessionUpstream device = upstream.create("dev1", loop, events::add);
        device.connect(connectRequest(true, Optional.empty()));
        connections.last().takeCalls();
        return device;
    }

    private static Bytes text(String s) {
        return Bytes.utf8(s);
    }

    @Test
    void theDevicesConnectSetsCleanStartExpiryReceiveMaximumPacketSizeAndWill() {
        Will will = new Will("dev1/status", text("gone"), QoS.AT_LEAST_ONCE, true);
        SessionUpstream device = upstream.create("dev1", loop, events::add);

        device.connect(new UpstreamConnect("dev1", false, 3600, 30, 20, Optional.of(will), 512));

        FakeUpstreamConnection connection = connections.last();
        assertThat(connection.loop).as("the session's own loop: no thread hop").isSameAs(loop);
        assertThat(connection.calls).containsExactly(new Connect());
        ConnectOptions options = connection.options;
        assertThat(options.clientId()).isEqualTo("dev1");
        assertThat(options.cleanStart()).isFalse();
        assertThat(options.sessionExpirySeconds()).isEqualTo(3600);
        assertThat(options.receiveMaximum()).isEqualTo(20);
        assertThat(options.maxPacketSize()).isEqualTo(512);
        assertThat(options.keepAliveSeconds()).as("the gateway's own, not the device's").isEqualTo(60);
        assertThat(options.will()).contains(new ConnectOptions.Will("dev1/status",
                "gone".getBytes(StandardCharsets.UTF_8), 1, true));
        assertThat(options.username()).contains("gateway");
        assertThat(options.password()).hasValueSatisfying(p -> assertThat(p).isEqualTo(
                "gw-secret".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void receiveMaximumAndPacketSizeAreClampedToWhatMqtt5Allows() {
        SessionUpstream device = upstream.create("dev1", loop, events::add);

        device.connect(new UpstreamConnect("dev1", true, 0, 30, 0, Optional.empty(), 10));
        assertThat(connections.last().options.receiveMaximum()).as("0 is a protocol error").isEqualTo(1);
        assertThat(connections.last().options.maxPacketSize()).isEqualTo(64);
        assertThat(connections.last().options.will()).isEmpty();

        device.connect(new UpstreamConnect("dev1", true, 0, 30, 100_000, Optional.empty(), 512));
        assertThat(connections.last().options.receiveMaximum()).isEqualTo(65_535);
    }

    @Test
    void aDeviceWithItsOwnCredentialsConnectsWithThemAndOthersWithTheGateways() {
        DeviceCredentials own = new DeviceCredentials(Optional.of("alice"),
                Optional.of("alice-secret".getBytes(StandardCharsets.UTF_8)));
        upstream = new TransparentUpstream(loop, SETTINGS, metrics,
                clientId -> clientId.equals("alice") ? Optional.of(own) : Optional.empty(), connections);

        upstream.create("alice", loop, events::add).connect(
                new UpstreamConnect("alice", true, 0, 30, 10, Optional.empty(), 512));
        ConnectOptions alice = connections.last().options;
        upstream.create("bob", loop, events::add).connect(
                new UpstreamConnect("bob", true, 0, 30, 10, Optional.empty(), 512));
        ConnectOptions bob = connections.last().options;

        assertThat(alice.username()).contains("alice");
        assertThat(alice.password()).hasValueSatisfying(p -> assertThat(p).isEqualTo(
                "alice-secret".getBytes(StandardCharsets.UTF_8)));
        assertThat(bob.username()).contains("gateway");
    }

    @Test
    void eventsOfTheConnectionReachTheSessionUnchanged() {
        connectedDevice();
        FakeUpstreamConnection connection = connections.last();
        List<UpstreamEvent> sent = List.of(
                new UpstreamEvent.Connected(true),
                new UpstreamEvent.Message(9, "a/b", text("x"), QoS.EXACTLY_ONCE, true),
                new UpstreamEvent.ConnectionLost("reset"),
                new UpstreamEvent.Reconnected(false),
                new UpstreamEvent.ConnectFailed(DeliveryFailure.REFUSED, "not authorized"));

        sent.forEach(connection::emit);

        assertThat(events).containsExactlyElementsOf(sent);
        assertThat(metrics.get("upstream.connection_lost")).isEqualTo(1);
        assertThat(metrics.get("upstream.reconnected")).isEqualTo(1);
        assertThat(metrics.get("upstream.connect_failed")).isEqualTo(1);
    }

    @Test
    void aReplacedConnectionIsClosedAndItsLateEventsDropped() {
        SessionUpstream device = connectedDevice();
        FakeUpstreamConnection first = connections.last();

        device.connect(connectRequest(false, Optional.empty()));
        FakeUpstreamConnection second = connections.last();

        assertThat(second).isNotSameAs(first);
        assertThat(first.takeCalls()).as("the session's restart keeps the broker session: no will")
                .containsExactly(new Close());
        first.emit(new UpstreamEvent.PublishDone(1, Optional.empty()));
        first.emit(new UpstreamEvent.ConnectFailed(DeliveryFailure.CONGESTION, "closed"));
        second.emit(new UpstreamEvent.Connected(true));
        assertThat(events).containsExactly(new UpstreamEvent.Connected(true));
        assertThat(metrics.get("upstream.connect_failed")).isZero();
    }

    @Test
    void withoutAConnectionRequestsAreAnsweredAtOnce() {
        SessionUpstream device = upstream.create("dev1", loop, events::add);

        device.publish(1, "a", text("x"), QoS.AT_LEAST_ONCE, false, 5);
        device.release(2, 6);
        device.subscribe(3, "a/+", QoS.EXACTLY_ONCE);
        device.unsubscribe(4, "a/+");
        device.acknowledge(9);
        device.willChanged(Optional.empty());
        device.disconnect(true, true);
        device.shutdown();

        assertThat(events).containsExactly(
                new UpstreamEvent.PublishDone(1, Optional.of(DeliveryFailure.CONGESTION)),
                new UpstreamEvent.PublishDone(2, Optional.of(DeliveryFailure.CONGESTION)),
                new UpstreamEvent.Subscribed(3, Optional.empty(), Optional.of(DeliveryFailure.CONGESTION)),
                new UpstreamEvent.Unsubscribed(4));
        assertThat(connections.created).isEmpty();
    }

    @Test
    void qos2PublishesAreChainedWithTheDevicesMessageIdAsPacketId() {
        SessionUpstream device = connectedDevice();

        device.publish(1, "t/2", text("two"), QoS.EXACTLY_ONCE, true, 42);
        device.publish(2, "t/1", text("one"), QoS.AT_LEAST_ONCE, false, 43);
        device.publish(3, "t/0", text("zero"), QoS.AT_MOST_ONCE, false, 0);
        device.release(1, 42);

        assertThat(connections.last().takeCalls()).containsExactly(
                new Publish(1, "t/2", "two", 2, true, 42, true),
                new Publish(2, "t/1", "one", 1, false, 43, false),
                new Publish(3, "t/0", "zero", 0, false, 0, false),
                new Release(1, 42));
    }

    @Test
    void subscriptionsAcknowledgementsAndWillChangesGoToTheDevicesConnection() {
        SessionUpstream device = connectedDevice();

        device.subscribe(1, "a/#", QoS.AT_LEAST_ONCE);
        device.unsubscribe(2, "a/#");
        device.acknowledge(77);
        device.willChanged(Optional.of(new Will("w", text("bye"), QoS.AT_MOST_ONCE, false)));
        device.willChanged(Optional.empty());

        assertThat(connections.last().takeCalls()).containsExactly(
                new Subscribe(1, "a/#", 1),
                new Unsubscribe(2, "a/#"),
                new Acknowledge(77),
                new UpdateWill(Optional.of(new ConnectOptions.Will("w", "bye".getBytes(StandardCharsets.UTF_8), 0,
                        false))),
                new UpdateWill(Optional.empty()));
    }

    @Test
    void aLostDeviceLeavesWithItsWillAndAnEndedSessionWithExpiryZero() {
        SessionUpstream lost = connectedDevice();
        FakeUpstreamConnection lostConnection = connections.last();
        lost.disconnect(true, false);
        assertThat(lostConnection.takeCalls()).containsExactly(new Disconnect(true, OptionalLong.empty()));

        SessionUpstream leaving = connectedDevice();
        FakeUpstreamConnection leavingConnection = connections.last();
        leaving.disconnect(false, true);
        assertThat(leavingConnection.takeCalls()).containsExactly(new Disconnect(false, OptionalLong.of(0)));

        // The connection is gone: later requests are answered by the gateway, not sent.
        leaving.publish(5, "a", text("x"), QoS.AT_LEAST_ONCE, false, 1);
        assertThat(leavingConnection.calls).isEmpty();
        assertThat(events).containsExactly(new UpstreamEvent.PublishDone(5, Optional.of(DeliveryFailure.CONGESTION)));
    }

    @Test
    void shutdownClosesKeepingTheBrokerSession() {
        SessionUpstream device = connectedDevice();
        FakeUpstreamConnection connection = connections.last();

        device.shutdown();
        device.shutdown();

        assertThat(connection.takeCalls()).containsExactly(new Close());
    }

    @Test
    void qosMinusOnePublishesShareOneCleanConnection() {
        upstream.publishWithoutSession("s/1", text("a"), false);
        upstream.publishWithoutSession("s/2", text("b"), true);

        assertThat(connections.created).hasSize(1);
        FakeUpstreamConnection shared = connections.last();
        assertThat(shared.options.clientId()).isEqualTo("sngate-qos-1-gw7");
        assertThat(shared.options.cleanStart()).isTrue();
        assertThat(shared.options.sessionExpirySeconds()).isZero();
        assertThat(shared.takeCalls()).containsExactly(
                new Connect(),
                new Publish(0, "s/1", "a", 0, false, 0, false),
                new Publish(0, "s/2", "b", 0, true, 0, false));

        upstream.close();
        assertThat(shared.takeCalls()).containsExactly(new Close());
    }

    @Test
    void aFailedQosMinusOneConnectionIsReplacedAtTheNextPublish() {
        upstream.publishWithoutSession("s/1", text("a"), false);
        FakeUpstreamConnection failed = connections.last();

        failed.emit(new UpstreamEvent.ConnectFailed(DeliveryFailure.REFUSED, "bad credentials"));
        upstream.publishWithoutSession("s/2", text("b"), false);

        assertThat(connections.created).hasSize(2);
        assertThat(connections.last().takeCalls()).containsExactly(
                new Connect(), new Publish(0, "s/2", "b", 0, false, 0, false));
        assertThat(metrics.get("upstream.qos_minus_one_connect_failed")).isEqualTo(1);
    }
}
