package io.sngate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PingResp;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.gateway.session.SessionState;
import io.sngate.gateway.transport.LinkAddress;
import io.sngate.hw.config.DtlsIdentityBinding;
import io.sngate.hw.config.devices.AddressRange;
import io.sngate.hw.config.devices.ClientIdMatcher;
import io.sngate.hw.config.devices.DeviceEntry;
import io.sngate.hw.config.devices.DevicesFile;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link Dispatcher}: the identity a DTLS handshake proved decides which client ids a device may
 * use ({@code dtls.identity-binding}, devices-file {@code dtls-identity} and {@code psk}), and who
 * may take over a session a DTLS identity holds. Devices-file entries go through the real
 * {@link DevicesFileRules}.
 */
class DispatcherIdentityTest extends DispatcherHarness {

    /** A device that handshook as sensor-1 and got a Connection ID. */
    static final LinkAddress.Dtls SENSOR = dtls("cid:0a0b0c0d0e0f", "sensor-1", "192.0.2.1", 40001);
    /** The same device after a NAT gave it a new port: the same DTLS connection. */
    static final LinkAddress.Dtls SENSOR_REBOUND = dtls("cid:0a0b0c0d0e0f", "sensor-1", "192.0.2.1", 51234);
    /** sensor-1 again, after a new handshake (it rebooted): another DTLS connection. */
    static final LinkAddress.Dtls SENSOR_AGAIN = dtls("cid:1a1b1c1d1e1f", "sensor-1", "198.51.100.7", 40001);
    /** Another device, with a key of its own. */
    static final LinkAddress.Dtls NODE_17 = dtls("cid:2a2b2c2d2e2f", "node-17", "198.51.100.8", 40001);
    static final LinkAddress.Dtls INTRUDER = dtls("cid:3a3b3c3d3e3f", "intruder", "203.0.113.9", 40001);
    /** A device that showed no certificate (dtls.client-auth wanted). */
    static final LinkAddress.Dtls ANONYMOUS_DTLS = dtls("addr:203.0.113.10:40001", "", "203.0.113.10", 40001);

    static LinkAddress.Dtls dtls(String connection, String identity, String ip, int port) {
        return new LinkAddress.Dtls(connection, identity, new InetSocketAddress(ip, port));
    }

    /** A devices file with these entries, applied as the gateway applies one. */
    void devicesFile(DeviceEntry... entries) {
        rules(new DevicesFileRules(new DevicesFile(List.of(entries), DeviceEntry.ALLOW_ALL), Map.of()));
    }

    static DeviceEntry bound(String clientId, String identity) {
        return deviceEntry(clientId, List.of(), Optional.of(new DeviceEntry.DtlsBinding(identity, Optional.empty())));
    }

    /** An entry with a psk and no dtls-identity: the client id is the identity. */
    static DeviceEntry withKey(String clientId) {
        return deviceEntry(clientId, List.of(),
                Optional.of(new DeviceEntry.DtlsBinding(clientId, Optional.of(Bytes.fromHex("00112233")))));
    }

    static DeviceEntry deviceEntry(String clientId, List<AddressRange> addresses, Optional<DeviceEntry.DtlsBinding> dtls) {
        return new DeviceEntry(ClientIdMatcher.exact(clientId), addresses, Optional.empty(), Optional.empty(), Map.of(),
                Optional.empty(), Optional.empty(), Set.of(), "devices.yaml", dtls);
    }

    private void refusedForIdentity(LinkAddress from, String clientId) {
        receive(from, new Connect(false, true, 60, clientId));
        assertThat(sent()).containsExactly(new Sent(from, new ConnAck(ReturnCode.REJECTED_NOT_SUPPORTED)));
        assertThat(moved()).containsExactly(entry(Metrics.CONNECT_REFUSED_IDENTITY, 1L));
    }

    // ================================================================== dtls.identity-binding: exact

    @Test
    void underExactBindingADtlsDeviceConnectsAsItsIdentity() {
        connect(SENSOR, "sensor-1");

        assertThat(clientIds()).containsExactly("sensor-1");
        assertThat(metrics.get(Metrics.CONNECT_REFUSED_IDENTITY)).isZero();
    }

    @Test
    void underExactBindingAnotherClientIdIsRefused() {
        refusedForIdentity(SENSOR, "sensor-2");

        assertThat(clientIds()).isEmpty();
        assertThat(upstreamsMade("sensor-2")).isZero();
        assertThat(sessionsPerSource()).isEmpty();
    }

    @Test
    void underExactBindingADeviceWithoutAnIdentityMayUseNoClientId() {
        refusedForIdentity(ANONYMOUS_DTLS, "sensor-1");
        refusedForIdentity(ANONYMOUS_DTLS, "anything");

        assertThat(clientIds()).isEmpty();
    }

