package io.sngate.gateway.upstream.core;

import static io.sngate.gateway.upstream.core.BrokerPackets.connAck;
import static io.sngate.gateway.upstream.core.BrokerPackets.pubAck;
import static io.sngate.gateway.upstream.core.BrokerPackets.pubComp;
import static io.sngate.gateway.upstream.core.BrokerPackets.pubRec;
import static io.sngate.gateway.upstream.core.BrokerPackets.subAck;
import static io.sngate.gateway.upstream.core.BrokerPackets.unsubAck;
import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.gateway.session.UpstreamEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * {@link OutboundWindow} through {@link MqttClientCore}: the queue and its bound, the window
 * under the broker's Receive Maximum, packet ids, re-sending after a reconnection, the broker's
 * limits, TCP back-pressure, reason codes, and every request completed exactly once.
 */
class OutboundWindowTest extends CoreHarness {

    @Nested
    class Window {

        @Test
        void inFlightPublishesNeverExceedTheBrokersReceiveMaximum() {
            connect(connAck().receiveMaximum(2));
            for (long token = 1; token <= 5; token++) {
                publish(token, "rm/t", token % 2 == 0 ? 2 : 1);
            }
            assertThat(sent()).containsExactly(Packet.publish(1, "rm/t", 1, "m1"), Packet.publish(2, "rm/t", 2, "m2"));
            assertThat(inFlight()).isEqualTo(2);
            assertThat(queued()).isEqualTo(3);

            broker(pubAck(1));
            assertThat(sent()).containsExactly(Packet.publish(3, "rm/t", 1, "m3"));
            // QoS 2: the quota comes back at PUBCOMP, not at PUBREC.
            broker(pubRec(2));
            assertThat(sent()).containsExactly(Packet.pubRel(2));
            broker(pubComp(2));
            assertThat(sent()).containsExactly(Packet.publish(4, "rm/t", 2, "m4"));
            broker(pubAck(3));
            assertThat(sent()).containsExactly(Packet.publish(5, "rm/t", 1, "m5"));
            broker(pubRec(4));
            assertThat(sent()).containsExactly(Packet.pubRel(4));
            broker(pubComp(4));
            broker(pubAck(5));
            assertThat(sent()).isEmpty();
            assertThat(events()).containsExactly("done:1", "done:2", "done:3", "done:4", "done:5");
            assertThat(inFlight()).isZero();
            assertThat(queued()).isZero();
            assertThat(counters().messagesOut()).isEqualTo(5);
            assertThat(counters().publishesCompleted()).isEqualTo(5);
        }

        @Test
        void aRefusalGivesTheQuotaBackToo() {
            connect(connAck().receiveMaximum(1));
            publish(1, "t/a", 1);
            publish(2, "t/b", 2);
            publish(3, "t/c", 1);
            assertThat(sent()).containsExactly(Packet.publish(1, "t/a", 1, "m1"));
            broker(pubAck(1, 0x87));
            assertThat(sent()).containsExactly(Packet.publish(2, "t/b", 2, "m2"));
            broker(pubRec(2, 0x97)); // a failed PUBREC ends the exchange (MQTT 5 §4.9)
            assertThat(sent()).containsExactly(Packet.publish(3, "t/c", 1, "m3"));
            assertThat(events()).containsExactly("done:1:REFUSED", "done:2:REFUSED");
        }

        @Test
        void subscribesAndQos0PublishesDoNotCountAgainstTheReceiveMaximumButKeepTheirTurn() {
            connect(connAck().receiveMaximum(1));
            publish(1, "t/a", 1);
            subscribe(2, "s/#", 1);
            publish(3, "t/b", 0);
            assertThat(sent()).containsExactly(Packet.publish(1, "t/a", 1, "m1"), Packet.subscribe(2, "s/#", 1),
                    Packet.publish(0, "t/b", 0, "m3"));

            publish(4, "t/c", 1);
            subscribe(5, "s2/#", 2);
            publish(6, "t/d", 0);
            assertThat(sent()).as("behind a publish waiting for quota, in order").isEmpty();
            assertThat(queued()).isEqualTo(3);
            broker(pubAck(1));
            assertThat(sent()).containsExactly(Packet.publish(3, "t/c", 1, "m4"), Packet.subscribe(4, "s2/#", 2),
                    Packet.publish(0, "t/d", 0, "m6"));
            assertThat(events()).containsExactly("done:1");
        }

