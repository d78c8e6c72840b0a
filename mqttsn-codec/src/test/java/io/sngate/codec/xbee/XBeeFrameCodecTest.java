package io.sngate.codec.xbee;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.DecodeException.Reason;
import io.sngate.codec.xbee.XBeeFrame.AtCommand;
import io.sngate.codec.xbee.XBeeFrame.AtCommandResponse;
import io.sngate.codec.xbee.XBeeFrame.ModemStatus;
import io.sngate.codec.xbee.XBeeFrame.ReceivePacket;
import io.sngate.codec.xbee.XBeeFrame.TransmitRequest;
import io.sngate.codec.xbee.XBeeFrame.TransmitStatus;
import io.sngate.codec.xbee.XBeeFrame.Unknown;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class XBeeFrameCodecTest {

    static byte[] hex(String hex) {
        return Bytes.fromHex(hex).toArray();
    }

    /**
     * Byte-exact frames: name, frame, API mode 1 bytes, API mode 2 bytes. Checksums are
     * 0xFF minus the low byte of the sum of the frame data (the bytes after the length).
     */
    static Stream<Arguments> vectors() {
        return Stream.of(
                // Digi's AT command example, "NJ" query with frame id 0x52:
                // 08+52+4E+4A = 0xF2, FF-F2 = 0x0D. Nothing to escape.
                Arguments.of("AT command NJ query", AtCommand.query(0x52, "NJ"),
                        "7E 00 04 08 52 4E 4A 0D",
                        "7E 00 04 08 52 4E 4A 0D"),
                // Set AP=2: 08+01+41+50+02 = 0x9C, FF-9C = 0x63.
                Arguments.of("AT command AP=2", new AtCommand(0x01, "AP", Bytes.fromHex("02")),
                        "7E 00 05 08 01 41 50 02 63",
                        "7E 00 05 08 01 41 50 02 63"),
                // Digi's transmit request example: "TxData0A" to 0013A200400A0127, checksum 0x13.
                // In mode 2 the 0x13 of the address and the checksum 0x13 are sent as 7D 33.
                Arguments.of("Transmit Request", TransmitRequest.unicast(0x01, 0x0013A200400A0127L,
                                Bytes.utf8("TxData0A")),
                        "7E 00 16 10 01 00 13 A2 00 40 0A 01 27 FF FE 00 00 54 78 44 61 74 61 30 41 13",
                        "7E 00 16 10 01 00 7D 33 A2 00 40 0A 01 27 FF FE 00 00 54 78 44 61 74 61 30 41 7D 33"),
                // Broadcast, frame id 0x7D, RF data 7E 7D 11 13 DA: frame data is 0x13 bytes long.
                // 10+7D+FF+FF+FF+FE+7E+7D+11+13+DA = 0x681, FF-81 = 0x7E. In mode 2 the length
                // (00 13), the frame id, four data bytes and the checksum all need escaping.
                Arguments.of("Transmit Request, escaping everywhere",
                        TransmitRequest.broadcast(0x7D, Bytes.fromHex("7E 7D 11 13 DA")),
                        "7E 00 13 10 7D 00 00 00 00 00 00 FF FF FF FE 00 00 7E 7D 11 13 DA 7E",
                        "7E 00 7D 33 10 7D 5D 00 00 00 00 00 00 FF FF FF FE 00 00 7D 5E 7D 5D 7D 31 7D 33 DA 7D 5E"),
                // Digi's receive packet example: "RxData" from 0013A20040522BAA / 7D84,
                // acknowledged (options 0x01), checksum 0x0D. Mode 2 escapes 0x13 and 0x7D.
                Arguments.of("Receive Packet", new ReceivePacket(0x0013A20040522BAAL, 0x7D84,
                                ReceivePacket.OPTION_ACKNOWLEDGED, Bytes.utf8("RxData")),
                        "7E 00 12 90 00 13 A2 00 40 52 2B AA 7D 84 01 52 78 44 61 74 61 0D",
                        "7E 00 12 90 00 7D 33 A2 00 40 52 2B AA 7D 5D 84 01 52 78 44 61 74 61 0D"),
                // Digi's transmit status example: delivered to 7D84 after route discovery:
                // 8B+01+7D+84+00+00+01 = 0x18E, FF-8E = 0x71.
                Arguments.of("Transmit Status", new TransmitStatus(0x01, 0x7D84, 0, 0, 1),
                        "7E 00 07 8B 01 7D 84 00 00 01 71",
                        "7E 00 07 8B 01 7D 5D 84 00 00 01 71"),
                // Response to "BD" set, OK: 88+01+42+44+00 = 0x10F, FF-0F = 0xF0.
                Arguments.of("AT Command Response", new AtCommandResponse(0x01, "BD", 0, Bytes.EMPTY),
                        "7E 00 05 88 01 42 44 00 F0",
                        "7E 00 05 88 01 42 44 00 F0"),
                // Response to "AP" query with value 2, OK: 88+01+41+50+00+02 = 0x11C, FF-1C = 0xE3.
                Arguments.of("AT Command Response with data",
                        new AtCommandResponse(0x01, "AP", 0, Bytes.fromHex("02")),
                        "7E 00 06 88 01 41 50 00 02 E3",
                        "7E 00 06 88 01 41 50 00 02 E3"),
                // Coordinator started: 8A+06 = 0x90, FF-90 = 0x6F.
                Arguments.of("Modem Status", new ModemStatus(ModemStatus.COORDINATOR_STARTED),
                        "7E 00 02 8A 06 6F",
                        "7E 00 02 8A 06 6F"),
                // Hardware reset: FF-8A = 0x75.
                Arguments.of("Modem Status reset", new ModemStatus(ModemStatus.HARDWARE_RESET),
                        "7E 00 02 8A 00 75",
                        "7E 00 02 8A 00 75"),
                // A 0x95 frame kept as Unknown: 95+00+13+A2+00+40+52+2B+AA = 0x2B1, FF-B1 = 0x4E.
                Arguments.of("Unknown 0x95", new Unknown(0x95, Bytes.fromHex("00 13 A2 00 40 52 2B AA")),
                        "7E 00 09 95 00 13 A2 00 40 52 2B AA 4E",
                        "7E 00 09 95 00 7D 33 A2 00 40 52 2B AA 4E"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void encodesTheVectorInBothModes(String name, XBeeFrame frame, String unescaped, String escaped) {
        assertThat(XBeeFrameCodec.encode(frame, ApiMode.UNESCAPED)).isEqualTo(hex(unescaped));
        assertThat(XBeeFrameCodec.encode(frame, ApiMode.ESCAPED)).isEqualTo(hex(escaped));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void decodesTheVectorInBothModes(String name, XBeeFrame frame, String unescaped, String escaped)
            throws DecodeException {
        assertThat(XBeeFrameCodec.decode(hex(unescaped), ApiMode.UNESCAPED)).isEqualTo(frame);
        assertThat(XBeeFrameCodec.decode(hex(escaped), ApiMode.ESCAPED)).isEqualTo(frame);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void streamingDecoderFindsTheVectorInBothModes(String name, XBeeFrame frame, String unescaped, String escaped) {
        for (ApiMode mode : ApiMode.values()) {
            FrameRecorder recorder = new FrameRecorder();
            XBeeFrameDecoder decoder = new XBeeFrameDecoder(mode, recorder);
            decoder.feed(hex(mode == ApiMode.UNESCAPED ? unescaped : escaped));
            assertThat(recorder.frames).as("%s", mode).containsExactly(frame);
            assertThat(decoder.bytesDiscarded()).isZero();
        }
    }

    @Test
    void checksumIsComplementOfLowByteOfSum() {
        assertThat(XBeeFrameCodec.checksum(hex("08 52 4E 4A"), 0, 4)).isEqualTo(0x0D);
        assertThat(XBeeFrameCodec.checksum(new byte[0], 0, 0)).isEqualTo(0xFF);
    }

    @Test
    void frameTypesAreTheApiIdentifiers() {
        assertThat(TransmitRequest.broadcast(1, Bytes.EMPTY).frameType()).isEqualTo(0x10);
        assertThat(new ReceivePacket(0, 0, 0, Bytes.EMPTY).frameType()).isEqualTo(0x90);
        assertThat(new TransmitStatus(0, 0, 0, 0, 0).frameType()).isEqualTo(0x8B);
        assertThat(AtCommand.query(0, "AP").frameType()).isEqualTo(0x08);
        assertThat(new AtCommandResponse(0, "AP", 0, Bytes.EMPTY).frameType()).isEqualTo(0x88);
        assertThat(new ModemStatus(0).frameType()).isEqualTo(0x8A);
        assertThat(new Unknown(0x91, Bytes.EMPTY).frameType()).isEqualTo(0x91);
    }

    @Test
    void helpersReadTheFlags() {
        assertThat(TransmitRequest.broadcast(1, Bytes.EMPTY).isBroadcast()).isTrue();
        assertThat(TransmitRequest.broadcast(1, Bytes.EMPTY).destination64()).isEqualTo(0xFFFFL);
        assertThat(TransmitRequest.unicast(1, 0x0013A20040522BAAL, Bytes.EMPTY).isBroadcast()).isFalse();
        assertThat(new ReceivePacket(1, 2, 0x02, Bytes.EMPTY).isBroadcast()).isTrue();
        assertThat(new ReceivePacket(1, 2, 0x01, Bytes.EMPTY).isBroadcast()).isFalse();
        assertThat(new TransmitStatus(1, 2, 0, 0x00, 0).delivered()).isTrue();
        assertThat(new TransmitStatus(1, 2, 3, TransmitStatus.DELIVERY_ROUTE_NOT_FOUND, 0).delivered()).isFalse();
        assertThat(new AtCommandResponse(1, "NJ", 0, Bytes.EMPTY).ok()).isTrue();
        assertThat(new AtCommandResponse(1, "NJ", AtCommandResponse.STATUS_INVALID_PARAMETER, Bytes.EMPTY).ok())
                .isFalse();
    }

    @Test
    void toStringShowsAddressesInHex() {
        assertThat(TransmitRequest.unicast(1, 0x0013A200400A0127L, Bytes.utf8("hi")).toString())
                .contains("destination64=0013A200400A0127", "destination16=FFFE", "rfData=\"hi\"");
        assertThat(new Unknown(0x95, Bytes.EMPTY).toString()).contains("frameType=0x95");
    }

    @Test
    void apiModesCarryTheirApParameter() {
        assertThat(ApiMode.UNESCAPED.apParameter()).isEqualTo(1);
        assertThat(ApiMode.ESCAPED.apParameter()).isEqualTo(2);
        assertThat(ApiMode.fromApParameter(2)).isEqualTo(ApiMode.ESCAPED);
        assertThatThrownBy(() -> ApiMode.fromApParameter(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("transparent");
    }

    @Nested
    class RecordsRefuseValuesThatDoNotFitTheWire {

        @Test
        void oneByteFields() {
            assertThatThrownBy(() -> new TransmitRequest(256, 0, 0, 0, 0, Bytes.EMPTY))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("frameId");
            assertThatThrownBy(() -> new ModemStatus(-1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> new AtCommandResponse(0, "AP", 300, Bytes.EMPTY))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("status");
        }

        @Test
        void twoByteFields() {
            assertThatThrownBy(() -> new ReceivePacket(0, 0x10000, 0, Bytes.EMPTY))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("source16");
        }

        @Test
        void commandsAreTwoOneByteCharacters() {
            assertThatThrownBy(() -> AtCommand.query(1, "A")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> AtCommand.query(1, "APX")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> AtCommand.query(1, "A\u20AC")).isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        void payloadsMustFitTheLengthField() {
            Bytes tooLong = Bytes.wrap(new byte[0xFFFF - TransmitRequest.FIXED_LENGTH + 1]);
            assertThatThrownBy(() -> TransmitRequest.broadcast(1, tooLong))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rfData");
            Bytes largest = Bytes.wrap(new byte[0xFFFF - TransmitRequest.FIXED_LENGTH]);
            assertThat(XBeeFrameCodec.encode(TransmitRequest.broadcast(1, largest), ApiMode.UNESCAPED))
                    .hasSize(0xFFFF + 4);
        }

        @Test
        void unknownCannotHoldAModelledType() {
            assertThatThrownBy(() -> new Unknown(0x90, Bytes.EMPTY))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0x90");
        }
    }

    @Nested
    class TruncatedFrameData {

        /** Field layout of each frame type up to its variable tail: name and size in bytes. */
        static Stream<Arguments> layouts() {
            return Stream.of(
                    Arguments.of(TransmitRequest.broadcast(1, Bytes.utf8("x")), new Object[][] {
                            {"FrameType", 1}, {"FrameId", 1}, {"DestinationAddress64", 8},
                            {"DestinationAddress16", 2}, {"BroadcastRadius", 1}, {"TransmitOptions", 1}}),
                    Arguments.of(new ReceivePacket(7, 8, 0, Bytes.utf8("x")), new Object[][] {
                            {"FrameType", 1}, {"SourceAddress64", 8}, {"SourceAddress16", 2},
                            {"ReceiveOptions", 1}}),
                    Arguments.of(new TransmitStatus(1, 2, 3, 4, 5), new Object[][] {
                            {"FrameType", 1}, {"FrameId", 1}, {"DestinationAddress16", 2},
                            {"TransmitRetryCount", 1}, {"DeliveryStatus", 1}, {"DiscoveryStatus", 1}}),
                    Arguments.of(new AtCommand(1, "AP", Bytes.fromHex("02")), new Object[][] {
                            {"FrameType", 1}, {"FrameId", 1}, {"Command", 2}}),
                    Arguments.of(new AtCommandResponse(1, "AP", 0, Bytes.fromHex("02")), new Object[][] {
                            {"FrameType", 1}, {"FrameId", 1}, {"Command", 2}, {"CommandStatus", 1}}),
                    Arguments.of(new ModemStatus(2), new Object[][] {{"FrameType", 1}, {"Status", 1}}));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("layouts")
        void everyPrefixNamesTheFieldItCutsAndWhereItStarts(XBeeFrame frame, Object[][] layout) {
            byte[] full = XBeeFrameCodec.encodeFrameData(frame);
            String packet = String.format("XBEE 0x%02X", frame.frameType());
            int fieldStart = 0;
            for (Object[] field : layout) {
                int size = (Integer) field[1];
                for (int length = fieldStart; length < fieldStart + size; length++) {
                    byte[] prefix = Arrays.copyOf(full, length);
                    DecodeException e = catchThrowableOfType(DecodeException.class,
                            () -> XBeeFrameCodec.decodeFrameData(prefix));
                    assertThat(e).as("prefix of %d bytes", length).isNotNull();
                    assertThat(e.reason()).isEqualTo(Reason.TRUNCATED);
                    assertThat(e.field()).as("prefix of %d bytes", length).isEqualTo(field[0]);
                    assertThat(e.offset()).isEqualTo(fieldStart);
                    assertThat(e.packet()).isEqualTo(length == 0 ? "XBEE" : packet);
                }
                fieldStart += size;
            }
        }

        @Test
        void variableTailsMayBeEmpty() throws DecodeException {
            assertThat(XBeeFrameCodec.decodeFrameData(hex("10 01 00 00 00 00 00 00 FF FF FF FE 00 00")))
                    .isEqualTo(TransmitRequest.broadcast(1, Bytes.EMPTY));
            assertThat(XBeeFrameCodec.decodeFrameData(hex("90 00 00 00 00 00 00 00 07 00 08 00")))
                    .isEqualTo(new ReceivePacket(7, 8, 0, Bytes.EMPTY));
            assertThat(XBeeFrameCodec.decodeFrameData(hex("95"))).isEqualTo(new Unknown(0x95, Bytes.EMPTY));
        }

        @Test
        void fixedSizeFramesRefuseTrailingBytes() {
            DecodeException status = catchThrowableOfType(DecodeException.class,
                    () -> XBeeFrameCodec.decodeFrameData(hex("8B 01 FF FE 00 00 00 99")));
            assertThat(status.reason()).isEqualTo(Reason.LENGTH_MISMATCH);
            assertThat(status.field()).isEqualTo("FrameData");
            assertThat(status.offset()).isEqualTo(7);
            DecodeException modem = catchThrowableOfType(DecodeException.class,
                    () -> XBeeFrameCodec.decodeFrameData(hex("8A 02 00")));
            assertThat(modem.reason()).isEqualTo(Reason.LENGTH_MISMATCH);
            assertThat(modem.packet()).isEqualTo("XBEE 0x8A");
        }

        @Test
        void offsetsOfAWholeFrameCountFromTheDelimiter() {
            // Transmit status cut after the frame id: 8B+01 = 0x8C, FF-8C = 0x73.
            DecodeException e = catchThrowableOfType(DecodeException.class,
                    () -> XBeeFrameCodec.decode(hex("7E 00 02 8B 01 73"), ApiMode.UNESCAPED));
            assertThat(e.field()).isEqualTo("DestinationAddress16");
            assertThat(e.offset()).isEqualTo(5);
        }
    }

    @Nested
    class WholeFrameErrors {

        private DecodeException decodeError(String hex, ApiMode mode) {
            return catchThrowableOfType(DecodeException.class, () -> XBeeFrameCodec.decode(hex(hex), mode));
        }

        @ParameterizedTest
        @EnumSource(ApiMode.class)
        void badChecksum(ApiMode mode) {
            DecodeException e = decodeError("7E 00 04 08 52 4E 4A 0C", mode);
            assertThat(e.reason()).isEqualTo(Reason.BAD_CHECKSUM);
            assertThat(e.field()).isEqualTo("Checksum");
            assertThat(e.offset()).isEqualTo(7);
            assertThat(e.packet()).isEqualTo("XBEE");
        }

        @ParameterizedTest
        @EnumSource(ApiMode.class)
        void missingStartDelimiter(ApiMode mode) {
            assertThat(decodeError("00 04 08 52 4E 4A 0D", mode).field()).isEqualTo("StartDelimiter");
            assertThat(decodeError("", mode).reason()).isEqualTo(Reason.TRUNCATED);
        }

        @ParameterizedTest
        @EnumSource(ApiMode.class)
        void shortFrames(ApiMode mode) {
            assertThat(decodeError("7E 00", mode).field()).isEqualTo("Length");
            assertThat(decodeError("7E 00 04 08 52", mode).field()).isEqualTo("FrameData");
            assertThat(decodeError("7E 00 04 08 52 4E 4A", mode).field()).isEqualTo("Checksum");
            assertThat(decodeError("7E 00 04 08 52 4E 4A", mode).reason()).isEqualTo(Reason.TRUNCATED);
        }

        @ParameterizedTest
        @EnumSource(ApiMode.class)
        void trailingBytes(ApiMode mode) {
            DecodeException e = decodeError("7E 00 04 08 52 4E 4A 0D 00", mode);
            assertThat(e.reason()).isEqualTo(Reason.LENGTH_MISMATCH);
            assertThat(e.field()).isEqualTo("Length");
        }

        @Test
        void emptyFrameDataHasNoFrameType() {
            DecodeException e = decodeError("7E 00 00 FF", ApiMode.UNESCAPED);
            assertThat(e.field()).isEqualTo("FrameType");
            assertThat(e.offset()).isEqualTo(3);
        }

        @Test
        void escapedModeRefusesADelimiterInsideTheFrame() {
            DecodeException e = decodeError("7E 00 04 08 7E 4E 4A 0D", ApiMode.ESCAPED);
            assertThat(e.field()).isEqualTo("StartDelimiter");
            assertThat(e.offset()).isEqualTo(4);
        }

        @Test
        void escapedModeRefusesADanglingEscape() {
            DecodeException e = decodeError("7E 00 04 08 52 4E 4A 7D", ApiMode.ESCAPED);
            assertThat(e.field()).isEqualTo("Escape");
            assertThat(e.reason()).isEqualTo(Reason.TRUNCATED);
        }

        @Test
        void unescapedModeTakesEscapeBytesLiterally() throws DecodeException {
            // 0x7D is data in mode 1: Transmit Status to 7D84.
            assertThat(XBeeFrameCodec.decode(hex("7E 00 07 8B 01 7D 84 00 00 01 71"), ApiMode.UNESCAPED))
                    .isEqualTo(new TransmitStatus(1, 0x7D84, 0, 0, 1));
        }
    }
}
