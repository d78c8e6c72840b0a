package io.sngate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.GwInfo;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PingResp;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.SearchGw;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.gateway.session.SessionState;
import io.sngate.gateway.transport.LinkAddress;
import org.junit.jupiter.api.Test;

/**
 * {@link Dispatcher}: the bounds on what senders can make it hold or do (docs/security.md,
 * "Every session ends" and "Floods"): sessions per source IP, sessions in all, and the flood
 * guard's strict (per source) and generous (per session) budgets.
 */
class DispatcherLimitsTest extends DispatcherHarness {

    static final LinkAddress A3 = udp("192.0.2.1", 40003);
    static final LinkAddress B2 = udp("198.51.100.7", 50001);

    static Connect connectOf(String clientId) {
        return new Connect(false, true, 60, clientId);
    }

    // ================================================================== sessions per source IP

    @Test
    void aSourceHoldsAtMostMaxSessionsPerIpWhateverItsPorts() {
        maxSessionsPerIp = 2;
        connect(A, "a1");
        connect(A2, "a2");

        receive(A3, connectOf("a3"));

        assertThat(sent()).containsExactly(new Sent(A3, new ConnAck(ReturnCode.REJECTED_CONGESTION)));
        assertThat(moved()).containsExactly(entry(Metrics.CONNECT_REFUSED_PER_IP, 1L));
        assertThat(clientIds()).containsExactly("a1", "a2");
        assertThat(sessionsPerSource()).containsExactly(entry("192.0.2.1", 2));

        connect(B, "b1"); // another source has its own count
        assertThat(sessionsPerSource()).containsOnly(entry("192.0.2.1", 2), entry("198.51.100.7", 1));
    }

    @Test
    void aSessionThatEndsFreesItsPlaceAtItsSource() {
        maxSessionsPerIp = 1;
        connect(A, "a1");
        receive(A2, connectOf("a2"));
        assertThat(moved()).containsExactly(entry(Metrics.CONNECT_REFUSED_PER_IP, 1L));

        receive(A, Disconnect.PLAIN);
        assertThat(sessionsPerSource()).isEmpty();

        connect(A2, "a2");
        assertThat(sessionsPerSource()).containsExactly(entry("192.0.2.1", 1));
    }

    @Test
    void aClientThatReconnectsFromItsAddressOrAnotherPortOfItsSourceIsNotRefusedAtTheCap() {
        maxSessionsPerIp = 1;
        connect(A, "a1");

        connect(A, new Connect(false, true, 30, "a1"));
        connect(A2, new Connect(false, true, 30, "a1"));

        assertThat(metrics.get(Metrics.CONNECT_REFUSED_PER_IP)).isZero();
        assertThat(metrics.get(Metrics.TAKEOVER_ALLOWED)).isEqualTo(1);
        assertThat(sessionsPerSource()).containsExactly(entry("192.0.2.1", 1));
    }

    @Test
    void aSessionThatMovesToAnotherSourceCountsThereAndNoLongerAtItsOldOne() {
        connect(A, "a1");

        connect(B, "a1");

        assertThat(sessionsPerSource()).containsExactly(entry("198.51.100.7", 1));
        receive(B, Disconnect.PLAIN);
        assertThat(sessionsPerSource()).isEmpty();
    }

    @Test
    void aConnectThatWouldMoveASessionToASourceAtItsCapIsRefused() {
        maxSessionsPerIp = 1;
        connect(A, "a1");
        connect(B, "b1");

        receive(B2, connectOf("a1"));

        assertThat(sent()).containsExactly(new Sent(B2, new ConnAck(ReturnCode.REJECTED_CONGESTION)));
        assertThat(moved()).containsExactly(entry(Metrics.CONNECT_REFUSED_PER_IP, 1L));
        assertThat(session("a1").address()).as("the session stays where it was").isEqualTo(A);
        assertThat(state("a1")).isEqualTo(SessionState.ACTIVE);
        assertThat(sessionsPerSource()).containsOnly(entry("192.0.2.1", 1), entry("198.51.100.7", 1));
    }

    @Test
    void aPingReqThatWouldMoveASleepingSessionToASourceAtItsCapIsRefused() {
        maxSessionsPerIp = 1;
        connect(A, "a1");
        sleep(A, "a1", 300);
        connect(B, "b1");

        receive(B2, PingReq.wake("a1"));

        assertThat(sent()).isEmpty();
        assertThat(moved()).containsExactly(entry(Metrics.TAKEOVER_REFUSED, 1L));
        assertThat(session("a1").address()).isEqualTo(A);
        assertThat(sessionsPerSource()).containsOnly(entry("192.0.2.1", 1), entry("198.51.100.7", 1));
    }