        @Test
        void qos0PublishesAreSentAndNotCompleted() {
            connect();
            publish(1, "t/q0", 0);
            publish(2, "t/q0", 0, true);
            assertThat(sent()).containsExactly(Packet.publish(0, "t/q0", 0, "m1"),
                    Packet.publish(0, "t/q0", 0, "m2").asRetained());
            assertThat(events()).isEmpty();
            assertThat(inFlight()).isZero();
            assertThat(counters().messagesOut()).isEqualTo(2);
        }

        @Test
        void theExactPayloadBytesGoOut() {
            connect();
            byte[] payload = {0x00, (byte) 0xFF, 0x7F, (byte) 0x80, 0x00};
            publish(1, "bin/t", payload, 1, false);
            publish(2, "bin/t", new byte[0], 2, false);
            List<Packet> sent = sent();
            assertThat(sent).extracting(p -> Arrays.toString(p.payload().toArray()))
                    .containsExactly(Arrays.toString(payload), "[]");
        }

        @Test
        void packetIdsAreNeverZeroAndNeverReusedWhileInFlight() {
            connect();
            publish(0, "ids/held", 2); // stays in flight while the ids wrap around
            int held = sent().get(0).packetId();
            assertThat(held).isEqualTo(1);
            Set<Integer> seen = new HashSet<>();
            List<Integer> wrong = new ArrayList<>(); // plain checks in the loop: AssertJ costs microseconds
            int total = 70_000;
            int batch = 1_000; // in flight together: ids in use are skipped, not only the held one
            for (long token = 1; token <= total; token += batch) {
                for (long t = token; t < token + batch; t++) {
                    publish(t, "ids/t", 1);
                }
                List<Packet> sent = sent();
                assertThat(sent).hasSize(batch);
                Set<Integer> inFlightNow = new HashSet<>();
                for (Packet p : sent) {
                    int id = p.packetId();
                    if (id < 1 || id > 65_535 || id == held || !inFlightNow.add(id)) {
                        wrong.add(id);
                    }
                }
                seen.addAll(inFlightNow);
                for (Packet p : sent) {
                    broker(pubAck(p.packetId()));
                }
                assertThat(takeEvents()).hasSize(batch)
                        .allMatch(e -> e instanceof UpstreamEvent.PublishDone d && d.failure().isEmpty());
            }
            assertThat(wrong).isEmpty();
            assertThat(seen).hasSize(65_534);
            assertThat(counters().publishesCompleted()).isEqualTo(total);
            assertThat(inFlight()).isEqualTo(1);
        }
    }

    @Nested
    class Reconnection {

        @Test
        void withTheSessionUnansweredRequestsGoAgainPublishesWithDupAndPubrelsAgain() {
            connect();
            publish(1, "re/q1", 1);
            publish(2, "re/q2", 2);
            publish(3, "re/q2b", 2);
            subscribe(4, "re/#", 1);
            unsubscribe(5, "old/#");
            assertThat(sent()).containsExactly(Packet.publish(1, "re/q1", 1, "m1"), Packet.publish(2, "re/q2", 2, "m2"),
                    Packet.publish(3, "re/q2b", 2, "m3"), Packet.subscribe(4, "re/#", 1),
                    Packet.unsubscribe(5, "old/#"));
            broker(pubRec(2));
            assertThat(sent()).containsExactly(Packet.pubRel(2));

            closed();
            assertThat(events()).containsExactly("lost");
            reconnect(connAck().sessionPresent(true));
            assertThat(sent()).containsExactly(Packet.publish(1, "re/q1", 1, "m1").asDup(), Packet.pubRel(2),
                    Packet.publish(3, "re/q2b", 2, "m3").asDup(), Packet.subscribe(4, "re/#", 1),
                    Packet.unsubscribe(5, "old/#"));
            assertThat(events()).containsExactly("reconnected:true");
            assertThat(counters().retransmissions()).isEqualTo(5);
            assertThat(counters().messagesOut()).as("re-sends are not new messages").isEqualTo(3);

            broker(pubAck(1));
            broker(pubComp(2));
            broker(pubRec(3));
            assertThat(sent()).containsExactly(Packet.pubRel(3));
            broker(pubComp(3));
            broker(subAck(4, 1));
            broker(unsubAck(5, 0));
            assertThat(events()).containsExactly("done:1", "done:2", "done:3", "subscribed:4:1", "unsubscribed:5");
            assertThat(counters().reconnects()).isEqualTo(1);
        }

