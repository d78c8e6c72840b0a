package io.sngate.client.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.client.ClientConfig;
import io.sngate.client.ClientState;
import io.sngate.client.LinkAddress;
import io.sngate.codec.Bytes;
import io.sngate.codec.v12.Advertise;
import io.sngate.codec.v12.GwInfo;
import io.sngate.codec.v12.SearchGw;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** SEARCHGW, GWINFO and ADVERTISE (spec §6.1). */
class ClientDiscoveryTest extends ClientHarness {

    private static final int GW_ID = 5;
    private static final int ADVERTISE_SECONDS = 900;

    private List<Long> broadcastTimes() {
        return times(ClientEffect.Broadcast.class);
    }

    private static List<Long> gaps(List<Long> times) {
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < times.size(); i++) {
            gaps.add(times.get(i) - times.get(i - 1));
        }
        return gaps;
    }

    // ------------------------------------------------------------------ SEARCHGW

    @Test
    void searchGatewayBroadcastsSearchGwAfterARandomDelay() {
        long delay = searchDelay(0);
        assertThat(delay).isBetween(0L, SEARCH_DELAY - 1);

        long id = searchGateway(1);
        assertThat(stateChanges()).containsExactly(ClientState.SEARCHING);
        assertThat(broadcasts()).isEmpty();
        assertThat(sent()).isEmpty();
        assertThat(core().nextDeadline()).isEqualTo(START + delay);

        advance(SEARCH_DELAY);

        assertThat(broadcastTimes()).containsExactly(START + delay);
        assertThat(broadcasts()).containsExactly(new ClientEffect.Broadcast(new SearchGw(1), 1));
        assertThat(sent()).isEmpty();
        assertPending(id);
        assertThat(state()).isEqualTo(ClientState.SEARCHING);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 17, 42, 99, 1_000, 65_535, 123_456_789, -7})
    void theFirstSearchGwFallsWithinTSearchGw(long seed) {
        seed(seed);

        searchGateway(0);
        advance(SEARCH_DELAY);

        assertThat(broadcastTimes()).hasSize(1);
        assertThat(broadcastTimes().get(0)).isBetween(START, START + SEARCH_DELAY - 1)
                .isEqualTo(START + searchDelay(0));
    }

    @Test
    void theDelayComesFromTheGivenRandomness() {
        Set<Long> delays = new HashSet<>();
        for (long i = 1; i <= 20; i++) {
            // spread seeds: the first draws of neighbouring java.util.Random seeds are close together
            ClientCore core = new ClientCore(DEFAULTS, new java.util.Random(i * 0x9E3779B97F4A7C15L));
            core.searchGateway(1, START, effect -> { });
            delays.add(core.nextDeadline() - START);
        }
        assertThat(delays).hasSizeGreaterThan(10).allMatch(d -> d >= 0 && d < SEARCH_DELAY);
    }

    @Test
    void noDelayConfiguredMeansAtOnce() {
        configure(new ClientConfig(CLIENT_ID, 60, RETRY, MAX_RETRIES, Map.of(), 100, 0, ADVERTISE_MISSES));

        searchGateway(1);
        advance(0);

        assertThat(broadcasts()).containsExactly(new ClientEffect.Broadcast(new SearchGw(1), 1));
    }

    @Test
    void hearingAnotherClientsSearchGwPostponesOurs() {
        long delay = searchDelay(0);
        assertThat(delay).as("a seed with room before the first SEARCHGW").isGreaterThan(1);
        searchGateway(1);

        advance(delay / 2);
        heard(new SearchGw(1), NEIGHBOUR);
        long heardAt = now();
        assertThat(effects()).isEmpty();

        advanceTo(heardAt + RETRY - 1);
        assertThat(broadcastTimes()).as("ours is cancelled: we wait for the answer to theirs").isEmpty();

        advance(1);
        assertThat(broadcastTimes()).containsExactly(heardAt + RETRY);
    }

    @Test
    void theAnswerToAnotherClientsSearchGwEndsOurs() {
        long id = searchGateway(1);
        heard(new SearchGw(1), NEIGHBOUR);

        heard(GwInfo.fromGateway(GW_ID), GATEWAY);

        assertOutcome(id).isSuccess();
        advance(3_600_000);
        assertThat(broadcastTimes()).isEmpty();
    }

    @Test
    void hearingAnotherSearchGwDoesNotBringOurRetransmissionForward() {
        long id = searchGateway(1);
        long firstAt = START + searchDelay(0);
        advanceTo(firstAt);
        assertThat(broadcastTimes()).containsExactly(firstAt);

        advanceTo(firstAt + 1_000);
        heard(new SearchGw(1), NEIGHBOUR);
        advanceTo(firstAt + 2 * RETRY);

        assertThat(broadcastTimes()).containsExactly(firstAt, firstAt + 2 * RETRY);
        assertPending(id);
    }

    @Test
    void searchGwIsRepeatedWithGrowingIntervals() {
        searchGateway(2);

        advance(30 * 60_000L);

        List<Long> times = broadcastTimes();
        assertThat(times.get(0)).isEqualTo(START + searchDelay(0));
        List<Long> gaps = gaps(times);
        assertThat(gaps).startsWith(2 * RETRY, 4 * RETRY, 8 * RETRY, 16 * RETRY);
        assertThat(gaps.subList(4, gaps.size())).as("capped").isNotEmpty().allMatch(g -> g == 16 * RETRY);
        assertThat(history()).map(Timed::effect).filteredOn(ClientEffect.Broadcast.class::isInstance)
                .allMatch(b -> b.equals(new ClientEffect.Broadcast(new SearchGw(2), 2)));
        assertThat(state()).isEqualTo(ClientState.SEARCHING);
    }

    @Test
    void gwInfoCompletesTheSearchWithGatewayFound() {
        long id = searchGateway(1);
        advance(SEARCH_DELAY);

        heard(GwInfo.fromGateway(GW_ID), GATEWAY);

        assertThat(effects(ClientEffect.GatewayFound.class))
                .containsExactly(new ClientEffect.GatewayFound(GW_ID, GATEWAY));
        assertThat(stateChanges()).containsExactly(ClientState.DISCONNECTED);
        assertOutcome(id).isSuccess();
        assertThat(core().nextDeadline()).isEqualTo(Long.MAX_VALUE);

        advance(3_600_000);
        assertThat(broadcastTimes()).hasSize(1);
    }

    @Test
    void gwInfoFromAnotherClientCarriesTheGatewaysAddress() {
        long id = searchGateway(1);
        Bytes address = Bytes.fromHex("c0a8010a075b");

        heard(new GwInfo(GW_ID, address), NEIGHBOUR);

        assertThat(effects(ClientEffect.GatewayFound.class))
                .containsExactly(new ClientEffect.GatewayFound(GW_ID, new LinkAddress.Announced(address)));
        assertOutcome(id).isSuccess();
    }

    @Test
    void aKnownGatewayIsNotFoundTwice() {
        heard(GwInfo.fromGateway(GW_ID), GATEWAY);
        assertThat(effects()).containsExactly(new ClientEffect.GatewayFound(GW_ID, GATEWAY));

        long id = searchGateway(1);
        heard(GwInfo.fromGateway(GW_ID), GATEWAY);

        assertThat(effects(ClientEffect.GatewayFound.class)).isEmpty();
        assertOutcome(id).isSuccess();
    }

    @Test
    void gwInfoWithoutASearchOnlyRecordsTheGateway() {
        heard(GwInfo.fromGateway(GW_ID), GATEWAY);

        assertThat(effects()).containsExactly(new ClientEffect.GatewayFound(GW_ID, GATEWAY));
        assertThat(state()).isEqualTo(ClientState.DISCONNECTED);
    }

    @Test
    void aNewSearchSupersedesTheOld() {
        long first = searchGateway(1);
        long second = searchGateway(3);

        assertOutcome(first).isFailedWithoutAnswer().hasDetailContaining("superseded");
        advance(SEARCH_DELAY);
        assertThat(broadcasts()).containsExactly(new ClientEffect.Broadcast(new SearchGw(3), 3));
        assertThat(broadcastTimes()).containsExactly(START + searchDelay(1));

        heard(GwInfo.fromGateway(GW_ID), GATEWAY);
        assertOutcome(second).isSuccess();
    }

    @Test
    void searchingWhileConnectedKeepsTheState() {
        connected();

        long id = searchGateway(1);
        assertThat(stateChanges()).isEmpty();
        advance(SEARCH_DELAY);
        assertThat(broadcasts()).hasSize(1);

        heard(GwInfo.fromGateway(GW_ID), GATEWAY);
        assertThat(stateChanges()).isEmpty();
        assertThat(state()).isEqualTo(ClientState.ACTIVE);
        assertOutcome(id).isSuccess();
    }

    @Test
    void searchingAfterLossStartsFromLost() {
        connect();
        advance((MAX_RETRIES + 1) * RETRY);
        assertThat(state()).isEqualTo(ClientState.LOST);

        long id = searchGateway(1);
        assertThat(stateChanges()).containsExactly(ClientState.SEARCHING);
        heard(GwInfo.fromGateway(GW_ID), GATEWAY);

        assertThat(state()).isEqualTo(ClientState.DISCONNECTED);
        assertOutcome(id).isSuccess();
    }

    // ------------------------------------------------------------------ ADVERTISE

    @Test
    void advertiseMakesAGatewayFound() {
        heard(new Advertise(GW_ID, ADVERTISE_SECONDS), GATEWAY);

        assertThat(effects()).containsExactly(new ClientEffect.GatewayFound(GW_ID, GATEWAY));
        assertThat(core().nextDeadline()).isEqualTo(START + ADVERTISE_MISSES * ADVERTISE_SECONDS * 1000L);
    }

    @Test
    void advertiseCompletesASearch() {
        long id = searchGateway(1);

        heard(new Advertise(GW_ID, ADVERTISE_SECONDS), GATEWAY);

        assertThat(effects(ClientEffect.GatewayFound.class)).hasSize(1);
        assertThat(state()).isEqualTo(ClientState.DISCONNECTED);
        assertOutcome(id).isSuccess();
    }

    @Test
    void missingNAdvAdvertisementsMakesAGatewayLost() {
        heard(new Advertise(GW_ID, ADVERTISE_SECONDS), GATEWAY);

        advance(ADVERTISE_MISSES * ADVERTISE_SECONDS * 1000L - 1);
        assertThat(effects()).isEmpty();

        advance(1);
        assertThat(effects()).containsExactly(new ClientEffect.GatewayLost(GW_ID));
        assertThat(core().nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void eachAdvertisementKeepsTheGateway() {
        heard(new Advertise(GW_ID, ADVERTISE_SECONDS), GATEWAY);
        for (int period = 0; period < 5; period++) {
            advance(ADVERTISE_SECONDS * 1000L);
            heard(new Advertise(GW_ID, ADVERTISE_SECONDS), GATEWAY);
            assertThat(effects()).as("a known gateway").isEmpty();
        }
        long lastAt = now();

        advance(ADVERTISE_MISSES * ADVERTISE_SECONDS * 1000L - 1);
        assertThat(effects()).isEmpty();
        advance(1);
        assertThat(effects()).containsExactly(new ClientEffect.GatewayLost(GW_ID));
        assertThat(times(ClientEffect.GatewayLost.class))
                .containsExactly(lastAt + ADVERTISE_MISSES * ADVERTISE_SECONDS * 1000L);
    }

    @Test
    void aLostGatewayIsFoundAgainWhenItAdvertises() {
        heard(new Advertise(GW_ID, ADVERTISE_SECONDS), GATEWAY);
        advance(ADVERTISE_MISSES * ADVERTISE_SECONDS * 1000L);

        heard(new Advertise(GW_ID, ADVERTISE_SECONDS), GATEWAY);

        assertThat(effects()).containsExactly(new ClientEffect.GatewayFound(GW_ID, GATEWAY));
    }

    @Test
    void gatewaysAreTrackedApart() {
        heard(new Advertise(1, 60), GW_1);
        heard(new Advertise(2, 600), GW_2);
        assertThat(effects()).containsExactly(new ClientEffect.GatewayFound(2, GW_2));

        advance(ADVERTISE_MISSES * 60_000L);
        assertThat(effects()).containsExactly(new ClientEffect.GatewayLost(1));

        advance(ADVERTISE_MISSES * 600_000L);
        assertThat(effects()).containsExactly(new ClientEffect.GatewayLost(2));
    }

    @Test
    void advertisingDoesNotDisturbAConnection() {
        connected();

        heard(new Advertise(GW_ID, ADVERTISE_SECONDS), GATEWAY);

        assertThat(stateChanges()).isEmpty();
        assertThat(sent()).isEmpty();
        assertThat(state()).isEqualTo(ClientState.ACTIVE);
    }
}
