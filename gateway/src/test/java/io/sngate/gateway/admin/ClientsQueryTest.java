package io.sngate.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClientsQueryTest {

    private static final List<ClientSummary> CLIENTS = List.of(
            client("kitchen-2", "asleep", "udp", "udp:10.0.0.7:4000"),
            client("kitchen-1", "active", "udp", "udp:10.0.0.5:4000"),
            client("garage", "active", "xbee", "xbee:radio0/0013A20040A1B2C3"),
            client("cellar", "lost", "serial", "serial:ttyUSB0"),
            client("attic", "awake", "dtls", "dtls:attic@10.0.0.9:5684"));

    private static ClientSummary client(String id, String state, String link, String address) {
        return new ClientSummary(id, state, link, address, 0, "connected");
    }

    private static List<String> ids(Map<String, String> params) {
        return ClientsQuery.parse(params).apply(CLIENTS).clients().stream().map(ClientSummary::clientId).toList();
    }

    @Test
    void withoutParametersEveryClientIsListedByClientId() {
        ClientsQuery.Page page = ClientsQuery.parse(Map.of()).apply(CLIENTS);
        assertThat(page.total()).isEqualTo(5);
        assertThat(page.offset()).isZero();
        assertThat(page.limit()).isEqualTo(ClientsQuery.DEFAULT_LIMIT);
        assertThat(page.clients()).extracting(ClientSummary::clientId)
                .containsExactly("attic", "cellar", "garage", "kitchen-1", "kitchen-2");
    }

    @Test
    void filtersCombine() {
        assertThat(ids(Map.of("state", "active"))).containsExactly("garage", "kitchen-1");
        assertThat(ids(Map.of("state", "asleep,AWAKE"))).containsExactly("attic", "kitchen-2");
        assertThat(ids(Map.of("link", "udp"))).containsExactly("kitchen-1", "kitchen-2");
        assertThat(ids(Map.of("address", "10.0.0.5"))).containsExactly("kitchen-1");
        assertThat(ids(Map.of("address", "ttyUSB0"))).containsExactly("cellar");
        assertThat(ids(Map.of("address", "0013a20040a1b2c3"))).as("hex in either case").containsExactly("garage");
        assertThat(ids(Map.of("address", "xbee:RADIO0/"))).containsExactly("garage");
        assertThat(ids(Map.of("prefix", "kitchen"))).containsExactly("kitchen-1", "kitchen-2");
        assertThat(ids(Map.of("prefix", "kitchen", "state", "asleep"))).containsExactly("kitchen-2");
        assertThat(ids(Map.of("prefix", "Kitchen"))).as("client ids are case-sensitive").isEmpty();
    }

    @Test
    void pagesFollowEachOtherAndTheTotalCountsEveryMatch() {
        ClientsQuery.Page second = ClientsQuery.parse(Map.of("offset", "2", "limit", "2")).apply(CLIENTS);
        assertThat(second.total()).isEqualTo(5);
        assertThat(second.clients()).extracting(ClientSummary::clientId).containsExactly("garage", "kitchen-1");
        ClientsQuery.Page last = ClientsQuery.parse(Map.of("offset", "4", "limit", "2")).apply(CLIENTS);
        assertThat(last.clients()).extracting(ClientSummary::clientId).containsExactly("kitchen-2");
        ClientsQuery.Page beyond = ClientsQuery.parse(Map.of("offset", "50")).apply(CLIENTS);
        assertThat(beyond.total()).isEqualTo(5);
        assertThat(beyond.clients()).isEmpty();
    }

    @Test
    void aBadParameterIsNamedWithItsReason() {
        assertBad(Map.of("state", "sleeping"), "state", "'sleeping' is not a state");
        assertBad(Map.of("link", "lora"), "link", "'lora' is not a link");
        assertBad(Map.of("limit", "0"), "limit", "out of range 1..1000");
        assertBad(Map.of("limit", "1001"), "limit", "out of range 1..1000");
        assertBad(Map.of("offset", "-1"), "offset", "out of range");
        assertBad(Map.of("offset", "ten"), "offset", "'ten' is not a whole number");
        assertBad(Map.of("page", "2"), "page", "unknown parameter");
    }

    private static void assertBad(Map<String, String> params, String parameter, String reason) {
        assertThatThrownBy(() -> ClientsQuery.parse(params))
                .isInstanceOfSatisfying(ClientsQuery.BadParameter.class,
                        e -> assertThat(e.parameter()).isEqualTo(parameter))
                .hasMessageContaining(reason);
    }
}
