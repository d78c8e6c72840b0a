package io.sngate.gateway.session;

import java.util.List;

/**
 * What a session holds at one moment, copied out of it on its event loop: the admin API reads
 * this from another thread, never the session itself (DESIGN rule 2).
 *
 * @param lastHeardMillis when the device was last heard from, on the session's clock
 * @param sleepSeconds the sleep duration of the device's last DISCONNECT, 0 when it never slept
 * @param queuedToDevice broker messages waiting for the device, the one in flight included
 * @param inFlightToDevice broker messages sent to the device and not yet acknowledged by it (0 or 1)
 * @param inFlightToBroker the device's QoS 1/2 PUBLISHes the broker has not acknowledged yet
 * @param proven whether the device has shown that it receives at its current address
 */
public record SessionView(String clientId, SessionState state, boolean cleanSession, int keepAliveSeconds,
                          long sleepSeconds, long lastHeardMillis, List<Topic> topics,
                          List<Subscription> subscriptions, int queuedToDevice, int inFlightToDevice,
                          int inFlightToBroker, boolean proven) {

    public SessionView {
        topics = List.copyOf(topics);
        subscriptions = List.copyOf(subscriptions);
    }

    /** A normal topic id of the client's registry, and whether the device has been told it. */
    public record Topic(int id, String name, boolean knownToDevice) {
    }

    /** A topic filter the device subscribed to and the QoS the broker granted. */
    public record Subscription(String filter, int qos) {
    }
}