    @Test
    void aConnectWithAnotherClientIdFromAnAddressASessionHoldsIsNotRefusedForThePlaceOfTheSessionItReplaces() {
        maxSessionsPerIp = 1;
        connect(A, "a1");

        receive(A, connectOf("a2"));

        assertThat(moved()).containsOnly(entry(Metrics.ADDRESS_REUSED, 1L), entry(Metrics.CLIENTS_LOST, 1L));
        assertThat(clientIds()).containsExactly("a2");
        assertThat(sessionsPerSource()).containsExactly(entry("192.0.2.1", 1));
        brokerAccepts("a2");
        assertThat(sent()).containsExactly(new Sent(A, new ConnAck(ReturnCode.ACCEPTED)));
    }

    @Test
    void anIpv6SourceIsItsSlash64() {
        maxSessionsPerIp = 1;
        connect(udp("2001:db8:1:2::10", 1000), "v6-a");

        receive(udp("2001:db8:1:2::20", 1000), connectOf("v6-b"));
        assertThat(moved()).containsExactly(entry(Metrics.CONNECT_REFUSED_PER_IP, 1L));

        connect(udp("2001:db8:1:3::10", 1000), "v6-c");
        assertThat(sessionsPerSource()).containsOnly(entry("2001:db8:1:2::/64", 1), entry("2001:db8:1:3::/64", 1));
    }

    @Test
    void devicesBehindAForwarderCountTowardsTheForwardersSourceAndEachSerialLineIsItsOwn() {
        maxSessionsPerIp = 1;
        LinkAddress node1 = new LinkAddress.Forwarded(A, Bytes.fromHex("01"));
        LinkAddress node2 = new LinkAddress.Forwarded(A, Bytes.fromHex("02"));
        connect(node1, "node-1");

        receive(node2, connectOf("node-2"));
        assertThat(sent()).containsExactly(new Sent(node2, new ConnAck(ReturnCode.REJECTED_CONGESTION)));
        assertThat(moved()).containsExactly(entry(Metrics.CONNECT_REFUSED_PER_IP, 1L));

        connect(new LinkAddress.Serial("/dev/ttyUSB0"), "serial-0");
        connect(new LinkAddress.Serial("/dev/ttyUSB1"), "serial-1");
        assertThat(clientIds()).containsExactly("node-1", "serial-0", "serial-1");
    }

    // ================================================================== max clients

    @Test
    void aFullTableRefusesNewClientsWithCongestionButLetsItsOwnReconnect() {
        maxClients = 2;
        connect(A, "a");
        connect(B, "b");

        receive(A2, connectOf("c"));
        assertThat(sent()).containsExactly(new Sent(A2, new ConnAck(ReturnCode.REJECTED_CONGESTION)));
        assertThat(moved()).containsExactly(entry(Metrics.CONNECT_REFUSED_MAX_CLIENTS, 1L));
        assertThat(clientIds()).containsExactly("a", "b");

        receive(A2, connectOf("a")); // a takeover adds no session
        assertThat(moved()).containsExactly(entry(Metrics.TAKEOVER_ALLOWED, 1L));
        brokerAccepts("a");
        assertThat(sent()).containsExactly(new Sent(A2, new ConnAck(ReturnCode.ACCEPTED)));

        receive(B, Disconnect.PLAIN);
        connect(B2, "c");
        assertThat(clientIds()).containsExactly("a", "c");
    }

    @Test
    void aConnectRefusedByAFullTableDoesNotDetachTheSessionAtItsAddress() {
        maxClients = 1;
        connect(A, "a1");

        receive(A, connectOf("a2"));

        // The table holds the session a CONNECT would detach until its loop has ended it, so a
        // full table refuses; and a refused CONNECT changes nothing.
        assertThat(sent()).containsExactly(new Sent(A, new ConnAck(ReturnCode.REJECTED_CONGESTION)));
        assertThat(moved()).containsExactly(entry(Metrics.CONNECT_REFUSED_MAX_CLIENTS, 1L));
        assertThat(clientIds()).containsExactly("a1");
        assertThat(session("a1").address()).isEqualTo(A);
        assertThat(state("a1")).isEqualTo(SessionState.ACTIVE);
        assertThat(upstream("a1").disconnects).isEmpty();
    }

    // ================================================================== flood guard: strict budget per source

