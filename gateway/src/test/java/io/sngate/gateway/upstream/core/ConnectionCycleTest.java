package io.sngate.gateway.upstream.core;

import static io.sngate.gateway.upstream.core.BrokerPackets.connAck;
import static io.sngate.gateway.upstream.core.BrokerPackets.connAckRefused;
import static io.sngate.gateway.upstream.core.BrokerPackets.malformed;
import static io.sngate.gateway.upstream.core.BrokerPackets.message;
import static io.sngate.gateway.upstream.core.BrokerPackets.pubAck;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.sngate.gateway.session.DeliveryFailure;
import io.sngate.gateway.session.UpstreamEvent;
import io.sngate.gateway.upstream.ConnectOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ConnectionCycle} through {@link MqttClientCore}: the first connection, reconnection
 * with the backoff (exact delays: no jitter), refusals, the CONNACK timeout, a session taken
 * over, will updates, and ending.
 */
class ConnectionCycleTest extends CoreHarness {

    static final ConnectOptions.Will OLD_WILL = new ConnectOptions.Will("w/state", "old".getBytes(UTF_8), 1, false);
    static final ConnectOptions.Will NEW_WILL = new ConnectOptions.Will("w/state", "new".getBytes(UTF_8), 0, true);

    /** The broker closes the connection without a word, and the adapter reports it. */
    void brokerCloses() {
        closed();
    }

    @Nested
    class FirstConnection {

        @Test
        void theConnectCarriesTheOptionsWithCleanStart() {
            options(defaultOptions().withReceiveMaximum(7).withKeepAliveSeconds(30).withWill(Optional.of(OLD_WILL)));
            start();
            assertThat(effects()).containsExactly(OPEN);
            assertThat(state()).isEqualTo(ClientState.CONNECTING);
            assertThat(counters().connectAttempts()).isEqualTo(1);

            tcpUp();
            assertThat(sent()).containsExactly(Packet.connect(true, "w/state", "old", 1, false));
            MqttConnectMessage connect = lastConnect();
            assertThat(connect.payload().clientIdentifier()).isEqualTo("core-test");
            assertThat(connect.variableHeader().keepAliveTimeSeconds()).isEqualTo(30);
            assertThat(connect.variableHeader().properties()
                    .getProperty(MqttPropertyType.SESSION_EXPIRY_INTERVAL.value()).value()).isEqualTo(60);
            assertThat(connect.variableHeader().properties()
                    .getProperty(MqttPropertyType.RECEIVE_MAXIMUM.value()).value()).isEqualTo(7);
            assertThat(connect.variableHeader().properties()
                    .getProperty(MqttPropertyType.MAXIMUM_PACKET_SIZE.value()).value())
                    .isEqualTo(ConnectOptions.DEFAULT_MAX_PACKET_SIZE);

            broker(connAck());
            assertThat(events()).containsExactly("connected:false");
            assertThat(state()).isEqualTo(ClientState.CONNECTED);
            assertThat(effects()).isEmpty();
        }

        @Test
        void theConnackSaysWhetherTheBrokerKeptTheSession() {
            options(defaultOptions().withCleanStart(false));
            connect(connAck().sessionPresent(true)); // checks Connected(true)
            assertThat(lastConnect().variableHeader().isCleanSession()).isFalse();
            assertThat(effects()).isEmpty();
        }

        @Test
        void startingTwiceOpensOneConnection() {
            start();
            start();
            assertThat(effects()).containsExactly(OPEN);
            assertThat(counters().connectAttempts()).isEqualTo(1);
        }

        @Test
        void requestsMadeBeforeTheConnackGoOnceConnected() {
            publish(1, "early/a", 1);
            subscribe(2, "early/#", 1);
            publish(3, "early/b", 0);
            assertThat(queued()).isEqualTo(3);
            connect(); // checks that only CONNECT went before the CONNACK
            assertThat(sent()).containsExactly(Packet.publish(1, "early/a", 1, "m1"),
                    Packet.subscribe(2, "early/#", 1), Packet.publish(0, "early/b", 0, "m3"));
            assertThat(queued()).isZero();
            assertThat(inFlight()).isEqualTo(2);
        }

