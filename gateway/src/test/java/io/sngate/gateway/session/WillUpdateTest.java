package io.sngate.gateway.session;

import static io.sngate.gateway.session.ClientSession.Counters.INVALID_TOPIC;
import static io.sngate.gateway.session.ClientSession.Counters.UNSUPPORTED;
import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.WillMsg;
import io.sngate.codec.v12.WillMsgResp;
import io.sngate.codec.v12.WillMsgUpd;
import io.sngate.codec.v12.WillTopic;
import io.sngate.codec.v12.WillTopicResp;
import io.sngate.codec.v12.WillTopicUpd;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** WILLTOPICUPD / WILLMSGUPD while connected (spec 8.3). */
class WillUpdateTest extends SessionHarness {

    private void connectWithWill() {
        device(connectPacket(true, false, 60));
        device(new WillTopic(QoS.AT_LEAST_ONCE, false, "dev/status"));
        device(new WillMsg(bytes("offline")));
        upstream(new UpstreamEvent.Connected(false));
    }

    @Test
    void willTopicUpdateKeepsTheMessageAndReportsTheNewWill() {
        connectWithWill();

        device(new WillTopicUpd(QoS.EXACTLY_ONCE, true, "dev/state"));

        assertThat(effects()).containsExactly(
                new Effect.WillChanged(Optional.of(new Will("dev/state", bytes("offline"), QoS.EXACTLY_ONCE, true))),
                new Effect.SendToDevice(new WillTopicResp(ReturnCode.ACCEPTED)));
    }

    @Test
    void willMessageUpdateKeepsTheTopic() {
        connectWithWill();

        device(new WillMsgUpd(bytes("gone")));

        assertThat(effects()).containsExactly(
                new Effect.WillChanged(Optional.of(new Will("dev/status", bytes("gone"), QoS.AT_LEAST_ONCE, false))),
                new Effect.SendToDevice(new WillMsgResp(ReturnCode.ACCEPTED)));
    }

    @Test
    void emptyWillTopicUpdateDeletesTheWill() {
        connectWithWill();

        device(WillTopicUpd.EMPTY);

        assertThat(effects()).containsExactly(
                new Effect.WillChanged(Optional.empty()),
                new Effect.SendToDevice(new WillTopicResp(ReturnCode.ACCEPTED)));

        device(new WillMsgUpd(bytes("gone")));
        assertThat(sent()).containsExactly(new WillMsgResp(ReturnCode.REJECTED_NOT_SUPPORTED));
        assertThat(effects(Effect.WillChanged.class)).isEmpty();
    }

    @Test
    void willTopicUpdateWithoutAnEarlierWillGivesAnEmptyMessage() {
        connect();

        device(new WillTopicUpd(QoS.AT_MOST_ONCE, false, "dev/status"));

        assertThat(effects()).containsExactly(
                new Effect.WillChanged(Optional.of(new Will("dev/status", Bytes.EMPTY, QoS.AT_MOST_ONCE, false))),
                new Effect.SendToDevice(new WillTopicResp(ReturnCode.ACCEPTED)));
    }

    @Test
    void willMessageUpdateWithoutAWillTopicIsRefused() {
        connect();

        device(new WillMsgUpd(bytes("gone")));

        assertThat(sent()).containsExactly(new WillMsgResp(ReturnCode.REJECTED_NOT_SUPPORTED));
        assertThat(counters()).containsExactly(UNSUPPORTED);
    }

    @Test
    void invalidWillTopicUpdateIsRefusedAndTheWillKept() {
        connectWithWill();

        device(new WillTopicUpd(QoS.AT_MOST_ONCE, false, "dev/#"));

        assertThat(sent()).containsExactly(new WillTopicResp(ReturnCode.REJECTED_NOT_SUPPORTED));
        assertThat(counters()).containsExactly(INVALID_TOPIC);
        assertThat(effects(Effect.WillChanged.class)).isEmpty();

        device(new WillMsgUpd(bytes("gone")));
        assertThat(effects(Effect.WillChanged.class)).containsExactly(
                new Effect.WillChanged(Optional.of(new Will("dev/status", bytes("gone"), QoS.AT_LEAST_ONCE, false))));
    }

    @Test
    void updatedWillIsKeptForAPersistentReconnect() {
        connectWithWill();
        device(new WillMsgUpd(bytes("gone")));
        device(Disconnect.PLAIN);

        device(connectPacket(false, false, 60));

        assertThat(effects(Effect.Connect.class)).singleElement()
                .extracting(c -> c.request().will())
                .isEqualTo(Optional.of(new Will("dev/status", bytes("gone"), QoS.AT_LEAST_ONCE, false)));
    }

    @Test
    void willUpdatesNeedAConnection() {
        device(new WillTopicUpd(QoS.AT_MOST_ONCE, false, "dev/status"));

        assertThat(sent()).containsExactly(Disconnect.PLAIN);
        assertThat(effects(Effect.WillChanged.class)).isEmpty();
    }
}
