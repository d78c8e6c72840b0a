package io.sngate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.gateway.session.ClientSession;
import io.sngate.gateway.session.SessionState;
import io.sngate.gateway.transport.LinkAddress;
import io.sngate.gateway.upstream.DeviceCredentials;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link Dispatcher} under a devices file ({@link DeviceRules}): who may connect, from where, to
 * which topics a device (and a QoS -1 sender) may publish, and a reload reaching running
 * sessions. The file's own parsing and matching are {@link DevicesFileRules}' and hw-config's.
 */
class DispatcherDevicesFileTest extends DispatcherHarness {

    /** A devices file in miniature; set up, then applied (and not changed after). */
    static final class Rules implements DeviceRules {
        final Set<String> listed = new HashSet<>();
        final Map<String, Set<LinkAddress>> pinned = new HashMap<>();
        final Map<String, Set<String>> mayNotPublish = new HashMap<>();
        final Map<String, Map<Integer, String>> predefined = new HashMap<>();
        boolean qosMinusOneAllowed = true;
        /** The arguments of each mayPublishWithoutSession call. */
        final List<List<Object>> qosMinusOneAsked = new ArrayList<>();

        Rules listing(String... clientIds) {
            listed.addAll(List.of(clientIds));
            return this;
        }

        Rules pinning(String clientId, LinkAddress... addresses) {
            pinned.put(clientId, Set.of(addresses));
            return this;
        }

        @Override
        public boolean listed(String clientId) {
            return listed.contains(clientId);
        }

        @Override
        public boolean addressAllowed(String clientId, LinkAddress address) {
            Set<LinkAddress> allowed = pinned.get(clientId);
            return allowed == null || allowed.contains(address);
        }

        @Override
        public boolean mayPublish(String clientId, String topic) {
            return !mayNotPublish.getOrDefault(clientId, Set.of()).contains(topic);
        }

        @Override
        public boolean mayPublishWithoutSession(LinkAddress from, String topic, boolean requireListed) {
            qosMinusOneAsked.add(List.of(from, topic, requireListed));
            return qosMinusOneAllowed;
        }

        @Override
        public Map<Integer, String> predefined(String clientId) {
            return predefined.getOrDefault(clientId, Map.of());
        }

        @Override
        public Optional<DeviceCredentials> credentials(String clientId) {
            return clientId.equals("dev-a")
                    ? Optional.of(new DeviceCredentials(Optional.of("user-a"), Optional.empty()))
                    : Optional.empty();
        }
    }

