package io.sngate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.Advertise;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.GwInfo;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PingResp;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.SearchGw;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.gateway.transport.LinkAddress;
import io.sngate.gateway.session.SessionState;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link Dispatcher}: routing by address, what it answers without a session (malformed and
 * oversized packets, SEARCHGW, QoS -1 publishes, client ids), and how sessions leave its
 * tables. Takeovers are in {@link DispatcherTakeoverTest}, limits in {@link DispatcherLimitsTest},
 * the devices file in {@link DispatcherDevicesFileTest}.
 */
class DispatcherTest extends DispatcherHarness {

    static final LinkAddress XBEE = new LinkAddress.XBee("radio0", 0x0013A20040A1B2C3L);

    // ================================================================== routing by address

    @Test
    void aConnectMakesASessionAtItsAddressAndThatAddressReachesIt() {
        receive(A, new Connect(false, true, 60, "dev-a"));

        assertThat(clientIds()).containsExactly("dev-a");
        assertThat(session("dev-a").address()).isEqualTo(A);
        assertThat(state("dev-a")).isEqualTo(SessionState.CONNECTING);
        assertThat(upstream("dev-a").connects).singleElement()
                .satisfies(request -> assertThat(request.clientId()).isEqualTo("dev-a"));
        assertThat(sent()).as("the CONNACK waits for the broker").isEmpty();
        assertThat(sessionsPerSource()).containsExactly(entry("192.0.2.1", 1));

        brokerAccepts("dev-a");
        assertThat(sent()).containsExactly(new Sent(A, new ConnAck(ReturnCode.ACCEPTED)));

        receive(A, PingReq.PLAIN);
        assertThat(sent()).containsExactly(new Sent(A, PingResp.INSTANCE));
        assertThat(moved()).isEmpty();
    }

    @Test
    void aSessionIsReachedFromItsOwnAddressOnlyNotFromAnotherPortOfTheSameHost() {
        connect(A, "dev-a");

        receive(A2, Disconnect.PLAIN);

        assertThat(sent()).as("spec §6.12: CONNECT first").containsExactly(new Sent(A2, Disconnect.PLAIN));
        assertThat(moved()).containsExactly(entry(Metrics.DROPPED_NO_SESSION, 1L));
        assertThat(state("dev-a")).as("the session at A never saw it").isEqualTo(SessionState.ACTIVE);
        assertThat(upstream("dev-a").disconnects).isEmpty();
    }

    @Test
    void eachOfTwoSessionsGetsThePacketsOfItsOwnAddress() {
        connect(A, "dev-a");
        connect(B, "dev-b");

        receive(B, Disconnect.PLAIN);

        assertThat(sent()).containsExactly(new Sent(B, Disconnect.PLAIN));
        assertThat(clientIds()).containsExactly("dev-a");
        assertThat(state("dev-a")).isEqualTo(SessionState.ACTIVE);
        assertThat(upstream("dev-b").disconnects).containsExactly(new FakeUpstream.Disconnected(false, true));
    }

    @Test
    void aPacketFromAnAddressWithoutASessionIsAnsweredWithDisconnectAndCounted() {
        receive(B, new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.PREDEFINED, PREDEFINED_ID, 9,
                Bytes.utf8("x")));

