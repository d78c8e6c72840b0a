package io.sngate.gateway.session;

import io.sngate.codec.Bytes;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.RegAck;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.gateway.session.ClientSession.Counters;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;

/**
 * The device's side of the topic registry (spec §6.5): REGISTER from the device, and the topic
 * name a device's PUBLISH is for, whichever of the three topic id types (§6.7) it uses. The
 * gateway's own REGISTERs belong to the delivery they precede ({@link DeliveryToDevice}).
 */
final class TopicRegistration {

    private final SessionContext ctx;

    TopicRegistration(SessionContext ctx) {
        this.ctx = ctx;
    }

    void onRegister(Register register, long now, Consumer<Effect> out) {
        Optional<MqttSn12Message> again = ctx.recentAnswers.answerTo(register.type(), register.msgId(),
                register.topicName(), now);
        if (again.isPresent()) {
            out.accept(new Effect.Count(Counters.REQUEST_RETRANSMISSION,
                    "REGISTER msg id " + register.msgId() + " again"));
            out.accept(new Effect.SendToDevice(again.get()));
            return;
        }
        Optional<String> name = Topics.decodeUtf8(register.topicName()).filter(Topics::isValidName);
        if (name.isEmpty()) {
            out.accept(new Effect.Discard(Counters.INVALID_TOPIC, register.topicName().toString(),
                    "REGISTER of a name that is not a valid topic"));
            out.accept(new Effect.SendToDevice(new RegAck(0, register.msgId(), ReturnCode.REJECTED_NOT_SUPPORTED)));
            return;
        }
        if (!ctx.policy.mayPublish(name.get())) {
            out.accept(new Effect.Discard(Counters.DENIED, name.get(), "REGISTER denied: the devices file does not let "
                    + "this client publish there"));
            out.accept(new Effect.SendToDevice(new RegAck(0, register.msgId(), ReturnCode.REJECTED_NOT_SUPPORTED)));
            return;
        }
        OptionalInt id = ctx.registry.idFor(name.get());
        if (id.isEmpty()) {
            out.accept(new Effect.Discard(Counters.TOPIC_IDS_EXHAUSTED, name.get(), "no topic id left"));
            out.accept(new Effect.SendToDevice(new RegAck(0, register.msgId(), ReturnCode.REJECTED_CONGESTION)));
            return;
        }
        ctx.registry.markKnownToDevice(id.getAsInt());
        RegAck ack = new RegAck(id.getAsInt(), register.msgId(), ReturnCode.ACCEPTED);
        ctx.recentAnswers.remember(register.type(), register.msgId(), register.topicName(), ack,
                ctx.retryWindowEnd(now));
        out.accept(new Effect.SendToDevice(ack));
    }

    /** The topic name a device's PUBLISH is for, or null when its id is unknown. */
    String topicOf(Publish publish) {
        return switch (publish.topicIdType()) {
            case NORMAL -> ctx.registry.name(publish.topicId());
            case PREDEFINED -> ctx.predefined.name(publish.topicId()).orElse(null);
            case SHORT -> Topics.decodeUtf8(Bytes.wrap(new byte[] {
                    (byte) (publish.topicId() >>> 8), (byte) publish.topicId()}))
                    .filter(Topics::isValidName).orElse(null);
            case RESERVED -> null; // the codec never decodes a PUBLISH with TopicIdType 0b11
        };
    }

    /** How a PUBLISH whose topic id is unknown names its topic, for the counter's log line. */
    static String label(Publish publish) {
        return publish.topicIdType().name().toLowerCase() + ":" + publish.topicId();
    }
}
