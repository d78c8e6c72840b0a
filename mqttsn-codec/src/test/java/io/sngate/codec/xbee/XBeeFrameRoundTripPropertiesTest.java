package io.sngate.codec.xbee;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.DecodeException;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class XBeeFrameRoundTripPropertiesTest {

    @Provide
    Arbitrary<XBeeFrame> frames() {
        return XBeeArbitraries.frames();
    }

    @Provide
    Arbitrary<byte[]> frameData() {
        return XBeeArbitraries.lineBytes(24);
    }

    @Property(tries = 400, edgeCases = EdgeCasesMode.FIRST)
    void everyFrameSurvivesEncodeAndDecodeInBothModes(@ForAll("frames") XBeeFrame frame, @ForAll ApiMode mode)
            throws DecodeException {
        byte[] wire = XBeeFrameCodec.encode(frame, mode);

        assertThat(XBeeFrameCodec.decode(wire, mode)).isEqualTo(frame);
        assertThat(XBeeFrameCodec.decodeFrameData(XBeeFrameCodec.encodeFrameData(frame))).isEqualTo(frame);

        FrameRecorder recorder = new FrameRecorder();
        new XBeeFrameDecoder(mode, recorder).feed(wire);
        assertThat(recorder.frames).containsExactly(frame);
    }

    @Property(tries = 300, edgeCases = EdgeCasesMode.FIRST)
    void escapedFramesShowNoSpecialByteAfterTheDelimiterExceptAsEscapes(@ForAll("frames") XBeeFrame frame) {
        byte[] wire = XBeeFrameCodec.encode(frame, ApiMode.ESCAPED);
        assertThat(wire[0]).isEqualTo((byte) 0x7E);
        for (int i = 1; i < wire.length; i++) {
            int b = wire[i] & 0xFF;
            assertThat(b).as("byte %d of %s", i, frame).isNotIn(0x7E, 0x11, 0x13);
            if (b == 0x7D) {
                assertThat(XBeeFrameCodec.needsEscape((wire[++i] & 0xFF) ^ 0x20)).isTrue();
            }
        }
        assertThat(wire.length).isGreaterThanOrEqualTo(XBeeFrameCodec.encode(frame, ApiMode.UNESCAPED).length);
    }

    /** Any frame data either decodes to a frame that encodes back to it, or is a DecodeException. */
    @Property(tries = 500, edgeCases = EdgeCasesMode.FIRST)
    void decodingFrameDataIsTotalAndCanonical(@ForAll("frameData") byte[] data) {
        XBeeFrame frame;
        try {
            frame = XBeeFrameCodec.decodeFrameData(data);
        } catch (DecodeException e) {
            assertThat(e.packet()).startsWith("XBEE");
            return;
        }
        assertThat(XBeeFrameCodec.encodeFrameData(frame)).isEqualTo(data);
    }
}