        @ParameterizedTest(name = "0x{0}")
        @ValueSource(ints = {0x81, 0x82, 0x84, 0x85, 0x86, 0x87, 0x8A, 0x8C, 0x90, 0x95, 0x99, 0x9A, 0x9B})
        void aRefusalThatRetryingCannotFixIsReportedAsRefusedAndNotRetried(int reason) {
            publish(1, "q/t", 1);
            start();
            tcpUp();
            assertThat(effects()).containsExactly(OPEN, send(Packet.connect(true)));
            broker(connAckRefused(reason));
            assertThat(effects()).containsExactly(CLOSE);
            closed();
            List<UpstreamEvent> events = takeEvents();
            assertThat(events).extracting(CoreHarness::describe)
                    .containsExactly("done:1:CONGESTION", "connectFailed:REFUSED");
            assertThat(((UpstreamEvent.ConnectFailed) events.get(1)).detail())
                    .contains(String.format("0x%02X", reason));
            assertThat(state()).isEqualTo(ClientState.CLOSED);
            assertThat(isFinished()).isTrue();
            assertThat(counters().connectFailures()).isEqualTo(1);
            assertThat(counters().requestsFailedOnClose()).isEqualTo(1);
            assertThat(untilDeadline()).isEqualTo(Long.MAX_VALUE);
            advance(3_600_000);
            assertThat(effects()).isEmpty();
            assertThat(reconnectDelays()).isEmpty();
        }

        @ParameterizedTest(name = "0x{0}")
        @ValueSource(ints = {0x80, 0x83, 0x88, 0x89, 0x97, 0x9C, 0x9D, 0x9F})
        void aRefusalThatMayPassLaterIsReportedAsCongestionButTheFirstAttemptIsNotRetried(int reason) {
            start();
            tcpUp();
            effects();
            broker(connAck().refused(reason).reasonString("try later"));
            assertThat(effects()).containsExactly(CLOSE);
            closed();
            List<UpstreamEvent> events = takeEvents();
            assertThat(events).extracting(CoreHarness::describe).containsExactly("connectFailed:CONGESTION");
            assertThat(((UpstreamEvent.ConnectFailed) events.get(0)).detail()).contains("try later");
            assertThat(isFinished()).isTrue();
            advance(3_600_000);
            assertThat(effects()).isEmpty();
        }

        @Test
        void anUnreachableBrokerIsAFailureThatMayPassLater() {
            start();
            effects();
            closed("cannot connect to broker.test:1883: Connection refused");
            List<UpstreamEvent> events = takeEvents();
            assertThat(events).extracting(CoreHarness::describe).containsExactly("connectFailed:CONGESTION");
            assertThat(((UpstreamEvent.ConnectFailed) events.get(0)).detail()).contains("cannot connect");
            assertThat(isFinished()).isTrue();
            assertThat(counters().connectFailures()).isEqualTo(1);
            advance(3_600_000);
            assertThat(effects()).isEmpty();
        }

        @Test
        void noConnackWithinTheConnectTimeoutClosesTheAttempt() {
            options(defaultOptions().withConnectTimeout(Duration.ofSeconds(3)));
            start();
            tcpUp();
            assertThat(effects()).containsExactly(OPEN, send(Packet.connect(true)));
            advance(2_999);
            assertThat(effects()).isEmpty();
            advance(1);
            assertThat(effects()).containsExactly(CLOSE);
            closed();
            List<UpstreamEvent> events = takeEvents();
            assertThat(events).extracting(CoreHarness::describe).containsExactly("connectFailed:CONGESTION");
            assertThat(((UpstreamEvent.ConnectFailed) events.get(0)).detail())
                    .isEqualTo("no CONNACK from " + BROKER + " within 3000 ms");
            assertThat(isFinished()).isTrue();
        }

        @Test
        void aConnackThatComesAfterTheTimeoutClosedTheAttemptIsTooLate() {
            publish(1, "q/t", 1);
            start();
            tcpUp();
            advance(options().connectTimeout().toMillis());
            assertThat(effects()).containsExactly(OPEN, send(Packet.connect(true)), CLOSE);
            broker(connAck()); // read before the close completed
            assertThat(sent()).as("nothing on a connection being closed").isEmpty();
            closed();
            assertThat(events()).containsExactly("done:1:CONGESTION", "connectFailed:CONGESTION");
        }