    @Test
    void aRefusedConnectFromAnAddressHoldingASessionLeavesThatSession() {
        connect(SENSOR, "sensor-1");

        refusedForIdentity(SENSOR, "sensor-2");

        assertThat(clientIds()).containsExactly("sensor-1");
        assertThat(state("sensor-1")).isEqualTo(SessionState.ACTIVE);
        assertThat(upstream("sensor-1").disconnects).isEmpty();
    }

    // ================================================================== the devices file

    @Test
    void aDevicesFileDtlsIdentityMapsAnotherClientIdToThatIdentity() {
        devicesFile(bound("valve-3", "node-17"));

        connect(NODE_17, "valve-3");

        refusedForIdentity(SENSOR, "valve-3");
        assertThat(session("valve-3").address()).isEqualTo(NODE_17);
    }

    @Test
    void aClientIdTheFileBindsIsNotItsOwnIdentitysToUse() {
        // valve-3's entry names node-17: a device that handshook as "valve-3" is not it.
        devicesFile(bound("valve-3", "node-17"));

        refusedForIdentity(dtls("cid:4a4b4c4d4e4f", "valve-3", "203.0.113.20", 40001), "valve-3");
    }

    @Test
    void anEntryBindingAClientIdRefusesPlainUdpConnectsForIt() {
        devicesFile(bound("valve-3", "node-17"), withKey("sensor-1"));

        refusedForIdentity(A, "valve-3");
        refusedForIdentity(B, "sensor-1");
        assertThat(clientIds()).isEmpty();

        connect(A, "unbound-device");
    }

    // ================================================================== dtls.identity-binding: mapped

    @Test
    void underMappedBindingAnyClientIdTheFileDoesNotBindIsFree() {
        identityBinding = DtlsIdentityBinding.MAPPED;
        devicesFile(bound("valve-3", "node-17"));

        connect(SENSOR, "any-name");
        connect(ANONYMOUS_DTLS, "another-name");
        refusedForIdentity(INTRUDER, "valve-3");
        connect(NODE_17, "valve-3");

        assertThat(clientIds()).containsExactly("another-name", "any-name", "valve-3");
    }

    @Test
    void underMappedBindingASessionHeldByOneIdentityIsNotTakenByAnother() {
        identityBinding = DtlsIdentityBinding.MAPPED;
        connect(SENSOR, "shared-name");

        refusedForIdentity(INTRUDER, "shared-name");

        assertThat(session("shared-name").address()).isEqualTo(SENSOR);
        assertThat(state("shared-name")).isEqualTo(SessionState.ACTIVE);
    }

    // ================================================================== takeover of a CONNECT

    @Test
    void aPlainUdpConnectCannotTakeOverASessionHeldByADtlsIdentity() {
        connect(SENSOR, "sensor-1");

        refusedForIdentity(A, "sensor-1");

        assertThat(session("sensor-1").address()).isEqualTo(SENSOR);
        assertThat(state("sensor-1")).isEqualTo(SessionState.ACTIVE);
        assertThat(upstreamsMade("sensor-1")).isEqualTo(1);
        assertThat(upstream("sensor-1").disconnects).isEmpty();
        assertThat(upstream("sensor-1").connects).hasSize(1);
    }

    @Test
    void aNewDtlsConnectionWithTheSameIdentityTakesTheSessionOver() {
        connect(SENSOR, "sensor-1");

        receive(SENSOR_AGAIN, new Connect(false, true, 60, "sensor-1"));

        assertThat(moved()).containsExactly(entry(Metrics.TAKEOVER_ALLOWED, 1L));
        assertThat(session("sensor-1").address()).isEqualTo(SENSOR_AGAIN);
        assertThat(upstreamsMade("sensor-1")).as("the same session").isEqualTo(1);
        brokerAccepts("sensor-1");
        assertThat(sent()).containsExactly(new Sent(SENSOR_AGAIN, new ConnAck(ReturnCode.ACCEPTED)));
    }

    // ================================================================== no client id

    @Test
    void aDtlsDeviceWithAnEmptyClientIdGetsItsIdentityAsClientId() {
        receive(SENSOR, new Connect(false, true, 60, ""));

        assertThat(moved()).containsExactly(entry(Metrics.CLIENT_ID_ASSIGNED, 1L));
        assertThat(clientIds()).containsExactly("sensor-1");
        assertThat(session("sensor-1").address()).isEqualTo(SENSOR);
        brokerAccepts("sensor-1");
        assertThat(sent()).containsExactly(new Sent(SENSOR, new ConnAck(ReturnCode.ACCEPTED)));
    }