        @Test
        void withoutTheSessionInFlightPublishesGoAgainAsNewMessages() {
            connect();
            publish(1, "ns/q2", 2);
            publish(2, "ns/q1", 1);
            sent();
            broker(pubRec(1));
            assertThat(sent()).containsExactly(Packet.pubRel(1));

            closed();
            reconnect(connAck());
            // The broker lost its PUBREC state: only a new PUBLISH gets the message there.
            assertThat(sent()).containsExactly(Packet.publish(1, "ns/q2", 2, "m1"),
                    Packet.publish(2, "ns/q1", 1, "m2"));
            assertThat(events()).containsExactly("lost", "reconnected:false");
            broker(pubRec(1));
            assertThat(sent()).containsExactly(Packet.pubRel(1));
            broker(pubComp(1));
            broker(pubAck(2));
            assertThat(events()).containsExactly("done:1", "done:2");
        }

        @Test
        void reSendsGoFirstAndWithinTheNewConnectionsReceiveMaximum() {
            connect();
            publish(1, "t/a", 1);
            publish(2, "t/b", 1);
            publish(3, "t/c", 1);
            sent();
            closed();
            publish(4, "t/d", 1);
            reconnect(connAck().sessionPresent(true).receiveMaximum(1));
            assertThat(sent()).containsExactly(Packet.publish(1, "t/a", 1, "m1").asDup());
            broker(pubAck(1));
            assertThat(sent()).containsExactly(Packet.publish(2, "t/b", 1, "m2").asDup());
            broker(pubAck(2));
            assertThat(sent()).containsExactly(Packet.publish(3, "t/c", 1, "m3").asDup());
            broker(pubAck(3));
            assertThat(sent()).containsExactly(Packet.publish(4, "t/d", 1, "m4"));
            broker(pubAck(4));
            assertThat(events()).containsExactly("lost", "reconnected:true", "done:1", "done:2", "done:3", "done:4");
        }

        @Test
        void anAnswerToARequestNotYetReSentFreesNoSlotOfTheNewConnection() {
            connect();
            publish(1, "t/a", 1);
            publish(2, "t/b", 1);
            publish(3, "t/c", 1);
            sent();
            closed();
            reconnect(connAck().sessionPresent(true).receiveMaximum(2));
            assertThat(sent()).containsExactly(Packet.publish(1, "t/a", 1, "m1").asDup(),
                    Packet.publish(2, "t/b", 1, "m2").asDup());
            // A broker answering the third before it was re-sent: it held no slot here.
            broker(pubAck(3));
            assertThat(sent()).as("still two in flight, the broker's limit").isEmpty();
            publish(4, "t/d", 1);
            assertThat(sent()).isEmpty();
            broker(pubAck(1));
            assertThat(sent()).containsExactly(Packet.publish(4, "t/d", 1, "m4"));
            broker(pubAck(2));
            broker(pubAck(4));
            assertThat(events()).containsExactly("lost", "reconnected:true", "done:3", "done:1", "done:2", "done:4");
        }

        @Test
        void requestsMadeWhileWaitingToReconnectGoAfterTheReconnection() {
            connect();
            closed();
            publish(1, "t/a", 1);
            subscribe(2, "s/#", 0);
            assertThat(queued()).isEqualTo(2);
            reconnect(connAck());
            assertThat(sent()).containsExactly(Packet.publish(1, "t/a", 1, "m1"), Packet.subscribe(2, "s/#", 0));
        }
    }