    @Test
    void packetsThatCreateStateAreLimitedPerSourceAndSecondWhateverThePort() {
        maxNewPacketsPerSecondPerIp = 2;

        receive(B, new SearchGw(1));
        receive(B2, new SearchGw(1));
        assertThat(sent()).containsExactly(new Sent(B2, GwInfo.fromGateway(GATEWAY_ID)));

        receive(B, new SearchGw(1));
        assertThat(sent()).isEmpty();
        assertThat(moved()).containsOnly(entry(Metrics.DROPPED_FLOOD, 1L), entry(Metrics.DROPPED_FLOOD_NEW, 1L));
        receive(B2, connectOf("b"));
        assertThat(moved()).containsOnly(entry(Metrics.DROPPED_FLOOD, 1L), entry(Metrics.DROPPED_FLOOD_NEW, 1L));
        assertThat(clientIds()).isEmpty();

        receive(A, new SearchGw(1));
        assertThat(sent()).as("another source").containsExactly(new Sent(A, GwInfo.fromGateway(GATEWAY_ID)));

        advance(999);
        receive(B, new SearchGw(1));
        assertThat(sent()).as("still the same second").isEmpty();
        advance(1);
        receive(B, new SearchGw(1));
        assertThat(sent()).as("the next second").containsExactly(new Sent(B, GwInfo.fromGateway(GATEWAY_ID)));
    }

    @Test
    void packetsFromAnAddressWithoutASessionAndQosMinusOnePublishesUseTheStrictBudget() {
        maxNewPacketsPerSecondPerIp = 2;

        receive(B, PingReq.PLAIN);
        assertThat(sent()).containsExactly(new Sent(B, Disconnect.PLAIN));
        receive(B, new Publish(false, QoS.MINUS_ONE, false, TopicIdType.PREDEFINED, PREDEFINED_ID, 0,
                Bytes.utf8("v")));
        assertThat(unsessioned()).hasSize(1);

        receive(B, PingReq.PLAIN);
        assertThat(sent()).as("no DISCONNECT beyond the budget").isEmpty();
        receive(B, new Publish(false, QoS.MINUS_ONE, false, TopicIdType.PREDEFINED, PREDEFINED_ID, 0,
                Bytes.utf8("v")));
        assertThat(unsessioned()).hasSize(1);
        assertThat(metrics.get(Metrics.DROPPED_FLOOD_NEW)).isEqualTo(2);
    }

    @Test
    void aSessionsOwnTrafficDoesNotUseItsSourcesStrictBudget() {
        maxNewPacketsPerSecondPerIp = 2;
        connect(A, "a1"); // one

        for (int i = 0; i < 10; i++) {
            receive(A, PingReq.PLAIN);
            assertThat(sent()).containsExactly(new Sent(A, PingResp.INSTANCE));
        }
        receive(A, PingReq.wake("a1")); // its own client id
        assertThat(sent()).containsExactly(new Sent(A, PingResp.INSTANCE));

        receive(A2, connectOf("a2")); // two
        assertThat(moved()).doesNotContainKey(Metrics.DROPPED_FLOOD);
        assertThat(clientIds()).containsExactly("a1", "a2");
    }

    @Test
    void aPingReqNamingAnotherClientFromASessionsAddressUsesTheStrictBudget() {
        maxNewPacketsPerSecondPerIp = 1;
        connect(A, "a1"); // the budget of this second

        receive(A, PingReq.wake("someone-else"));

        assertThat(moved()).containsOnly(entry(Metrics.DROPPED_FLOOD, 1L), entry(Metrics.DROPPED_FLOOD_NEW, 1L));
    }

    @Test
    void malformedPacketsDoNotUseTheStrictBudget() {
        maxNewPacketsPerSecondPerIp = 1;

        for (int i = 0; i < 5; i++) {
            receiveRaw(B, new byte[] {0x05, 0x16});
        }
        receive(B, new SearchGw(1));

        assertThat(sent()).containsExactly(new Sent(B, GwInfo.fromGateway(GATEWAY_ID)));
        assertThat(metrics.get(Metrics.DROPPED_FLOOD)).isZero();
    }

    // ================================================================== flood guard: generous budget per session

    @Test
    void aSessionsPacketsAreLimitedPerSecondAndOtherSessionsAreNotAffected() {
        maxPacketsPerSecondPerSession = 3;
        connect(A, "a1");
        connect(A2, "a2");

        for (int i = 0; i < 3; i++) {
            receive(A, PingReq.PLAIN);
            assertThat(sent()).containsExactly(new Sent(A, PingResp.INSTANCE));
        }
        receive(A, PingReq.PLAIN);
        assertThat(sent()).isEmpty();
        assertThat(moved()).containsOnly(entry(Metrics.DROPPED_FLOOD, 1L), entry(Metrics.DROPPED_FLOOD_SESSION, 1L));

        receive(A2, PingReq.PLAIN);
        assertThat(sent()).as("another session of the same source").containsExactly(new Sent(A2, PingResp.INSTANCE));

        advance(1_000);
        receive(A, PingReq.PLAIN);
        assertThat(sent()).containsExactly(new Sent(A, PingResp.INSTANCE));
        assertThat(state("a1")).isEqualTo(SessionState.ACTIVE);
    }
}
