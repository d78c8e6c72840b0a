package io.sngate.sim;

import io.sngate.client.ClientRuntime;
import io.sngate.client.Link;
import io.sngate.client.MqttSnClient;
import io.sngate.client.Outcome;
import io.sngate.client.UdpLink;
import io.sngate.client.dtls.DtlsLink;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A connected client for one run of {@code pub} or {@code sub}, and the one-line failures they print. */
final class ToolSession implements AutoCloseable {

    /**
     * A tool's handshake gives up after 1 + 2 + 4 s without an answer (Scandium's defaults wait a
     * minute): someone at a terminal wants to hear about a wrong key soon. The client's own
     * retries start a new handshake anyway.
     */
    static final DtlsLink.Options TOOL_DTLS = DtlsLink.Options.defaults().withRetransmission(Duration.ofSeconds(1), 2);

    /** Longest wait for packets sent without an answer (QoS -1) to leave over DTLS: a handshake and some. */
    private static final long SETTLE_SECONDS = 15;

    /** A request that did not succeed; the tool prints the message and exits 1. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message);
        }
    }

    final ClientRuntime runtime;
    final MqttSnClient client;
    private final Optional<DtlsLink> dtls;
    /** Completes with the first failed handshake's message. */
    private final CompletableFuture<String> handshakeFailed = new CompletableFuture<>();

    ToolSession(ToolOptions options, String tool, PrintStream debug) {
        runtime = ClientRuntime.start("sngate-" + tool);
        Link link;
        try {
            if (options.dtls().isPresent()) {
                InetSocketAddress gateway = new InetSocketAddress(options.host(), options.port());
                DtlsLink dtlsLink = new DtlsLink(gateway, DtlsLink.localFor(gateway), options.dtls().get(), TOOL_DTLS,
                        Optional.empty());
                dtlsLink.addListener(new DtlsLink.Listener() {
                    @Override
                    public void established(DtlsLink.Session session) {
                        if (options.debug()) {
                            debug.println("DTLS session " + session.cipherSuite() + ", gateway CID "
                                    + (session.gatewayConnectionId().isEmpty() ? "none" : session.gatewayConnectionId()));
                        }
                    }

                    @Override
                    public void failed(DtlsLink.HandshakeFailure failure) {
                        handshakeFailed.complete(failure.message());
                    }
                });
                dtls = Optional.of(dtlsLink);
                link = dtlsLink;
            } else {
                dtls = Optional.empty();
                link = UdpLink.to(options.host(), options.port());
            }
            if (options.debug()) {
                link = new DebugLink(link, debug);
            }
            client = MqttSnClient.builder(options.clientConfig()).link(link).runtime(runtime).build();
        } catch (RuntimeException e) {
            runtime.close();
            throw e;
        }
    }

    /**
     * CONNECT; over DTLS a failed handshake ends the wait at once with its reason, rather than
     * after all the client's retries.
     */
    CompletableFuture<Outcome> connect(boolean cleanSession) {
        return orHandshakeFailure(client.connect(cleanSession));
    }

    /** {@code request}, or the first handshake failure if that comes first. */
    CompletableFuture<Outcome> orHandshakeFailure(CompletableFuture<Outcome> request) {
        if (dtls.isEmpty()) {
            return request;
        }
        CompletableFuture<Outcome> failed = handshakeFailed.thenApply(
                reason -> Outcome.failed(Outcome.Status.LINK_FAILED, reason));
        return request.applyToEither(failed, outcome -> outcome);
    }

    /**
     * Waits until every packet sent has left (over DTLS the first ones leave after the handshake);
     * fails with the handshake's reason when they could not.
     */
    void flush() throws Failure {
        if (dtls.isEmpty()) {
            return;
        }
        DtlsLink link = dtls.get();
        try {
            link.whenSettled().get(SETTLE_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new Failure("packets not sent after " + SETTLE_SECONDS + " s: "
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

    static Outcome require(String what, CompletableFuture<Outcome> request) throws Failure {
        Outcome outcome = request.join();
        if (!outcome.success()) {
            throw new Failure(what + " failed: " + outcome.detail());
        }
        return outcome;
    }

    @Override
    public void close() {
        client.close();
        runtime.close();
    }
}