        @Test
        void aTcpConnectThatHangsIsClosedAtTheConnectTimeoutToo() {
            options(defaultOptions().withConnectTimeout(Duration.ofSeconds(3)));
            start();
            assertThat(effects()).containsExactly(OPEN);
            advance(3_000);
            assertThat(effects()).containsExactly(CLOSE);
            closed();
            assertThat(events()).containsExactly("connectFailed:CONGESTION");
        }

        @Test
        void anythingButConnackBeforeConnackIsAProtocolError() {
            start();
            tcpUp();
            effects();
            broker(pubAck(1));
            assertThat(effects()).as("no DISCONNECT before CONNACK").containsExactly(CLOSE);
            closed();
            assertThat(events()).containsExactly("connectFailed:CONGESTION");
            assertThat(counters().protocolErrors()).isEqualTo(1);
        }

        @Test
        void aConnackWithReceiveMaximumZeroIsAProtocolError() {
            start();
            tcpUp();
            effects();
            broker(connAck().receiveMaximum(0));
            assertThat(effects()).as("no DISCONNECT before a CONNACK is accepted").containsExactly(CLOSE);
            closed();
            assertThat(events()).containsExactly("connectFailed:CONGESTION");
            assertThat(counters().protocolErrors()).isEqualTo(1);
        }

        @Test
        void closingBeforeTheConnackClosesWithoutDisconnect() {
            publish(1, "q/t", 1);
            start();
            tcpUp();
            effects();
            close();
            assertThat(effects()).containsExactly(new Event(new UpstreamEvent.PublishDone(1,
                    Optional.of(DeliveryFailure.CONGESTION))), CLOSE);
            assertThat(state()).isEqualTo(ClientState.CLOSED);
            assertThat(isFinished()).as("the connection is still open").isFalse();
            broker(connAck()); // too late: ignored
            closed();
            assertThat(isFinished()).isTrue();
            assertThat(effects()).isEmpty();
        }
    }

    @Nested
    class Reconnecting {

        @Test
        void aBrokerEndingEveryConnectionRightAfterConnackMeetsAGrowingBackoff() {
            connect();
            List<Long> waits = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                brokerDisconnects(0x89); // server busy
                assertThat(events()).containsExactly("lost");
                long lostAt = now();
                reconnect(connAck());
                waits.add(openedAt().get(openedAt().size() - 1) - lostAt);
                assertThat(events()).containsExactly("reconnected:false");
            }
            assertThat(waits).containsExactly(10L, 20L, 40L, 80L, 80L, 80L);
            assertThat(reconnectDelays()).containsExactly(10L, 20L, 40L, 80L, 80L, 80L);
            assertThat(counters().connectAttempts()).isEqualTo(7);
            assertThat(counters().connectionsLost()).isEqualTo(6);
            assertThat(counters().reconnects()).isEqualTo(6);
            assertThat(counters().connectFailures()).isZero();
        }

        @Test
        void onlyAConnectionThatLastedTenSecondsStartsTheBackoffAfresh() {
            connect();
            for (int i = 0; i < 3; i++) {
                brokerDisconnects(0x89);
                reconnect(connAck());
            }
            assertThat(reconnectDelays()).containsExactly(10L, 20L, 40L);

            // Lost a millisecond short of 10 s: it did not last, the backoff goes on growing.
            advance(MqttClientCore.HEALTHY_AFTER_MILLIS - 1);
            brokerCloses();
            reconnect(connAck());
            assertThat(reconnectDelays()).containsExactly(10L, 20L, 40L, 80L);

            // This one lasts 10 s: its loss starts the backoff afresh.
            advance(MqttClientCore.HEALTHY_AFTER_MILLIS);
            brokerCloses();
            reconnect(connAck());
            brokerCloses();
            assertThat(reconnectDelays()).containsExactly(10L, 20L, 40L, 80L, 10L, 20L);
            assertThat(events()).containsExactly("lost", "reconnected:false", "lost", "reconnected:false", "lost",
                    "reconnected:false", "lost", "reconnected:false", "lost", "reconnected:false", "lost");
        }

