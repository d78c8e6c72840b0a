package io.sngate.gateway.session;

import io.sngate.codec.v12.PingResp;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A sleeping client (spec §6.14): its sleep duration and the supervision of it. The upstream
 * connection stays open while the device sleeps and messages for it wait in the delivery queue;
 * a PINGREQ wakes it to receive them, and a PINGRESP after the last one lets it sleep again. A
 * device not heard from for its sleep duration times the keep-alive factor is lost.
 */
final class SleepingClient {

    private final SessionContext ctx;
    private long sleepMillis;

    SleepingClient(SessionContext ctx) {
        this.ctx = ctx;
    }

    long seconds() {
        return sleepMillis / 1000;
    }

    /** DISCONNECT with a duration: the device sleeps for {@code seconds} from {@code now}. */
    void fallAsleep(int seconds, long now) {
        sleepMillis = seconds * 1000L;
        ctx.lastHeard = now;
    }

    /** Nothing more waits for the awake device: PINGRESP tells it that it may sleep again. */
    void backToSleep(long now, Consumer<Effect> out) {
        out.accept(new Effect.SendToDevice(PingResp.INSTANCE));
        ctx.lastHeard = now;
    }

    /** When the device counts as lost unless it is heard from before. */
    long deadline() {
        return ctx.lastHeard + KeepAlive.scaled(ctx.config, sleepMillis / 1000);
    }

    /** Why the device counts as lost at {@code now}, if it does. */
    Optional<String> expired(long now) {
        if (now < deadline()) {
            return Optional.empty();
        }
        return Optional.of("asleep for longer than " + sleepMillis / 1000 + " s");
    }
}
