package io.sngate.device;

import io.sngate.codec.v12.ShortTopicName;

/** How the application names a topic: by name (registered for it), predefined id, or short name. */
public sealed interface Topic {

    static Topic name(String name) {
        return new Name(name);
    }

    static Topic predefined(int id) {
        return new Predefined(id);
    }

    static Topic shortName(String name) {
        return new Short(name);
    }

    /** A topic name, or in subscribe a filter with wildcards. */
    record Name(String name) implements Topic {
        public Name {
            if (name.isEmpty()) {
                throw new IllegalArgumentException("topic name must not be empty");
            }
        }
    }

    record Predefined(int id) implements Topic {
        public Predefined {
            if (id < 1 || id > 0xFFFE) {
                throw new IllegalArgumentException("predefined topic id must be 1..65534");
            }
        }
    }

    /** A two-byte topic name carried in the topic id field. */
    record Short(String name) implements Topic {
        public Short {
            ShortTopicName.encode(name); // validates: exactly two bytes
        }
    }
}
