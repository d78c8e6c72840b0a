package io.sngate.sim;

import io.sngate.client.ClientEvent;
import io.sngate.client.ClientRuntime;
import io.sngate.client.ClientState;
import io.sngate.client.Link;
import io.sngate.client.MqttSnClient;
import io.sngate.client.Outcome;
import io.sngate.client.UdpLink;
import io.sngate.client.dtls.DtlsLink;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A client for one run of {@code pub} or {@code sub}: it connects, waits for answers no longer
 * than -W allows, notices when the gateway is lost, and ends the session with DISCONNECT on
 * every way out, Ctrl-C and SIGTERM included (a shutdown hook), so that nothing the tool leaves
 * sits at the gateway until its keep-alive runs out, counted against limits.max-clients, nor
 * has its will published.
 */
final class ToolSession implements AutoCloseable {

    /**
     * A tool's handshake gives up after 1 + 2 + 4 s without an answer (Scandium's defaults wait a
     * minute): someone at a terminal wants to hear about a wrong key soon. The client's own
     * retries start a new handshake anyway.
     */
    static final DtlsLink.Options TOOL_DTLS = DtlsLink.Options.defaults().withRetransmission(Duration.ofSeconds(1), 2);

    /** Longest wait for packets sent without an answer (QoS -1) to leave over DTLS: a handshake and some. */
    private static final long SETTLE_SECONDS = 15;

    /**
     * Longest wait for the gateway's answer to the DISCONNECT on the way out: one round trip and
     * ample margin. Without an answer the tool leaves anyway; the gateway then ends the session
     * when its keep-alive runs out.
     */
    static final long DISCONNECT_WAIT_MILLIS = 3_000;

