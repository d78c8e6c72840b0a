package io.sngate.client.internal.line;

/** The part of a byte-stream frame decoder a {@link FramedLine} drives. */
interface StreamDecoder {

    void feed(byte[] chunk, int offset, int length);

    /** Ends the partial frame: the line fell silent, or the port was reopened. */
    void reset();

    /** Bytes held towards a frame not yet complete. */
    int buffered();

    long frames();

    long bytesDiscarded();

    long badFrames();
}
