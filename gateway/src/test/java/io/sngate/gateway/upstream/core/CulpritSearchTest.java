package io.sngate.gateway.upstream.core;

import static io.sngate.gateway.upstream.core.BrokerPackets.connAck;
import static io.sngate.gateway.upstream.core.BrokerPackets.malformed;
import static io.sngate.gateway.upstream.core.BrokerPackets.pubAck;
import static io.sngate.gateway.upstream.core.BrokerPackets.subAck;
import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.gateway.session.UpstreamEvent;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link CulpritSearch} through {@link MqttClientCore}: a broker that ends the connection over
 * one of our packets gets that request failed alone (REFUSED, counted as a disconnect culprit)
 * and the others delivered, found by re-sending suspects one at a time after the reconnection.
 * Every connection here finds the broker session (session present), so re-sends carry DUP.
 */
class CulpritSearchTest extends CoreHarness {

    /** A topic the broker refuses (mosquitto: DISCONNECT 0x81 or a reset); sent past the core's check. */
    static final String REFUSED_TOPIC = "\uFFFF/x";

    static BrokerPackets.ConnAck withSession() {
        return connAck().sessionPresent(true);
    }

    @Test
    void aDisconnectBlamingAPacketFindsTheCulpritAndDeliversTheOthers() {
        connect(withSession());
        publish(1, "good/1", 1);
        publishUnchecked(2, REFUSED_TOPIC, 1);
        publish(3, "good/3", 1);
        assertThat(sent()).containsExactly(Packet.publish(1, "good/1", 1, "m1"),
                Packet.publish(2, REFUSED_TOPIC, 1, "m2"), Packet.publish(3, "good/3", 1, "m3"));
        brokerDisconnects(0x90); // topic name invalid; which of the three, it does not say
        assertThat(events()).containsExactly("lost");

        // Connection 2: the three are suspects, re-sent in their order, each alone.
        reconnect(withSession());
        assertThat(sent()).containsExactly(Packet.publish(1, "good/1", 1, "m1").asDup());
        assertThat(events()).containsExactly("reconnected:true");
        // Nothing new goes while a suspect is out, not even QoS 0: it could be the refused one.
        publish(9, "late/q0", 0);
        subscribe(10, "late/#", 1);
        assertThat(sent()).isEmpty();
        broker(pubAck(1));
        assertThat(sent()).containsExactly(Packet.publish(2, REFUSED_TOPIC, 1, "m2").asDup());
        assertThat(events()).containsExactly("done:1");
        brokerDisconnects(0x90);
        assertThat(events()).containsExactly("lost", "done:2:REFUSED");

        // Connection 3: the last suspect goes alone and is answered; then what waited.
        reconnect(withSession());
        assertThat(sent()).containsExactly(Packet.publish(3, "good/3", 1, "m3").asDup());
        broker(pubAck(3));
        assertThat(sent()).containsExactly(Packet.publish(0, "late/q0", 0, "m9"), Packet.subscribe(4, "late/#", 1));
        assertThat(events()).containsExactly("reconnected:true", "done:3");
        assertThat(counters().disconnectCulprits()).isEqualTo(1);
        assertThat(counters().refusedByBroker()).isEqualTo(1);
        assertThat(counters().requestsRefused()).isEqualTo(1);
        assertThat(counters().connectionsLost()).isEqualTo(2);
        assertThat(counters().reconnects()).isEqualTo(2);

        // Ordinary sending again: two publishes go before either is answered.
        publish(5, "good/5", 1);
        publish(6, "good/6", 1);
        assertThat(sent()).containsExactly(Packet.publish(5, "good/5", 1, "m5"), Packet.publish(6, "good/6", 1, "m6"));

        // The culprit is gone for good: the next connection re-sends only what is unanswered.
        broker(subAck(4, 1));
        broker(pubAck(5));
        broker(pubAck(6));
        closed();
        reconnect(withSession());
        assertThat(sent()).isEmpty();
        assertThat(counters().connectAttempts()).isEqualTo(4);
    }