    @Nested
    class BrokerLimits {

        @Test
        void whatTheConnackForbidsIsRefusedWithoutBeingSent() {
            connect(connAck().maximumQos(1).retainAvailable(false));
            publish(1, "l/t", 2);
            publish(2, "l/t", 1, true);
            publish(3, "l/t", 0, true);
            publish(4, "l/t", 1);
            assertThat(sent()).containsExactly(Packet.publish(1, "l/t", 1, "m4"));
            assertThat(events()).containsExactly("done:1:REFUSED", "done:2:REFUSED", "done:3:REFUSED");
            assertThat(counters().requestsRefused()).isEqualTo(3);
            assertThat(counters().refusedByBroker()).isZero();
            assertThat(counters().messagesOut()).isEqualTo(1);
        }

        @Test
        void aMaximumQosOfZeroRefusesQos1() {
            connect(connAck().maximumQos(0));
            publish(1, "l/t", 1);
            publish(2, "l/t", 0);
            assertThat(events()).containsExactly("done:1:REFUSED");
            assertThat(sent()).containsExactly(Packet.publish(0, "l/t", 0, "m2"));
        }

        @Test
        void aPublishLargerThanTheBrokersMaximumPacketSizeIsRefused() {
            // PUBLISH, QoS 1, topic "t": remaining length = 2 + 1 (topic) + 2 (packet id) + 1
            // (no properties) + payload; the fixed header is 1 byte + the remaining length (1 byte
            // up to 127, 2 bytes from 128). 122 bytes of payload: 128 + 3 = 131 bytes.
            connect(connAck().maximumPacketSize(131));
            publish(1, "t", new byte[122], 1, false);
            publish(2, "t", new byte[123], 1, false);
            assertThat(sent()).extracting(Packet::packetId).containsExactly(1);
            assertThat(events()).containsExactly("done:2:REFUSED");
        }

        @Test
        void theSizeCountsTheLongerRemainingLength() {
            // 121 bytes of payload: remaining length 127, 129 bytes; one more byte of payload
            // makes the remaining length take two bytes: 131.
            connect(connAck().maximumPacketSize(130));
            publish(1, "t", new byte[121], 1, false);
            publish(2, "t", new byte[122], 1, false);
            assertThat(sent()).extracting(Packet::packetId).containsExactly(1);
            assertThat(events()).containsExactly("done:2:REFUSED");
        }

        @Test
        void theSizeCountsTopicBytesAndNoPacketIdAtQos0() {
            // QoS 0, topic "é/t" (4 bytes in UTF-8): remaining length = 2 + 4 + 1 + payload.
            connect(connAck().maximumPacketSize(129));
            publish(1, "é/t", new byte[120], 0, false); // remaining 127: 129 bytes
            publish(2, "é/t", new byte[121], 0, false); // remaining 128: 131 bytes
            assertThat(sent()).extracting(Packet::topic).containsExactly("é/t");
            assertThat(events()).containsExactly("done:2:REFUSED");
        }

        @Test
        void eachConnectionHasTheLimitsOfItsConnack() {
            connect(connAck().maximumQos(1));
            publish(1, "l/t", 2);
            assertThat(events()).containsExactly("done:1:REFUSED");
            closed();
            reconnect(connAck());
            publish(2, "l/t", 2);
            assertThat(sent()).containsExactly(Packet.publish(1, "l/t", 2, "m2"));
        }
    }

    @Nested
    class BackPressure {

        @Test
        void nothingGoesWhileTheSocketPushesBackAndTheQueueDrainsWhenItTakesMore() {
            connect();
            writable(false);
            publish(1, "bp/t", 1);
            publish(2, "bp/t", 0);
            subscribe(3, "bp/#", 1);
            assertThat(sent()).isEmpty();
            assertThat(queued()).isEqualTo(3);
            writable(true);
            assertThat(sent()).containsExactly(Packet.publish(1, "bp/t", 1, "m1"), Packet.publish(0, "bp/t", 0, "m2"),
                    Packet.subscribe(2, "bp/#", 1));
            assertThat(queued()).isZero();
        }

