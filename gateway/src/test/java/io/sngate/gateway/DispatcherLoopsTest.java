package io.sngate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.gateway.transport.LinkAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Which event loop a new session lives on: the one that read its CONNECT, when that is one of
 * the sessions' loops (UDP has a socket per loop, so the device's later packets are read there
 * too); the loops in turn for a CONNECT read elsewhere (serial, radio and DTLS readers).
 */
class DispatcherLoopsTest extends DispatcherHarness {

    private final DefaultEventLoopGroup group = new DefaultEventLoopGroup(2);
    private final List<EventLoop> loops = new ArrayList<>();

    @BeforeEach
    void twoLoops() {
        sessionLoops = group;
        for (EventExecutor executor : group) {
            loops.add((EventLoop) executor);
        }
    }

    @AfterEach
    void stopLoops() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void aConnectReadOnASessionLoopMakesItsSessionThere() throws Exception {
        // Not in the loops' turn order, which would pass by chance.
        int[] readBy = {0, 0, 1, 1, 0, 1, 1, 0};
        for (int n = 0; n < readBy.length; n++) {
            String clientId = "dev-" + n;
            LinkAddress from = udp("192.0.2.1", 40000 + n);
            EventLoop reader = loops.get(readBy[n]);
            reader.submit(() -> dispatcher().onPacket(from, connect(clientId))).sync();
            assertThat(dispatcher().session(clientId).loop()).as(clientId).isSameAs(reader);
        }
    }

    @Test
    void aConnectReadByAnotherThreadTakesTheLoopsInTurn() {
        Set<EventLoop> used = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            String clientId = "serial-" + i;
            dispatcher().onPacket(new LinkAddress.Serial("line" + i), connect(clientId));
            used.add(dispatcher().session(clientId).loop());
        }
        assertThat(used).containsExactlyInAnyOrderElementsOf(loops);
    }

    private static byte[] connect(String clientId) {
        return MqttSn12Codec.INSTANCE.encode(new Connect(false, true, 60, clientId));
    }
}
