package io.sngate.codec.v12;

import java.util.OptionalInt;

/**
 * DISCONNECT. With a duration it is a client going to sleep for that many seconds; without,
 * an ordinary disconnect (and the gateway's acknowledgement of either).
 */
public record Disconnect(OptionalInt duration) implements MqttSn12Message {

    public static final Disconnect PLAIN = new Disconnect(OptionalInt.empty());

    public Disconnect {
        Check.notNull("duration", duration);
        if (duration.isPresent()) {
            Check.uint16("duration", duration.getAsInt());
        }
    }

    public static Disconnect sleep(int seconds) {
        return new Disconnect(OptionalInt.of(seconds));
    }

    /** True when the client asks to sleep. */
    public boolean isSleep() {
        return duration.isPresent();
    }

    @Override
    public MessageType type() {
        return MessageType.DISCONNECT;
    }
}
