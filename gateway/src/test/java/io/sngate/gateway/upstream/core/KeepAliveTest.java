package io.sngate.gateway.upstream.core;

import static io.sngate.gateway.upstream.core.BrokerPackets.connAck;
import static io.sngate.gateway.upstream.core.BrokerPackets.message;
import static io.sngate.gateway.upstream.core.BrokerPackets.pingResp;
import static io.sngate.gateway.upstream.core.BrokerPackets.pubAck;
import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.gateway.session.UpstreamEvent;
import io.sngate.gateway.upstream.ConnectOptions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@link KeepAlive} through {@link MqttClientCore} (MQTT 5 §3.1.2.10): PINGREQ when nothing was
 * sent or nothing received for the interval, the broker's Server Keep Alive overriding ours, and
 * the connection closed when no PINGRESP comes within one more interval.
 */
class KeepAliveTest extends CoreHarness {

    static final long INTERVAL = 10_000;

    KeepAliveTest() {
        options(defaultOptions().withKeepAliveSeconds(10));
    }

    @Test
    void aPingreqGoesWhenTheConnectionWasIdleForTheInterval() {
        connect();
        assertThat(untilDeadline()).isEqualTo(INTERVAL);
        advance(INTERVAL - 1);
        assertThat(effects()).isEmpty();
        advance(1);
        assertThat(effects()).containsExactly(send(Packet.pingReq()));

        advance(300);
        broker(pingResp());
        // The next one counts from the PINGREQ, the last packet sent.
        advance(INTERVAL - 300 - 1);
        assertThat(effects()).isEmpty();
        advance(1);
        assertThat(effects()).containsExactly(send(Packet.pingReq()));
        broker(pingResp());
        advance(INTERVAL);
        assertThat(effects()).containsExactly(send(Packet.pingReq()));
        assertThat(state()).isEqualTo(ClientState.CONNECTED);
    }

    @Test
    void trafficBothWaysPutsThePingOff() {
        connect();
        advance(4_000);
        publish(1, "t/a", 1);
        broker(pubAck(1));
        assertThat(sent()).containsExactly(Packet.publish(1, "t/a", 1, "m1"));
        assertThat(events()).containsExactly("done:1");
        advance(INTERVAL - 1);
        assertThat(effects()).isEmpty();
        advance(1);
        assertThat(effects()).containsExactly(send(Packet.pingReq()));
    }

    @Test
    void sendingAloneDoesNotPutThePingOffWhenNothingComesBack() {
        connect();
        advance(4_000);
        publish(1, "t/a", 0);
        assertThat(sent()).containsExactly(Packet.publish(0, "t/a", 0, "m1"));
        advance(INTERVAL - 4_000);
        assertThat(effects()).containsExactly(send(Packet.pingReq()));
    }

    @Test
    void receivingAloneDoesNotPutThePingOffWhenNothingIsSent() {
        connect();
        advance(4_000);
        broker(message("in/t", "hello", 0, 0));
        assertThat(events()).containsExactly("message:1:in/t:qos0");
        advance(INTERVAL - 4_000);
        assertThat(effects()).containsExactly(send(Packet.pingReq()));
    }

    @Test
    void noPingrespWithinAnotherIntervalClosesTheConnectionOnceAndReconnects() {
        connect();
        advance(INTERVAL);
        assertThat(effects()).containsExactly(send(Packet.pingReq()));
        broker(message("in/t", "busy", 0, 0)); // traffic, but not the answer
        assertThat(events()).containsExactly("message:1:in/t:qos0");
        advance(INTERVAL - 1);
        assertThat(effects()).isEmpty();
        advance(1);
        assertThat(effects()).containsExactly(CLOSE);
        // The close takes a while: nothing more is due meanwhile (advance fails on a deadline left due).
        advance(5_000);
        assertThat(effects()).isEmpty();

        closed();
        List<UpstreamEvent> events = takeEvents();
        assertThat(events).extracting(CoreHarness::describe).containsExactly("lost");
        assertThat(((UpstreamEvent.ConnectionLost) events.get(0)).detail())
                .isEqualTo("keep-alive timeout: no PINGRESP within 10 s");
        reconnect(connAck());
        assertThat(events()).containsExactly("reconnected:false");
        assertThat(reconnectDelays()).containsExactly(10L);
    }

    @Test
    void theBrokersServerKeepAliveOverridesOurs() {
        connect(connAck().serverKeepAlive(3));
        assertThat(lastConnect().variableHeader().keepAliveTimeSeconds()).isEqualTo(10);
        advance(2_999);
        assertThat(effects()).isEmpty();
        advance(1);
        assertThat(effects()).containsExactly(send(Packet.pingReq()));
        advance(3_000);
        assertThat(effects()).containsExactly(CLOSE);
    }

    @Test
    void aServerKeepAliveLongerThanOursIsTheOneUsed() {
        connect(connAck().serverKeepAlive(25));
        advance(INTERVAL);
        assertThat(effects()).isEmpty();
        advance(25_000 - INTERVAL);
        assertThat(effects()).containsExactly(send(Packet.pingReq()));
    }

    @Test
    void aServerKeepAliveOfZeroTurnsThePingOff() {
        connect(connAck().serverKeepAlive(0));
        assertThat(untilDeadline()).isEqualTo(Long.MAX_VALUE);
        advance(3_600_000);
        assertThat(effects()).isEmpty();
    }

    @Test
    void aKeepAliveOfZeroSendsNoPing() {
        options(defaultOptions().withKeepAliveSeconds(0));
        connect();
        assertThat(untilDeadline()).isEqualTo(Long.MAX_VALUE);
        advance(3_600_000);
        assertThat(effects()).isEmpty();
    }

    @Test
    void eachConnectionHasTheKeepAliveOfItsConnack() {
        connect();
        advance(2_000);
        closed();
        assertThat(events()).containsExactly("lost");
        reconnect(connAck().serverKeepAlive(3));
        assertThat(events()).containsExactly("reconnected:false");
        advance(2_999);
        assertThat(effects()).isEmpty();
        advance(1);
        assertThat(effects()).containsExactly(send(Packet.pingReq()));
    }

    @Test
    void noPingWhileNotConnected() {
        connect();
        advance(5_000);
        closed();
        assertThat(events()).containsExactly("lost");
        // Waiting to reconnect, then connecting: the connect timeout (10 s) is the only deadline.
        advance(10);
        assertThat(effects()).containsExactly(OPEN);
        tcpUp();
        assertThat(sent()).containsExactly(Packet.connect(false));
        advance(options().connectTimeout().toMillis() - 1);
        assertThat(effects()).isEmpty();
    }

    @Test
    void noPingWhileUpdatingTheWillNorAfterDisconnect() {
        connect();
        advance(9_000);
        updateWill(Optional.of(new ConnectOptions.Will("w/t", new byte[] {1}, 0, false)));
        assertThat(effects()).containsExactly(halfClose(Packet.disconnect(0)));
        advance(1_999);
        assertThat(effects()).as("no PINGREQ on a half-closed connection").isEmpty();
        closed();
        tcpUp();
        broker(connAck().sessionPresent(true));
        assertThat(effects()).containsExactly(OPEN, send(Packet.connect(false, "w/t", "\u0001", 0, false)));
        advance(INTERVAL);
        assertThat(effects()).as("the new connection's own interval").containsExactly(send(Packet.pingReq()));
        broker(pingResp());

        close();
        assertThat(effects()).containsExactly(halfClose(Packet.disconnect(0)));
        advance(60_000);
        assertThat(effects()).as("only the close at the end of the linger").containsExactly(CLOSE);
    }
}
