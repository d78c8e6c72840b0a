package io.sngate.sim.radio;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.Bytes;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.codec.xbee.XBeeFrame;
import io.sngate.codec.xbee.XBeeFrame.ReceivePacket;
import io.sngate.codec.xbee.XBeeFrameCodec;
import io.sngate.codec.xbee.XBeeFrameDecoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The damage the line impairment does to an XBee frame is always a checksum failure. */
class XBeeLineFrameTest {

    @ParameterizedTest
    @EnumSource(ApiMode.class)
    void aCorruptedFrameAlwaysFailsTheChecksumAndAnIntactOneDecodes(ApiMode mode) {
        Random random = new Random(99);
        for (int i = 0; i < 2_000; i++) {
            byte[] rf = new byte[random.nextInt(84)];
            random.nextBytes(rf);
            byte[] data = XBeeFrameCodec.encodeFrameData(
                    new ReceivePacket(random.nextLong(), random.nextInt(0xFFFF), 1, Bytes.wrap(rf)));
            XBeeLineFrame frame = new XBeeLineFrame(data, mode);

            List<XBeeFrame> decoded = new ArrayList<>();
            XBeeFrameDecoder decoder = new XBeeFrameDecoder(mode, decoded::add);
            decoder.feed(frame.corrupted(random));
            decoder.reset();
            assertThat(decoder.badChecksums()).as("frame %d", i).isGreaterThanOrEqualTo(1);
            assertThat(decoded).as("frame %d", i).noneMatch(f -> f instanceof ReceivePacket p
                    && p.rfData().equals(Bytes.wrap(rf)));

            decoder.feed(frame.wire());
            assertThat(decoded).last().isInstanceOf(ReceivePacket.class);
        }
    }
}
