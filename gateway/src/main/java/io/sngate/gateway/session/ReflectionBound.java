package io.sngate.gateway.session;

import io.sngate.codec.QoS;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.PubRel;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.Register;
import io.sngate.gateway.session.ClientSession.Counters;
import java.util.function.Consumer;

/**
 * What the gateway sends on its own initiative (PUBLISH, REGISTER, PUBREL) to an address that
 * has not shown it receives. Until the device has answered a message id the gateway chose (ids
 * start at a random value), its source address may be forged: a few bytes of CONNECT and
 * SUBSCRIBE would otherwise turn the gateway into a reflector that sends every matching message
 * to a victim. So until then at most {@link SessionConfig#unprovenSendBytes} bytes go out,
 * besides the first REGISTER: the challenge that a delivery which would exceed the budget starts
 * with (or the registration a new topic needs anyway). Small exchanges keep their usual packets
 * (a SUBACK's topic id is used without a REGISTER), and a QoS 1/2 delivery proves the address
 * with its PUBACK or PUBREC.
 */
final class ReflectionBound {

    private final SessionConfig config;
    /** The device has answered a message id the gateway chose, so it receives at this address. */
    private boolean proven;
    private int unprovenBytes;
    private boolean challengeSent;

    ReflectionBound(SessionConfig config) {
        this.config = config;
        this.proven = !config.requiresProof();
    }

    boolean isProven() {
        return proven;
    }

    /** The device answered a message id the gateway chose. */
    void proven() {
        proven = true;
    }

    /** The device is at a new address, which has yet to show it receives. */
    void addressChanged() {
        proven = !config.requiresProof();
        unprovenBytes = 0;
        challengeSent = false;
    }

    /**
     * A QoS 0 delivery of {@code size} bytes would take the unproven address past its budget,
     * and no challenge went out yet: a REGISTER goes first, and its REGACK proves the address.
     */
    boolean needsChallenge(QoS qos, int size) {
        return !proven && !challengeSent && qos == QoS.AT_MOST_ONCE
                && unprovenBytes + size > config.unprovenSendBytes();
    }

    /** Sends {@code message}, or withholds it (counted) when the unproven address is past its budget. */
    void send(MqttSn12Message message, String topic, Consumer<Effect> out) {
        if (!proven && !selfLimiting(message)) {
            int size = MqttSn12Codec.INSTANCE.encodedLength(message);
            if (message instanceof Register && !challengeSent) {
                // Sent whatever its size, or a device with long topic names could never prove
                // itself; its resends come out of what is left of the budget.
                challengeSent = true;
                unprovenBytes += size;
            } else if (unprovenBytes + size > config.unprovenSendBytes()) {
                out.accept(new Effect.Discard(Counters.UNPROVEN_WITHHELD, topic, message.typeName() + " of " + size
                        + " bytes not sent: the device has not answered a message id of the gateway yet"
                        + " (limits.unproven-send-bytes)"));
                return;
            } else {
                unprovenBytes += size;
            }
        }
        out.accept(new Effect.SendToDevice(message));
    }

    /**
     * QoS 1/2 PUBLISH and PUBREL are outside the budget: one is in flight at a time and a device
     * that never answers is lost after N_RETRY resends, so what a forged address can draw with
     * them is bounded already, and a silent device still gets its resends.
     */
    private static boolean selfLimiting(MqttSn12Message message) {
        return message instanceof PubRel || message instanceof Publish publish && publish.qos() != QoS.AT_MOST_ONCE;
    }
}
