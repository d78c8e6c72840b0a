package io.sngate.client.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.client.ClientConfig;
import io.sngate.client.ClientState;
import io.sngate.client.Outcome;
import io.sngate.client.Topic;
import io.sngate.client.Will;
import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.v12.TopicRef;
import io.sngate.codec.v12.Unsubscribe;
import io.sngate.codec.v12.WillTopicReq;
import org.junit.jupiter.api.Test;

/**
 * Every request is checked against the link's largest packet when it comes in: one whose packet
 * would be larger fails at once as INVALID, naming the packet, its size and the limit, sends
 * nothing and changes nothing; the next request that fits goes as if the refused one had never been.
 * Sizes here stay under 256 bytes, where the Length field is one byte.
 */
class ClientPacketSizeTest extends ClientHarness {

    /** A link of 64 bytes: a REGISTER carries a name of 58 bytes, a SUBSCRIBE one of 59. */
    private static final int LINK = 64;

    private static Outcome invalid(String detail) {
        return Outcome.failed(Outcome.Status.INVALID, detail);
    }

    private static String exceeds(String packet, int size, int limit) {
        return packet + " of " + size + " bytes exceeds the link's maximum packet size of " + limit + " bytes";
    }

    /** The request ended at once as INVALID, and did nothing else. */
    private void refusedAtOnce(long id, String detail) {
        assertThat(effects()).containsExactly(new ClientEffect.Completed(id, invalid(detail)));
    }

    @Test
    void aRegisterWithATopicNameTooLongForTheLinkFailsAtOnceAndTheNextGoesWithTheFirstMessageId() {
        linkCarries(LINK);
        connected();

        long tooLong = register("r".repeat(59)); // 6 + 59
        refusedAtOnce(tooLong, exceeds("REGISTER", 65, LINK));
        assertThat(core().pendingRequests()).isZero();

        long fits = register("r".repeat(58));
        assertThat(sent()).containsExactly(new Register(0, 1, bytes("r".repeat(58))));
        assertPending(fits);
    }

    @Test
    void aSubscribeOrUnsubscribeWithATopicNameTooLongForTheLinkFailsAtOnce() {
        linkCarries(LINK);
        connected();

        long subscribe = subscribe(Topic.name("s".repeat(60)), QoS.AT_LEAST_ONCE); // 5 + 60
        refusedAtOnce(subscribe, exceeds("SUBSCRIBE", 65, LINK));
        long unsubscribe = unsubscribe(Topic.name("s".repeat(60)));
        refusedAtOnce(unsubscribe, exceeds("UNSUBSCRIBE", 65, LINK));

        subscribe(Topic.name("s".repeat(59)), QoS.AT_LEAST_ONCE);
        assertThat(sent()).containsExactly(new Subscribe(false, QoS.AT_LEAST_ONCE, 1, TopicRef.name("s".repeat(59))));
        unsubscribe(Topic.name("s".repeat(59)));
        assertThat(sent()).as("queued behind the SUBSCRIBE in flight").isEmpty();
        assertThat(core().pendingRequests()).isEqualTo(2);
    }

    @Test
    void aPublishTooLargeOrToATopicNameWhoseRegisterIsTooLargeFailsAtOnce() {
        linkCarries(LINK);
        connected();

        long large = publish(Topic.predefined(7), "p".repeat(58), QoS.AT_LEAST_ONCE); // 7 + 58
        refusedAtOnce(large, exceeds("PUBLISH", 65, LINK));
        // The PUBLISH of 9 bytes would fit, but it needs a REGISTER of the name first.
        long longName = publish(Topic.name("n".repeat(59)), "21", QoS.AT_MOST_ONCE);
        refusedAtOnce(longName, exceeds("REGISTER", 65, LINK));
        long minusOne = publish(Topic.predefined(7), "p".repeat(58), QoS.MINUS_ONE);
        refusedAtOnce(minusOne, exceeds("PUBLISH", 65, LINK));
        assertThat(core().pendingRequests()).isZero();

        long fits = publish(Topic.predefined(7), "p".repeat(57), QoS.AT_LEAST_ONCE);
        assertThat(sent()).containsExactly(new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.PREDEFINED, 7, 1,
                bytes("p".repeat(57))));
        assertPending(fits);
    }

    @Test
    void aConnectWithAClientIdTooLongForTheLinkFailsAtOnceAndTheClientStaysDisconnected() {
        configure(ClientConfig.defaults("c".repeat(59))); // CONNECT: 6 + 59
        linkCarries(LINK);

        long id = connect();

        refusedAtOnce(id, exceeds("CONNECT", 65, LINK));
        assertThat(state()).isEqualTo(ClientState.DISCONNECTED);
        assertThat(core().nextDeadline()).as("nothing to retransmit").isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void aConnectWhoseWillIsTooLargeForTheLinkFailsAtOnceAndTheSessionGoesOnAsItWas() {
        linkCarries(LINK);
        connected();
        Will longTopic = new Will("w".repeat(62), bytes("gone"), QoS.AT_LEAST_ONCE, false); // WILLTOPIC: 3 + 62
        Will longMessage = new Will("status", Bytes.wrap(new byte[63]), QoS.AT_LEAST_ONCE, false); // WILLMSG: 2 + 63

        long topicRefused = connect(false, longTopic);
        refusedAtOnce(topicRefused, exceeds("WILLTOPIC", 65, LINK));
        long messageRefused = connect(false, longMessage);
        refusedAtOnce(messageRefused, exceeds("WILLMSG", 65, LINK));

        assertThat(state()).isEqualTo(ClientState.ACTIVE);
        long publish = publish(Topic.predefined(7), "21", QoS.AT_MOST_ONCE);
        assertThat(sent()).containsExactly(
                new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.PREDEFINED, 7, 0, bytes("21")));
        assertOutcome(publish).isSuccess();

        Will fits = new Will("w".repeat(61), Bytes.wrap(new byte[62]), QoS.AT_LEAST_ONCE, false);
        long reconnect = connect(false, fits);
        assertThat(sent()).containsExactly(new Connect(true, false, KEEP_ALIVE, CLIENT_ID));
        gateway(WillTopicReq.INSTANCE);
        assertThat(sent()).hasSize(1);
        assertPending(reconnect);
    }

    @Test
    void theLimitIsAskedAtEachRequestSoAWakeOrSleepTheLinkNoLongerCarriesFails() {
        connected();
        asleep(60);

        linkCarries(9); // the wake PINGREQ carries the client id: 2 + 8
        long wake = wake();
        refusedAtOnce(wake, exceeds("PINGREQ", 10, 9));
        assertThat(state()).as("still asleep, not polling").isEqualTo(ClientState.ASLEEP);

        linkCarries(3);
        long sleep = sleep(60); // DISCONNECT with a duration: 4
        refusedAtOnce(sleep, exceeds("DISCONNECT", 4, 3));
        linkCarries(2);
        long search = searchGateway(1); // SEARCHGW: 3
        refusedAtOnce(search, exceeds("SEARCHGW", 3, 2));
        assertThat(state()).isEqualTo(ClientState.ASLEEP);
    }

    @Test
    void withoutALinkLimitAPacketPastMqttSnsLengthFieldFailsAtOnce() {
        connected();

        long id = publish(Topic.predefined(7), "p".repeat(70_000), QoS.AT_MOST_ONCE);

        refusedAtOnce(id, "PUBLISH not sent: packet of 70009 bytes exceeds the MQTT-SN maximum of 65535");
    }
}
