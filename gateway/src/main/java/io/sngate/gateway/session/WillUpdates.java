package io.sngate.gateway.session;

import io.sngate.codec.Bytes;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.WillMsgResp;
import io.sngate.codec.v12.WillMsgUpd;
import io.sngate.codec.v12.WillTopicResp;
import io.sngate.codec.v12.WillTopicUpd;
import io.sngate.gateway.session.ClientSession.Counters;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The client's will: set by the will exchange of its CONNECT ({@link ConnectHandshake}),
 * changed while connected by WILLTOPICUPD and WILLMSGUPD (spec §6.4), published upstream when
 * the device is lost.
 */
final class WillUpdates {

    private Will will;

    /** The will the next upstream connection carries, if any. */
    Optional<Will> current() {
        return Optional.ofNullable(will);
    }

    /** What the CONNECT's will exchange gave: a will, or none. */
    void set(Will newWill) {
        will = newWill;
    }

    void clear() {
        will = null;
    }

    void onWillTopicUpdate(WillTopicUpd update, Consumer<Effect> out) {
        if (update.isEmpty()) {
            will = null;
        } else {
            Optional<String> topic = Topics.decodeUtf8(update.willTopic()).filter(Topics::isValidName);
            if (topic.isEmpty()) {
                out.accept(new Effect.Discard(Counters.INVALID_TOPIC, update.willTopic().toString(),
                        "WILLTOPICUPD with an invalid topic"));
                out.accept(new Effect.SendToDevice(new WillTopicResp(ReturnCode.REJECTED_NOT_SUPPORTED)));
                return;
            }
            Bytes message = will == null ? Bytes.EMPTY : will.message();
            will = new Will(topic.get(), message, update.qos(), update.retain());
        }
        out.accept(new Effect.WillChanged(Optional.ofNullable(will)));
        out.accept(new Effect.SendToDevice(new WillTopicResp(ReturnCode.ACCEPTED)));
    }

    void onWillMessageUpdate(WillMsgUpd update, Consumer<Effect> out) {
        if (will == null) {
            out.accept(new Effect.Discard(Counters.UNSUPPORTED, "", "WILLMSGUPD without a will topic"));
            out.accept(new Effect.SendToDevice(new WillMsgResp(ReturnCode.REJECTED_NOT_SUPPORTED)));
            return;
        }
        will = new Will(will.topic(), update.willMessage(), will.qos(), will.retain());
        out.accept(new Effect.WillChanged(Optional.of(will)));
        out.accept(new Effect.SendToDevice(new WillMsgResp(ReturnCode.ACCEPTED)));
    }
}
