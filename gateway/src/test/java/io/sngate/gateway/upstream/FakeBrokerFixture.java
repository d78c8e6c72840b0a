package io.sngate.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * One {@link MqttConnection} against a scripted {@link FakeBroker} per test, on one event loop:
 * the set-up and the checks every such test ends with (listener called on the loop only, each
 * request completed once).
 */
abstract class FakeBrokerFixture {

    static EventLoopGroup group;
    EventLoop loop;
    FakeBroker broker;
    RecordingListener events;
    MqttConnection conn;

    @BeforeAll
    static void startLoops() {
        group = new NioEventLoopGroup(1);
    }

    @AfterAll
    static void stopLoops() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @BeforeEach
    void setUpBroker() throws Exception {
        loop = group.next();
        broker = new FakeBroker();
        events = new RecordingListener(loop);
    }

    @AfterEach
    void tearDownBroker() {
        if (conn != null) {
            conn.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        broker.close();
        assertThat(events.offLoopCalls).isEmpty();
        assertThat(events.duplicateCompletions).isEmpty();
    }
}
