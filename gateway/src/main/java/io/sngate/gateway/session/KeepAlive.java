package io.sngate.gateway.session;

import io.sngate.codec.Bytes;
import io.sngate.codec.v12.PingReq;
import io.sngate.codec.v12.PingResp;
import io.sngate.gateway.session.ClientSession.Counters;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Keep-alive supervision of a connected device (spec §6.11): it is lost when it was not heard
 * from for its keep-alive times {@link SessionConfig#keepAliveFactor}, and PINGREQ is answered.
 * Every session ends: a keep-alive of 0 (none) or above the cap is supervised at the cap.
 */
final class KeepAlive {

    private final SessionContext ctx;
    private int keepAliveSeconds;

    KeepAlive(SessionContext ctx) {
        this.ctx = ctx;
    }

    /** The keep-alive the device's CONNECT asked for. */
    int seconds() {
        return keepAliveSeconds;
    }

    void set(int seconds) {
        keepAliveSeconds = seconds;
    }

    /** When the device counts as lost unless it is heard from before. */
    long deadline() {
        return ctx.lastHeard + scaled(ctx.config, supervised());
    }

    /** Why the device counts as lost at {@code now}, if it does. */
    Optional<String> expired(long now) {
        int keepAlive = supervised();
        if (now < ctx.lastHeard + scaled(ctx.config, keepAlive)) {
            return Optional.empty();
        }
        return Optional.of("keep-alive of " + keepAlive + " s expired"
                + (keepAlive != keepAliveSeconds ? " (capped by limits.max-keep-alive-seconds)" : ""));
    }

    /** PINGREQ from a connected device: PINGRESP, unless it names another client. */
    void onPingReq(PingReq ping, Consumer<Effect> out) {
        if (!isForeign(ping, out)) {
            out.accept(new Effect.SendToDevice(PingResp.INSTANCE));
        }
    }

    /**
     * A PINGREQ naming a client other than this session's: counted and not answered, as
     * whoever sent it is not this device.
     */
    boolean isForeign(PingReq ping, Consumer<Effect> out) {
        if (ping.hasClientId() && !ping.clientId().equals(Bytes.utf8(ctx.clientId))) {
            out.accept(new Effect.Discard(Counters.FOREIGN_CLIENT_ID, "",
                    "PINGREQ names client " + ping.clientId()));
            return true;
        }
        return false;
    }

    /** The keep-alive the gateway supervises: the device's, capped; none (0) counts as the cap. */
    private int supervised() {
        return keepAliveSeconds == 0 ? ctx.config.maxKeepAliveSeconds()
                : Math.min(keepAliveSeconds, ctx.config.maxKeepAliveSeconds());
    }

    /** {@code seconds} of silence tolerated, in milliseconds: times the keep-alive factor. */
    static long scaled(SessionConfig config, long seconds) {
        return (long) (seconds * 1000L * config.keepAliveFactor());
    }
}
