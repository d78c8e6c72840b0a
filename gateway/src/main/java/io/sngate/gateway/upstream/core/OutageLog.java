package io.sngate.gateway.upstream.core;

import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's outages as one story: the first failure of an outage is logged (WARN, or ERROR
 * when the broker refuses the gateway's login or TLS: a setting is wrong, and it names it), the
 * failures of every other connection during it are counted and logged at DEBUG only, and the
 * recovery is one INFO line. Without this, a broker that is down for a minute while a thousand
 * devices retry fills the log with a thousand lines per retry round.
 *
 * <p>Shared by all of a gateway's broker connections and its reachability probe, on any thread.
 * Once the probe reports, only the probe ends an outage: one connection that gets through does
 * not prove the broker is back for the others (a broker that accepts a few and drops the rest).
 */
public final class OutageLog {

    private static final Logger LOG = LoggerFactory.getLogger(OutageLog.class);

    /**
     * After the probe saw the broker come back, a failure another connection reports this soon
     * belongs to the outage that just ended (its attempt started before), not to a new one.
     */
    static final long LATE_REPORT_MILLIS = 2_000;

    private final String broker;
    private final LongSupplier clock;
    private boolean probed;
    private boolean down;
    private long downSince;
    private long recoveredAt = Long.MIN_VALUE / 2;
    private long failuresInOutage;
    private long outages;

    /** @param clock milliseconds, for the length of an outage */
    public OutageLog(String broker, LongSupplier clock) {
        this.broker = broker;
        this.clock = clock;
    }

    public OutageLog(String broker) {
        this(broker, () -> System.nanoTime() / 1_000_000);
    }

    /** The gateway's own probe could not connect (or lost its connection): an outage, if none is known yet. */
    public synchronized void probeFailed(String detail) {
        probed = true;
        failuresInOutage++;
        if (!down) {
            begin(detail);
        } else {
            LOG.debug("broker {} still unreachable: {}", broker, detail);
        }
    }

    /** The probe is connected: whatever outage was known is over. */
    public synchronized void probeConnected() {
        probed = true;
        end();
    }

    /**
     * A device's (or the shared) connection failed to connect or lost its connection for a
     * reason the broker as a whole is behind: the network, a timeout, TLS, a busy or refusing
     * broker. A refusal of one client alone is the caller's to log.
     */
    public synchronized void connectionFailed(String clientId, String detail) {
        failuresInOutage++;
        if (!down && clock.getAsLong() - recoveredAt >= LATE_REPORT_MILLIS) {
            begin(detail);
        } else {
            LOG.debug("upstream {}: {}", clientId, detail);
        }
    }

    /**
     * The broker answered a connection's CONNECT with a refusal that retrying does not change. When
     * the gateway's own login works (the probe is connected) it is this client's alone, and logged
     * as such; a refused gateway login or TLS setting is the start of an outage every connection
     * shares, and is logged once, naming the settings to check.
     */
    public synchronized void refused(String clientId, String detail) {
        if (down) {
            failuresInOutage++;
            LOG.debug("upstream {}: {}", clientId, detail);
        } else if (probed || BrokerRefusal.settingAtFault(detail) == null) {
            LOG.warn("upstream {}: {}", clientId, detail);
        } else {
            begin(detail);
        }
    }

    /** A connection got through; without a probe that ends the outage. */
    public synchronized void connected(String clientId) {
        if (!probed) {
            end();
        }
    }

    /** True while an outage is known. */
    public synchronized boolean down() {
        return down;
    }

    /** Outages begun so far (for tests and the counters). */
    public synchronized long outages() {
        return outages;
    }

    private void begin(String detail) {
        down = true;
        outages++;
        downSince = clock.getAsLong();
        failuresInOutage = 1;
        String setting = BrokerRefusal.settingAtFault(detail);
        if (setting != null) {
            LOG.error("broker {} does not accept the gateway's connections: {}; check {} (devices cannot connect "
                    + "until then)", broker, detail, setting);
        } else {
            LOG.warn("broker {} unreachable: {}; connections keep retrying, one line follows when it is back",
                    broker, detail);
        }
    }

    private void end() {
        if (!down) {
            return;
        }
        down = false;
        long now = clock.getAsLong();
        recoveredAt = now;
        LOG.info("broker {} reachable again after {} s ({} failed connection attempt(s) meanwhile)", broker,
                String.format(java.util.Locale.ROOT, "%.1f", (now - downSince) / 1000.0), failuresInOutage);
    }
}
