package io.sngate.codec.xbee;

import io.sngate.codec.DecodeException;
import java.util.ArrayList;
import java.util.List;

/** A decoder listener that keeps everything it is told, in order. */
final class FrameRecorder implements XBeeFrameDecoder.Listener {

    final List<XBeeFrame> frames = new ArrayList<>();
    final List<DecodeException> malformed = new ArrayList<>();

    @Override
    public void onFrame(XBeeFrame frame) {
        frames.add(frame);
    }

    @Override
    public void onMalformed(DecodeException error) {
        malformed.add(error);
    }
}
