package io.sngate.sim;

import io.sngate.client.ClientRuntime;
import io.sngate.client.Link;
import io.sngate.codec.DecodeException;
import io.sngate.codec.v12.MqttSn12Codec;
import java.io.IOException;
import java.io.PrintStream;

/** A link that prints every packet it carries, decoded ({@code -d}). */
final class DebugLink implements Link {

    private final Link inner;
    private final PrintStream log;

    DebugLink(Link inner, PrintStream log) {
        this.inner = inner;
        this.log = log;
    }

    @Override
    public void open(ClientRuntime runtime, Receiver receiver) throws IOException {
        inner.open(runtime, (packet, from) -> {
            log.println("received " + describe(packet));
            receiver.onPacket(packet, from);
        });
    }

    @Override
    public void send(byte[] packet) throws IOException {
        log.println("sending  " + describe(packet));
        inner.send(packet);
    }

    @Override
    public void broadcast(byte[] packet, int radius) throws IOException {
        log.println("broadcasting " + describe(packet));
        inner.broadcast(packet, radius);
    }

    @Override
    public int maxPacketSize() {
        return inner.maxPacketSize();
    }

    @Override
    public void peerLost() {
        inner.peerLost();
    }

    @Override
    public void close() {
        inner.close();
    }

    private static String describe(byte[] packet) {
        try {
            return MqttSn12Codec.INSTANCE.decode(packet).toString();
        } catch (DecodeException e) {
            return "malformed (" + e.getMessage() + ")";
        }
    }
}
