package io.sngate.client.internal.core;

import io.sngate.client.ClientConfig;
import io.sngate.client.ClientState;
import io.sngate.client.LinkAddress;
import io.sngate.client.Outcome;
import io.sngate.codec.Bytes;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Test fixture for the parts of {@link ClientCore}, driven directly: a fake clock and one
 * {@link EffectSink} bound to a list for the whole test. Test classes build the part under
 * test (and its real collaborators) on {@link #sink} and {@link #limit} with {@link #config}, move the clock with
 * {@link #advance}, and read what happened since the last look with {@link #drain()}.
 */
abstract class PartFixture {

    static final String CLIENT_ID = "node-3";
    static final long RETRY = 1_000;
    static final int MAX_RETRIES = 2;
    static final int KEEP_ALIVE = 30;
    static final long START = 50_000;

    final ClientConfig config = ClientConfig.defaults(CLIENT_ID).withRetry(RETRY, MAX_RETRIES)
            .withKeepAlive(KEEP_ALIVE).withMaxQueued(3);
    final EffectSink sink = new EffectSink();
    /** The parts' size rule, with no link below MQTT-SN's own maximum (ClientPacketSizeTest lowers it). */
    final PacketLimit limit = new PacketLimit(() -> MqttSn12Codec.MAX_PACKET_LENGTH, sink);
    private final List<ClientEffect> effects = new ArrayList<>();
    long now = START;

    PartFixture() {
        sink.bind(effects::add);
    }

    void advance(long millis) {
        now += millis;
    }

    /** The effects since the last call. */
    List<ClientEffect> drain() {
        List<ClientEffect> drained = List.copyOf(effects);
        effects.clear();
        return drained;
    }

    /** The packets sent since the last look (other effects are dropped with them). */
    List<MqttSn12Message> drainSent() {
        return drain().stream().filter(ClientEffect.Send.class::isInstance)
                .map(e -> ((ClientEffect.Send) e).message()).toList();
    }

    /** Puts the sink in {@code state} as if the session had moved there, and forgets the announcement. */
    void inState(ClientState state) {
        sink.changeState(state, "test set-up");
        drain();
    }

    static ClientEffect.Send send(MqttSn12Message message) {
        return new ClientEffect.Send(message);
    }

    static ClientEffect.Completed completed(long requestId, Outcome outcome) {
        return new ClientEffect.Completed(requestId, outcome);
    }

    static ClientEffect.StateChanged changed(ClientState from, ClientState to, String reason) {
        return new ClientEffect.StateChanged(from, to, reason);
    }

    /** A UDP peer's address (TEST-NET-1, never resolved). */
    static LinkAddress udp(String ip, int port) {
        return new LinkAddress.Udp(new InetSocketAddress(ip, port));
    }

    static Bytes bytes(String text) {
        return Bytes.utf8(text);
    }
}
