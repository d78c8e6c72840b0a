package io.sngate.hw.config.devices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sngate.hw.config.ConfigError;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PahoClientsConfTest {

    @TempDir
    Path dir;

    private Path file;

    private DevicesFile load(String text) throws IOException, ConfigError {
        file = dir.resolve("clients.conf");
        Files.writeString(file, text);
        return DevicesFileLoader.load(file);
    }

    private void failsAt(String text, int line, String reason) throws IOException {
        file = dir.resolve("clients.conf");
        Files.writeString(file, text);
        assertThatThrownBy(() -> DevicesFileLoader.load(file))
                .isInstanceOf(ConfigError.class)
                .satisfies(e -> assertThat(((ConfigError) e).key()).isEqualTo("devices.file"))
                .hasMessageContaining(file + " line " + line + ": ")
                .hasMessageContaining(reason);
    }

    @Test
    void eachLinePinsOneClientIdToOneAddress() throws Exception {
        DevicesFile devices = load("""
                # the plant's clients
                #   ClientId,Address[,option...]

                kitchen, 192.0.2.20:10001
                Cellar,192.0.2.21:10002,unstableLine
                relay-1,192.0.2.30:10010,forwarder
                lossy,192.0.2.31:10011,QoS-1,unstableLine,secureConnection,
                v6-node,[2001:db8::20]:10020
                radio-node,0013a20040A1B2C3
                old-style,10030@192.0.2.40
                """);
        assertThat(devices.entries()).extracting(e -> e.match().text())
                .containsExactly("kitchen", "Cellar", "relay-1", "lossy", "v6-node", "radio-node", "old-style");
        DeviceEntry kitchen = devices.entryFor("kitchen");
        assertThat(kitchen.match()).isEqualTo(ClientIdMatcher.exact("kitchen"));
        assertThat(kitchen.allows(new InetSocketAddress("192.0.2.20", 10001))).isTrue();
        assertThat(kitchen.allows(new InetSocketAddress("192.0.2.20", 10002))).isFalse(); // the exact port
        assertThat(kitchen.allows(new InetSocketAddress("192.0.2.21", 10001))).isFalse();
        assertThat(kitchen.origin()).isEqualTo(file + " line 4");
        assertThat(kitchen.flags()).isEmpty();
        assertThat(kitchen.mayPublish("kitchen", "any/topic")).isTrue(); // Paho's list says nothing about topics
        assertThat(devices.entryFor("Cellar").flags()).containsExactly("unstableLine");
        assertThat(devices.entryFor("cellar")).isSameAs(DeviceEntry.ALLOW_ALL); // ids are case-sensitive
        assertThat(devices.entryFor("relay-1").flags()).containsExactly("forwarder");
        assertThat(devices.entryFor("lossy").flags()).containsExactly("QoS-1", "unstableLine", "secureConnection");
        assertThat(devices.entryFor("v6-node").allows(new InetSocketAddress("2001:db8::20", 10020))).isTrue();
        assertThat(devices.entryFor("radio-node").allowsLink("xbee:radio/0013A20040A1B2C3")).isTrue();
        assertThat(devices.entryFor("old-style").allows(new InetSocketAddress("192.0.2.40", 10030))).isTrue();
        assertThat(devices.listed("stranger")).isFalse();
        assertThat(devices.defaultEntry()).isSameAs(DeviceEntry.ALLOW_ALL);
    }

    @Test
    void optionWordsIgnoreCaseButKeepPahosSpelling() throws Exception {
        DevicesFile devices = load("a,192.0.2.1:1,qos-1,FORWARDER\n");
        assertThat(devices.entryFor("a").flags()).containsExactly("QoS-1", "forwarder");
    }

    @Test
    void onlyNamesEndingInConfArePahoClientLists() throws Exception {
        Path upper = dir.resolve("CLIENTS.CONF");
        Files.writeString(upper, "a,192.0.2.1:1\n");
        assertThat(DevicesFileLoader.load(upper).listed("a")).isTrue();
        assertThat(DevicesFileLoader.isPahoClientList(Path.of("devices.yaml"))).isFalse();
        assertThat(DevicesFileLoader.isPahoClientList(Path.of("conf"))).isFalse();
    }

    @Test
    void crlfLineEndsAreFine() throws Exception {
        assertThat(load("# comment\r\na,192.0.2.1:1\r\nb,192.0.2.2:1\r\n").entries()).hasSize(2);
    }

    @Test
    void errorsNameTheLine() throws IOException {
        failsAt("a,192.0.2.1:1\njust-an-id\n", 2, "expected 'ClientId,Address[,option...]', got 'just-an-id'");
        failsAt(",192.0.2.1:1\n", 1, "the client id is empty");
        failsAt("a,192.0.2.1\n", 1, "(the port is missing)");
        failsAt("a,192.0.2.0/24:1\n", 1, "a client is one address, not a network");
        failsAt("a,gateway.local:1883\n", 1, "expected IP:PORT, [IPv6]:PORT or a 16-hex-digit XBee address, got 'gateway.local:1883'");
        failsAt("a,192.0.2.1:70000\n", 1, "the port must be from 1 to 65535");
        failsAt("a,0013A20040A1B2\n", 1, "expected IP:PORT");
        failsAt("\n\na,192.0.2.1:1,stable\n", 3, "unknown option 'stable'");
        failsAt("a,192.0.2.1:1,forwarde\n", 1, "unknown option 'forwarde' (did you mean 'forwarder'?)");
        failsAt("a,192.0.2.1:1\nb,192.0.2.2:1\na,192.0.2.3:1\n", 3, "client id 'a' is already listed on line 1");
        failsAt("a,192.0.2.1:1\nb,192.0.2.1:1\n", 2, "address 192.0.2.1:1 is already given to the client on line 1");
    }
}
