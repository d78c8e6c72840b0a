package io.sngate.gateway.session;

/**
 * What one device may do with topics, as the devices file says. Asked by the session on each
 * REGISTER, PUBLISH and SUBSCRIBE, so a reloaded devices file applies to the next request.
 * Pure functions: no I/O, safe on the session's loop.
 */
public interface SessionPolicy {

    /** Everything allowed: an anonymous gateway, or a device the devices file does not restrict. */
    SessionPolicy ALLOW_ALL = new SessionPolicy() {
        @Override
        public boolean mayPublish(String topic) {
            return true;
        }

        @Override
        public boolean maySubscribe(String filter) {
            return true;
        }
    };

    boolean mayPublish(String topic);

    boolean maySubscribe(String filter);
}
