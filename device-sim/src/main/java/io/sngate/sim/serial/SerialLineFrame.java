package io.sngate.sim.serial;

import io.sngate.sim.line.LineWriter;
import java.util.Random;

/** A serial frame is the packet (or encapsulated frame) itself: MQTT-SN adds no framing on a UART. */
final class SerialLineFrame implements LineWriter.Frame {

    private final byte[] bytes;

    SerialLineFrame(byte[] bytes) {
        this.bytes = bytes;
    }

    @Override
    public byte[] wire() {
        return bytes.clone();
    }

    /**
     * One bit flipped anywhere. Without a checksum the gateway may not notice: a flip in a
     * payload passes as a different payload, a flip in a header is caught by the serial frame
     * decoder's plausibility checks or by the codec. Both are what a real line does.
     */
    @Override
    public byte[] corrupted(Random random) {
        byte[] out = bytes.clone();
        out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
        return out;
    }
}
