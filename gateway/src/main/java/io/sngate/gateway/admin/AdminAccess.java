package io.sngate.gateway.admin;

import io.sngate.gateway.Metrics;
import io.sngate.gateway.upstream.BrokerReachability;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What the admin server may see and do of a running gateway. Reads of session state go
 * through the session's own event loop ({@link #snapshot}, {@link #kick}); the rest is
 * state that is safe to read from any thread.
 */
public interface AdminAccess {

    /** Every session the gateway keeps now, from the fields each publishes after its inputs. */
    List<ClientSummary> clients();

    /** The client's snapshot, taken on its event loop; empty when no session has that id. */
    Optional<CompletableFuture<ClientSnapshot>> snapshot(String clientId);

    /** Ends the client's session as a lost one (its will is published); empty when there is none. */
    Optional<CompletableFuture<Boolean>> kick(String clientId);

    /** Topic ids every client knows. */
    Map<Integer, String> predefinedTopics();

    /** Topic ids single clients know, by client id. */
    Map<String, Map<Integer, String>> perClientPredefinedTopics();

    /** As SIGHUP: reads the devices file (and the DTLS keys) again; true when something was reloaded. */
    boolean reload();

    GatewayInfo info();

    /** The broker as a probe connection with the gateway's own settings and credentials finds it. */
    BrokerReachability.Status broker();

    /** True once every transport listens. */
    boolean listening();

    Metrics metrics();
}
