package io.sngate.client.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.client.ClientConfig;
import io.sngate.client.ClientState;
import io.sngate.client.LinkAddress;
import io.sngate.client.Outcome;
import io.sngate.codec.Bytes;
import io.sngate.codec.v12.Advertise;
import io.sngate.codec.v12.GwInfo;
import io.sngate.codec.v12.SearchGw;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Finding gateways: SEARCHGW, GWINFO, ADVERTISE and its expiry (§6.1). */
class DiscoveryTest extends PartFixture {

    private static final long SEED = 77;
    private static final LinkAddress GW_1884 = udp("192.0.2.1", 1884);
    private static final LinkAddress GW_1885 = udp("192.0.2.1", 1885);
    private static final LinkAddress NEIGHBOUR = udp("192.0.2.7", 40001);
    private static final long SEARCH_DELAY = ClientConfig.defaults(CLIENT_ID).searchDelayMillis();

    private final Discovery discovery = new Discovery(config, new Random(SEED), sink, limit);

    private static ClientEffect.Broadcast searchGw(int radius) {
        return new ClientEffect.Broadcast(new SearchGw(radius), radius);
    }

    /** Runs the timer at every deadline up to now + millis, as a driver would. */
    private void elapse(long millis) {
        long target = now + millis;
        for (long deadline = discovery.nextDeadline(); deadline <= target; deadline = discovery.nextDeadline()) {
            now = Math.max(now, deadline);
            discovery.onTimer(now);
        }
        now = target;
    }

    @Test
    void theFirstSearchGwWaitsARandomDelayDrawnFromTheGivenRandomness() {
        long delay = (long) (new Random(SEED).nextDouble() * SEARCH_DELAY);

        discovery.search(1, 2, now);
        assertThat(drain()).containsExactly(
                changed(ClientState.DISCONNECTED, ClientState.SEARCHING, "searching for a gateway"));
        assertThat(discovery.nextDeadline()).isEqualTo(now + delay);

        elapse(delay);
        assertThat(drain()).containsExactly(searchGw(2));
    }

    @Test
    void searchGwIsRepeatedAtDoublingIntervalsUpToSixteenTRetry() {
        discovery.search(1, 1, now);
        elapse(discovery.nextDeadline() - now);
        assertThat(drain()).endsWith(searchGw(1));

        for (long factor : new long[] {2, 4, 8, 16, 16, 16}) {
            assertThat(discovery.nextDeadline()).isEqualTo(now + factor * RETRY);
            elapse(factor * RETRY - 1);
            assertThat(drain()).as("before %d x T_RETRY", factor).isEmpty();
            elapse(1);
            assertThat(drain()).containsExactly(searchGw(1));
        }
    }

    @Test
    void anotherClientsSearchGwPostponesOursButNeverBringsItForward() {
        discovery.search(1, 1, now);
        long due = discovery.nextDeadline();

        discovery.onSearchGwHeard(now);
        assertThat(discovery.nextDeadline()).isEqualTo(Math.max(due, now + RETRY));

        elapse(discovery.nextDeadline() - now);
        drain();
        long repeat = discovery.nextDeadline();
        discovery.onSearchGwHeard(now);
        assertThat(discovery.nextDeadline()).isEqualTo(repeat);
    }

    @Test
    void withoutASearchHearingOneChangesNothing() {
        discovery.onSearchGwHeard(now);

        assertThat(discovery.nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void aGatewaysAnswerEndsTheSearch() {
        discovery.search(1, 1, now);
        drain();

        discovery.onGwInfo(GwInfo.fromGateway(3), GW_1884);

        assertThat(drain()).containsExactly(
                new ClientEffect.GatewayFound(3, GW_1884),
                changed(ClientState.SEARCHING, ClientState.DISCONNECTED, "gateway found"),
                completed(1, Outcome.ok()));
        assertThat(discovery.nextDeadline()).as("a GWINFO gateway does not expire").isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void anotherClientsGwInfoCarriesTheGatewaysAddress() {
        discovery.onGwInfo(new GwInfo(3, Bytes.utf8("10.0.0.9")), NEIGHBOUR);
        discovery.onGwInfo(new GwInfo(3, Bytes.utf8("10.0.0.9")), NEIGHBOUR);

        assertThat(drain()).as("found once")
                .containsExactly(new ClientEffect.GatewayFound(3, new LinkAddress.Announced(Bytes.utf8("10.0.0.9"))));
    }

    @Test
    void searchingWhileConnectedKeepsTheStateAndANewSearchSupersedes() {
        inState(ClientState.ACTIVE);

        discovery.search(1, 1, now);
        discovery.search(2, 1, now);
        discovery.onAdvertise(new Advertise(5, 900), GW_1884, now);

        assertThat(drain()).containsExactly(
                completed(1, Outcome.failed(Outcome.Status.CANCELLED, "superseded by a new search")),
                new ClientEffect.GatewayFound(5, GW_1884),
                completed(2, Outcome.ok()));
    }

    @Test
    void anAdvertisedGatewayIsLostAfterNAdvMissedPeriodsUnlessItAdvertisesAgain() {
        long period = 900 * 1000L * config.advertiseMisses();
        discovery.onAdvertise(new Advertise(5, 900), GW_1884, now);
        drain();
        assertThat(discovery.nextDeadline()).isEqualTo(now + period);

        elapse(period - 1);
        discovery.onAdvertise(new Advertise(5, 900), GW_1885, now);
        elapse(period - 1);
        assertThat(drain()).as("renewed, and found only once").isEmpty();

        elapse(1);
        assertThat(drain()).containsExactly(new ClientEffect.GatewayLost(5));
        assertThat(discovery.nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }
}