        @Test
        void aNewConnectionStartsWritable() {
            connect();
            writable(false);
            closed();
            publish(1, "bp/t", 1);
            reconnect(connAck());
            assertThat(sent()).containsExactly(Packet.publish(1, "bp/t", 1, "m1"));
        }
    }

    @Nested
    class Bounds {

        @Test
        void whenTheQueueIsFullARequestFailsAtOnceWithCongestion() {
            options(defaultOptions().withMaxQueuedRequests(2));
            connect();
            closed();
            assertThat(events()).containsExactly("lost");
            publish(1, "o/t", 1);
            publish(2, "o/t", 1);
            publish(3, "o/t", 1);
            subscribe(4, "o/#", 1);
            unsubscribe(5, "o/#");
            assertThat(events()).containsExactly("done:3:CONGESTION", "subscribed:4:CONGESTION", "unsubscribed:5");
            assertThat(counters().requestsRejectedCongestion()).isEqualTo(3);
            assertThat(queued()).isEqualTo(2);

            reconnect(connAck());
            assertThat(sent()).containsExactly(Packet.publish(1, "o/t", 1, "m1"), Packet.publish(2, "o/t", 1, "m2"));
            broker(pubAck(1));
            broker(pubAck(2));
            assertThat(events()).containsExactly("reconnected:false", "done:1", "done:2");
        }

        @Test
        void theQueueBoundCountsWhatWaitsForQuotaToo() {
            options(defaultOptions().withMaxQueuedRequests(1));
            connect(connAck().receiveMaximum(1));
            publish(1, "o/t", 1);
            publish(2, "o/t", 1);
            publish(3, "o/t", 1);
            assertThat(sent()).containsExactly(Packet.publish(1, "o/t", 1, "m1"));
            assertThat(events()).containsExactly("done:3:CONGESTION");
        }

        @Test
        void withNoQueueOnlyWhatCanGoAtOnceIsTaken() {
            options(defaultOptions().withMaxQueuedRequests(0));
            publish(1, "o/t", 1);
            assertThat(events()).as("not connected: it cannot go at once").containsExactly("done:1:CONGESTION");
            connect();
            publish(2, "o/t", 1);
            assertThat(sent()).containsExactly(Packet.publish(1, "o/t", 1, "m2"));
        }

        @Test
        void endingFailsEverythingWaitingExactlyOnceWithCongestion() {
            connect(connAck().receiveMaximum(2));
            publish(1, "e/t", 1);
            publish(2, "e/t", 2);
            subscribe(3, "e/#", 1);
            unsubscribe(4, "x/#");
            publish(5, "e/t", 1);
            publish(6, "e/t", 0);
            assertThat(sent()).hasSize(4);
            broker(pubRec(2));
            assertThat(sent()).containsExactly(Packet.pubRel(2));
            close();
            assertThat(events()).containsExactly("done:1:CONGESTION", "done:2:CONGESTION", "subscribed:3:CONGESTION",
                    "unsubscribed:4", "done:5:CONGESTION", "done:6:CONGESTION");
            assertThat(counters().requestsFailedOnClose()).isEqualTo(6);
            assertThat(effects()).containsExactly(halfClose(Packet.disconnect(0)));
            // Answers after our DISCONNECT complete nothing a second time (checked after each test).
            broker(pubAck(1));
            broker(pubComp(2));
            closed();
            disconnect(false, OptionalLong.empty());
            assertThat(effects()).isEmpty();
        }
    }

    @Nested
    class Answers {

