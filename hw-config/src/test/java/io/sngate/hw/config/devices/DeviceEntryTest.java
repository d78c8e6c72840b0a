package io.sngate.hw.config.devices;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DeviceEntryTest {

    private static DeviceEntry permissions(List<String> publish, List<String> subscribe) {
        return new DeviceEntry(ClientIdMatcher.pattern("*"), List.of(), Optional.empty(), Optional.empty(), Map.of(),
                Optional.ofNullable(publish), Optional.ofNullable(subscribe), Set.of(), "test");
    }

    private static DeviceEntry pinned(String... addresses) {
        return new DeviceEntry(ClientIdMatcher.exact("dev1"), List.of(addresses).stream().map(AddressRange::parse).toList(),
                Optional.empty(), Optional.empty(), Map.of(), Optional.empty(), Optional.empty(), Set.of(), "test");
    }

    @Test
    void withoutListsEverythingIsAllowed() {
        DeviceEntry entry = permissions(null, null);
        assertThat(entry.mayPublish("dev1", "anything/at/all")).isTrue();
        assertThat(entry.mayPublish("dev1", "$SYS/broker")).isTrue();
        assertThat(entry.maySubscribe("dev1", "#")).isTrue();
        assertThat(DeviceEntry.ALLOW_ALL.mayPublish("x", "a")).isTrue();
        assertThat(DeviceEntry.ALLOW_ALL.maySubscribe("x", "+/+")).isTrue();
    }

    @Test
    void emptyListsAllowNothing() {
        DeviceEntry entry = permissions(List.of(), List.of());
        assertThat(entry.mayPublish("dev1", "a")).isFalse();
        assertThat(entry.maySubscribe("dev1", "a")).isFalse();
    }

    @Test
    void invalidTopicsAndFiltersAreNeverAllowed() {
        DeviceEntry entry = permissions(null, null);
        assertThat(entry.mayPublish("dev1", "a/+")).isFalse(); // a wildcard is no topic name
        assertThat(entry.mayPublish("dev1", "")).isFalse();
        assertThat(entry.maySubscribe("dev1", "a/#/b")).isFalse();
        assertThat(entry.maySubscribe("dev1", "a\u0000")).isFalse();
    }

    @Test
    void publishMatchesTopicsAfterPuttingInTheClientId() {
        DeviceEntry entry = permissions(List.of("plant/%c/#", "plant/broadcast"), null);
        assertThat(entry.mayPublish("dev1", "plant/dev1/temp")).isTrue();
        assertThat(entry.mayPublish("dev1", "plant/dev1")).isTrue();
        assertThat(entry.mayPublish("dev1", "plant/dev2/temp")).isFalse();
        assertThat(entry.mayPublish("dev1", "plant/broadcast")).isTrue();
        assertThat(entry.mayPublish("dev1", "other")).isFalse();
        assertThat(entry.mayPublish("dev-1", "plant/dev-1/x")).isTrue();
    }

    @Test
    void aClientIdWithWildcardsOrSlashesDoesNotWidenAPattern() {
        DeviceEntry entry = permissions(List.of("plant/%c/data", "public"), List.of("plant/%c/cmd"));
        // '+' as the id would otherwise make plant/+/data, and with it every device's data.
        assertThat(entry.mayPublish("+", "plant/dev2/data")).isFalse();
        assertThat(entry.mayPublish("+", "plant/+/data")).isFalse();
        assertThat(entry.mayPublish("#", "plant/x/data")).isFalse();
        assertThat(entry.mayPublish("a/b", "plant/a/b/data")).isFalse();
        assertThat(entry.mayPublish("", "plant//data")).isFalse();
        assertThat(entry.maySubscribe("+", "plant/dev2/cmd")).isFalse();
        assertThat(entry.maySubscribe("#", "plant/#")).isFalse();
        // Patterns without %c still apply to such ids.
        assertThat(entry.mayPublish("+", "public")).isTrue();
    }

    @Test
    void subscribeNeedsTheFilterToBeCoveredByOnePattern() {
        DeviceEntry entry = permissions(null, List.of("sensors/%c/#", "plant/broadcast"));
        assertThat(entry.maySubscribe("dev1", "sensors/dev1/temp")).isTrue();
        assertThat(entry.maySubscribe("dev1", "sensors/dev1/+")).isTrue();
        assertThat(entry.maySubscribe("dev1", "sensors/dev1/#")).isTrue();
        assertThat(entry.maySubscribe("dev1", "sensors/+/temp")).isFalse(); // would also get dev2's
        assertThat(entry.maySubscribe("dev1", "sensors/#")).isFalse();
        assertThat(entry.maySubscribe("dev1", "plant/broadcast")).isTrue();
        assertThat(entry.maySubscribe("dev1", "plant/+")).isFalse();
    }

    @Test
    void leadingWildcardsDoNotReachDollarTopics() {
        DeviceEntry entry = permissions(List.of("#"), List.of("#", "+/status"));
        assertThat(entry.mayPublish("dev1", "a/b")).isTrue();
        assertThat(entry.mayPublish("dev1", "$SYS/x")).isFalse();
        assertThat(entry.maySubscribe("dev1", "$SYS/#")).isFalse();
        assertThat(entry.maySubscribe("dev1", "$share/g/a")).isFalse();
        assertThat(entry.maySubscribe("dev1", "+/+")).isTrue();
        DeviceEntry dollar = permissions(List.of("$devices/%c/#"), List.of("$SYS/broker/#"));
        assertThat(dollar.mayPublish("dev1", "$devices/dev1/up")).isTrue();
        assertThat(dollar.maySubscribe("dev1", "$SYS/broker/+")).isTrue();
    }

    @Test
    void anUnpinnedDeviceMayConnectFromAnywhere() {
        DeviceEntry entry = pinned();
        assertThat(entry.pinned()).isFalse();
        assertThat(entry.allows(new InetSocketAddress("127.0.0.1", 1))).isTrue();
        assertThat(entry.allowsLink("serial:any")).isTrue();
    }

    @Test
    void aPinnedDeviceMayConnectOnlyFromItsAddresses() {
        DeviceEntry entry = pinned("192.0.2.10", "10.1.0.0/16:1883", "xbee:0013A20040A1B2C3", "serial:meter");
        assertThat(entry.pinned()).isTrue();
        assertThat(entry.allows(new InetSocketAddress("192.0.2.10", 40000))).isTrue();
        assertThat(entry.allows(new InetSocketAddress("10.1.9.9", 1883))).isTrue();
        assertThat(entry.allows(new InetSocketAddress("10.1.9.9", 1884))).isFalse();
        assertThat(entry.allows(new InetSocketAddress("192.0.2.11", 40000))).isFalse();
        assertThat(entry.allowsLink("xbee:radio/0013A20040A1B2C3")).isTrue();
        assertThat(entry.allowsLink("serial:meter")).isTrue();
        assertThat(entry.allowsLink("udp:192.0.2.10:7")).isTrue();
        assertThat(entry.allowsLink("serial:other")).isFalse();
    }

    @Test
    void thePasswordStaysOutOfToString() {
        DeviceEntry entry = new DeviceEntry(ClientIdMatcher.exact("dev1"), List.of(), Optional.of("user"),
                Optional.of("s3cret"), Map.of(), Optional.empty(), Optional.empty(), Set.of(), "test");
        assertThat(entry.toString()).contains("user").doesNotContain("s3cret");
    }

    @Test
    void entriesMadeInCodeAreCheckedToo() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new DeviceEntry(ClientIdMatcher.exact("a"), List.of(),
                Optional.empty(), Optional.empty(), Map.of(0, "a"), Optional.empty(), Optional.empty(), Set.of(), "t"))
                .hasMessageContaining("topic id 0 must be from 1 to 65534");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new DeviceEntry(ClientIdMatcher.exact("a"), List.of(),
                Optional.empty(), Optional.empty(), Map.of(1, "a/#"), Optional.empty(), Optional.empty(), Set.of(), "t"))
                .hasMessageContaining("is not a topic name");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> permissions(List.of("a/#/b"), null))
                .hasMessageContaining("'#' must be the last level");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> permissions(null, List.of("")))
                .hasMessageContaining("is not a topic filter");
    }
}