        @ParameterizedTest(name = "0x{0}")
        @ValueSource(ints = {0x80, 0x83, 0x88, 0x89, 0x97, 0x9C, 0x9D, 0x9F})
        void aReconnectionRefusedForNowIsRetriedWithTheBackoff(int reason) {
            connect();
            publish(1, "q/t", 1);
            assertThat(sent()).containsExactly(Packet.publish(1, "q/t", 1, "m1"));
            brokerCloses();
            assertThat(events()).containsExactly("lost");
            reconnectUntilConnect();
            broker(connAckRefused(reason));
            assertThat(effects()).containsExactly(CLOSE);
            closed();
            assertThat(effects()).as("no event: the owner already knows the connection is lost").isEmpty();
            assertThat(state()).isEqualTo(ClientState.RECONNECT_WAIT);
            assertThat(counters().connectFailures()).isEqualTo(1);

            reconnect(connAck().sessionPresent(true));
            assertThat(events()).containsExactly("reconnected:true");
            assertThat(sent()).containsExactly(Packet.publish(1, "q/t", 1, "m1").asDup());
            assertThat(reconnectDelays()).containsExactly(10L, 20L);
            assertThat(counters().reconnects()).isEqualTo(1);
        }

        @ParameterizedTest(name = "0x{0}")
        @ValueSource(ints = {0x84, 0x85, 0x86, 0x87, 0x8A, 0x8C})
        void aReconnectionRefusedForGoodEndsTheConnection(int reason) {
            connect();
            publish(1, "q/t", 1);
            sent();
            brokerCloses();
            publish(2, "q/t", 1);
            assertThat(events()).containsExactly("lost");
            reconnectUntilConnect();
            broker(connAckRefused(reason));
            assertThat(effects()).containsExactly(CLOSE);
            closed();
            assertThat(events()).containsExactly("done:1:CONGESTION", "done:2:CONGESTION", "connectFailed:REFUSED");
            assertThat(isFinished()).isTrue();
            advance(3_600_000);
            assertThat(effects()).isEmpty();
        }

        @Test
        void tcpFailuresWhileReconnectingAreRetriedWithAGrowingBackoff() {
            connect();
            brokerCloses();
            assertThat(events()).containsExactly("lost");
            for (long delay : new long[] {10, 20, 40}) {
                advance(delay - 1);
                assertThat(effects()).isEmpty();
                advance(1);
                assertThat(effects()).containsExactly(OPEN);
                closed("cannot connect to " + BROKER + ": Connection refused");
            }
            reconnect(connAck());
            assertThat(events()).containsExactly("reconnected:false");
            assertThat(reconnectDelays()).containsExactly(10L, 20L, 40L, 80L);
            assertThat(counters().connectFailures()).isEqualTo(3);
            assertThat(counters().connectAttempts()).isEqualTo(5);
            assertThat(counters().reconnects()).isEqualTo(1);
        }

        @Test
        void aConnackTimeoutWhileReconnectingIsRetried() {
            connect();
            brokerCloses();
            assertThat(events()).containsExactly("lost");
            reconnectUntilConnect();
            advance(options().connectTimeout().toMillis() - 1);
            assertThat(effects()).isEmpty();
            advance(1);
            assertThat(effects()).containsExactly(CLOSE);
            closed();
            assertThat(state()).isEqualTo(ClientState.RECONNECT_WAIT);
            reconnect(connAck());
            assertThat(events()).containsExactly("reconnected:false");
            assertThat(reconnectDelays()).containsExactly(10L, 20L);
        }

        @Test
        void anIoErrorClosesTheConnectionAndReconnects() {
            connect();
            ioError("I/O error: IOException: Connection reset by peer");
            assertThat(effects()).containsExactly(CLOSE);
            closed();
            List<UpstreamEvent> events = takeEvents();
            assertThat(events).extracting(CoreHarness::describe).containsExactly("lost");
            assertThat(((UpstreamEvent.ConnectionLost) events.get(0)).detail()).contains("Connection reset");
            reconnect(connAck());
            assertThat(events()).containsExactly("reconnected:false");
        }

