package io.sngate.codec.v12;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Byte-exact vectors for ADVERTISE (0x00), SEARCHGW (0x01) and GWINFO (0x02), spec digest §7. */
class DiscoveryVectorsTest extends AbstractVectorsTest {

    static Stream<Arguments> advertise() {
        return Stream.of(
                // Length=5 | 0x00 | GwId | Duration
                vector("gw 1, duration 0", "05 00 01 00 00", new Advertise(1, 0)),
                vector("gw 0, duration 15 min", "05 00 00 03 84", new Advertise(0, 900)),
                vector("gw 42, duration 1 h (big-endian)", "05 00 2A 0E 10", new Advertise(42, 3600)),
                vector("gw 255, duration 65535", "05 00 FF FF FF", new Advertise(255, 65535)),
                vector("duration high byte only", "05 00 07 01 00", new Advertise(7, 256)));
    }

    static Stream<Arguments> searchGw() {
        return Stream.of(
                // Length=3 | 0x01 | Radius
                vector("radius 0 (whole network)", "03 01 00", new SearchGw(0)),
                vector("radius 1", "03 01 01", new SearchGw(1)),
                vector("radius 3", "03 01 03", new SearchGw(3)),
                vector("radius 255", "03 01 FF", new SearchGw(255)));
    }

    static Stream<Arguments> gwInfo() {
        return Stream.of(
                // From a gateway: Length=3 | 0x02 | GwId, no GwAdd
                vector("from gateway, gw 1", "03 02 01", GwInfo.fromGateway(1)),
                vector("from gateway, gw 0", "03 02 00", new GwInfo(0, Bytes.EMPTY)),
                vector("from gateway, gw 255", "03 02 FF", GwInfo.fromGateway(255)),
                // From a client: GwAdd is the opaque remainder of the message
                vector("from client, 1-byte address", "04 02 05 AA", new GwInfo(5, hex("AA"))),
                vector("from client, IPv4 address", "07 02 01 C0 A8 00 01", new GwInfo(1, hex("C0 A8 00 01"))),
                vector("from client, IPv4 + port", "09 02 07 0A 00 00 01 07 5B",
                        new GwInfo(7, hex("0A 00 00 01 07 5B"))),
                vector("from client, address with 0x00 and 0xFF", "07 02 02 00 FF 00 FF",
                        new GwInfo(2, hex("00 FF 00 FF"))),
                vector("from client, 8-byte ZigBee address", "0B 02 03 00 13 A2 00 40 8B 2C 1D",
                        new GwInfo(3, hex("00 13 A2 00 40 8B 2C 1D"))),
                vector("from client, IPv6 + port (18 bytes)",
                        "15 02 09 20 01 0D B8 00 00 00 00 00 00 00 00 00 00 00 01 07 5B",
                        new GwInfo(9, hex("20 01 0D B8 00 00 00 00 00 00 00 00 00 00 00 01 07 5B"))));
    }

    @ParameterizedTest(name = "ADVERTISE {0}: {1}")
    @MethodSource("advertise")
    void advertiseVectors(String name, String hex, MqttSn12Message message) throws DecodeException {
        assertVector(hex, message);
    }

    @ParameterizedTest(name = "SEARCHGW {0}: {1}")
    @MethodSource("searchGw")
    void searchGwVectors(String name, String hex, MqttSn12Message message) throws DecodeException {
        assertVector(hex, message);
    }

    @ParameterizedTest(name = "GWINFO {0}: {1}")
    @MethodSource("gwInfo")
    void gwInfoVectors(String name, String hex, MqttSn12Message message) throws DecodeException {
        assertVector(hex, message);
    }

    @Test
    void gatewayGwInfoHasNoAddressAndClientGwInfoKeepsItsAddress() throws DecodeException {
        GwInfo fromGateway = (GwInfo) CODEC.decode(Bytes.fromHex("03 02 01").toArray());
        assertThat(fromGateway.gwAddress().isEmpty()).isTrue();

        GwInfo fromClient = (GwInfo) CODEC.decode(Bytes.fromHex("07 02 01 C0 A8 00 01").toArray());
        assertThat(fromClient.gwAddress().toArray()).containsExactly(0xC0, 0xA8, 0x00, 0x01);
    }

    @Test
    void discoveryTypeCodes() {
        assertThat(MessageType.ADVERTISE.code()).isEqualTo(0x00);
        assertThat(MessageType.SEARCHGW.code()).isEqualTo(0x01);
        assertThat(MessageType.GWINFO.code()).isEqualTo(0x02);
    }
}