    static Publish qos1(int predefinedId, int msgId) {
        return new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.PREDEFINED, predefinedId, msgId,
                Bytes.utf8("v"));
    }

    // ================================================================== who may connect

    @Test
    void withRequireListedAClientIdTheFileDoesNotListIsRefused() {
        requireListed = true;
        rules(new Rules().listing("dev-a"));

        receive(A, new Connect(false, true, 60, "dev-x"));

        assertThat(sent()).containsExactly(new Sent(A, new ConnAck(ReturnCode.REJECTED_NOT_SUPPORTED)));
        assertThat(moved()).containsExactly(entry(Metrics.CONNECT_REFUSED_NOT_LISTED, 1L));
        assertThat(clientIds()).isEmpty();
        assertThat(sessionsPerSource()).isEmpty();

        connect(A, "dev-a");
    }

    @Test
    void withoutRequireListedAnUnlistedClientIdIsLetIn() {
        rules(new Rules().listing("dev-a"));

        connect(A, "dev-x");

        assertThat(metrics.get(Metrics.CONNECT_REFUSED_NOT_LISTED)).isZero();
    }

    @Test
    void anAssignedClientIdIsJudgedByTheFileLikeAnyOther() {
        requireListed = true;
        rules(new Rules().listing("dev-a"));

        receive(A, new Connect(false, true, 60, ""));

        assertThat(sent()).containsExactly(new Sent(A, new ConnAck(ReturnCode.REJECTED_NOT_SUPPORTED)));
        assertThat(moved()).containsOnly(entry(Metrics.CLIENT_ID_ASSIGNED, 1L),
                entry(Metrics.CONNECT_REFUSED_NOT_LISTED, 1L));
        assertThat(clientIds()).isEmpty();
    }

    @Test
    void aPinnedDeviceIsRefusedFromAnAddressItIsNotPinnedTo() {
        rules(new Rules().pinning("dev-a", A));

        receive(B, new Connect(false, true, 60, "dev-a"));

        assertThat(sent()).containsExactly(new Sent(B, new ConnAck(ReturnCode.REJECTED_NOT_SUPPORTED)));
        assertThat(moved()).containsExactly(entry(Metrics.CONNECT_REFUSED_ADDRESS, 1L));
        assertThat(clientIds()).isEmpty();

        connect(A, "dev-a");
    }

    @Test
    void aPinnedDevicesSessionIsNotMovedByAConnectFromAnotherAddress() {
        rules(new Rules().pinning("dev-a", A));
        connect(A, "dev-a");

        receive(B, new Connect(false, true, 60, "dev-a"));

        assertThat(sent()).containsExactly(new Sent(B, new ConnAck(ReturnCode.REJECTED_NOT_SUPPORTED)));
        assertThat(moved()).containsExactly(entry(Metrics.CONNECT_REFUSED_ADDRESS, 1L));
        assertThat(session("dev-a").address()).isEqualTo(A);
        assertThat(state("dev-a")).isEqualTo(SessionState.ACTIVE);
        assertThat(upstream("dev-a").disconnects).isEmpty();
    }

    @Test
    void aPinnedSleepingDeviceIsNotMovedByAPingReqFromAnotherAddress() {
        rules(new Rules().pinning("dev-a", A));
        connect(A, "dev-a");
        sleep(A, "dev-a", 300);

        receive(B, PingReq.wake("dev-a"));

        assertThat(sent()).isEmpty();
        assertThat(moved()).containsExactly(entry(Metrics.TAKEOVER_REFUSED, 1L));
        assertThat(session("dev-a").address()).isEqualTo(A);
        assertThat(state("dev-a")).isEqualTo(SessionState.ASLEEP);
    }

    @Test
    void aDeviceNotPinnedToAnAddressStillMovesWhenItsNeighbourIsPinned() {
        rules(new Rules().pinning("dev-b", B));
        connect(A, "dev-a");
        sleep(A, "dev-a", 300);

        receive(A2, PingReq.wake("dev-a"));

        assertThat(moved()).containsExactly(entry(Metrics.TAKEOVER_ALLOWED, 1L));
        assertThat(session("dev-a").address()).isEqualTo(A2);
    }

    // ================================================================== what a device may do

    @Test
    void aDevicesOwnPredefinedIdsAreItsAloneBesideTheGatewaysIds() {
        Rules rules = new Rules();
        rules.predefined.put("dev-a", Map.of(20, "dev-a/own"));
        rules(rules);
        connect(A, "dev-a");
        connect(B, "dev-b");

        receive(A, qos1(20, 1));
        receive(A, qos1(PREDEFINED_ID, 2));
        assertThat(upstream("dev-a").published).containsExactly("dev-a/own", PREDEFINED_TOPIC);

        receive(B, qos1(20, 3));
        assertThat(sent()).containsExactly(new Sent(B, new PubAck(20, 3, ReturnCode.REJECTED_INVALID_TOPIC_ID)));
        assertThat(moved()).containsExactly(entry(Metrics.SESSION_PREFIX + ClientSession.Counters.INVALID_TOPIC, 1L));
        assertThat(upstream("dev-b").published).isEmpty();
    }

    @Test
    void aReloadedFileJudgesTheNextRequestOfARunningSession() {
        connect(A, "dev-a");
        receive(A, qos1(PREDEFINED_ID, 1));
        assertThat(upstream("dev-a").published).containsExactly(PREDEFINED_TOPIC);

        Rules reloaded = new Rules();
        reloaded.mayNotPublish.put("dev-a", Set.of(PREDEFINED_TOPIC));
        rules(reloaded);
        receive(A, qos1(PREDEFINED_ID, 2));

        assertThat(sent()).containsExactly(new Sent(A, new PubAck(PREDEFINED_ID, 2, ReturnCode.REJECTED_NOT_SUPPORTED)));
        assertThat(moved()).containsExactly(entry(Metrics.SESSION_PREFIX + ClientSession.Counters.DENIED, 1L));
        assertThat(upstream("dev-a").published).hasSize(1);
    }

    @Test
    void aQosMinusOnePublishGoesUpstreamOnlyWhereTheFileLetsItsAddressPublish() {
        requireListed = true;
        Rules rules = new Rules();
        rules.qosMinusOneAllowed = false;
        rules(rules);

        receive(B, new Publish(false, QoS.MINUS_ONE, false, TopicIdType.PREDEFINED, PREDEFINED_ID, 0, Bytes.utf8("v")));

        assertThat(rules.qosMinusOneAsked).containsExactly(List.of(B, PREDEFINED_TOPIC, true));
        assertThat(unsessioned()).isEmpty();
        assertThat(moved()).containsExactly(entry(Metrics.DROPPED_QOS_MINUS_ONE, 1L));
        assertThat(sent()).isEmpty();
    }

    @Test
    void aDevicesBrokerCredentialsComeFromTheFileInForce() {
        assertThat(dispatcher().credentials("dev-a")).isEmpty();

        rules(new Rules());

        assertThat(dispatcher().credentials("dev-a")).hasValueSatisfying(
                credentials -> assertThat(credentials.username()).contains("user-a"));
        assertThat(dispatcher().credentials("dev-b")).isEmpty();
    }
}
