package io.sngate.hw.config.devices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AddressRangeTest {

    private static InetSocketAddress at(String ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port); // literals only: no lookup
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static boolean allows(String range, String ip, int port) {
        return AddressRange.parse(range).allows(at(ip, port));
    }

    @ParameterizedTest(name = "{0} allows {1}:{2}: {3}")
    @CsvSource(delimiter = '|', value = {
            "192.0.2.10              | 192.0.2.10   | 5000 | true",
            "192.0.2.10              | 192.0.2.11   | 5000 | false",
            "192.0.2.10:1883         | 192.0.2.10   | 1883 | true",
            "192.0.2.10:1883         | 192.0.2.10   | 1884 | false",
            "10.1.0.0/16             | 10.1.255.7   | 1    | true",
            "10.1.0.0/16             | 10.2.0.1     | 1    | false",
            "10.1.0.0/16:1883        | 10.1.3.4     | 1883 | true",
            "10.1.0.0/16:1883        | 10.1.3.4     | 1884 | false",
            "192.0.2.128/25          | 192.0.2.200  | 9    | true",
            "192.0.2.128/25          | 192.0.2.127  | 9    | false",
            "0.0.0.0/0               | 203.0.113.9  | 9    | true",
            "0.0.0.0/0               | 2001:db8::1  | 9    | false", // IPv4 ranges never hold IPv6 sources
            "2001:db8::1             | 2001:db8::1  | 9    | true",
            "2001:db8::1             | 2001:db8::2  | 9    | false",
            "2001:DB8::/32           | 2001:db8:5::9| 9    | true",
            "2001:db8::/32           | 2001:db9::1  | 9    | false",
            "[2001:db8::1]:1883      | 2001:db8::1  | 1883 | true",
            "[2001:db8::1]:1883      | 2001:db8::1  | 1884 | false",
            "[2001:db8::]/32:1883    | 2001:db8::7  | 1883 | true",
            "[2001:db8::]/32:1883    | 2001:db8::7  | 1    | false",
            "::/0                    | 192.0.2.1    | 9    | false",
            "xbee:0013A20040A1B2C3   | 192.0.2.1    | 9    | false",
            "serial:meter            | 192.0.2.1    | 9    | false",
    })
    void ipRangesMatchAddressPrefixesAndPorts(String range, String ip, int port, boolean expected) {
        assertThat(allows(range, ip, port)).isEqualTo(expected);
    }

    @Test
    void anUnresolvedSourceIsNeverAllowed() {
        assertThat(AddressRange.parse("0.0.0.0/0").allows(InetSocketAddress.createUnresolved("host", 1))).isFalse();
    }

    @Test
    void xbeeAddressesAreCaseInsensitiveHexAndMatchTheGatewaysLinkText() {
        AddressRange radio = AddressRange.parse("XBee:0013a20040a1b2c3");
        assertThat(radio).isEqualTo(new AddressRange.XBee(0x0013A20040A1B2C3L));
        assertThat(radio.text()).isEqualTo("xbee:0013A20040A1B2C3");
        assertThat(radio.allowsLink("xbee:0013A20040A1B2C3")).isTrue();
        assertThat(radio.allowsLink("xbee:radio/0013A20040A1B2C3")).isTrue(); // the gateway's form
        assertThat(radio.allowsLink("xbee:radio/0013a20040a1b2c3")).isTrue();
        assertThat(radio.allowsLink("xbee:radio/0013A20040A1B2C4")).isFalse();
        assertThat(radio.allowsLink("xbee:radio/0013A20040A1B2C3/node:01")).isFalse(); // behind a forwarder
        assertThat(radio.allowsLink("serial:0013A20040A1B2C3")).isFalse();
        assertThat(radio.allowsLink(null)).isFalse();
        assertThat(AddressRange.parse("xbee:FFFFFFFFFFFFFFFF").allowsLink("xbee:r/FFFFFFFFFFFFFFFF")).isTrue();
    }

    @Test
    void serialLinesMatchByName() {
        AddressRange line = AddressRange.parse("serial:meter");
        assertThat(line.allowsLink("serial:meter")).isTrue();
        assertThat(line.allowsLink("serial:meter2")).isFalse();
        assertThat(line.allowsLink("serial:Meter")).isFalse();
        assertThat(line.allowsLink("serial:meter/node:01")).isFalse();
        assertThat(line.text()).isEqualTo("serial:meter");
    }

    @Test
    void ipRangesMatchTheGatewaysUdpLinkText() {
        assertThat(AddressRange.parse("10.1.0.0/16").allowsLink("udp:10.1.2.3:5000")).isTrue();
        assertThat(AddressRange.parse("10.1.0.0/16").allowsLink("udp:10.2.2.3:5000")).isFalse();
        assertThat(AddressRange.parse("10.1.2.3:5000").allowsLink("udp:10.1.2.3:5001")).isFalse();
        assertThat(AddressRange.parse("[2001:db8::1]:1883").allowsLink("udp:2001:db8:0:0:0:0:0:1:1883")).isTrue();
        assertThat(AddressRange.parse("2001:db8::/32").allowsLink("udp:[2001:db8::5]:1")).isTrue();
        assertThat(AddressRange.parse("10.1.0.0/16").allowsLink("udp:10.1.2.3:5000/node:01")).isFalse();
        assertThat(AddressRange.parse("10.1.0.0/16").allowsLink("udp:sensor.local:5000")).isFalse();
        assertThat(AddressRange.parse("10.1.0.0/16").allowsLink("serial:10.1.2.3")).isFalse();
    }

    @Test
    void textIsTheCanonicalForm() {
        assertThat(AddressRange.parse(" 192.0.2.10 ").text()).isEqualTo("192.0.2.10");
        assertThat(AddressRange.parse("10.1.0.0/16:1883").text()).isEqualTo("10.1.0.0/16:1883");
        assertThat(AddressRange.parse("2001:DB8::/32").text()).isEqualTo("2001:db8:0:0:0:0:0:0/32");
        assertThat(AddressRange.parse("[2001:db8::1]:1883").text()).isEqualTo("[2001:db8:0:0:0:0:0:1]:1883");
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "''                      | cannot be empty",
            "sensor.local            | not an IP address (host names are not looked up)",
            "localhost               | not an IP address",
            "192.0.2                 | not an IP address",
            "256.0.2.1               | 256 > 255",
            "010.0.0.1               | not an IP address",
            "10.1.0.0/33             | the prefix length must be from 0 to 32, not 33",
            "10.1.0.0/x              | only /PREFIX and :PORT may follow",
            "10.1.2.3/16             | has bits set after the prefix (the network is 10.1.0.0/16)",
            "2001:db8::1/32          | the network is 2001:db8:0:0:0:0:0:0/32",
            "2001:db8::/129          | from 0 to 128, not 129",
            "192.0.2.1:0             | the port must be from 1 to 65535, not 0",
            "192.0.2.1:65536         | the port must be from 1 to 65535, not 65536",
            "192.0.2.1:99999999999   | the port must be from 1 to 65535",
            "[2001:db8::1            | has '[' without ']'",
            "[2001:db8::1]x          | only /PREFIX and :PORT may follow",
            "2001:db8::g             | not an IP address",
            "2001:db8:::1            | not an IPv6 address",
            "fe80::1%eth0            | zone ids",
            "xbee:0013A20040A1B2     | not an XBee 64-bit address (16 hex digits",
            "xbee:0013A20040A1B2CG   | not an XBee 64-bit address",
            "serial:                 | needs the name of a serial line",
    })
    void badAddressesSayWhy(String text, String reason) {
        assertThatThrownBy(() -> AddressRange.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(reason);
    }
}