        assertThat(sent()).containsExactly(new Sent(B, Disconnect.PLAIN));
        assertThat(moved()).containsExactly(entry(Metrics.DROPPED_NO_SESSION, 1L));
        assertThat(clientIds()).isEmpty();
        assertThat(sessionsPerSource()).isEmpty();
    }

    @Test
    void aLinkDeliveryFailureReachesTheSessionAtThatAddress() {
        connect(A, "dev-a");
        brokerMessage("dev-a", PREDEFINED_TOPIC, "hello", QoS.AT_LEAST_ONCE);
        assertThat(sentTo(A)).singleElement().isInstanceOf(Publish.class);
        Publish first = (Publish) sentTo(A).get(0);

        undeliverable(B); // no session there: nothing happens
        undeliverable(A);
        advance(1_000); // ClientSession.LINK_FAILURE_RETRY_MILLIS, well before T_RETRY (10 s)

        assertThat(sent()).containsExactly(new Sent(A, first.asDuplicate()));
    }

    @Test
    void aSessionIsBoundByWhatItsLinkCarriesAtEachDeliveryNotWhenItWasCreated() {
        LinkAddress radioDevice = new LinkAddress.XBee("radio", 0x0013A20041000001L);
        AtomicInteger np = new AtomicInteger(40);
        packetLimit = address -> address instanceof LinkAddress.XBee ? np.get() : 65_507;
        String fortyBytes = "x".repeat(40 - 7); // a PUBLISH to a predefined id: 7 bytes of header
        connect(radioDevice, "dev-a");
        brokerMessage("dev-a", PREDEFINED_TOPIC, fortyBytes, QoS.AT_MOST_ONCE);
        assertThat(sentTo(radioDevice)).singleElement().isInstanceOf(Publish.class);

        np.set(30); // the radio came back with a smaller NP
        brokerMessage("dev-a", PREDEFINED_TOPIC, fortyBytes, QoS.AT_MOST_ONCE);
        assertThat(sent()).isEmpty();
        assertThat(moved()).containsExactly(entry("session.too_large_for_device", 1L));

        connect(A, "dev-a"); // the device moved to UDP, which carries far more
        brokerMessage("dev-a", PREDEFINED_TOPIC, "x".repeat(500), QoS.AT_MOST_ONCE);
        assertThat(sentTo(A)).singleElement().isInstanceOf(Publish.class);
    }

    // ================================================================== sessions leave the tables

    @Test
    void aSessionThatDisconnectsLeavesTheTablesAndItsAddressReachesNothing() {
        connect(A, "dev-a");

        receive(A, Disconnect.PLAIN);
        assertThat(sent()).containsExactly(new Sent(A, Disconnect.PLAIN));
        assertThat(clientIds()).isEmpty();
        assertThat(sessionsPerSource()).isEmpty();

        receive(A, PingReq.PLAIN);
        assertThat(sent()).containsExactly(new Sent(A, Disconnect.PLAIN));
        assertThat(moved()).containsExactly(entry(Metrics.DROPPED_NO_SESSION, 1L));
    }

    @Test
    void aSessionLostToItsKeepAliveLeavesTheTablesOnItsTimer() {
        connect(A, new Connect(false, true, 10, "dev-a"));

        advance(14_999); // keep-alive 10 s x 1.5
        assertThat(clientIds()).containsExactly("dev-a");

        advance(1);
        assertThat(moved()).containsExactly(entry(Metrics.CLIENTS_LOST, 1L));
        assertThat(clientIds()).isEmpty();
        assertThat(sessionsPerSource()).isEmpty();
        assertThat(upstream("dev-a").disconnects).as("lost: its will is published")
                .containsExactly(new FakeUpstream.Disconnected(true, true));
    }

    @Test
    void aConnectThatReachesASessionWhileItFinishesKeepsIt() {
        connect(A, "dev-a");

        // DISCONNECT and the device's next CONNECT are both handed over before the loop runs.
        receiveWhileLoopBusy(A, Disconnect.PLAIN);
        receiveWhileLoopBusy(A, new Connect(false, true, 60, "dev-a"));
        runLoop();

        assertThat(clientIds()).containsExactly("dev-a");
        assertThat(state("dev-a")).isEqualTo(SessionState.CONNECTING);
        assertThat(upstreamsMade("dev-a")).as("the same session").isEqualTo(1);
        assertThat(sessionsPerSource()).containsExactly(entry("192.0.2.1", 1));
        brokerAccepts("dev-a");
        assertThat(sent()).containsExactly(new Sent(A, new ConnAck(ReturnCode.ACCEPTED)));
    }

    @Test
    void stoppingTheGatewayShutsEverySessionsUpstreamDownAndPublishesNoWill() {
        connect(A, "dev-a");
        connect(B, "dev-b");

        dispatcher().shutdownSessions();
        runLoop();

        assertThat(upstream("dev-a").shutdown).isTrue();
        assertThat(upstream("dev-b").shutdown).isTrue();
        assertThat(upstream("dev-a").disconnects).isEmpty();
        assertThat(upstream("dev-b").disconnects).isEmpty();
    }

    // ================================================================== malformed and oversized

    @Test
    void malformedPacketsAreCountedByReasonAndDroppedWithoutAnswer() {
        connect(A, "dev-a");

        receiveRaw(A, new byte[] {0x05, 0x16}); // says 5 bytes, has 2
        assertThat(moved()).containsExactly(entry("malformed.length_mismatch", 1L));
        receiveRaw(A, new byte[] {0x02, 0x03}); // type 0x03 is reserved
        assertThat(moved()).containsExactly(entry("malformed.unknown_type", 1L));
        receiveRaw(B, new byte[] {0x01});
        assertThat(moved()).containsExactly(entry("malformed.truncated", 1L));
        assertThat(sent()).isEmpty();

        assertThat(metrics.get(Metrics.RECEIVED_PACKETS)).as("CONNECT and three bad ones").isEqualTo(4);
        assertThat(clientIds()).containsExactly("dev-a");
        assertThat(state("dev-a")).isEqualTo(SessionState.ACTIVE);
    }

    @Test
    void anOversizedQos1PublishFromAConnectedDeviceIsRefusedWithPubAckNotSupported() {
        maxPacketSize = 64;
        connect(A, "dev-a");
        Publish big = new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.PREDEFINED, PREDEFINED_ID, 0x1234,
                Bytes.wrap(new byte[80]));

        receive(A, big);

        assertThat(sent()).containsExactly(new Sent(A, new PubAck(PREDEFINED_ID, 0x1234,
                ReturnCode.REJECTED_NOT_SUPPORTED)));
        assertThat(moved()).containsOnly(entry(Metrics.DROPPED_OVERSIZED, 1L),
                entry(Metrics.OVERSIZED_PUBLISH_REFUSED, 1L));
        assertThat(upstream("dev-a").published).as("never reaches the session").isEmpty();
    }

    @Test
    void anOversizedPublishInTheThreeByteLengthFormIsReadFromItsHeaderToo() {
        maxPacketSize = 300;
        connect(A, "dev-a");
        Publish big = new Publish(false, QoS.EXACTLY_ONCE, false, TopicIdType.PREDEFINED, PREDEFINED_ID, 77,
                Bytes.wrap(new byte[400]));
        assertThat(MqttSn12Codec.INSTANCE.encode(big)[0]).as("3-byte length form").isEqualTo((byte) 0x01);

        receive(A, big);

        assertThat(sent()).containsExactly(new Sent(A, new PubAck(PREDEFINED_ID, 77,
                ReturnCode.REJECTED_NOT_SUPPORTED)));
        assertThat(moved()).containsOnly(entry(Metrics.DROPPED_OVERSIZED, 1L),
                entry(Metrics.OVERSIZED_PUBLISH_REFUSED, 1L));
    }

    @Test
    void otherOversizedPacketsAreCountedAndLeftUnanswered() {
        maxPacketSize = 64;
        connect(A, "dev-a");
        Bytes payload = Bytes.wrap(new byte[80]);

        receive(A, new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.PREDEFINED, PREDEFINED_ID, 0, payload));
        assertThat(sent()).as("QoS 0").isEmpty();
        assertThat(moved()).containsExactly(entry(Metrics.DROPPED_OVERSIZED, 1L));

        receive(B, new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.PREDEFINED, PREDEFINED_ID, 5, payload));
        assertThat(sent()).as("QoS 1 from an address without a session").isEmpty();
        assertThat(moved()).containsExactly(entry(Metrics.DROPPED_OVERSIZED, 1L));

        receive(A, new Connect(false, true, 60, "x".repeat(80)));
        assertThat(sent()).as("not a PUBLISH").isEmpty();
        assertThat(moved()).containsExactly(entry(Metrics.DROPPED_OVERSIZED, 1L));
        assertThat(clientIds()).containsExactly("dev-a");
    }

    // ================================================================== gateway discovery

    @Test
    void searchGwOnUdpIsAnsweredWithGwInfoToTheSearcherAndMakesNoSession() {
        receive(B, new SearchGw(1));

        assertThat(sent()).containsExactly(new Sent(B, GwInfo.fromGateway(GATEWAY_ID)));
        assertThat(broadcasts()).isEmpty();
        assertThat(clientIds()).isEmpty();
        assertThat(moved()).isEmpty();
    }

    @Test
    void searchGwOnARadioIsAnsweredByABroadcastWithinItsRadius() {
        receive(XBEE, new SearchGw(3));

        assertThat(broadcasts()).containsExactly(new Broadcast(XBEE, GwInfo.fromGateway(GATEWAY_ID), 3));
        assertThat(sent()).isEmpty();
    }

    @Test
    void advertiseAndGwInfoFromADeviceAreNotForTheGatewayAndAreCounted() {
        connect(A, "dev-a");

        receive(A, new Advertise(3, 900));
        assertThat(moved()).containsExactly(entry(Metrics.DROPPED_NOT_FOR_GATEWAY, 1L));
        receive(B, GwInfo.fromGateway(3));
        assertThat(moved()).containsExactly(entry(Metrics.DROPPED_NOT_FOR_GATEWAY, 1L));

        assertThat(sent()).isEmpty();
        assertThat(state("dev-a")).isEqualTo(SessionState.ACTIVE);
    }

    // ================================================================== QoS -1

    static Publish qosMinusOne(TopicIdType type, int topicId, String payload, boolean retain) {
        return new Publish(false, QoS.MINUS_ONE, retain, type, topicId, 0, Bytes.utf8(payload));
    }

    @Test
    void aQosMinusOnePublishToAPredefinedIdGoesUpstreamWithoutASession() {
        receive(B, qosMinusOne(TopicIdType.PREDEFINED, PREDEFINED_ID, "21.5", true));

        assertThat(unsessioned()).containsExactly(new Unsessioned(PREDEFINED_TOPIC, Bytes.utf8("21.5"), true));
        assertThat(moved()).containsExactly(entry(Metrics.QOS_MINUS_ONE_PUBLISHED, 1L));
        assertThat(sent()).isEmpty();
        assertThat(clientIds()).isEmpty();
        assertThat(sessionsPerSource()).isEmpty();
    }

    @Test
    void aQosMinusOnePublishToAShortNameGoesUpstreamUnderThatName() {
        receive(B, Publish.toShortName("ab", QoS.MINUS_ONE, false, 0, Bytes.utf8("v")));

        assertThat(unsessioned()).containsExactly(new Unsessioned("ab", Bytes.utf8("v"), false));
        assertThat(moved()).containsExactly(entry(Metrics.QOS_MINUS_ONE_PUBLISHED, 1L));
    }

    @Test
    void aQosMinusOnePublishFromAConnectedDevicesAddressDoesNotGoThroughItsSession() {
        connect(A, "dev-a");

        receive(A, qosMinusOne(TopicIdType.PREDEFINED, PREDEFINED_ID, "v", false));

        assertThat(unsessioned()).containsExactly(new Unsessioned(PREDEFINED_TOPIC, Bytes.utf8("v"), false));
        assertThat(upstream("dev-a").published).isEmpty();
        assertThat(sent()).isEmpty();
    }

    @Test
    void aQosMinusOnePublishToAnUnknownIdAWildcardShortNameOrANormalIdIsDroppedAndCounted() {
        receive(B, qosMinusOne(TopicIdType.PREDEFINED, 99, "v", false));
        assertThat(moved()).containsExactly(entry(Metrics.DROPPED_QOS_MINUS_ONE, 1L));
        receive(B, Publish.toShortName("a#", QoS.MINUS_ONE, false, 0, Bytes.utf8("v")));
        assertThat(moved()).containsExactly(entry(Metrics.DROPPED_QOS_MINUS_ONE, 1L));
        receive(B, qosMinusOne(TopicIdType.NORMAL, 1, "v", false));
        assertThat(moved()).containsExactly(entry(Metrics.DROPPED_QOS_MINUS_ONE, 1L));

        assertThat(unsessioned()).isEmpty();
        assertThat(sent()).isEmpty();
    }

    @Test
    void qosMinusOnePublishesAreDroppedWhenTurnedOff() {
        qosMinusOneEnabled = false;

        receive(B, qosMinusOne(TopicIdType.PREDEFINED, PREDEFINED_ID, "v", false));

        assertThat(unsessioned()).isEmpty();
        assertThat(moved()).containsExactly(entry(Metrics.DROPPED_QOS_MINUS_ONE, 1L));
        assertThat(sent()).isEmpty();
    }

    // ================================================================== client ids

    @Test
    void anEmptyClientIdWithCleanSessionGetsAStableIdDerivedFromItsAddress() {
        receive(A, new Connect(false, true, 60, ""));

        assertThat(moved()).containsExactly(entry(Metrics.CLIENT_ID_ASSIGNED, 1L));
        assertThat(clientIds()).singleElement().asString().matches("sngate-[0-9a-f]{16}");
        String assigned = clientIds().get(0);
        assertThat(session(assigned).address()).isEqualTo(A);
        brokerAccepts(assigned);
        assertThat(sent()).containsExactly(new Sent(A, new ConnAck(ReturnCode.ACCEPTED)));

        receive(A, Disconnect.PLAIN);
        assertThat(clientIds()).isEmpty();
        receive(A, new Connect(false, true, 60, ""));
        assertThat(clientIds()).as("the same address, the same id").containsExactly(assigned);
        receive(B, new Connect(false, true, 60, ""));
        assertThat(clientIds()).as("another address, another id").hasSize(2).contains(assigned);
    }

    @Test
    void anEmptyClientIdForAPersistentSessionIsRefused() {
        receive(A, new Connect(false, false, 60, ""));

        assertThat(sent()).containsExactly(new Sent(A, new ConnAck(ReturnCode.REJECTED_NOT_SUPPORTED)));
        assertThat(moved()).containsExactly(entry(Metrics.CONNECT_REFUSED_EMPTY_ID, 1L));
        assertThat(clientIds()).isEmpty();
        assertThat(sessionsPerSource()).isEmpty();
    }

    @Test
    void aClientIdThatIsNotUtf8IsRefused() {
        receive(A, new Connect(false, true, Connect.PROTOCOL_ID, 60, Bytes.wrap(new byte[] {(byte) 0xC3, 0x28})));

        assertThat(sent()).containsExactly(new Sent(A, new ConnAck(ReturnCode.REJECTED_NOT_SUPPORTED)));
        assertThat(moved()).containsExactly(entry(Metrics.CONNECT_REFUSED_CLIENT_ID, 1L));
        assertThat(clientIds()).isEmpty();
    }

    @Test
    void aClientIdLongerThanTheLimitIsRefusedAndOneAtTheLimitIsNot() {
        maxClientIdLength = 8;

        receive(A, new Connect(false, true, 60, "123456789"));
        assertThat(sent()).containsExactly(new Sent(A, new ConnAck(ReturnCode.REJECTED_NOT_SUPPORTED)));
        assertThat(moved()).containsExactly(entry(Metrics.CONNECT_REFUSED_CLIENT_ID, 1L));
        assertThat(clientIds()).isEmpty();

        connect(A, "12345678");
        assertThat(clientIds()).containsExactly("12345678");
    }

    @Test
    void theClientIdLengthIsCountedInBytesNotCharacters() {
        maxClientIdLength = 8;

        receive(A, new Connect(false, true, 60, "ééééé")); // 5 characters, 10 bytes

        assertThat(sent()).containsExactly(new Sent(A, new ConnAck(ReturnCode.REJECTED_NOT_SUPPORTED)));
        assertThat(moved()).containsExactly(entry(Metrics.CONNECT_REFUSED_CLIENT_ID, 1L));
    }
}
