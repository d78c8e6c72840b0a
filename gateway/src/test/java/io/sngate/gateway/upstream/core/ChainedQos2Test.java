package io.sngate.gateway.upstream.core;

import static io.sngate.gateway.upstream.core.BrokerPackets.connAck;
import static io.sngate.gateway.upstream.core.BrokerPackets.pubAck;
import static io.sngate.gateway.upstream.core.BrokerPackets.pubComp;
import static io.sngate.gateway.upstream.core.BrokerPackets.pubRec;
import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.gateway.session.UpstreamEvent;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Chained QoS 2 through {@link MqttClientCore}: a device's QoS 2 publish whose upstream exchange
 * follows the device's own. {@code PublishReceived} at the broker's PUBREC (the device may have
 * its PUBREC), PUBREL only once the owner releases it (the device's PUBREL), {@code PublishDone}
 * at PUBCOMP. The packet id is the device's message id, so that the broker's session holds the
 * exchange where the device does.
 */
class ChainedQos2Test extends CoreHarness {

    @Nested
    class OneConnection {

        @Test
        void thePubrelWaitsForTheRelease() {
            connect();
            publishChained(1, "c/t", 7);
            assertThat(sent()).containsExactly(Packet.publish(7, "c/t", 2, "m1"));
            broker(pubRec(7));
            assertThat(effects()).containsExactly(new Event(new UpstreamEvent.PublishReceived(1)));
            advance(60_000);
            assertThat(effects()).as("however long the device takes").isEmpty();

            release(1, 7);
            assertThat(sent()).containsExactly(Packet.pubRel(7));
            release(1, 7); // the device's PUBREL again: one PUBREL is enough
            assertThat(sent()).isEmpty();
            broker(pubComp(7));
            assertThat(events()).containsExactly("done:1");
            assertThat(inFlight()).isZero();
            assertThat(counters().publishesCompleted()).isEqualTo(1);
        }

        @Test
        void withPacketIdZeroAnIdIsAllocated() {
            connect();
            publishChained(1, "c/t", 0);
            assertThat(sent()).containsExactly(Packet.publish(1, "c/t", 2, "m1"));
            broker(pubRec(1));
            release(1, 1);
            assertThat(sent()).containsExactly(Packet.pubRel(1));
        }

        @Test
        void aReleaseBeforeThePubrecSendsThePubrelAtThePubrec() {
            connect();
            publishChained(1, "c/t", 7);
            sent();
            release(1, 7);
            assertThat(effects()).isEmpty();
            broker(pubRec(7));
            assertThat(effects()).as("released already: no PublishReceived").containsExactly(send(Packet.pubRel(7)));
            broker(pubComp(7));
            assertThat(events()).containsExactly("done:1");
        }

        @Test
        void pubcompPacketIdNotFoundIsASuccess() {
            // 0x92: the broker had completed the exchange already (e.g. before a gateway restart);
            // it accepted the message at its PUBREC.
            connect();
            publishChained(1, "c/t", 7);
            broker(pubRec(7));
            release(1, 7);
            broker(pubComp(7, 0x92));
            assertThat(events()).containsExactly("received:1", "done:1");
            assertThat(counters().publishesCompleted()).isEqualTo(1);
            assertThat(counters().refusedByBroker()).isZero();
        }

        @Test
        void aRefusingPubrecFailsItWithoutPublishReceived() {
            connect();
            publishChained(1, "c/t", 7);
            sent();
            broker(pubRec(7, 0x87));
            assertThat(events()).containsExactly("done:1:REFUSED");
            assertThat(sent()).isEmpty();
            assertThat(counters().refusedByBroker()).isEqualTo(1);
        }

        @Test
        void aPublishAwaitingItsReleaseHoldsItsPlaceInTheReceiveMaximum() {
            connect(connAck().receiveMaximum(1));
            publishChained(1, "c/t", 7);
            publish(2, "t/2", 1);
            broker(pubRec(7));
            assertThat(sent()).containsExactly(Packet.publish(7, "c/t", 2, "m1"));
            release(1, 7);
            assertThat(sent()).containsExactly(Packet.pubRel(7));
            broker(pubComp(7));
            assertThat(sent()).containsExactly(Packet.publish(1, "t/2", 1, "m2"));
            assertThat(events()).containsExactly("received:1", "done:1");
        }

        @Test
        void closingFailsAPublishAwaitingItsReleaseOnce() {
            connect();
            publishChained(1, "c/t", 7);
            broker(pubRec(7));
            close();
            assertThat(events()).containsExactly("received:1", "done:1:CONGESTION");
            assertThat(counters().requestsFailedOnClose()).isEqualTo(1);
        }
    }

    @Nested
    class FixedPacketIds {

        @Test
        void aFixedIdInUseByAnotherRequestWaitsAndSoDoesWhatIsBehindIt() {
            connect();
            publish(1, "a/t", 1);
            assertThat(sent()).containsExactly(Packet.publish(1, "a/t", 1, "m1"));
            publishChained(2, "c/t", 1);
            publish(3, "a/t", 1);
            assertThat(sent()).as("id 1 is taken; order is kept").isEmpty();
            assertThat(queued()).isEqualTo(2);
            broker(pubAck(1));
            assertThat(sent()).containsExactly(Packet.publish(1, "c/t", 2, "m2"), Packet.publish(2, "a/t", 1, "m3"));
            assertThat(events()).containsExactly("done:1");
        }

        @Test
        void theSameDeviceMessageIdAgainWaitsForTheExchangeBeforeIt() {
            connect();
            publishChained(1, "c/t", 9);
            publishChained(2, "c/t", 9);
            assertThat(sent()).containsExactly(Packet.publish(9, "c/t", 2, "m1"));
            broker(pubRec(9));
            release(1, 9);
            assertThat(sent()).containsExactly(Packet.pubRel(9));
            broker(pubComp(9));
            assertThat(sent()).containsExactly(Packet.publish(9, "c/t", 2, "m2"));
            broker(pubRec(9));
            release(2, 9);
            broker(pubComp(9));
            assertThat(sent()).containsExactly(Packet.pubRel(9));
            assertThat(events()).containsExactly("received:1", "done:1", "received:2", "done:2");
        }

        @Test
        void allocatedIdsSkipAFixedIdInFlight() {
            connect();
            publishChained(1, "c/t", 1);
            publish(2, "a/t", 1);
            assertThat(sent()).containsExactly(Packet.publish(1, "c/t", 2, "m1"), Packet.publish(2, "a/t", 1, "m2"));
        }
    }

    @Nested
    class AcrossAReconnection {

        void publishedAndPubreced() {
            publishChained(1, "c/t", 7);
            assertThat(sent()).containsExactly(Packet.publish(7, "c/t", 2, "m1"));
            broker(pubRec(7));
            assertThat(events()).containsExactly("received:1");
            closed();
            assertThat(events()).containsExactly("lost");
        }

        @Test
        void releasedDuringTheOutageWithTheSessionThePubrelGoesAgain() {
            connect();
            publishedAndPubreced();
            release(1, 7); // not connected: nothing goes (the harness fails a send)
            reconnect(connAck().sessionPresent(true));
            assertThat(sent()).containsExactly(Packet.pubRel(7));
            assertThat(counters().retransmissions()).isEqualTo(1);
            broker(pubComp(7));
            assertThat(events()).containsExactly("reconnected:true", "done:1");
        }

        @Test
        void releasedDuringTheOutageWithoutTheSessionThePublishGoesAgainThenThePubrel() {
            connect();
            publishedAndPubreced();
            release(1, 7);
            reconnect(connAck());
            assertThat(sent()).as("the broker lost it: a new PUBLISH")
                    .containsExactly(Packet.publish(7, "c/t", 2, "m1"));
            broker(pubRec(7));
            assertThat(sent()).containsExactly(Packet.pubRel(7));
            broker(pubComp(7));
            assertThat(events()).as("PublishReceived once only").containsExactly("reconnected:false", "done:1");
        }

        @Test
        void releasedAfterAReconnectionWithTheSession() {
            connect();
            publishedAndPubreced();
            reconnect(connAck().sessionPresent(true));
            assertThat(sent()).as("nothing to send until the device releases it").isEmpty();
            assertThat(counters().retransmissions()).isZero();
            release(1, 7);
            assertThat(sent()).containsExactly(Packet.pubRel(7));
            broker(pubComp(7));
            assertThat(events()).containsExactly("reconnected:true", "done:1");
        }

        @Test
        void releasedAfterAReconnectionWithoutTheSession() {
            connect();
            publishedAndPubreced();
            reconnect(connAck());
            assertThat(sent()).containsExactly(Packet.publish(7, "c/t", 2, "m1"));
            release(1, 7); // before the new PUBREC
            assertThat(sent()).isEmpty();
            broker(pubRec(7));
            assertThat(sent()).containsExactly(Packet.pubRel(7));
            broker(pubComp(7));
            assertThat(events()).containsExactly("reconnected:false", "done:1");
        }

        @Test
        void releasedAfterTheNewPubrecWithoutTheSession() {
            connect();
            publishedAndPubreced();
            reconnect(connAck());
            assertThat(sent()).containsExactly(Packet.publish(7, "c/t", 2, "m1"));
            broker(pubRec(7));
            assertThat(effects()).as("reported once already").containsExactly(
                    new Event(new UpstreamEvent.Reconnected(false)));
            release(1, 7);
            assertThat(sent()).containsExactly(Packet.pubRel(7));
            broker(pubComp(7));
            assertThat(events()).containsExactly("done:1");
        }

        @Test
        void lostBeforeThePubrecThePublishGoesAgainWithDup() {
            connect();
            publishChained(1, "c/t", 7);
            sent();
            closed();
            reconnect(connAck().sessionPresent(true));
            assertThat(sent()).containsExactly(Packet.publish(7, "c/t", 2, "m1").asDup());
            broker(pubRec(7));
            release(1, 7);
            assertThat(sent()).containsExactly(Packet.pubRel(7));
            broker(pubComp(7));
            assertThat(events()).containsExactly("lost", "reconnected:true", "received:1", "done:1");
        }

        @Test
        void aPublishAwaitingItsReleaseIsNoSuspectAndDoesNotHoldUpTheSearch() {
            connect(connAck().sessionPresent(true));
            publishChained(1, "c/t", 7);
            publish(2, "t/2", 1);
            sent();
            broker(pubRec(7));
            brokerDisconnects(0x90);
            reconnect(connAck().sessionPresent(true));
            assertThat(sent()).as("the suspect goes alone").containsExactly(Packet.publish(1, "t/2", 1, "m2").asDup());
            broker(pubAck(1));
            release(1, 7);
            assertThat(sent()).containsExactly(Packet.pubRel(7));
            broker(pubComp(7));
            assertThat(events()).containsExactly("received:1", "lost", "reconnected:true", "done:2", "done:1");
            assertThat(counters().disconnectCulprits()).isZero();
        }
    }

    @Nested
    class UnknownTokens {

        @Test
        void aReleaseOfAnUnknownTokenSendsPubrelForItsIdAndCompletesAtPubcomp() {
            connect();
            release(99, 12);
            assertThat(sent()).containsExactly(Packet.pubRel(12));
            assertThat(inFlight()).isEqualTo(1);
            broker(pubComp(12));
            assertThat(events()).containsExactly("done:99");
            assertThat(inFlight()).isZero();
        }

        @Test
        void evenAPubcompPacketIdNotFoundCompletesIt() {
            connect();
            release(99, 12);
            sent();
            broker(pubComp(12, 0x92));
            assertThat(events()).containsExactly("done:99");
        }

        @Test
        void withoutAnIdItIsDoneAtOnce() {
            connect();
            release(98, 0);
            assertThat(effects()).containsExactly(new Event(new UpstreamEvent.PublishDone(98,
                    Optional.empty())));
        }

        @Test
        void beforeTheConnectionThePubrelGoesOnceConnected() {
            release(97, 13);
            connect();
            assertThat(sent()).containsExactly(Packet.pubRel(13));
            broker(pubComp(13, 0x92));
            assertThat(events()).containsExactly("done:97");
        }

        @Test
        void itsIdInUseItWaits() {
            connect();
            publish(1, "a/t", 1);
            sent();
            release(96, 1);
            assertThat(sent()).isEmpty();
            broker(pubAck(1));
            assertThat(sent()).containsExactly(Packet.pubRel(1));
            broker(pubComp(1));
            assertThat(events()).containsExactly("done:1", "done:96");
        }

        @Test
        void thePubrelGoesAgainAfterAReconnectionWithOrWithoutTheSession() {
            connect();
            release(95, 14);
            sent();
            closed();
            reconnect(connAck());
            assertThat(sent()).containsExactly(Packet.pubRel(14));
            broker(pubComp(14, 0x92));
            assertThat(events()).containsExactly("lost", "reconnected:false", "done:95");
        }
    }
}
