package io.sngate.sim.bench;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The broker path of the ceiling: the bench's load published straight to the broker (no
 * gateway), received by the same {@link Subscribers} and counted in the same
 * {@link Ledger}. What this reaches is the most the receiving side of the bench (subscribers
 * and broker) can carry.
 *
 * <p>The publishers speak plain MQTT 5 (as the gateway does upstream) over buffered sockets,
 * one thread each (for QoS 1/2 several connections per thread, as the broker's Receive
 * Maximum caps each one's unacknowledged publishes), rather than Paho: a Paho client
 * publishes about as fast as a Paho client receives (a thread hand-off and a socket flush per
 * message), so a Paho publisher would measure itself, not the receiving path the gateway runs
 * share. Like the device side, a publish here is a few bytes into a buffer.
 *
 * <p>With a rate, each publisher paces its share open loop. Without one, they publish as fast
 * as they can while at most {@link #WINDOW} messages are sent but not yet received: enough to
 * keep the pipe full, and few enough that the broker's per-subscriber queue (mosquitto: 1000
 * by default) does not overflow and turn the tool's limit into loss.
 */
final class MqttPublishers {

    static final int WINDOW = 1_000;

    private final BenchOptions options;
    private final String runId;
    private final Payload payload;
    private final int firstIndex;
    private final int clients;
    /** Next sequence number of each virtual client, kept across runs so no (client, seq) repeats. */
    private final int[] seqs;

    /** Virtual clients {@code firstIndex .. firstIndex+clients-1}: their own (client, seq) space in the ledger. */
    MqttPublishers(BenchOptions options, String runId, Payload payload, int firstIndex, int clients) {
        this.options = options;
        this.runId = runId;
        this.payload = payload;
        this.firstIndex = firstIndex;
        this.clients = clients;
        this.seqs = new int[clients];
    }

    /** Publishes for {@code seconds}, counting in {@code stats}; returns problems seen (empty when clean). */
    List<String> run(StepStats stats, double seconds, double rate) throws IOException, InterruptedException {
        int threads = Math.max(1, Math.min(options.runtimes(), clients));
        URI broker = URI.create(options.broker());
        List<List<Connection>> connections = new ArrayList<>();
        List<String> problems = new CopyOnWriteArrayList<>();
        try {
            // QoS 1/2: the broker's Receive Maximum (mosquitto: 20) caps each connection's
            // unacknowledged publishes, so open enough connections for the window.
            Connection first = new Connection(broker.getHost(), broker.getPort(), clientId(stats, 0, 0), stats,
                    problems);
            int perThread = options.qos().level() == 0 ? 1
                    : Math.min(32, Math.max(1, (WINDOW + threads * first.receiveMaximum - 1)
                            / (threads * first.receiveMaximum)));
            for (int k = 0; k < threads; k++) {
                List<Connection> mine = new ArrayList<>();
                connections.add(mine);
                for (int c = 0; c < perThread; c++) {
                    mine.add(k == 0 && c == 0 ? first : new Connection(broker.getHost(), broker.getPort(),
                            clientId(stats, k, c), stats, problems));
                }
            }
            long start = System.nanoTime() + 20_000_000L;
            long end = start + (long) (seconds * 1e9);
            List<Thread> running = new ArrayList<>();
            for (int k = 0; k < threads; k++) {
                List<Connection> mine = connections.get(k);
                int share = k;
                Thread thread = new Thread(() -> {
                    try {
                        publish(mine, stats, share, threads, start, end, rate / threads);
                    } catch (IOException | RuntimeException e) {
                        problems.add("publisher " + share + ": " + e);
                    }
                }, "sngate-bench-mqtt-" + k);
                thread.setDaemon(true);
                thread.start();
                running.add(thread);
            }
            for (Thread thread : running) {
                thread.join();
            }
            // QoS 1/2: wait a little for the last acknowledgements
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (System.nanoTime() < deadline
                    && connections.stream().flatMap(List::stream).anyMatch(c -> c.unacked.get() > 0)) {
                Thread.sleep(10);
            }
        } finally {
            for (List<Connection> mine : connections) {
                mine.forEach(Connection::close);
            }
        }
        return problems;
    }

    private String clientId(StepStats stats, int thread, int connection) {
        return "sngate-bench-pub-" + runId + "-" + stats.step + "-" + thread + "-" + connection;
    }

    /** One thread's share of the virtual clients, over its connections. */
    private void publish(List<Connection> connections, StepStats stats, int share, int threads, long start, long end,
                         double rate) throws IOException {
        List<byte[]> topics = new ArrayList<>();
        List<Integer> indexes = new ArrayList<>();
        for (int i = share; i < clients; i += threads) {
            indexes.add(i);
            topics.add(Subscribers.topic(runId, options.subscribers(), firstIndex + i)
                    .getBytes(StandardCharsets.UTF_8));
        }
        int qos = options.qos().level();
        long issued = 0;
        int next = 0;
        int connection = 0;
        while (true) {
            long now = System.nanoTime();
            if (now >= end) {
                flush(connections);
                return;
            }
            if (now < start) {
                LockSupport.parkNanos(start - now);
                continue;
            }
            if (rate > 0) {
                long due = (long) ((now - start) * rate / 1e9) + 1;
                if (issued >= due) {
                    flush(connections);
                    LockSupport.parkNanos(Math.min(500_000, (long) ((issued + 1 - due) / rate * 1e9) + 1));
                    continue;
                }
            } else if ((issued & 15) == 0 && stats.sent.sum() - stats.received() - stats.failed.sum() >= WINDOW) {
                flush(connections);
                LockSupport.parkNanos(20_000);
                continue;
            }
            Connection target = null;
            for (int tries = 0; tries < connections.size() && target == null; tries++) {
                Connection candidate = connections.get(connection);
                connection = connection + 1 == connections.size() ? 0 : connection + 1;
                if (qos == 0 || candidate.unacked.get() < candidate.receiveMaximum) {
                    target = candidate;
                }
            }
            if (target == null) { // every connection has its Receive Maximum outstanding
                flush(connections);
                LockSupport.parkNanos(20_000);
                continue;
            }
            int index = indexes.get(next);
            byte[] body = payload.create(stats.step, firstIndex + index, seqs[index]++, System.nanoTime());
            stats.sent.increment();
            target.publish(topics.get(next), body, qos);
            issued++;
            next = next + 1 == topics.size() ? 0 : next + 1;
        }
    }

    private static void flush(List<Connection> connections) throws IOException {
        for (Connection connection : connections) {
            connection.flush();
        }
    }

    /** One MQTT 5 connection: the calling thread writes, a reader thread takes the acknowledgements. */
    private static final class Connection {
        private final Socket socket;
        private final OutputStream output;
        private final DataInputStream input;
        private final StepStats stats;
        private final List<String> problems;
        private final Thread reader;
        final AtomicInteger unacked = new AtomicInteger();
        /** QoS 1/2 publishes the broker accepts unacknowledged (its CONNACK's Receive Maximum). */
        final int receiveMaximum;
        private int packetId;
        private volatile boolean closing;

        Connection(String host, int port, String clientId, StepStats stats, List<String> problems) throws IOException {
            this.stats = stats;
            this.problems = problems;
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), 10_000);
            socket.setSoTimeout(10_000);
            output = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
            input = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream()));
            byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
            // CONNECT: "MQTT", level 5, clean start, keep-alive 0 (the run is short), no properties, client id
            byte[] variable = {0, 4, 'M', 'Q', 'T', 'T', 5, 0x02, 0, 0, 0};
            MqttWire.header(output, 0x10, variable.length + 2 + id.length);
            output.write(variable);
            MqttWire.string(output, id);
            output.flush();
            int type = input.readUnsignedByte();
            int length = MqttWire.readVarInt(input);
            byte[] body = new byte[length];
            input.readFully(body);
            if (type != 0x20 || length < 2 || body[1] != 0) {
                socket.close();
                throw new IOException("the broker refused the MQTT connection (CONNACK " + (length >= 2 ? body[1] : -1)
                        + ")");
            }
            receiveMaximum = receiveMaximum(body);
            socket.setSoTimeout(0);
            reader = new Thread(this::read, "sngate-bench-mqtt-acks");
            reader.setDaemon(true);
            reader.start();
        }

        /** Writes one PUBLISH into the buffer (sent when it fills or on {@link #flush()}). */
        void publish(byte[] topic, byte[] body, int qos) throws IOException {
            synchronized (output) { // the reader answers PUBREC on the same stream
                MqttWire.header(output, 0x30 | qos << 1, 2 + topic.length + (qos > 0 ? 2 : 0) + 1 + body.length);
                MqttWire.string(output, topic);
                if (qos > 0) {
                    packetId = packetId == 0xFFFF ? 1 : packetId + 1;
                    unacked.incrementAndGet();
                    output.write(packetId >>> 8);
                    output.write(packetId);
                }
                output.write(0); // no properties
                output.write(body);
            }
        }

        void flush() throws IOException {
            output.flush();
        }

        private void read() {
            try {
                while (true) {
                    int type = input.readUnsignedByte();
                    int length = MqttWire.readVarInt(input);
                    byte[] body = new byte[length];
                    input.readFully(body);
                    switch (type & 0xF0) {
                        case 0x40 -> { // PUBACK (QoS 1)
                            unacked.decrementAndGet();
                            acknowledged(body);
                        }
                        case 0x50 -> { // PUBREC (QoS 2): answer PUBREL
                            if (length > 2 && (body[2] & 0xFF) >= 0x80) {
                                unacked.decrementAndGet();
                                acknowledged(body);
                                continue;
                            }
                            synchronized (output) {
                                output.write(0x62);
                                output.write(2);
                                output.write(body, 0, 2);
                                output.flush();
                            }
                        }
                        case 0x70 -> { // PUBCOMP
                            unacked.decrementAndGet();
                            acknowledged(body);
                        }
                        default -> {
                        }
                    }
                }
            } catch (EOFException | java.net.SocketException e) {
                if (!closing) {
                    problems.add("the broker closed the publisher's connection");
                }
            } catch (IOException e) {
                if (!closing) {
                    problems.add("publisher connection: " + e);
                }
            }
        }

        /** The Receive Maximum property of a CONNACK body (65 535 when absent). */
        static int receiveMaximum(byte[] connack) {
            int[] at = {2};
            int end;
            try {
                end = MqttWire.varInt(connack, at) + at[0];
                while (at[0] < end) {
                    int id = connack[at[0]++] & 0xFF;
                    switch (id) {
                        case 0x21 -> {
                            return Math.max(1, (connack[at[0]] & 0xFF) << 8 | (connack[at[0] + 1] & 0xFF));
                        }
                        case 0x24, 0x25, 0x28, 0x29, 0x2A -> at[0] += 1;
                        case 0x13, 0x22 -> at[0] += 2;
                        case 0x11, 0x27 -> at[0] += 4;
                        case 0x12, 0x15, 0x16, 0x1A, 0x1C, 0x1F -> at[0] += 2 + ((connack[at[0]] & 0xFF) << 8
                                | (connack[at[0] + 1] & 0xFF));
                        case 0x26 -> {
                            for (int k = 0; k < 2; k++) {
                                at[0] += 2 + ((connack[at[0]] & 0xFF) << 8 | (connack[at[0] + 1] & 0xFF));
                            }
                        }
                        default -> {
                            return 20; // a property we cannot skip: stay within mosquitto's default
                        }
                    }
                }
            } catch (ArrayIndexOutOfBoundsException e) {
                return 20;
            }
            return 65_535;
        }

        /** An acknowledgement: success, or (reason code 0x80 and up) a refusal. */
        private void acknowledged(byte[] body) {
            if (body.length > 2 && (body[2] & 0xFF) >= 0x80) {
                stats.failed.increment();
                stats.lastFailure.set(String.format("the broker refused a publish (reason code 0x%02X)", body[2]));
            } else {
                stats.acknowledged.increment();
            }
        }

        void close() {
            closing = true;
            try {
                synchronized (output) {
                    output.write(0xE0); // DISCONNECT
                    output.write(0);
                    output.flush();
                }
            } catch (IOException e) {
                // closing regardless
            }
            try {
                socket.close();
            } catch (IOException e) {
                // closed
            }
        }
    }
}
