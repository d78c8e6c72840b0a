package io.sngate.sim;

import io.sngate.device.DeviceRuntime;
import io.sngate.device.Link;
import io.sngate.device.MqttSnClient;
import io.sngate.device.Outcome;
import io.sngate.device.UdpLink;
import java.io.PrintStream;
import java.util.concurrent.CompletableFuture;

/** A connected client for one run of {@code pub} or {@code sub}, and the one-line failures they print. */
final class ToolSession implements AutoCloseable {

    /** A request that did not succeed; the tool prints the message and exits 1. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message);
        }
    }

    final DeviceRuntime runtime;
    final MqttSnClient client;

    ToolSession(ToolOptions options, String tool, PrintStream debug) {
        runtime = new DeviceRuntime("sngate-" + tool);
        Link link = UdpLink.to(options.host(), options.port());
        if (options.debug()) {
            link = new DebugLink(link, debug);
        }
        try {
            client = MqttSnClient.open(options.clientConfig(), link, runtime);
        } catch (RuntimeException e) {
            runtime.close();
            throw e;
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