    @Test
    void aBrokerThatJustClosesGetsItsCulpritFoundToo() {
        connect(withSession());
        publish(1, "good/1", 1);
        publishUnchecked(2, REFUSED_TOPIC, 1);
        sent();
        closed(); // no DISCONNECT: a refused packet, or a broker restarting

        // Connection 2: one close without a word may be an ordinary outage: both go at once.
        reconnect(withSession());
        assertThat(sent()).containsExactly(Packet.publish(1, "good/1", 1, "m1").asDup(),
                Packet.publish(2, REFUSED_TOPIC, 1, "m2").asDup());
        closed();

        // Connection 3: unanswered at two closes, both are suspects: one at a time.
        reconnect(withSession());
        assertThat(sent()).containsExactly(Packet.publish(1, "good/1", 1, "m1").asDup());
        broker(pubAck(1));
        assertThat(sent()).containsExactly(Packet.publish(2, REFUSED_TOPIC, 1, "m2").asDup());
        closed();
        assertThat(events()).containsExactly("lost", "reconnected:true", "lost", "reconnected:true", "done:1", "lost",
                "done:2:REFUSED");

        reconnect(withSession());
        assertThat(sent()).isEmpty();
        assertThat(counters().connectAttempts()).isEqualTo(4);
        assertThat(counters().disconnectCulprits()).isEqualTo(1);
    }

    @Test
    void aResetWithMoreRequestsUnreadFindsTheCulpritAndDeliversTheRest() {
        // mosquitto closing on a refused packet with more of ours unread resets the connection,
        // and its DISCONNECT may be lost: an I/O error, no DISCONNECT.
        connect(withSession());
        publish(1, "good/1", 1);
        publishUnchecked(2, REFUSED_TOPIC, 1);
        publish(3, "good/3", 1);
        sent();
        broker(pubAck(1));
        ioError("I/O error: IOException: Connection reset by peer");
        assertThat(effects()).containsExactly(new Event(new UpstreamEvent.PublishDone(1, Optional.empty())), CLOSE);
        closed();

        reconnect(withSession());
        assertThat(sent()).containsExactly(Packet.publish(2, REFUSED_TOPIC, 1, "m2").asDup(),
                Packet.publish(3, "good/3", 1, "m3").asDup());
        ioError("I/O error: IOException: Connection reset by peer");
        closed();

        reconnect(withSession());
        assertThat(sent()).containsExactly(Packet.publish(2, REFUSED_TOPIC, 1, "m2").asDup());
        ioError("I/O error: IOException: Connection reset by peer");
        closed();

        reconnect(withSession());
        assertThat(sent()).containsExactly(Packet.publish(3, "good/3", 1, "m3").asDup());
        broker(pubAck(3));
        assertThat(events()).containsExactly("lost", "reconnected:true", "lost", "reconnected:true", "lost",
                "done:2:REFUSED", "reconnected:true", "done:3");
        assertThat(counters().connectAttempts()).isEqualTo(4);
        assertThat(counters().disconnectCulprits()).isEqualTo(1);
    }

    @Test
    void aSubscribeTheBrokerEndsConnectionsOverIsFailedAlone() {
        connect(withSession());
        publish(1, "plain/t", 1);
        subscribe(2, "wild/#", 1);
        sent();
        broker(pubAck(1)); // answered: not a suspect
        brokerDisconnects(0xA2); // wildcard subscriptions not supported

        reconnect(withSession());
        assertThat(sent()).containsExactly(Packet.subscribe(2, "wild/#", 1));
        brokerDisconnects(0xA2);
        assertThat(events()).containsExactly("done:1", "lost", "reconnected:true", "lost", "subscribed:2:REFUSED");

        reconnect(withSession());
        assertThat(sent()).isEmpty();
        assertThat(counters().connectAttempts()).isEqualTo(3);
        assertThat(counters().disconnectCulprits()).isEqualTo(1);
    }

    @Test
    void aLoneProbeThatIsNotYetASuspectGetsAStrikeNotTheBlame() {
        connect(withSession());
        publish(1, "a/1", 1);
        sent();
        closed(); // request 1: one strike
        reconnect(withSession());
        publish(2, "a/2", 1);
        assertThat(sent()).containsExactly(Packet.publish(1, "a/1", 1, "m1").asDup(),
                Packet.publish(2, "a/2", 1, "m2"));
        closed(); // request 1: two strikes, a suspect; request 2: one strike

        reconnect(withSession());
        assertThat(sent()).containsExactly(Packet.publish(1, "a/1", 1, "m1").asDup());
        broker(pubAck(1));
        assertThat(sent()).containsExactly(Packet.publish(2, "a/2", 1, "m2").asDup());
        closed(); // request 2 was alone, but not a suspect: its second strike
        assertThat(counters().disconnectCulprits()).isZero();

        reconnect(withSession());
        assertThat(sent()).containsExactly(Packet.publish(2, "a/2", 1, "m2").asDup());
        closed(); // alone and a suspect: the culprit
        assertThat(events()).containsExactly("lost", "reconnected:true", "lost", "reconnected:true", "done:1", "lost",
                "reconnected:true", "lost", "done:2:REFUSED");
        assertThat(counters().disconnectCulprits()).isEqualTo(1);
    }

