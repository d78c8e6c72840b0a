package io.sngate.sim.line;

import io.sngate.client.ClientRuntime;
import io.sngate.client.Link;
import io.sngate.client.LinkAddress;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A device's link driven by a test instead of a client: opened, sent on and read on the
 * runtime's thread, as a client uses it; what arrives is queued for the test to take.
 */
public final class DeviceEnd {

    /** A packet as the link handed it to the device, with the sender it named. */
    public record Received(byte[] packet, LinkAddress from, boolean onRuntimeThread) {
    }

    private final Link link;
    private final ClientRuntime runtime;
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();

    private DeviceEnd(Link link, ClientRuntime runtime) {
        this.link = link;
        this.runtime = runtime;
    }

    public static DeviceEnd open(Link link, ClientRuntime runtime) throws IOException {
        DeviceEnd end = new DeviceEnd(link, runtime);
        end.onRuntime(() -> link.open(runtime, (packet, from) ->
                end.received.add(new Received(packet, from, runtime.inRuntime()))));
        return end;
    }

    @FunctionalInterface
    private interface Action {
        void run() throws IOException;
    }

    private void onRuntime(Action action) throws IOException {
        CompletableFuture<Void> done = new CompletableFuture<>();
        runtime.execute(() -> {
            try {
                action.run();
                done.complete(null);
            } catch (IOException | RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        try {
            done.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw e;
        }
    }

    public void send(byte[] packet) throws IOException {
        onRuntime(() -> link.send(packet));
    }

    public void broadcast(byte[] packet) throws IOException {
        onRuntime(() -> link.broadcast(packet, 1));
    }

    public Link link() {
        return link;
    }

    /** The next packet for this device, or an AssertionError after the deadline. */
    public Received next(Duration timeout) throws InterruptedException {
        Received packet = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (packet == null) {
            throw new AssertionError("nothing reached the device " + link + " within " + timeout);
        }
        return packet;
    }

    /** Packets received and not yet taken. */
    public int waiting() {
        return received.size();
    }

    public void close() throws IOException {
        onRuntime(link::close);
    }
}
