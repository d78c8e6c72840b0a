package io.sngate.gateway.upstream.core;

import static io.sngate.gateway.upstream.core.BrokerPackets.connAck;
import static io.sngate.gateway.upstream.core.BrokerPackets.message;
import static io.sngate.gateway.upstream.core.BrokerPackets.pubRel;
import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.gateway.session.UpstreamEvent;
import io.sngate.gateway.upstream.ConnectOptions;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * {@link InboundQos} through {@link MqttClientCore}: the broker's messages, their delivery ids,
 * the acknowledgements the owner asks for (PUBACK, PUBREC; PUBCOMP at the broker's PUBREL), QoS 2
 * duplicates, our Receive Maximum, and what survives a reconnection.
 */
class InboundQosTest extends CoreHarness {

    static UpstreamEvent.Message delivered(long deliveryId, String topic, String payload, int qos) {
        return new UpstreamEvent.Message(deliveryId, topic, Bytes.utf8(payload), QoS.ofLevel(qos), false);
    }

    /** A message the broker sent again with DUP set. */
    static UpstreamEvent.Message redelivered(long deliveryId, String topic, String payload, int qos) {
        return new UpstreamEvent.Message(deliveryId, topic, Bytes.utf8(payload), QoS.ofLevel(qos), false, true);
    }

    @Nested
    class Acknowledgements {

        @Test
        void qos0IsDeliveredAndNeedsNothing() {
            connect();
            broker(message("in/c", "hello", 0, 0));
            assertThat(takeEvents()).containsExactly(delivered(1, "in/c", "hello", 0));
            assertThat(sent()).isEmpty();
            assertThat(inboundPending()).isZero();
            acknowledge(1); // nothing to do: counted, ignored
            assertThat(sent()).isEmpty();
            assertThat(counters().staleAcknowledgements()).isEqualTo(1);
            assertThat(counters().messagesIn()).isEqualTo(1);
        }

        @Test
        void qos1IsAcknowledgedOnlyWhenTheOwnerSaysSo() {
            connect();
            broker(message("in/a", "a", 1, 5));
            assertThat(takeEvents()).containsExactly(delivered(1, "in/a", "a", 1));
            assertThat(sent()).isEmpty();
            assertThat(inboundPending()).isEqualTo(1);
            advance(30_000);
            assertThat(sent()).as("no acknowledgement by itself, however long").isEmpty();

            acknowledge(1);
            assertThat(sent()).containsExactly(Packet.pubAck(5));
            assertThat(inboundPending()).isZero();
            acknowledge(1); // twice: ignored
            assertThat(sent()).isEmpty();
            assertThat(counters().staleAcknowledgements()).isEqualTo(1);
        }

        @Test
        void qos2IsPubrecedWhenTheOwnerSaysSoAndCompletedAtThePubrel() {
            connect();
            broker(message("in/b", "b", 2, 42));
            assertThat(takeEvents()).containsExactly(delivered(1, "in/b", "b", 2));
            assertThat(sent()).isEmpty();
            acknowledge(1);
            assertThat(sent()).containsExactly(Packet.pubRec(42));
            assertThat(inboundPending()).as("until PUBREL").isEqualTo(1);
            broker(pubRel(42));
            assertThat(sent()).containsExactly(Packet.pubComp(42));
            assertThat(inboundPending()).isZero();
            assertThat(counters().staleAcknowledgements()).isZero();
        }

        @Test
        void everyMessageHasItsOwnDeliveryIdAndItsBytesAndRetainFlag() {
            connect();
            broker(message("in/a", new byte[] {0x00, (byte) 0xFF}, 1, 1, false, true));
            broker(message("in/b", new byte[] {(byte) 0xFF, 0x00}, 2, 1, false, false));
            broker(message("in/c", new byte[] {0x42}, 0, 0, false, false));
            assertThat(takeEvents()).containsExactly(
                    new UpstreamEvent.Message(1, "in/a", Bytes.wrap(new byte[] {0x00, (byte) 0xFF}), QoS.AT_LEAST_ONCE,
                            true),
                    new UpstreamEvent.Message(2, "in/b", Bytes.wrap(new byte[] {(byte) 0xFF, 0x00}),
                            QoS.EXACTLY_ONCE, false),
                    new UpstreamEvent.Message(3, "in/c", Bytes.wrap(new byte[] {0x42}), QoS.AT_MOST_ONCE, false));
            acknowledge(2);
            acknowledge(1);
            assertThat(sent()).containsExactly(Packet.pubRec(1), Packet.pubAck(1));
            assertThat(counters().messagesIn()).isEqualTo(3);
        }

        @Test
        void aPubrelForNoMessageIsAnsweredPacketIdNotFound() {
            connect();
            broker(pubRel(77));
            assertThat(effects()).containsExactly(send(Packet.pubComp(77, 0x92)));
            assertThat(state()).isEqualTo(ClientState.CONNECTED);
        }
    }

    @Nested
    class Duplicates {

        @Test
        void aQos2MessageSentAgainBeforePubrelIsDeliveredOnce() {
            connect();
            broker(message("in/q2", "9", 2, 42));
            assertThat(events()).containsExactly("message:1:in/q2:qos2");
            broker(message("in/q2", "9", 2, 42, true, false));
            assertThat(effects()).as("not delivered again, not acknowledged for the owner").isEmpty();
            assertThat(counters().duplicatesSuppressed()).isEqualTo(1);

            acknowledge(1);
            assertThat(sent()).containsExactly(Packet.pubRec(42));
            // A copy after PUBREC is answered with PUBREC again, still not delivered.
            broker(message("in/q2", "9", 2, 42, true, false));
            assertThat(effects()).containsExactly(send(Packet.pubRec(42)));
            broker(pubRel(42));
            assertThat(sent()).containsExactly(Packet.pubComp(42));

            // After PUBCOMP the id is free: the same id is a new message.
            broker(message("in/q2", "10", 2, 42));
            assertThat(takeEvents()).containsExactly(delivered(2, "in/q2", "10", 2));
            assertThat(counters().duplicatesSuppressed()).isEqualTo(2);
            assertThat(counters().messagesIn()).isEqualTo(2);
        }

        @Test
        void aQos1MessageSentAgainIsDeliveredAgain() {
            connect();
            broker(message("in/q1", "x", 1, 3));
            broker(message("in/q1", "x", 1, 3, true, false));
            assertThat(events()).containsExactly("message:1:in/q1:qos1", "message:2:in/q1:qos1");
            acknowledge(1);
            acknowledge(2);
            assertThat(sent()).containsExactly(Packet.pubAck(3), Packet.pubAck(3));
        }
    }

    @Nested
    class ReceiveMaximum {

        @Test
        void aBrokerExceedingOurReceiveMaximumIsDisconnected() {
            options(defaultOptions().withReceiveMaximum(2));
            connect();
            broker(message("in/x", "1", 1, 1));
            broker(message("in/x", "2", 1, 2));
            broker(message("in/x", "3", 1, 3));
            assertThat(effects()).containsExactly(new Event(delivered(1, "in/x", "1", 1)),
                    new Event(delivered(2, "in/x", "2", 1)), send(Packet.disconnect(0x93)), CLOSE);
            assertThat(counters().protocolErrors()).isEqualTo(1);
            assertThat(counters().messagesIn()).isEqualTo(2);
            closed();
            assertThat(events()).containsExactly("lost");
        }

        @Test
        void aBrokerGoingOnExceedingItGetsOneDisconnect() {
            options(defaultOptions().withReceiveMaximum(1));
            connect();
            broker(message("in/x", "1", 1, 1));
            broker(message("in/x", "2", 1, 2));
            assertThat(effects()).containsExactly(new Event(delivered(1, "in/x", "1", 1)),
                    send(Packet.disconnect(0x93)), CLOSE);
            // Until the close completes, what else the broker had sent is still read.
            broker(message("in/x", "3", 1, 3));
            assertThat(sent()).as("no second DISCONNECT (the harness fails any send after one)").isEmpty();
            assertThat(events()).isEmpty();
            closed();
            assertThat(events()).containsExactly("lost");
        }

        @Test
        void nothingIsWrittenAfterOurDisconnectWhileTheCloseCompletes() {
            options(defaultOptions().withReceiveMaximum(1));
            connect();
            broker(message("in/x", "1", 1, 1));
            broker(message("in/x", "2", 1, 2));
            assertThat(effects()).containsExactly(new Event(delivered(1, "in/x", "1", 1)),
                    send(Packet.disconnect(0x93)), CLOSE);
            broker(pubRel(9));
            acknowledge(1);
            publish(5, "out/t", 1);
            assertThat(sent()).as("nothing after our DISCONNECT (the harness fails any send after one)").isEmpty();
            closed();
            assertThat(events()).containsExactly("lost");
        }

        @Test
        void qos0DoesNotCountButAQos2UntilItsPubrelDoes() {
            options(defaultOptions().withReceiveMaximum(1));
            connect();
            broker(message("in/x", "a", 2, 1));
            broker(message("in/x", "b", 0, 0));
            assertThat(events()).containsExactly("message:1:in/x:qos2", "message:2:in/x:qos0");
            acknowledge(1);
            assertThat(sent()).containsExactly(Packet.pubRec(1));
            broker(message("in/x", "a", 2, 1, true, false)); // a duplicate is not one more
            assertThat(effects()).containsExactly(send(Packet.pubRec(1)));
            broker(pubRel(1));
            assertThat(sent()).containsExactly(Packet.pubComp(1));
            broker(message("in/x", "c", 1, 2));
            assertThat(events()).containsExactly("message:3:in/x:qos1");
            broker(message("in/x", "d", 2, 3));
            assertThat(effects()).containsExactly(send(Packet.disconnect(0x93)), CLOSE);
        }
    }

    @Nested
    class Reconnection {

        @Test
        void qos1DeliveryIdsAreStaleAfterAReconnection() {
            connect();
            broker(message("redeliver/x", "m1", 1, 5));
            assertThat(events()).containsExactly("message:1:redeliver/x:qos1");
            closed();
            acknowledge(1); // the connection is gone: no PUBACK can go (the harness fails a send)
            reconnect(connAck().sessionPresent(true));
            assertThat(events()).containsExactly("lost", "reconnected:true");
            broker(message("redeliver/x", "m1", 1, 5, true, false));
            assertThat(takeEvents()).as("the broker's DUP travels with it")
                    .containsExactly(redelivered(2, "redeliver/x", "m1", 1));
            acknowledge(1);
            assertThat(sent()).as("from the previous connection: ignored").isEmpty();
            assertThat(counters().staleAcknowledgements()).isEqualTo(2);
            acknowledge(2);
            assertThat(sent()).containsExactly(Packet.pubAck(5));
            assertThat(inboundPending()).isZero();
        }

        @Test
        void aQos2DeliveryIdLivesAsLongAsTheBrokerSession() {
            connect();
            broker(message("once/x", "exactly-once", 2, 42));
            assertThat(events()).containsExactly("message:1:once/x:qos2");
            closed();
            reconnect(connAck().sessionPresent(true));
            assertThat(events()).containsExactly("lost", "reconnected:true");
            // The broker sends it again (DUP): not delivered twice.
            broker(message("once/x", "exactly-once", 2, 42, true, false));
            assertThat(effects()).isEmpty();
            assertThat(counters().duplicatesSuppressed()).isEqualTo(1);
            // The id from before the reconnection still completes the exchange.
            acknowledge(1);
            assertThat(sent()).containsExactly(Packet.pubRec(42));
            broker(pubRel(42));
            assertThat(sent()).containsExactly(Packet.pubComp(42));
            assertThat(counters().staleAcknowledgements()).isZero();
            assertThat(inboundPending()).isZero();
        }

        @Test
        void aQos2AcknowledgedWhileDisconnectedIsPubrecedWhenTheBrokerSendsItAgain() {
            connect();
            broker(message("once/x", "m", 2, 42));
            events();
            closed();
            acknowledge(1);
            assertThat(sent()).isEmpty();
            reconnect(connAck().sessionPresent(true));
            broker(message("once/x", "m", 2, 42, true, false));
            assertThat(sent()).containsExactly(Packet.pubRec(42));
            assertThat(events()).containsExactly("lost", "reconnected:true");
        }

        @Test
        void withoutTheSessionEverythingPendingIsForgotten() {
            connect();
            broker(message("in/x", "a", 2, 42));
            broker(message("in/x", "b", 2, 43));
            broker(message("in/x", "c", 1, 44));
            events();
            acknowledge(2);
            assertThat(sent()).containsExactly(Packet.pubRec(43));
            assertThat(inboundPending()).isEqualTo(3);
            closed();
            reconnect(connAck());
            assertThat(events()).containsExactly("lost", "reconnected:false");
            assertThat(inboundPending()).isZero();
            acknowledge(1);
            assertThat(sent()).isEmpty();
            assertThat(counters().staleAcknowledgements()).isEqualTo(1);
            // The same packet id is a new message now.
            broker(message("in/x", "a", 2, 42));
            assertThat(events()).containsExactly("message:4:in/x:qos2");
        }

        @Test
        void qos1And2DuringAWillUpdateAreLeftForTheBrokerToSendAgain() {
            connect();
            updateWill(Optional.of(new ConnectOptions.Will("w/t", new byte[] {1}, 0, false)));
            assertThat(effects()).containsExactly(halfClose(Packet.disconnect(0)));
            broker(message("in/x", "q1", 1, 1));
            broker(message("in/x", "q2", 2, 2));
            broker(message("in/x", "q0", 0, 0));
            assertThat(events()).containsExactly("message:1:in/x:qos0");
            assertThat(inboundPending()).isZero();
            assertThat(sent()).isEmpty();
        }
    }
}