    /** A request that did not succeed; the tool prints the message and exits with the code. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        private final int exitCode;
        private final boolean refused;

        Failure(String message) {
            this(message, Main.EXIT_FAILURE);
        }

        Failure(String message, int exitCode) {
            this(message, exitCode, false);
        }

        private Failure(String message, int exitCode, boolean refused) {
            super(message);
            this.exitCode = exitCode;
            this.refused = refused;
        }

        int exitCode() {
            return exitCode;
        }

        /** The gateway answered with a refusal (rather than not at all): asking again is no use. */
        boolean refused() {
            return refused;
        }
    }

    final ClientRuntime runtime;
    final MqttSnClient client;
    private final ToolOptions options;
    private final Optional<DtlsLink> dtls;
    /** Completes with the message of the first handshake that failed since the last CONNECT. */
    private volatile CompletableFuture<String> handshakeFailed = new CompletableFuture<>();
    /** The last DTLS handshake failed: nothing of ours reaches the gateway's MQTT-SN side. */
    private volatile boolean handshakeBroken;
    /** Why the gateway was lost since the last CONNECT, or null. */
    private final AtomicReference<String> lost = new AtomicReference<>();
    private final Thread shutdownHook;
    private volatile boolean connectedOnce;
    private volatile boolean leftAsleep;
    private volatile boolean stopping;
    private boolean ended;

    private ToolSession(ToolOptions options, InetAddress gatewayAddress, String tool, PrintStream debug) {
        this.options = options;
        runtime = ClientRuntime.start("sngate-" + tool);
        Link link;
        try {
            if (options.dtls().isPresent()) {
                InetSocketAddress gateway = new InetSocketAddress(gatewayAddress, options.port());
                DtlsLink dtlsLink = new DtlsLink(gateway, DtlsLink.localFor(gateway), options.dtls().get(), TOOL_DTLS,
                        Optional.empty());
                dtlsLink.addListener(new DtlsLink.Listener() {
                    @Override
                    public void established(DtlsLink.Session session) {
                        handshakeBroken = false;
                        if (options.debug()) {
                            debug.println("DTLS session " + session.cipherSuite() + ", gateway CID "
                                    + (session.gatewayConnectionId().isEmpty() ? "none" : session.gatewayConnectionId()));
                        }
                    }

                    @Override
                    public void failed(DtlsLink.HandshakeFailure failure) {
                        handshakeBroken = true;
                        handshakeFailed.complete(failure.message());
                    }
                });
                dtls = Optional.of(dtlsLink);
                link = dtlsLink;
            } else {
                dtls = Optional.empty();
                link = UdpLink.to(gatewayAddress.getHostAddress(), options.port());
            }
            if (options.debug()) {
                link = new DebugLink(link, debug);
            }
            client = MqttSnClient.builder(options.clientConfig()).link(link).runtime(runtime).build();
        } catch (RuntimeException e) {
            runtime.close();
            throw e;
        }
        client.onEvent(this::onEvent);
        shutdownHook = new Thread(this::onShutdown, "sngate-" + tool + "-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * A client for the gateway of {@code options}, not yet connected.
     *
     * @throws Failure when the gateway's host name does not resolve
     */
    static ToolSession open(ToolOptions options, String tool, PrintStream debug) throws Failure {
        InetAddress address;
        try {
            address = InetAddress.getByName(options.host());
        } catch (UnknownHostException e) {
            throw new Failure("unknown host '" + options.host() + "' (-h): no such name, or no name service");
        }
        return new ToolSession(options, address, tool, debug);
    }

    private void onEvent(ClientEvent event) {
        if (event instanceof ClientEvent.StateChange changed) {
            if (changed.state() == ClientState.ACTIVE) {
                connectedOnce = true;
            } else if (changed instanceof ClientEvent.Lost lostEvent) {
                lost.set(lostEvent.reason());
            }
        }
    }

    // ------------------------------------------------------------------ requests

    /**
     * CONNECT with the options' clean flag and will; over DTLS a failed handshake ends the wait at
     * once with its reason, rather than after all the client's retries.
     *
     * @throws Failure when the gateway refused, did not answer, or -W passed first
     */
    void connect(Deadline deadline) throws Failure {
        lost.set(null);
        handshakeFailed = new CompletableFuture<>(); // a reconnect's handshake is a new one
        CompletableFuture<Outcome> request = options.will().isPresent()
                ? client.connect(options.cleanSession(), options.will().get())
                : client.connect(options.cleanSession());
        await("connect", orHandshakeFailure(request), deadline);
    }

    /** {@code request}, or the first handshake failure if that comes first. */
    private CompletableFuture<Outcome> orHandshakeFailure(CompletableFuture<Outcome> request) {
        if (dtls.isEmpty()) {
            return request;
        }
        CompletableFuture<Outcome> failed = handshakeFailed.thenApply(
                reason -> Outcome.failed(Outcome.Status.LINK_FAILED, reason));
        return request.applyToEither(failed, outcome -> outcome);
    }

    /**
     * Waits for {@code request} until {@code deadline}.
     *
     * @throws Failure "WHAT failed: why" when the gateway refused or did not answer, or -W passed first
     */
    Outcome await(String what, CompletableFuture<Outcome> request, Deadline deadline) throws Failure {
        Outcome outcome;
        try {
            outcome = request.get(deadline.remainingNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new Failure(what + " failed: no answer from the gateway at " + options.gateway() + " within "
                    + seconds(options.timeoutSeconds()) + " s (-W)");
        } catch (ExecutionException e) {
            throw new Failure(what + " failed: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure(what + " interrupted");
        }
        if (!outcome.success()) {
            throw new Failure(what + " failed: " + outcome.detail(), Main.EXIT_FAILURE,
                    outcome.returnCode().isPresent());
        }
        return outcome;
    }

    /**
     * Waits until every packet sent has left (over DTLS the first ones leave after the handshake),
     * at most {@link #SETTLE_SECONDS} or until the deadline; fails with the handshake's reason
     * when they could not.
     */
    void flush(Deadline deadline) throws Failure {
        if (dtls.isEmpty()) {
            return;
        }
        DtlsLink link = dtls.get();
        long wait = deadline.cap(TimeUnit.SECONDS.toNanos(SETTLE_SECONDS));
        try {
            link.whenSettled().get(wait, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new Failure("packets not sent after " + seconds(Math.round(wait / 1e6) / 1000.0) + " s: "
                    + link.lastFailure().map(DtlsLink.HandshakeFailure::message).orElse("the DTLS handshake goes on"));
        } catch (ExecutionException e) {
            throw new Failure(e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("interrupted");
        }
        if (link.packetsLost() > 0) {
            throw new Failure(link.packetsLost() + " packet(s) not sent: "
                    + link.lastFailure().map(DtlsLink.HandshakeFailure::message).orElse("the DTLS link refused them"));
        }
    }

    // ------------------------------------------------------------------ the session's state

    /** Why the gateway was lost since the last {@link #connect}: its keep-alive ping or a request unanswered, or its DISCONNECT. */
    Optional<String> lostReason() {
        return Optional.ofNullable(lost.get());
    }

    /** The gateway did not answer a wake poll: lost as well, though the client goes back to sleep. */
    void markLost(String why) {
        lost.set(why);
    }

    /** Whether a signal ends the tool: what fails meanwhile is the DISCONNECT's doing, not worth a message. */
    boolean stopping() {
        return stopping;
    }

    /** The session was put to sleep on purpose (pub --sleep): the way out leaves it asleep at the gateway. */
    void leaveAsleep() {
        leftAsleep = true;
    }

    /** Where the gateway is, as messages name it. */
    String gateway() {
        return options.gateway();
    }

    // ------------------------------------------------------------------ the way out

    /**
     * DISCONNECT, once, whichever way out comes first; waits for the gateway's answer at most
     * {@link #DISCONNECT_WAIT_MILLIS}. A gateway that was lost may be alive all the same (its
     * answers were what got lost): the client then sends its DISCONNECT without waiting for an
     * answer. Nothing is sent when nothing is left at the gateway: the session ended, a DTLS
     * handshake failed, or pub left it asleep.
     */
    void end() {
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
        }
        ClientState state = client.state();
        if (leftAsleep || handshakeBroken || state == ClientState.DISCONNECTED || state == ClientState.SEARCHING) {
            return;
        }
        try {
            CompletableFuture<Outcome> disconnect = client.disconnect();
            if (connectedOnce) {
                disconnect.get(DISCONNECT_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            } else {
                // The gateway never answered: no answer to wait for, only for the packet to leave
                // (the runtime runs tasks in order, so this one ends after the DISCONNECT was sent).
                CompletableFuture.runAsync(() -> { }, runtime).get(DISCONNECT_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            }
        } catch (TimeoutException | ExecutionException | IllegalStateException e) {
            // No confirmation, or the runtime already stopped: the gateway ends the session at its keep-alive.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void onShutdown() {
        stopping = true;
        end();
    }

    /** Ends the session ({@link #end}) and closes the link. */
    @Override
    public void close() {
        end();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // The hook runs or ran: it sent the DISCONNECT.
        }
        client.close();
        runtime.close();
    }

    /** {@code 2}, {@code 0.5}: seconds as the user wrote them. */
    static String seconds(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