        @Test
        void reasonCodesDecideSuccessOrRefusal() {
            connect();
            publish(1, "rc/t", 1);
            publish(2, "rc/t", 1);
            publish(3, "rc/t", 2);
            publish(4, "rc/t", 2);
            subscribe(5, "rc/#", 2);
            subscribe(6, "rc/+", 1);
            subscribe(7, "rc/x", 0);
            unsubscribe(8, "rc/y");
            unsubscribe(9, "rc/z");
            assertThat(sent()).hasSize(9);
            broker(pubAck(1, 0x10)); // no matching subscribers: a success
            broker(pubAck(2, 0x87)); // not authorized
            broker(pubRec(3, 0x97)); // quota exceeded: no PUBREL
            broker(pubRec(4, 0x10));
            assertThat(sent()).containsExactly(Packet.pubRel(4));
            broker(pubComp(4));
            broker(subAck(5, 1));
            broker(subAck(6, 0x80));
            broker(subAck(7, 0));
            broker(unsubAck(8, 0x87)); // the owner hears Unsubscribed either way
            broker(unsubAck(9, 0x11)); // no subscription existed: not a failure
            assertThat(events()).containsExactly("done:1", "done:2:REFUSED", "done:3:REFUSED", "done:4",
                    "subscribed:5:1", "subscribed:6:REFUSED", "subscribed:7:0", "unsubscribed:8", "unsubscribed:9");
            assertThat(counters().refusedByBroker()).isEqualTo(4);
            assertThat(counters().requestsRefused()).isEqualTo(4);
            assertThat(counters().publishesCompleted()).isEqualTo(2);
            assertThat(counters().disconnectCulprits()).isZero();
            assertThat(inFlight()).isZero();
            assertThat(sent()).isEmpty();
            assertThat(state()).isEqualTo(ClientState.CONNECTED);
        }

        @Test
        void aRefusedRequestIsNeverSentAgain() {
            connect();
            publish(1, "r/a", 1);
            publish(2, "r/b", 1);
            publish(3, "r/c", 1);
            sent();
            broker(pubAck(2, 0x87));
            broker(pubAck(1));
            closed();
            reconnect(connAck().sessionPresent(true));
            assertThat(sent()).containsExactly(Packet.publish(3, "r/c", 1, "m3").asDup());
            broker(pubAck(3));
            assertThat(events()).containsExactly("done:2:REFUSED", "done:1", "lost", "reconnected:true", "done:3");
        }

        @Test
        void invalidTopicsAreRefusedLocallyWithoutHurtingTheConnection() {
            connect();
            publish(1, "bad/+/topic", 1);
            publish(2, "", 1);
            subscribe(3, "bad/#/filter", 1);
            unsubscribe(4, "bad/#/filter");
            publish(5, "good/topic", 1);
            assertThat(events()).containsExactly("done:1:REFUSED", "done:2:REFUSED", "subscribed:3:REFUSED",
                    "unsubscribed:4");
            assertThat(sent()).containsExactly(Packet.publish(1, "good/topic", 1, "m5"));
            assertThat(counters().requestsRefused()).isEqualTo(4);
            assertThat(counters().refusedByBroker()).isZero();
            assertThat(state()).isEqualTo(ClientState.CONNECTED);
        }

        @Test
        void aPubrecForNoPublishIsAnsweredWithPubrelPacketIdNotFound() {
            connect();
            broker(pubRec(42));
            assertThat(effects()).containsExactly(send(Packet.pubRel(42, 0x92)));
            assertThat(state()).isEqualTo(ClientState.CONNECTED);
        }

        @Test
        void aPubcompOrSubackForNoRequestIsAProtocolError() {
            connect();
            broker(pubComp(7));
            assertThat(effects()).containsExactly(send(Packet.disconnect(0x82)), CLOSE);
            closed();
            reconnect(connAck());
            broker(subAck(8, 0));
            assertThat(effects()).containsExactly(new Event(new UpstreamEvent.ConnectionLost(
                    "PUBCOMP for unknown packet id 7")), new Event(new UpstreamEvent.Reconnected(false)),
                    send(Packet.disconnect(0x82)), CLOSE);
            assertThat(counters().protocolErrors()).isEqualTo(2);
        }

        @Test
        void aSecondPubackForTheSameIdIsAProtocolError() {
            connect();
            publish(1, "t/a", 1);
            sent();
            broker(pubAck(1));
            broker(pubAck(1));
            assertThat(effects()).containsExactly(new Event(new UpstreamEvent.PublishDone(1, Optional.empty())),
                    send(Packet.disconnect(0x82)), CLOSE);
        }
    }
}