        @Test
        void aMalformedPacketIsAProtocolErrorThatEndsTheConnection() {
            connect();
            broker(malformed("bad remaining length"));
            assertThat(effects()).containsExactly(send(Packet.disconnect(0x81)), CLOSE);
            assertThat(counters().protocolErrors()).isEqualTo(1);
            closed();
            List<UpstreamEvent> events = takeEvents();
            assertThat(events).extracting(CoreHarness::describe).containsExactly("lost");
            assertThat(((UpstreamEvent.ConnectionLost) events.get(0)).detail()).contains("bad remaining length");
            reconnect(connAck());
            assertThat(events()).containsExactly("reconnected:false");
        }

        @Test
        void anAnswerToNoRequestIsAProtocolError() {
            connect();
            broker(pubAck(9));
            assertThat(effects()).containsExactly(send(Packet.disconnect(0x82)), CLOSE);
            assertThat(counters().protocolErrors()).isEqualTo(1);
        }

        @Test
        void aSessionTakenOverEndsTheConnectionForGood() {
            connect(connAck().receiveMaximum(1));
            publish(1, "t/x", 1);
            publish(2, "t/x", 1);
            assertThat(sent()).containsExactly(Packet.publish(1, "t/x", 1, "m1"));
            broker(BrokerPackets.disconnect(0x8E));
            assertThat(effects()).containsExactly(CLOSE);
            closed();
            List<UpstreamEvent> events = takeEvents();
            assertThat(events).extracting(CoreHarness::describe)
                    .containsExactly("lost", "done:1:CONGESTION", "done:2:CONGESTION", "connectFailed:REFUSED");
            assertThat(((UpstreamEvent.ConnectionLost) events.get(0)).detail()).contains("0x8E");
            assertThat(state()).isEqualTo(ClientState.CLOSED);
            assertThat(isFinished()).isTrue();
            assertThat(counters().requestsFailedOnClose()).isEqualTo(2);
            assertThat(untilDeadline()).isEqualTo(Long.MAX_VALUE);
            advance(3_600_000);
            assertThat(effects()).isEmpty();
            assertThat(counters().connectAttempts()).isEqualTo(1);
        }
    }

    /** Aggregating mode's shared connection: nobody would open it again, so it never gives up on its own. */
    @Nested
    class RetryingForever {

        /** Waits out the backoff; the next attempt opens and its CONNECT is taken and returned. */
        Packet nextAttempt() {
            assertThat(state()).isEqualTo(ClientState.RECONNECT_WAIT);
            advance(untilDeadline() - 1);
            assertThat(effects()).as("nothing before the backoff is over").isEmpty();
            advance(1);
            assertThat(effects()).containsExactly(OPEN);
            tcpUp();
            List<Packet> sent = sent();
            assertThat(sent).hasSize(1);
            return sent.get(0);
        }

        @Test
        void anUnreachableBrokerAtTheStartIsRetriedUntilItAnswers() {
            options(defaultOptions().withRetryForever(true));
            publish(1, "early/a", 1);
            start();
            assertThat(effects()).containsExactly(OPEN);
            closed("cannot connect to " + BROKER + ": Connection refused");
            assertThat(events()).as("it never was up: nothing lost, nothing failed").isEmpty();
            for (int i = 0; i < 3; i++) {
                nextAttempt();
                assertThat(effects()).isEmpty();
                closed("cannot connect to " + BROKER + ": Connection refused");
                assertThat(events()).isEmpty();
            }
            Packet connect = nextAttempt();
            assertThat(connect.cleanStart()).as("still the first session: clean start as the options say").isTrue();
            broker(connAck());
            assertThat(events()).containsExactly("connected:false");
            assertThat(sent()).as("what waited goes now").containsExactly(Packet.publish(1, "early/a", 1, "m1"));
            assertThat(reconnectDelays()).containsExactly(10L, 20L, 40L, 80L);
            assertThat(counters().connectFailures()).isEqualTo(4);
        }

        @Test
        void aRefusedLoginAtTheStartIsRetriedToo() {
            options(defaultOptions().withRetryForever(true));
            start();
            tcpUp();
            effects();
            broker(connAckRefused(0x86));
            assertThat(effects()).containsExactly(CLOSE);
            closed();
            assertThat(events()).isEmpty();
            assertThat(isFinished()).isFalse();
            nextAttempt();
            broker(connAck());
            assertThat(events()).containsExactly("connected:false");
        }

        @Test
        void aReconnectionTheBrokerRefusesIsRetried() {
            options(defaultOptions().withRetryForever(true));
            connect();
            brokerCloses();
            assertThat(events()).containsExactly("lost");
            nextAttempt();
            broker(connAckRefused(0x87));
            assertThat(effects()).containsExactly(CLOSE);
            closed();
            assertThat(events()).as("one loss, already told").isEmpty();
            assertThat(state()).isEqualTo(ClientState.RECONNECT_WAIT);
            Packet connect = nextAttempt();
            assertThat(connect.cleanStart()).isFalse();
            broker(connAck());
            assertThat(events()).containsExactly("reconnected:false");
        }

        @Test
        void aSessionTakenOverStillEndsIt() {
            options(defaultOptions().withRetryForever(true));
            connect();
            broker(BrokerPackets.disconnect(0x8E));
            assertThat(effects()).containsExactly(CLOSE);
            closed();
            assertThat(events()).containsExactly("lost", "connectFailed:REFUSED");
            assertThat(isFinished()).isTrue();
            advance(3_600_000);
            assertThat(effects()).isEmpty();
        }
    }

    @Nested
    class WillUpdates {

        @Test
        void aNewWillReconnectsAtOnceWithItAndKeepsEveryRequest() {
            options(defaultOptions().withWill(Optional.of(OLD_WILL)));
            connect();
            publish(1, "w/p", 1);
            assertThat(sent()).containsExactly(Packet.publish(1, "w/p", 1, "m1"));

            updateWill(Optional.of(NEW_WILL));
            assertThat(effects()).containsExactly(halfClose(Packet.disconnect(0x00)));
            assertThat(state()).isEqualTo(ClientState.UPDATING_WILL);
            publish(2, "w/p", 1);
            assertThat(effects()).as("nothing goes on a half-closed connection").isEmpty();

            closed(); // the broker processed our DISCONNECT and closed
            assertThat(effects()).as("no backoff for a will update").containsExactly(OPEN);
            tcpUp();
            assertThat(sent()).containsExactly(Packet.connect(false, "w/state", "new", 0, true));
            broker(connAck().sessionPresent(true));
            assertThat(sent()).containsExactly(Packet.publish(1, "w/p", 1, "m1").asDup(),
                    Packet.publish(2, "w/p", 1, "m2"));
            assertThat(events()).as("a will update is silent").isEmpty();
            broker(pubAck(1));
            broker(pubAck(2));
            assertThat(events()).containsExactly("done:1", "done:2");
            assertThat(counters().willUpdates()).isEqualTo(1);
            assertThat(counters().reconnects()).isZero();
            assertThat(counters().connectionsLost()).isZero();
            assertThat(counters().connectAttempts()).isEqualTo(2);
            assertThat(reconnectDelays()).isEmpty();
        }

        @Test
        void theConnectionIsClosedIfTheBrokerDoesNotCloseWithinTheLinger() {
            connect();
            updateWill(Optional.of(NEW_WILL));
            assertThat(effects()).containsExactly(halfClose(Packet.disconnect(0x00)));
            advance(MqttClientCore.DISCONNECT_LINGER_MILLIS - 1);
            assertThat(effects()).isEmpty();
            advance(1);
            assertThat(effects()).containsExactly(CLOSE);
            closed();
            assertThat(effects()).containsExactly(OPEN);
        }

        @Test
        void aWillUpdateThatFindsNoSessionIsReportedAsAReconnection() {
            connect();
            updateWill(Optional.of(NEW_WILL));
            effects();
            closed();
            effects();
            tcpUp();
            sent();
            broker(connAck());
            assertThat(events()).containsExactly("reconnected:false");
            assertThat(counters().willUpdates()).isEqualTo(1);
        }

        @Test
        void aWillUpdateWhoseReconnectionFailsIsALostConnection() {
            connect();
            updateWill(Optional.of(NEW_WILL));
            effects();
            closed();
            assertThat(effects()).containsExactly(OPEN);
            closed("cannot connect to " + BROKER + ": Connection refused");
            assertThat(events()).containsExactly("lost");
            assertThat(counters().connectionsLost()).isEqualTo(1);
            Packet connect = reconnectUntilConnect();
            assertThat(connect.topic()).isEqualTo("w/state");
            assertThat(connect.payload().utf8()).isEqualTo("new");
            broker(connAck().sessionPresent(true));
            assertThat(events()).containsExactly("reconnected:true");
            assertThat(reconnectDelays()).containsExactly(10L);
            assertThat(counters().reconnects()).isEqualTo(1);
            assertThat(counters().willUpdates()).isZero();
        }

        @Test
        void aSessionTakenOverDuringAWillUpdateEndsTheConnectionForGood() {
            connect();
            publish(1, "t/x", 1);
            sent();
            updateWill(Optional.of(NEW_WILL));
            assertThat(effects()).containsExactly(halfClose(Packet.disconnect(0x00)));
            // Another client took the session over before the broker read our DISCONNECT.
            broker(BrokerPackets.disconnect(0x8E));
            assertThat(effects()).containsExactly(CLOSE);
            closed();
            assertThat(events()).containsExactly("lost", "done:1:CONGESTION", "connectFailed:REFUSED");
            assertThat(isFinished()).isTrue();
            advance(3_600_000);
            assertThat(effects()).as("no reconnection: it would take the session back").isEmpty();
        }

        @Test
        void theSameWillAgainChangesNothing() {
            options(defaultOptions().withWill(Optional.of(OLD_WILL)));
            connect();
            updateWill(Optional.of(new ConnectOptions.Will("w/state", "old".getBytes(UTF_8), 1, false)));
            assertThat(effects()).isEmpty();
            assertThat(state()).isEqualTo(ClientState.CONNECTED);
        }

        @Test
        void aWillChangedBeforeTheConnectIsWrittenGoesInThatConnect() {
            options(defaultOptions().withWill(Optional.of(OLD_WILL)));
            start();
            updateWill(Optional.of(NEW_WILL));
            tcpUp();
            assertThat(effects()).containsExactly(OPEN, send(Packet.connect(true, "w/state", "new", 0, true)));
            broker(connAck());
            assertThat(events()).containsExactly("connected:false");
            assertThat(effects()).as("the broker has the new will already: no will update").isEmpty();
            assertThat(state()).isEqualTo(ClientState.CONNECTED);
        }

        @Test
        void aWillChangedAfterTheConnectWasWrittenIsUpdatedOnceConnected() {
            options(defaultOptions().withWill(Optional.of(OLD_WILL)));
            start();
            tcpUp();
            assertThat(effects()).containsExactly(OPEN, send(Packet.connect(true, "w/state", "old", 1, false)));
            updateWill(Optional.of(NEW_WILL));
            assertThat(effects()).isEmpty();
            broker(connAck());
            assertThat(effects()).containsExactly(new Event(new UpstreamEvent.Connected(false)),
                    halfClose(Packet.disconnect(0x00)));
            closed();
            tcpUp();
            assertThat(effects()).containsExactly(OPEN, send(Packet.connect(false, "w/state", "new", 0, true)));
        }

        @Test
        void aWillChangedWhileWaitingToReconnectGoesInTheNextConnect() {
            options(defaultOptions().withWill(Optional.of(OLD_WILL)));
            connect();
            brokerCloses();
            updateWill(Optional.empty());
            assertThat(events()).containsExactly("lost");
            Packet connect = reconnectUntilConnect();
            assertThat(connect).isEqualTo(Packet.connect(false));
            broker(connAck().sessionPresent(true));
            assertThat(events()).containsExactly("reconnected:true");
            assertThat(effects()).isEmpty();
            assertThat(counters().willUpdates()).isZero();
        }
    }

    @Nested
    class Ending {

        @Test
        void disconnectWithWillSendsReasonAndExpiryAndFailsWhatWaits() {
            connect(connAck().receiveMaximum(1));
            publish(1, "q/t", 1);
            publish(2, "q/t", 1);
            sent();
            disconnect(true, OptionalLong.of(0));
            assertThat(effects()).containsExactly(
                    new Event(new UpstreamEvent.PublishDone(1, Optional.of(DeliveryFailure.CONGESTION))),
                    new Event(new UpstreamEvent.PublishDone(2, Optional.of(DeliveryFailure.CONGESTION))),
                    halfClose(Packet.disconnect(0x04, 0)));
            assertThat(state()).isEqualTo(ClientState.CLOSED);
            assertThat(isFinished()).as("until the broker closes").isFalse();
            assertThat(counters().requestsFailedOnClose()).isEqualTo(2);

            broker(message("in/t", "late", 1, 5)); // after our DISCONNECT: ignored
            closed();
            assertThat(isFinished()).isTrue();
            assertThat(effects()).isEmpty();

            publish(3, "q/t", 0);
            subscribe(4, "q/#", 1);
            assertThat(events()).containsExactly("done:3:CONGESTION", "subscribed:4:CONGESTION");
            assertThat(counters().requestsRejectedCongestion()).isEqualTo(2);
        }

        @Test
        void theConnectionIsClosedIfTheBrokerDoesNotCloseAfterOurDisconnect() {
            connect();
            disconnect(false, OptionalLong.empty());
            assertThat(effects()).containsExactly(halfClose(Packet.disconnect(0x00)));
            advance(MqttClientCore.DISCONNECT_LINGER_MILLIS - 1);
            assertThat(effects()).isEmpty();
            advance(1);
            assertThat(effects()).containsExactly(CLOSE);
            closed();
            assertThat(isFinished()).isTrue();
            assertThat(untilDeadline()).isEqualTo(Long.MAX_VALUE);
        }

        @Test
        void closeSendsANormalDisconnectWithoutTouchingTheExpiry() {
            connect();
            close();
            assertThat(effects()).containsExactly(halfClose(Packet.disconnect(0x00)));
            closed();
            assertThat(isFinished()).isTrue();
        }

        @Test
        void theLongestSessionExpiryGoesUnsigned() {
            connect();
            disconnect(false, OptionalLong.of(ConnectOptions.MAX_SESSION_EXPIRY));
            assertThat(effects()).containsExactly(halfClose(Packet.disconnect(0x00, 0xFFFF_FFFFL)));
        }

        @Test
        void endingTwiceOrStartingAfterTheEndDoesNothing() {
            connect();
            close();
            assertThat(effects()).containsExactly(halfClose(Packet.disconnect(0x00)));
            close();
            disconnect(true, OptionalLong.of(0));
            start();
            assertThat(effects()).isEmpty();
            closed();
            assertThat(isFinished()).isTrue();
            assertThat(counters().connectAttempts()).isEqualTo(1);
        }

        @Test
        void anExpiryCannotExtendASessionOpenedWithExpiryZero() {
            options(defaultOptions().withSessionExpirySeconds(0));
            connect();
            disconnect(false, OptionalLong.of(300));
            assertThat(effects()).containsExactly(halfClose(Packet.disconnect(0x00)));
        }

        @Test
        void endingWhileWaitingToReconnectFailsEverythingWithCongestion() {
            connect();
            publish(1, "q/t", 1);
            sent();
            brokerCloses();
            publish(2, "q/t", 1);
            subscribe(3, "q/#", 1);
            unsubscribe(4, "old/#");
            disconnect(false, OptionalLong.empty());
            assertThat(events()).containsExactly("lost", "done:1:CONGESTION", "done:2:CONGESTION",
                    "subscribed:3:CONGESTION", "unsubscribed:4");
            assertThat(isFinished()).isTrue();
            assertThat(counters().requestsFailedOnClose()).isEqualTo(4);
            advance(3_600_000);
            assertThat(effects()).as("no reconnection after the end").isEmpty();
        }
    }
}