    @ParameterizedTest(name = "0x{0}")
    @ValueSource(ints = {0x81, 0x82, 0x83, 0x87, 0x8F, 0x90, 0x94, 0x95, 0x99, 0x9A, 0x9B, 0x9E, 0xA1, 0xA2})
    void aDisconnectReasonBlamingAPacketMakesEveryOutstandingRequestASuspect(int reason) {
        assertThat(MqttClientCore.blamesAPacket(reason)).isTrue();
        connect(withSession());
        publish(1, "t/1", 1);
        publish(2, "t/2", 1);
        sent();
        brokerDisconnects(reason);
        reconnect(withSession());
        assertThat(sent()).as("one at a time").containsExactly(Packet.publish(1, "t/1", 1, "m1").asDup());
        broker(pubAck(1));
        assertThat(sent()).containsExactly(Packet.publish(2, "t/2", 1, "m2").asDup());
        broker(pubAck(2));
        assertThat(events()).containsExactly("lost", "reconnected:true", "done:1", "done:2");
        assertThat(counters().disconnectCulprits()).isZero();
    }

    @ParameterizedTest(name = "0x{0}")
    @ValueSource(ints = {0x00, 0x80, 0x89, 0x8B, 0x8D, 0x93, 0x96, 0x97, 0x98, 0x9C, 0x9D, 0x9F, 0xA0})
    void aDisconnectThatBlamesNoPacketChangesNothingHoweverOftenItComes(int reason) {
        assertThat(MqttClientCore.blamesAPacket(reason)).isFalse();
        connect(withSession());
        publish(1, "t/1", 1);
        publish(2, "t/2", 1);
        sent();
        for (int i = 0; i < 3; i++) {
            brokerDisconnects(reason);
            reconnect(withSession());
            assertThat(sent()).as("both at once").containsExactly(Packet.publish(1, "t/1", 1, "m1").asDup(),
                    Packet.publish(2, "t/2", 1, "m2").asDup());
        }
        broker(pubAck(1));
        broker(pubAck(2));
        assertThat(events()).endsWith("done:1", "done:2");
        assertThat(counters().disconnectCulprits()).isZero();
        assertThat(counters().refusedByBroker()).isZero();
    }

    @Test
    void closesOfOurOwnAreNoEvidence() {
        connect(withSession());
        publish(1, "t/1", 1);
        publish(2, "t/2", 1);
        sent();
        for (int i = 0; i < 3; i++) {
            broker(malformed("bad packet")); // we end it: DISCONNECT 0x81 and close
            assertThat(effects()).containsExactly(send(Packet.disconnect(0x81)), CLOSE);
            closed();
            reconnect(withSession());
            assertThat(sent()).as("both at once").containsExactly(Packet.publish(1, "t/1", 1, "m1").asDup(),
                    Packet.publish(2, "t/2", 1, "m2").asDup());
            assertThat(events()).containsExactly("lost", "reconnected:true");
        }
        assertThat(counters().disconnectCulprits()).isZero();
        assertThat(counters().protocolErrors()).isEqualTo(3);
    }

    @Test
    void onlyWhatWasWrittenOnTheEndedConnectionIsWeighed() {
        // A request re-sent on an earlier connection and waiting for quota on this one is not
        // blamed for this one's end.
        connect(withSession());
        publish(1, "t/1", 1);
        publish(2, "t/2", 1);
        sent();
        closed();
        reconnect(withSession().receiveMaximum(1));
        assertThat(sent()).containsExactly(Packet.publish(1, "t/1", 1, "m1").asDup());
        closed(); // request 1: two strikes; request 2, not written here: one
        reconnect(withSession());
        assertThat(sent()).as("request 1 is a suspect: one at a time")
                .containsExactly(Packet.publish(1, "t/1", 1, "m1").asDup());
        broker(pubAck(1));
        assertThat(sent()).containsExactly(Packet.publish(2, "t/2", 1, "m2").asDup());
        closed(); // request 2: alone, second strike, not yet the culprit
        reconnect(withSession());
        assertThat(sent()).containsExactly(Packet.publish(2, "t/2", 1, "m2").asDup());
        broker(pubAck(2));
        assertThat(counters().disconnectCulprits()).isZero();
        assertThat(events()).endsWith("done:2");
    }
}
