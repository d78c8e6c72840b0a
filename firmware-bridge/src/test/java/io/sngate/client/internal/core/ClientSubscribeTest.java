package io.sngate.client.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.client.ClientState;
import io.sngate.client.Topic;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.RegAck;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.ShortTopicName;
import io.sngate.codec.v12.SubAck;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.v12.TopicRef;
import io.sngate.codec.v12.UnsubAck;
import io.sngate.codec.v12.Unsubscribe;
import org.junit.jupiter.api.Test;

/** SUBSCRIBE, UNSUBSCRIBE and explicit REGISTER: one control exchange at a time (§6.5, §6.9, §6.13). */
class ClientSubscribeTest extends ClientHarness {

    @Test
    void subscribeByNameRemembersTheSubAckTopicId() {
        connected();

        long id = subscribe(Topic.name("plant/temp"), QoS.AT_LEAST_ONCE);
        assertThat(sent()).containsExactly(new Subscribe(false, QoS.AT_LEAST_ONCE, 1, TopicRef.name("plant/temp")));
        assertPending(id);

        gateway(new SubAck(QoS.AT_LEAST_ONCE, 12, 1, ACCEPTED));
        assertOutcome(id).isSuccess().hasTopicId(12).hasGrantedQos(QoS.AT_LEAST_ONCE);
        assertThat(core().topicId("plant/temp")).contains(12);

        // so a publish to it needs no REGISTER
        long publish = publish(Topic.name("plant/temp"), "21", QoS.AT_MOST_ONCE);
        assertThat(sent()).containsExactly(
                new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.NORMAL, 12, 0, bytes("21")));
        assertOutcome(publish).isSuccess();
    }

    @Test
    void grantedQosMayBeLowerThanRequested() {
        connected();

        long id = subscribe(Topic.name("plant/temp"), QoS.EXACTLY_ONCE);
        gateway(new SubAck(QoS.AT_MOST_ONCE, 12, 1, ACCEPTED));

        assertOutcome(id).isSuccess().hasGrantedQos(QoS.AT_MOST_ONCE);
    }

    @Test
    void subscribeToAWildcardFilterRemembersNoId() {
        connected();

        long id = subscribe(Topic.name("plant/+/temp"), QoS.AT_LEAST_ONCE);
        assertThat(sent()).containsExactly(new Subscribe(false, QoS.AT_LEAST_ONCE, 1, TopicRef.name("plant/+/temp")));
        gateway(new SubAck(QoS.AT_LEAST_ONCE, 0, 1, ACCEPTED));

        assertOutcome(id).isSuccess().hasTopicId(0);
        assertThat(core().topicId("plant/+/temp")).isEmpty();
    }

    @Test
    void anIdInTheSubAckOfAWildcardFilterIsNotTakenForTheFilter() {
        connected();

        subscribe(Topic.name("plant/#"), QoS.AT_LEAST_ONCE);
        gateway(new SubAck(QoS.AT_LEAST_ONCE, 33, 1, ACCEPTED));

        assertThat(core().topicId("plant/#")).isEmpty();
    }

    @Test
    void subscribeToAPredefinedId() {
        connected();

        long id = subscribe(Topic.predefined(12), QoS.EXACTLY_ONCE);
        assertThat(sent()).containsExactly(new Subscribe(false, QoS.EXACTLY_ONCE, 1, TopicRef.predefined(12)));
        gateway(new SubAck(QoS.EXACTLY_ONCE, 12, 1, ACCEPTED));

        assertOutcome(id).isSuccess().hasTopicId(12).hasGrantedQos(QoS.EXACTLY_ONCE);
    }

    @Test
    void subscribeToAShortName() {
        connected();

        long id = subscribe(Topic.shortName("ab"), QoS.AT_MOST_ONCE);
        assertThat(sent()).containsExactly(new Subscribe(false, QoS.AT_MOST_ONCE, 1, TopicRef.shortName("ab")));
        assertThat(((Subscribe) sent().get(0)).topic().topicIdType()).isEqualTo(TopicIdType.SHORT);
        gateway(new SubAck(QoS.AT_MOST_ONCE, 0, 1, ACCEPTED));

        assertOutcome(id).isSuccess();
    }

    @Test
    void rejectedSubscribeFailsWithTheReturnCode() {
        connected();

        long id = subscribe(Topic.name("forbidden/topic"), QoS.AT_LEAST_ONCE);
        gateway(new SubAck(QoS.AT_MOST_ONCE, 0, 1, NOT_SUPPORTED));

        assertOutcome(id).isRejectedWith(NOT_SUPPORTED);
        assertThat(core().topicId("forbidden/topic")).isEmpty();
    }

    @Test
    void subscribeWithQosMinusOneFailsAtOnce() {
        connected();

        long id = subscribe(Topic.shortName("ab"), QoS.MINUS_ONE);

        assertThat(sent()).isEmpty();
        assertOutcome(id).isFailedWithoutAnswer();
    }

    @Test
    void subAckWithAnotherMsgIdIsIgnored() {
        connected();
        long id = subscribe(Topic.name("plant/temp"), QoS.AT_LEAST_ONCE);

        gateway(new SubAck(QoS.AT_LEAST_ONCE, 12, 2, ACCEPTED));

        assertThat(effects()).isEmpty();
        assertPending(id);
        assertThat(core().topicId("plant/temp")).isEmpty();
    }

    @Test
    void unsubscribeCompletesOnUnsubAck() {
        connected();

        long id = unsubscribe(Topic.name("plant/+/temp"));
        assertThat(sent()).containsExactly(new Unsubscribe(1, TopicRef.name("plant/+/temp")));
        gateway(new UnsubAck(2));
        assertPending(id);

        gateway(new UnsubAck(1));
        assertOutcome(id).isSuccess();
    }

    @Test
    void unsubscribeFromPredefinedAndShortTopics() {
        connected();

        long predefined = unsubscribe(Topic.predefined(12));
        assertThat(sent()).containsExactly(new Unsubscribe(1, TopicRef.predefined(12)));
        gateway(new UnsubAck(1));
        assertOutcome(predefined).isSuccess();

        long shortName = unsubscribe(Topic.shortName("ab"));
        assertThat(sent()).containsExactly(new Unsubscribe(2, TopicRef.shortName("ab")));
        gateway(new UnsubAck(2));
        assertOutcome(shortName).isSuccess();
    }

    @Test
    void onlyOneSubscribeUnsubscribeOrRegisterIsInFlight() {
        connected();

        long subscribe = subscribe(Topic.name("a/b"), QoS.AT_LEAST_ONCE);
        assertThat(sent()).containsExactly(new Subscribe(false, QoS.AT_LEAST_ONCE, 1, TopicRef.name("a/b")));
        long unsubscribe = unsubscribe(Topic.name("c/d"));
        long register = register("e/f");
        assertThat(sent()).isEmpty();
        assertThat(core().pendingRequests()).isEqualTo(3);

        gateway(new SubAck(QoS.AT_LEAST_ONCE, 4, 1, ACCEPTED));
        assertOutcome(subscribe).isSuccess();
        assertThat(sent()).containsExactly(new Unsubscribe(2, TopicRef.name("c/d")));

        gateway(new UnsubAck(2));
        assertOutcome(unsubscribe).isSuccess();
        assertThat(sent()).containsExactly(new Register(0, 3, "e/f"));

        gateway(new RegAck(6, 3, ACCEPTED));
        assertOutcome(register).isSuccess().hasTopicId(6);
        assertThat(sent()).isEmpty();
        assertThat(core().pendingRequests()).isZero();
    }

    @Test
    void explicitRegisterCompletesWithTheTopicId() {
        connected();

        long id = register("plant/temp");
        assertThat(sent()).containsExactly(new Register(0, 1, "plant/temp"));
        gateway(new RegAck(7, 1, ACCEPTED));

        assertOutcome(id).isSuccess().hasTopicId(7);
        assertThat(core().topicId("plant/temp")).contains(7);
    }

    @Test
    void registeringAKnownNameCompletesAtOnce() {
        connected();
        registered("plant/temp", 7);

        long id = register("plant/temp");

        assertThat(sent()).isEmpty();
        assertOutcome(id).isSuccess().hasTopicId(7);
    }

    @Test
    void rejectedRegisterFailsWithTheReturnCode() {
        connected();

        long id = register("plant/temp");
        gateway(new RegAck(0, 1, CONGESTION));

        assertOutcome(id).isRejectedWith(CONGESTION);
        assertThat(core().topicId("plant/temp")).isEmpty();
    }

    @Test
    void aPublishDoesNotRegisterANameWhoseRegisterIsAlreadyOnItsWay() {
        connected();
        long register = register("plant/temp");
        long publish = publish(Topic.name("plant/temp"), "21", QoS.AT_MOST_ONCE);
        assertThat(sent()).isEmpty();

        gateway(new RegAck(7, 1, ACCEPTED));

        assertThat(sent()).containsExactly(
                new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.NORMAL, 7, 0, bytes("21")));
        assertOutcome(register).isSuccess();
        assertOutcome(publish).isSuccess();
        assertThat(allSent()).filteredOn(Register.class::isInstance).hasSize(1);
    }

    @Test
    void aPublishRegistersAheadOfWaitingControlRequests() {
        connected();
        subscribe(Topic.name("a/b"), QoS.AT_MOST_ONCE);
        unsubscribe(Topic.name("c/d"));

        publish(Topic.name("plant/temp"), "21", QoS.AT_MOST_ONCE);
        gateway(new SubAck(QoS.AT_MOST_ONCE, 4, 1, ACCEPTED));

        assertThat(sent()).containsExactly(new Register(0, 2, "plant/temp"));
    }

    @Test
    void subscribeIsRetransmittedWithDup() {
        connected();
        long id = subscribe(Topic.name("plant/temp"), QoS.AT_LEAST_ONCE);

        advance(RETRY - 1);
        assertThat(sent()).isEmpty();
        advance(1);
        assertThat(sent()).containsExactly(new Subscribe(true, QoS.AT_LEAST_ONCE, 1, TopicRef.name("plant/temp")));

        gateway(new SubAck(QoS.AT_LEAST_ONCE, 12, 1, ACCEPTED));
        assertOutcome(id).isSuccess();
    }

    @Test
    void unsubscribeAndRegisterAreRetransmittedUnchanged() {
        connected();
        unsubscribe(Topic.shortName("ab"));
        advance(RETRY);
        assertThat(sent()).containsExactly(new Unsubscribe(1, TopicRef.shortName("ab")));
        gateway(new UnsubAck(1));

        register("plant/temp");
        advance(RETRY);
        assertThat(sent()).containsExactly(new Register(0, 2, "plant/temp"));
    }

    @Test
    void unansweredSubscribeLosesTheConnectionAfterNRetry() {
        connected();
        long subscribe = subscribe(Topic.name("plant/temp"), QoS.AT_LEAST_ONCE);
        long waiting = unsubscribe(Topic.name("x/y"));

        advance(MAX_RETRIES * RETRY);
        assertThat(allSent()).filteredOn(Subscribe.class::isInstance).hasSize(1 + MAX_RETRIES);
        assertThat(state()).isEqualTo(ClientState.ACTIVE);

        advance(RETRY);
        assertThat(state()).isEqualTo(ClientState.LOST);
        assertOutcome(subscribe).isFailedWithoutAnswer().hasDetailContaining("SUBSCRIBE");
        assertOutcome(waiting).isFailedWithoutAnswer();
    }

    @Test
    void aFullControlQueueFailsTheRequestAtOnce() {
        configure(DEFAULTS.withMaxQueued(1));
        connected();
        long inFlight = subscribe(Topic.name("a/b"), QoS.AT_MOST_ONCE);
        long queued = subscribe(Topic.name("c/d"), QoS.AT_MOST_ONCE);

        long refused = unsubscribe(Topic.name("a/b"));

        assertThat(sent()).isEmpty();
        assertOutcome(refused).isFailedWithoutAnswer().hasDetailContaining("queue full");
        assertPending(inFlight);
        assertPending(queued);
    }

    @Test
    void controlRequestsWaitForTheConnection() {
        long id = subscribe(Topic.shortName("ab"), QoS.AT_LEAST_ONCE);
        assertThat(sent()).isEmpty();

        connected();
        assertThat(sent()).containsExactly(new Subscribe(false, QoS.AT_LEAST_ONCE, 1, TopicRef.shortName("ab")));
        gateway(new SubAck(QoS.AT_LEAST_ONCE, 0, 1, ACCEPTED));
        assertOutcome(id).isSuccess();
    }

    @Test
    void controlAndPublishChannelsRunSideBySide() {
        connected();
        long subscribe = subscribe(Topic.name("a/b"), QoS.AT_MOST_ONCE);

        long publish = publish(Topic.shortName("ab"), "x", QoS.AT_LEAST_ONCE);

        assertThat(sent()).containsExactly(
                Publish.toShortName("ab", QoS.AT_LEAST_ONCE, false, 2, bytes("x")));
        assertThat(sentPublish().topicId()).isEqualTo(ShortTopicName.encode("ab"));
        assertPending(subscribe);
        assertPending(publish);
    }
}
