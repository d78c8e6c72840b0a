package io.sngate.codec.xbee;

import static io.sngate.codec.xbee.XBeeFrameCodecTest.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException.Reason;
import io.sngate.codec.xbee.XBeeFrame.AtCommand;
import io.sngate.codec.xbee.XBeeFrame.ModemStatus;
import io.sngate.codec.xbee.XBeeFrame.ReceivePacket;
import io.sngate.codec.xbee.XBeeFrame.TransmitRequest;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class XBeeFrameDecoderTest {

    private static final String NJ_QUERY = "7E 00 04 08 52 4E 4A 0D";
    private static final XBeeFrame NJ = AtCommand.query(0x52, "NJ");
    private static final String COORDINATOR_STARTED = "7E 00 02 8A 06 6F";
    private static final XBeeFrame STARTED = new ModemStatus(ModemStatus.COORDINATOR_STARTED);

    private final FrameRecorder recorder = new FrameRecorder();

    private XBeeFrameDecoder decoder(ApiMode mode) {
        return new XBeeFrameDecoder(mode, recorder);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    @ParameterizedTest
    @EnumSource(ApiMode.class)
    void manyFramesInOneChunk(ApiMode mode) {
        XBeeFrameDecoder decoder = decoder(mode);
        decoder.feed(hex(NJ_QUERY + COORDINATOR_STARTED + NJ_QUERY));
        assertThat(recorder.frames).containsExactly(NJ, STARTED, NJ);
        assertThat(decoder.counters()).isEqualTo(new XBeeFrameDecoder.Counters(3, 0, 0, 0, 0, 0));
        assertThat(decoder.bufferedBytes()).isZero();
    }

    @Test
    void escapedFrameSplitBetweenEscapeAndEscapedByte() {
        // Transmit Status to 7D84: in mode 2 the 0x7D goes out as 7D 5D.
        byte[] wire = hex("7E 00 07 8B 01 7D 5D 84 00 00 01 71");
        XBeeFrameDecoder decoder = decoder(ApiMode.ESCAPED);
        decoder.feed(wire, 0, 6);
        assertThat(decoder.bufferedBytes()).isEqualTo(6);
        decoder.feed(wire, 6, wire.length - 6);
        assertThat(recorder.frames).containsExactly(new XBeeFrame.TransmitStatus(1, 0x7D84, 0, 0, 1));
    }

    @ParameterizedTest
    @EnumSource(ApiMode.class)
    void garbageBeforeAndBetweenFramesIsCounted(ApiMode mode) {
        XBeeFrameDecoder decoder = decoder(mode);
        decoder.feed(hex("00 FF 12 " + NJ_QUERY + " 7D 11 " + COORDINATOR_STARTED + " 42"));
        assertThat(recorder.frames).containsExactly(NJ, STARTED);
        assertThat(decoder.bytesDiscarded()).isEqualTo(6);
    }

    @ParameterizedTest
    @EnumSource(ApiMode.class)
    void badChecksumIsSkippedAndCountedAndTheNextFrameDecoded(ApiMode mode) {
        XBeeFrameDecoder decoder = decoder(mode);
        decoder.feed(hex("7E 00 02 8A 06 00" + "7E 00 02 8A 00 75"));
        assertThat(recorder.frames).containsExactly(new ModemStatus(ModemStatus.HARDWARE_RESET));
        assertThat(decoder.badChecksums()).isEqualTo(1);
        // The bad frame's six bytes: its delimiter, then five rescanned bytes without a 0x7E.
        assertThat(decoder.bytesDiscarded()).isEqualTo(6);
    }

    @Test
    void frameHiddenAfterABogusDelimiterIsFound() {
        // Noise 7E 00 05 claims five bytes of frame data: 7E 00 02 8A 06, then checksum 6F.
        // 7E+00+02+8A+06+6F = 0x17F is not 0x..FF, so it is rejected, and rescanning the bytes
        // after its delimiter finds the modem status frame.
        XBeeFrameDecoder decoder = decoder(ApiMode.UNESCAPED);
        decoder.feed(hex("7E 00 05" + COORDINATOR_STARTED));
        assertThat(recorder.frames).containsExactly(STARTED);
        assertThat(decoder.badChecksums()).isEqualTo(1);
        assertThat(decoder.bytesDiscarded()).isEqualTo(3);
    }

    @Test
    void frameHiddenAfterAnOversizedBogusLengthIsFound() {
        XBeeFrameDecoder decoder = decoder(ApiMode.UNESCAPED);
        decoder.feed(hex("7E FF FF" + NJ_QUERY));
        assertThat(recorder.frames).containsExactly(NJ);
        assertThat(decoder.oversizedFrames()).isEqualTo(1);
        assertThat(decoder.bytesDiscarded()).isEqualTo(3);
    }

    @Test
    void framesSwallowedByALongBogusLengthAreFoundOnceItIsRejected() {
        // The bogus frame claims 0x0100 bytes: the real frames inside arrive while it waits.
        XBeeFrameDecoder decoder = decoder(ApiMode.UNESCAPED);
        decoder.feed(hex("7E 01 00 " + NJ_QUERY + COORDINATOR_STARTED));
        assertThat(recorder.frames).isEmpty();
        assertThat(decoder.bufferedBytes()).isEqualTo(3 + 8 + 6);

        decoder.reset();
        assertThat(recorder.frames).containsExactly(NJ, STARTED);
        assertThat(decoder.abandonedFrames()).isEqualTo(1);
        assertThat(decoder.bufferedBytes()).isZero();
    }

    @Test
    void framesSwallowedByABogusLengthAreFoundWhenItsChecksumFails() {
        // Bogus 7E 00 14: 20 bytes of frame data cover both real frames (14 bytes) and six
        // zeros; the next zero is its checksum, wrong for those bytes.
        XBeeFrameDecoder decoder = decoder(ApiMode.UNESCAPED);
        byte[] stream = hex("7E 00 14 " + NJ_QUERY + COORDINATOR_STARTED + " 00 00 00 00 00 00 00 " + NJ_QUERY);
        for (byte b : stream) {
            decoder.feed(new byte[] {b});
        }
        assertThat(recorder.frames).containsExactly(NJ, STARTED, NJ);
        assertThat(decoder.badChecksums()).isEqualTo(1);
        assertThat(decoder.bytesDiscarded()).isEqualTo(3 + 7);
    }

    @Test
    void escapedModeStartsANewFrameAtAnUnescapedDelimiter() {
        XBeeFrameDecoder decoder = decoder(ApiMode.ESCAPED);
        decoder.feed(hex("7E 00 04 08 52" + NJ_QUERY));
        assertThat(recorder.frames).containsExactly(NJ);
        assertThat(decoder.abandonedFrames()).isEqualTo(1);
        assertThat(decoder.bytesDiscarded()).isEqualTo(5);
    }

    @Test
    void escapedModeAbandonsAFrameEvenRightAfterAnEscapeByte() {
        XBeeFrameDecoder decoder = decoder(ApiMode.ESCAPED);
        decoder.feed(hex("7E 00 04 7D" + NJ_QUERY));
        assertThat(recorder.frames).containsExactly(NJ);
        assertThat(decoder.abandonedFrames()).isEqualTo(1);
    }

    @Test
    void unescapedModeTreatsADelimiterInsideAFrameAsData() {
        // AT command "AP" set to 0x7E: 08+01+41+50+7E = 0x118, FF-18 = 0xE7.
        XBeeFrameDecoder decoder = decoder(ApiMode.UNESCAPED);
        decoder.feed(hex("7E 00 05 08 01 41 50 7E E7"));
        assertThat(recorder.frames).containsExactly(new AtCommand(1, "AP", Bytes.fromHex("7E")));
    }

    @ParameterizedTest
    @EnumSource(ApiMode.class)
    void oversizedLengthIsCountedAndTheNextFrameDecoded(ApiMode mode) {
        XBeeFrameDecoder decoder = new XBeeFrameDecoder(mode, 16, recorder);
        XBeeFrame big = TransmitRequest.broadcast(1, Bytes.utf8("three bytes"));
        decoder.feed(concat(XBeeFrameCodec.encode(big, mode), hex(NJ_QUERY)));
        assertThat(recorder.frames).containsExactly(NJ);
        assertThat(decoder.oversizedFrames()).isEqualTo(1);
        assertThat(decoder.maxFrameDataLength()).isEqualTo(16);
    }

    @ParameterizedTest
    @EnumSource(ApiMode.class)
    void frameDataUpToTheConfiguredMaximumIsAccepted(ApiMode mode) {
        XBeeFrameDecoder decoder = new XBeeFrameDecoder(mode, 0xFFFF, recorder);
        byte[] rfData = new byte[0xFFFF - 12];
        for (int i = 0; i < rfData.length; i++) {
            rfData[i] = (byte) (i * 31); // every byte value, the escaped ones included
        }
        XBeeFrame largest = new ReceivePacket(0x0013A20040522BAAL, 0x7D84, 0, Bytes.wrap(rfData));
        byte[] wire = XBeeFrameCodec.encode(largest, mode);
        decoder.feed(wire, 0, wire.length / 3);
        decoder.feed(wire, wire.length / 3, wire.length - wire.length / 3);
        assertThat(recorder.frames).containsExactly(largest);
    }

    @Test
    void maximumMustFitTheLengthField() {
        assertThatThrownBy(() -> new XBeeFrameDecoder(ApiMode.ESCAPED, 0, recorder))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new XBeeFrameDecoder(ApiMode.ESCAPED, 0x10000, recorder))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new XBeeFrameDecoder(ApiMode.ESCAPED, recorder).maxFrameDataLength())
                .isEqualTo(XBeeFrameDecoder.DEFAULT_MAX_FRAME_DATA_LENGTH);
    }

    @ParameterizedTest
    @EnumSource(ApiMode.class)
    void malformedFrameDataIsCountedReportedAndSkippedWhole(ApiMode mode) {
        XBeeFrameDecoder decoder = decoder(mode);
        // A Transmit Status of 4 bytes: 8B+01+02+03 = 0x91, FF-91 = 0x6E. Then an empty frame
        // (length 0, checksum FF), then a good frame.
        decoder.feed(hex("7E 00 04 8B 01 02 03 6E" + "7E 00 00 FF" + NJ_QUERY));
        assertThat(recorder.frames).containsExactly(NJ);
        assertThat(decoder.malformedFrames()).isEqualTo(2);
        assertThat(decoder.bytesDiscarded()).isZero();
        assertThat(recorder.malformed).extracting(e -> e.field())
                .containsExactly("TransmitRetryCount", "FrameType");
        assertThat(recorder.malformed.get(0).reason()).isEqualTo(Reason.TRUNCATED);
        assertThat(recorder.malformed.get(0).packet()).isEqualTo("XBEE 0x8B");
    }

    @ParameterizedTest
    @EnumSource(ApiMode.class)
    void unknownFrameTypesAreDelivered(ApiMode mode) {
        XBeeFrameDecoder decoder = decoder(mode);
        XBeeFrame explicitRx = new XBeeFrame.Unknown(0x91, Bytes.fromHex("00 13 A2 00 40 52 2B AA 7D 84 E8 E8"));
        decoder.feed(XBeeFrameCodec.encode(explicitRx, mode));
        assertThat(recorder.frames).containsExactly(explicitRx);
    }

    @ParameterizedTest
    @EnumSource(ApiMode.class)
    void resetDropsAPartialFrame(ApiMode mode) {
        XBeeFrameDecoder decoder = decoder(mode);
        byte[] wire = hex(NJ_QUERY);
        decoder.feed(wire, 0, 5);
        decoder.reset();
        decoder.feed(wire, 5, 3);
        decoder.feed(wire);
        assertThat(recorder.frames).containsExactly(NJ);
        assertThat(decoder.abandonedFrames()).isEqualTo(1);
        // The abandoned frame's five bytes and the three that followed the gap.
        assertThat(decoder.bytesDiscarded()).isEqualTo(8);
    }

    @Test
    void resetBetweenFramesCountsNothing() {
        XBeeFrameDecoder decoder = decoder(ApiMode.ESCAPED);
        decoder.reset();
        decoder.feed(hex(NJ_QUERY));
        decoder.reset();
        assertThat(decoder.counters()).isEqualTo(new XBeeFrameDecoder.Counters(1, 0, 0, 0, 0, 0));
    }

    @Test
    void everyByteIsAccountedFor() {
        XBeeFrameDecoder decoder = decoder(ApiMode.UNESCAPED);
        byte[] stream = hex("11 7E 00 05 " + NJ_QUERY + "7E 00 02 8A 06 00 " + COORDINATOR_STARTED + " 7E 00 09 95");
        decoder.feed(stream);
        int inFrames = 8 + 6;
        assertThat(recorder.frames).containsExactly(NJ, STARTED);
        assertThat(inFrames + decoder.bytesDiscarded() + decoder.bufferedBytes()).isEqualTo(stream.length);
    }

    @Test
    void aThrowingListenerLeavesTheDecoderUsable() {
        List<XBeeFrame> seen = new ArrayList<>();
        XBeeFrameDecoder decoder = new XBeeFrameDecoder(ApiMode.ESCAPED, frame -> {
            seen.add(frame);
            if (seen.size() == 1) {
                throw new IllegalStateException("listener bug");
            }
        });
        assertThatThrownBy(() -> decoder.feed(hex(NJ_QUERY + COORDINATOR_STARTED)))
                .isInstanceOf(IllegalStateException.class);
        decoder.feed(hex(COORDINATOR_STARTED));
        assertThat(seen).containsExactly(NJ, STARTED);
        assertThat(decoder.framesDecoded()).isEqualTo(2);
    }
}
