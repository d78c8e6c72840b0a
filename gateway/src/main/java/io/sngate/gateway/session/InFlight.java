package io.sngate.gateway.session;

import io.sngate.codec.v12.TopicIdType;

/**
 * The one delivery in flight to the device (one at a time, as 1.2 asks of a client's
 * publishes), and where its exchange stands. Owned by {@link DeliveryToDevice}.
 */
final class InFlight {

    /** What the exchange waits for from the device. */
    enum Phase {
        REGACK("REGISTER"), PUBACK("PUBLISH"), PUBREC("PUBLISH"), PUBCOMP("PUBREL");

        /** The packet of the gateway that the device has not answered, for the log line of a loss. */
        final String waitsFor;

        Phase(String sent) {
            this.waitsFor = sent;
        }
    }

    /** Replaced by the broker's resend of it after a reconnection, for its new delivery id. */
    Delivery delivery;
    final TopicIdType topicIdType;
    final int topicId;
    /** The normal topic id REGISTERed before the PUBLISH, or 0 when none is. */
    int registerId;
    /** The REGISTER only challenges the address: the PUBLISH does not need it. */
    boolean challengeOnly;
    /** Acknowledged upstream already: at the device's PUBREC, for QoS 2. */
    boolean acknowledged;
    Phase phase;
    int msgId;
    int retries;
    /** When the packet of this phase is due to be sent again. */
    long deadline;

    InFlight(Delivery delivery, TopicIdType topicIdType, int topicId) {
        this.delivery = delivery;
        this.topicIdType = topicIdType;
        this.topicId = topicId;
    }
}
