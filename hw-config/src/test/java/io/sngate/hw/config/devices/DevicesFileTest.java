package io.sngate.hw.config.devices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DevicesFileTest {

    private static DeviceEntry entry(ClientIdMatcher match, String origin) {
        return new DeviceEntry(match, List.of(), Optional.empty(), Optional.empty(), Map.of(), Optional.empty(),
                Optional.empty(), Set.of(), origin);
    }

    @Test
    void exactIdsComeBeforePatternsAndPatternsGoInFileOrder() {
        DeviceEntry wide = entry(ClientIdMatcher.pattern("sensor-*"), "line 1");
        DeviceEntry narrow = entry(ClientIdMatcher.pattern("sensor-1*"), "line 2");
        DeviceEntry exact = entry(ClientIdMatcher.exact("sensor-17"), "line 3");
        DeviceEntry fallback = entry(ClientIdMatcher.pattern("*"), "default");
        DevicesFile file = new DevicesFile(List.of(wide, narrow, exact), fallback);

        assertThat(file.entryFor("sensor-17")).isSameAs(exact); // listed last, but exact
        assertThat(file.entryFor("sensor-18")).isSameAs(wide); // the first pattern that matches
        assertThat(file.entryFor("meter-1")).isSameAs(fallback);
        assertThat(file.listed("sensor-17")).isTrue();
        assertThat(file.listed("sensor-x")).isTrue();
        assertThat(file.listed("meter-1")).isFalse();
        assertThat(file.entries()).containsExactly(wide, narrow, exact);
        assertThat(file.defaultEntry()).isSameAs(fallback);
    }

    @Test
    void emptyListsNobodyAndAllowsEverything() {
        assertThat(DevicesFile.EMPTY.listed("anyone")).isFalse();
        assertThat(DevicesFile.EMPTY.entries()).isEmpty();
        DeviceEntry entry = DevicesFile.EMPTY.entryFor("anyone");
        assertThat(entry).isSameAs(DeviceEntry.ALLOW_ALL);
        assertThat(entry.pinned()).isFalse();
        assertThat(entry.mayPublish("anyone", "a/b")).isTrue();
        assertThat(entry.maySubscribe("anyone", "#")).isTrue();
        assertThat(entry.username()).isEmpty();
    }

    @Test
    void anIdListedTwiceIsRefused() {
        assertThatThrownBy(() -> new DevicesFile(List.of(entry(ClientIdMatcher.exact("a"), "line 1"),
                entry(ClientIdMatcher.exact("a"), "line 2")), DeviceEntry.ALLOW_ALL))
                .hasMessageContaining("client id 'a' is listed twice (line 1 and line 2)");
    }
}
