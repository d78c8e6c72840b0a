package io.sngate.client;

import io.sngate.codec.v12.ShortTopicName;
import java.util.Objects;

/**
 * How the application names a topic (spec §3, topic id types): by {@linkplain #name name} (the
 * client registers it for an id on first use; in a subscription, a filter with {@code +} and
 * {@code #}), by a {@linkplain #predefined predefined} id agreed with the gateway, or by a
 * two-character {@linkplain #shortName short name} that travels in place of an id.
 */
public sealed interface Topic {

    /** A topic name, or in a subscription a filter. */
    static Topic name(String name) {
        return new Name(name);
    }

    /** A topic id agreed with the gateway out of band (1..65534). */
    static Topic predefined(int id) {
        return new Predefined(id);
    }

    /** A short topic name: exactly two bytes of UTF-8, carried in the topic id field. */
    static Topic shortName(String name) {
        return new Short(name);
    }

    /** A topic name, or in a subscription a filter with wildcards. */
    record Name(String name) implements Topic {
        /** Checks the name is not empty. */
        public Name {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("topic name must not be empty");
            }
        }
    }

    /** A predefined topic id. */
    record Predefined(int id) implements Topic {
        /** Checks the id is 1..65534. */
        public Predefined {
            if (id < 1 || id > 0xFFFE) {
                throw new IllegalArgumentException("predefined topic id must be 1..65534: " + id);
            }
        }
    }

    /** A two-byte topic name carried in the topic id field. */
    record Short(String name) implements Topic {
        /** Checks the name is two bytes of UTF-8. */
        public Short {
            ShortTopicName.encode(name); // validates: exactly two bytes
        }
    }
}
