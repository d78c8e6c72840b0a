package io.sngate.codec.v12;

import io.sngate.codec.Bytes;

/**
 * What SUBSCRIBE and UNSUBSCRIBE name: a topic name or filter, a predefined id, a short
 * name, or, for the reserved TopicIdType 0b11, the raw bytes that followed. Which one travels
 * is the flags' TopicIdType, so the type follows from the variant.
 *
 * <p>Code that handles these with an {@code instanceof} chain must give {@link Reserved} a
 * branch of its own (typically: answer "not supported") rather than cast in a final else.
 */
public sealed interface TopicRef {

    TopicIdType topicIdType();

    static TopicRef name(String name) {
        return new Name(Bytes.utf8(name));
    }

    static TopicRef predefined(int topicId) {
        return new Predefined(topicId);
    }

    static TopicRef shortName(String name) {
        return new ShortName(ShortTopicName.encode(name));
    }

    /** A topic name or, in SUBSCRIBE, a filter with {@code +} and {@code #}. Never empty. */
    record Name(Bytes name) implements TopicRef {
        public Name {
            Check.notNull("name", name);
            if (name.isEmpty()) {
                throw new IllegalArgumentException("topic name must not be empty");
            }
        }

        @Override
        public TopicIdType topicIdType() {
            return TopicIdType.NORMAL;
        }
    }

    record Predefined(int topicId) implements TopicRef {
        public Predefined {
            Check.uint16("topicId", topicId);
        }

        @Override
        public TopicIdType topicIdType() {
            return TopicIdType.PREDEFINED;
        }
    }

    /** A two-byte name as its 16-bit field value; {@link #text()} gives it back as a string. */
    record ShortName(int value) implements TopicRef {
        public ShortName {
            Check.uint16("value", value);
        }

        public String text() {
            return ShortTopicName.decode(value);
        }

        @Override
        public TopicIdType topicIdType() {
            return TopicIdType.SHORT;
        }
    }

    /**
     * TopicIdType 0b11, which 1.2 reserves: {@code field} is everything after the MsgId, kept
     * exactly (possibly empty) because 1.2 gives it no shape. Decoded rather than refused so that
     * a gateway can answer such a SUBSCRIBE or UNSUBSCRIBE; the codec encodes it back unchanged.
     */
    record Reserved(Bytes field) implements TopicRef {
        public Reserved {
            Check.notNull("field", field);
        }

        @Override
        public TopicIdType topicIdType() {
            return TopicIdType.RESERVED;
        }
    }
}
