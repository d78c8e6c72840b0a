package io.sngate.gateway.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class TopicRegistryTest {

    private static final int ID_SPACE = 0xFFFE; // 0x0001..0xFFFE

    @Test
    void idsStartAtOneAndAreStablePerName() {
        TopicRegistry registry = new TopicRegistry(10, PredefinedTopics.NONE);

        assertThat(registry.idFor("a")).hasValue(1);
        assertThat(registry.idFor("b")).hasValue(2);
        assertThat(registry.idFor("a")).hasValue(1);
        assertThat(registry.name(1)).isEqualTo("a");
        assertThat(registry.name(2)).isEqualTo("b");
        assertThat(registry.name(3)).isNull();
        assertThat(registry.size()).isEqualTo(2);
    }

    @Test
    void predefinedIdsAreSkipped() {
        TopicRegistry registry = new TopicRegistry(10,
                new PredefinedTopics(Map.of(1, "p/1", 2, "p/2", 4, "p/4")));

        assertThat(registry.idFor("a")).hasValue(3);
        assertThat(registry.idFor("b")).hasValue(5);
        assertThat(registry.name(1)).isNull(); // a predefined id is not a normal one
    }

    @Test
    void capacityIsABoundAndExistingNamesStillResolve() {
        TopicRegistry registry = new TopicRegistry(2, PredefinedTopics.NONE);
        registry.idFor("a");
        registry.idFor("b");

        assertThat(registry.idFor("c")).isEmpty();
        assertThat(registry.idFor("a")).hasValue(1);
        assertThat(registry.size()).isEqualTo(2);
    }

    @Test
    void theWholeIdSpaceIsUsableButNeverZeroNorFFFF() {
        TopicRegistry registry = new TopicRegistry(Integer.MAX_VALUE, PredefinedTopics.NONE);
        BitSet seen = new BitSet(0x10000);

        for (int i = 0; i < ID_SPACE; i++) {
            OptionalInt id = registry.idFor("t/" + i);
            assertThat(id).isPresent();
            assertThat(seen.get(id.getAsInt())).as("id %d twice", id.getAsInt()).isFalse();
            seen.set(id.getAsInt());
        }

        assertThat(seen.get(0)).isFalse();
        assertThat(seen.get(0xFFFF)).isFalse();
        assertThat(seen.cardinality()).isEqualTo(ID_SPACE);
        assertThat(registry.idFor("one more")).isEmpty();
    }

    @Test
    void withPredefinedIdsAtTheEdgesTheRestOfTheSpaceIsUsed() {
        Map<Integer, String> predefined = new HashMap<>();
        predefined.put(1, "p/first");
        predefined.put(0x8000, "p/middle");
        predefined.put(0xFFFE, "p/last");
        TopicRegistry registry = new TopicRegistry(Integer.MAX_VALUE, new PredefinedTopics(predefined));
        BitSet seen = new BitSet(0x10000);

        for (int i = 0; i < ID_SPACE - 3; i++) {
            OptionalInt id = registry.idFor("t/" + i);
            assertThat(id).isPresent();
            seen.set(id.getAsInt());
        }

        assertThat(seen.cardinality()).isEqualTo(ID_SPACE - 3);
        assertThat(seen.get(0)).isFalse();
        assertThat(seen.get(1)).isFalse();
        assertThat(seen.get(0x8000)).isFalse();
        assertThat(seen.get(0xFFFE)).isFalse();
        assertThat(seen.get(0xFFFF)).isFalse();
        assertThat(registry.idFor("one more")).isEmpty();
    }

    @Test
    void knownToDeviceIsTrackedPerId() {
        TopicRegistry registry = new TopicRegistry(10, PredefinedTopics.NONE);
        int id = registry.idFor("a").getAsInt();

        assertThat(registry.isKnownToDevice(id)).isFalse();
        registry.markKnownToDevice(id);
        assertThat(registry.isKnownToDevice(id)).isTrue();
        registry.markUnknownToDevice(id);
        assertThat(registry.isKnownToDevice(id)).isFalse();
    }

    @Test
    void unassignedIdsCannotBecomeKnown() {
        TopicRegistry registry = new TopicRegistry(10, PredefinedTopics.NONE);

        registry.markKnownToDevice(42);

        assertThat(registry.isKnownToDevice(42)).isFalse();
        assertThat(registry.size()).isZero();
    }

    @Test
    void clearForgetsEverythingAndStartsAgainAtOne() {
        TopicRegistry registry = new TopicRegistry(10, PredefinedTopics.NONE);
        registry.idFor("a");
        int b = registry.idFor("b").getAsInt();
        registry.markKnownToDevice(b);

        registry.clear();

        assertThat(registry.size()).isZero();
        assertThat(registry.name(b)).isNull();
        assertThat(registry.isKnownToDevice(b)).isFalse();
        assertThat(registry.idFor("b")).hasValue(1);
        assertThat(registry.isKnownToDevice(1)).isFalse();
    }

    @Test
    void aFullRegistryAcceptsNewNamesAgainAfterClear() {
        TopicRegistry registry = new TopicRegistry(1, PredefinedTopics.NONE);
        registry.idFor("a");
        assertThat(registry.idFor("b")).isEmpty();

        registry.clear();

        assertThat(registry.idFor("b")).hasValue(1);
    }
}
