package io.sngate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.codec.QoS;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.gateway.Metrics;
import io.sngate.gateway.testing.ChromiumPage;
import io.sngate.gateway.testing.Mosquitto;
import io.sngate.hw.config.GatewaySettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowingConsumer;
import org.junit.jupiter.api.Test;

/**
 * The status page left open in headless Chromium while devices act: without a reload, its
 * counters count their packets, new devices appear in the clients table, states change (asleep,
 * disconnected, gone), messages for a sleeping device show as queued, the detail follows a click
 * and its Disconnect button, and the broker pill follows the broker. The page is driven and read
 * through the DevTools protocol ({@link ChromiumPage}); it must throw nothing and log no error.
 */
class StatusPageLiveTest {

    /** Refreshes in this test: short, so that each change shows within a fraction of a second. */
    private static final String REFRESH = "0.25";
    private static final Duration SHOWS = Duration.ofSeconds(10);

    @Test
    void theOpenPageFollowsTheDevicesWithoutReloading() throws Exception {
        try (ChromiumPage page = ChromiumPage.open();
             TestGateway gw = TestGateway.start(Setup.TRANSPARENT_MOSQUITTO,
                     c -> c.with(GatewaySettings.ADMIN_PORT, Mosquitto.freePort()));
             Device thermostat = gw.device("thermostat-kitchen");
             Device meter = gw.device("power-meter");
             Device sensor = gw.device("door-sensor-7");
             Device window = gw.device("window-sensor-3");
             Observer home = gw.observer("home-automation")) {
            thermostat.connected(true, 60);
            int temperature = thermostat.register("home/kitchen/temperature");
            meter.connected(true, 30);
            meter.subscribe("home/power/limit", QoS.AT_LEAST_ONCE);
            sensor.connected(false, 60);
            sensor.register("home/door/7/open");
            AdminHttp admin = new AdminHttp(gw.gateway.adminUrl());
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> admin.get("/api/gateway").json().get("broker").get("reachable").asBoolean());

            page.navigate(gw.gateway.adminUrl() + "/?refresh=" + REFRESH + "#client=thermostat-kitchen");
            StatusPageDom dom = new StatusPageDom(page);
            await().atMost(SHOWS).until(dom::loaded);
            // Gone after any reload: at the end it shows everything below came from the one page.
            page.evaluate("window.sngateSameDocument = true");
            assertThat(dom.text("#refresh-period")).isEqualTo(REFRESH + " s");
            assertThat(dom.hidden("#refresh-notice")).isTrue();
            assertThat(dom.states()).containsExactly(Map.entry("door-sensor-7", "active"),
                    Map.entry("power-meter", "active"), Map.entry("thermostat-kitchen", "active"));
            assertThat(dom.clientCount()).isEqualTo("(3)");
            assertThat(dom.detailClient()).isEqualTo("thermostat-kitchen");
            assertThat(dom.selectedRows()).containsExactly("thermostat-kitchen");
            assertThat(dom.detailTopics()).containsExactly("home/kitchen/temperature");

            // Counters: only the thermostat sends, so each of its packets counts once everywhere.
            long published = dom.detailCounter("publishes_to_broker");
            long fromDevice = dom.detailCounter("packets_from_device");
            long received = dom.gatewayCounter(Metrics.RECEIVED_PACKETS);
            for (int i = 0; i < 3; i++) {
                assertThat(thermostat.publish1(TopicIdType.NORMAL, temperature, ("21." + i).getBytes(StandardCharsets.UTF_8),
                        false).returnCode()).isEqualTo(ReturnCode.ACCEPTED);
            }
            shows(dom, d -> {
                assertThat(d.detailCounter("publishes_to_broker")).isEqualTo(published + 3);
                assertThat(d.detailCounter("packets_from_device")).isEqualTo(fromDevice + 3);
                assertThat(d.gatewayCounter(Metrics.RECEIVED_PACKETS)).isEqualTo(received + 3);
            });

            // The detail's topic registry and the table's topic count follow a REGISTER.
            thermostat.register("home/kitchen/humidity");
            shows(dom, d -> {
                assertThat(d.detailTopics()).containsExactly("home/kitchen/temperature", "home/kitchen/humidity");
                assertThat(d.clients().get("thermostat-kitchen")).containsEntry("Topics", "2");
            });

            // A device that connects appears in the table, and in the gateway's session count.
            window.connected(true, 60);
            shows(dom, d -> {
                assertThat(d.clients()).containsOnlyKeys("door-sensor-7", "power-meter", "thermostat-kitchen",
                        "window-sensor-3");
                assertThat(d.clients().get("window-sensor-3")).containsEntry("State", "active").containsEntry("Link", "udp");
                assertThat(d.clientCount()).isEqualTo("(4)");
                assertThat(d.gatewayFacts()).containsEntry("Sessions", "4").containsEntry("active", "4");
            });

            // A device that goes to sleep shows asleep; what comes for it meanwhile shows as queued.
            meter.sleep(600);
            shows(dom, d -> {
                assertThat(d.states()).containsEntry("power-meter", "asleep");
                assertThat(d.clients().get("power-meter")).containsEntry("State", "asleep").containsEntry("Queued", "0");
                assertThat(d.gatewayFacts()).containsEntry("active", "3").containsEntry("asleep", "1");
            });
            home.publish("home/power/limit", "3000", 1);
            home.publish("home/power/limit", "2500", 1);
            shows(dom, d -> assertThat(d.clients().get("power-meter")).containsEntry("Queued", "2"));

            // A persistent session stays, disconnected; a clean one is gone from the table.
            sensor.disconnect();
            thermostat.disconnect();
            shows(dom, d -> {
                assertThat(d.states()).containsExactly(Map.entry("door-sensor-7", "disconnected"),
                        Map.entry("power-meter", "asleep"), Map.entry("window-sensor-3", "active"));
                assertThat(d.clientCount()).isEqualTo("(3)");
                // The thermostat stays selected: its detail says it has gone and shows nothing of before.
                assertThat(d.detailClient()).isEqualTo("thermostat-kitchen");
                assertThat(d.detailGone()).isTrue();
                assertThat(d.detailFacts()).isEmpty();
                assertThat(d.detailTopics()).isEmpty();
                assertThat(d.hidden("#kick")).isTrue();
            });

            // Click-through: a click on a row shows that client's detail.
            dom.clickClient("window-sensor-3");
            shows(dom, d -> {
                assertThat(d.detailClient()).isEqualTo("window-sensor-3");
                assertThat(d.detailGone()).isFalse();
                assertThat(d.selectedRows()).containsExactly("window-sensor-3");
                assertThat(d.detailFacts()).containsEntry("State", "active").containsEntry("Clean session", "true");
                assertThat(d.detailCounter("packets_from_device")).isEqualTo(1L);
            });
            window.register("home/window/3/open");
            shows(dom, d -> {
                assertThat(d.detailTopics()).containsExactly("home/window/3/open");
                assertThat(d.detailCounter("packets_from_device")).isEqualTo(2L);
            });

            // The detail's Disconnect button asks first, then ends the session.
            Long lostBefore = dom.gatewayCounter(Metrics.CLIENTS_LOST);
            long lost = (lostBefore == null ? 0 : lostBefore) + 1;
            page.answerDialogs(true);
            page.evaluate("document.getElementById('kick').click()");
            assertThat(page.dialogs()).containsExactly(
                    new ChromiumPage.Dialog("confirm", "Disconnect window-sensor-3? Its will is published."));
            shows(dom, d -> {
                assertThat(d.states()).doesNotContainKey("window-sensor-3");
                assertThat(d.detailGone()).isTrue();
                assertThat(d.hidden("#kick-result")).isTrue();
                assertThat(d.gatewayCounter(Metrics.CLIENTS_LOST)).isEqualTo(lost);
            });

            // The broker pill follows the broker.
            LoggedMosquitto broker = gw.ownMosquitto();
            broker.broker.stop();
            shows(dom, d -> assertThat(d.broker()).startsWith("pill down: broker " + gw.brokerUri + " unreachable: "));
            broker.broker.startAgain();
            shows(dom, d -> assertThat(d.broker()).isEqualTo("pill up: broker " + gw.brokerUri + " reachable"));

            assertThat(page.evaluate("window.sngateSameDocument === true").asBoolean())
                    .as("the page was never reloaded").isTrue();
            assertThat(dom.hidden("#error")).as("the page's error line").isTrue();
            // The one error a working page logs: the browser's note of each 404 for the client it
            // shows after that client's session ended (the page asks until it comes back).
            String gone = "the server responded with a status of 404 (Not Found) (" + gw.gateway.adminUrl()
                    + "/api/clients/";
            assertThat(page.problems()).filteredOn(p -> !(p.kind().equals("log.network")
                    && (p.text().endsWith(gone + "thermostat-kitchen)") || p.text().endsWith(gone + "window-sensor-3)"))))
                    .isEmpty();
        }
    }

    @Test
    void aRefreshPeriodThePageCannotUseIsNamedAndTheDefaultHolds() throws Exception {
        try (ChromiumPage page = ChromiumPage.open();
             TestGateway gw = TestGateway.start(Setup.TRANSPARENT_MOSQUITTO,
                     c -> c.with(GatewaySettings.ADMIN_PORT, Mosquitto.freePort()))) {
            StatusPageDom dom = new StatusPageDom(page);
            for (String bad : List.of("fast", "0.01", "86400", "")) {
                page.navigate(gw.gateway.adminUrl() + "/?refresh=" + bad);
                await().atMost(SHOWS).until(dom::loaded);
                assertThat(dom.hidden("#refresh-notice")).as("notice for refresh=%s", bad).isFalse();
                assertThat(dom.text("#refresh-notice")).isEqualTo("refresh=" + bad + " in the address is not a number"
                        + " of seconds from 0.2 to 3600; the page refreshes every 2 s instead.");
                assertThat(dom.text("#refresh-period")).isEqualTo("2 s");
            }
            assertThat(page.problems()).isEmpty();
        }
    }

    /** Waits until the open page shows what {@code expected} asserts. */
    private static void shows(StatusPageDom dom, ThrowingConsumer<StatusPageDom> expected) {
        await().atMost(SHOWS).untilAsserted(() -> expected.accept(dom));
    }
}