    // ================================================================== PINGREQ waking a sleeping session

    @Test
    void aWakeFromAnotherIdentityIsRefused() {
        connect(SENSOR, "sensor-1");
        sleep(SENSOR, "sensor-1", 300);

        receive(INTRUDER, PingReq.wake("sensor-1"));

        assertThat(sent()).isEmpty();
        assertThat(moved()).containsExactly(entry(Metrics.TAKEOVER_REFUSED, 1L));
        assertThat(session("sensor-1").address()).isEqualTo(SENSOR);
        assertThat(state("sensor-1")).isEqualTo(SessionState.ASLEEP);
    }

    @Test
    void underMappedBindingAWakeFromAnotherIdentityIsRefusedToo() {
        identityBinding = DtlsIdentityBinding.MAPPED;
        connect(SENSOR, "sensor-1");
        sleep(SENSOR, "sensor-1", 300);

        receive(INTRUDER, PingReq.wake("sensor-1"));

        assertThat(sent()).isEmpty();
        assertThat(moved()).containsExactly(entry(Metrics.TAKEOVER_REFUSED, 1L));
        assertThat(session("sensor-1").address()).isEqualTo(SENSOR);
    }

    @Test
    void aPlainUdpWakeOfASessionHeldByADtlsIdentityIsRefused() {
        connect(SENSOR, "sensor-1");
        sleep(SENSOR, "sensor-1", 300);

        receive(A, PingReq.wake("sensor-1"));

        assertThat(sent()).isEmpty();
        assertThat(moved()).containsExactly(entry(Metrics.TAKEOVER_REFUSED, 1L));
        assertThat(session("sensor-1").address()).isEqualTo(SENSOR);
    }

    @Test
    void aWakeFromANewConnectionOfTheSameIdentityMovesTheSession() {
        connect(SENSOR, "sensor-1");
        sleep(SENSOR, "sensor-1", 300);

        receive(SENSOR_AGAIN, PingReq.wake("sensor-1"));

        assertThat(sent()).containsExactly(new Sent(SENSOR_AGAIN, PingResp.INSTANCE));
        assertThat(moved()).containsExactly(entry(Metrics.TAKEOVER_ALLOWED, 1L));
        assertThat(session("sensor-1").address()).isEqualTo(SENSOR_AGAIN);
        assertThat(state("sensor-1")).isEqualTo(SessionState.ASLEEP);
    }

    // ================================================================== a new peer under the same Connection ID

    @Test
    void theSameDtlsConnectionFromANewPeerReachesTheSameSessionWithoutATakeover() {
        connect(SENSOR, "sensor-1");

        receive(SENSOR_REBOUND, new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.PREDEFINED, PREDEFINED_ID, 0,
                Bytes.utf8("after the NAT rebinding")));

        assertThat(moved()).as("no takeover, nothing dropped").isEmpty();
        assertThat(upstream("sensor-1").published).containsExactly(PREDEFINED_TOPIC);

        receive(SENSOR_REBOUND, PingReq.PLAIN);
        assertThat(sent()).containsExactly(new Sent(SENSOR, PingResp.INSTANCE));
        assertThat(moved()).isEmpty();

        receive(SENSOR_REBOUND, new Connect(false, true, 120, "sensor-1"));
        assertThat(moved()).as("a reconnect on its own connection is no takeover")
                .doesNotContainKeys(Metrics.TAKEOVER_ALLOWED, Metrics.TAKEOVER_REFUSED, Metrics.ADDRESS_REUSED,
                        Metrics.CONNECT_REFUSED_IDENTITY);
        brokerAccepts("sensor-1");
        assertThat(sent()).containsExactly(new Sent(SENSOR, new ConnAck(ReturnCode.ACCEPTED)));
        assertThat(upstreamsMade("sensor-1")).isEqualTo(1);
        assertThat(clientIds()).containsExactly("sensor-1");
    }

    // ================================================================== address rules

    @Test
    void aDtlsDeviceTheFilePinsConnectsFromItsAddressesOnly() {
        // LinkAddress.Dtls: "peer is where the packet at hand came from, for logs and address rules".
        devicesFile(deviceEntry("sensor-1", List.of(AddressRange.parse("192.0.2.0/24")), Optional.empty()));

        receive(SENSOR_AGAIN, new Connect(false, true, 60, "sensor-1"));
        assertThat(sent()).containsExactly(new Sent(SENSOR_AGAIN, new ConnAck(ReturnCode.REJECTED_NOT_SUPPORTED)));
        assertThat(moved()).containsExactly(entry(Metrics.CONNECT_REFUSED_ADDRESS, 1L));

        connect(SENSOR, "sensor-1");
    }
}
