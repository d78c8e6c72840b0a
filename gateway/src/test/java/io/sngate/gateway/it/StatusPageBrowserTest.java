package io.sngate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sngate.codec.QoS;
import io.sngate.gateway.testing.HeadlessChromium;
import io.sngate.gateway.testing.Mosquitto;
import io.sngate.hw.config.GatewaySettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page in a real browser: headless Chromium loads it from a running gateway with
 * simulated UDP devices (one of them asleep) and a real mosquitto; the rendered DOM must list
 * the devices, show the sleeping one as asleep and a client's topic registry. The screenshot is
 * kept in target/ (the README's one in docs/ was taken this way).
 */
class StatusPageBrowserTest {

    /** A row of the clients table; the one shown in detail is also of class selected. */
    private static final Pattern ROW = Pattern.compile("<tr class=\"client( selected)?\" data-client-id=\"([^\"]+)\" "
            + "data-state=\"([a-z_]+)\">");

    @Test
    void theStatusPageListsTheDevicesAndShowsTheSleepingOneAsleep(@TempDir Path profile) throws Exception {
        HeadlessChromium chromium = HeadlessChromium.require(profile);
        try (TestGateway gw = TestGateway.start(Setup.TRANSPARENT_MOSQUITTO,
                     c -> c.with(GatewaySettings.ADMIN_PORT, Mosquitto.freePort()));
             Device thermostat = gw.device("thermostat-kitchen");
             Device sensor = gw.device("door-sensor-7");
             Device meter = gw.device("power-meter")) {
            thermostat.connected(true, 60);
            thermostat.register("home/kitchen/temperature");
            thermostat.subscribe("home/kitchen/setpoint", QoS.AT_LEAST_ONCE);
            meter.connected(true, 30);
            meter.register("home/power/watts");
            sensor.connected(false, 60);
            sensor.register("home/door/7/open");
            sensor.sleep(600);
            AdminHttp admin = new AdminHttp(gw.gateway.adminUrl());
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> admin.get("/api/gateway").json().get("broker").get("reachable").asBoolean());

            String url = gw.gateway.adminUrl() + "/#client=thermostat-kitchen";
            String dom = chromium.dumpDom(url);

            assertThat(dom).as("the page's scripts ran").contains("data-loaded=\"true\"");
            java.util.Map<String, String> rows = new java.util.TreeMap<>();
            java.util.List<String> selected = new java.util.ArrayList<>();
            Matcher m = ROW.matcher(dom);
            while (m.find()) {
                rows.put(m.group(2), m.group(3));
                if (m.group(1) != null) {
                    selected.add(m.group(2));
                }
            }
            assertThat(rows).containsExactly(java.util.Map.entry("door-sensor-7", "asleep"),
                    java.util.Map.entry("power-meter", "active"), java.util.Map.entry("thermostat-kitchen", "active"));
            assertThat(selected).as("the row of the client shown in detail").containsExactly("thermostat-kitchen");
            assertThat(dom).contains("<span class=\"state state-asleep\">asleep</span>");
            assertThat(dom).contains("broker " + gw.brokerUri + " reachable");
            // The click-through: the detail of the client named in the address, with its topic registry.
            assertThat(dom).containsPattern("<h2>Client <span id=\"detail-id\">thermostat-kitchen</span>");
            assertThat(dom).containsPattern("<td>\\d+</td><td>home/kitchen/temperature</td><td>yes</td>");
            assertThat(dom).containsPattern("<td>home/kitchen/setpoint</td><td>1</td>");
            assertThat(dom).contains("data-counter=\"received_packets\"");

            Path png = Path.of("target", "status-page.png");
            chromium.screenshot(url, png, 1400, 900);
            byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(png), 8);
            assertThat(head).as("a PNG").startsWith(0x89, 'P', 'N', 'G');
        }
    }
}
