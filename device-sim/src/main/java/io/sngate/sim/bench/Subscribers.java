package io.sngate.sim.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The broker side: MQTT 5 subscribers, each subscribed to its share of the bench's topics
 * ({@code sngate-bench/RUN/SHARE/+}; client i publishes under share i mod N), so every message
 * reaches exactly one of them. Each arrival goes to the {@link Ledger} with its arrival time.
 * Plain topic partitioning rather than shared subscriptions: it works on any MQTT broker.
 *
 * <p>Each subscriber is one socket and one thread that reads what the broker sends and answers
 * it (PUBACK, or PUBREC and PUBCOMP) into a buffer, written when nothing more is waiting to be
 * read: a burst of messages costs one read and one write. They were Paho clients before, which
 * hand every message from a reading thread to a callback thread and write each acknowledgement
 * on its own; in a QoS 1 run on two cores they took twice the CPU of the simulated devices, CPU
 * the gateway and the broker under test then did not get. Like {@link MqttPublishers}, they
 * speak only what the bench needs of MQTT 5.
 */
final class Subscribers implements AutoCloseable {

    private final List<Subscriber> subscribers = new ArrayList<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();

    /** The topic client {@code index} publishes to. */
    static String topic(String runId, int subscribers, int index) {
        return "sngate-bench/" + runId + "/" + (index % subscribers) + "/" + index;
    }

    /** Connects and subscribes them all; throws naming the one that could not. */
    Subscribers(String brokerUri, String runId, int count, int qos, Ledger ledger) throws IOException {
        URI broker = URI.create(brokerUri);
        try {
            for (int share = 0; share < count; share++) {
                subscribers.add(new Subscriber(broker.getHost(), broker.getPort(),
                        "sngate-bench-sub-" + runId + "-" + share, "sngate-bench/" + runId + "/" + share + "/+", qos,
                        "subscriber " + share, ledger, problems));
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Disconnections and errors seen so far. */
    List<String> problems() {
        return List.copyOf(problems);
    }

    @Override
    public void close() {
        subscribers.forEach(Subscriber::close);
        subscribers.clear();
    }

    /** One MQTT 5 connection with one subscription, read and answered by its own thread. */
    static final class Subscriber {
        private static final int TIMEOUT_MILLIS = 15_000;

        private final Socket socket;
        private final DataInputStream input;
        private final OutputStream output;
        private final String name;
        private final Ledger ledger;
        private final List<String> problems;
        private volatile boolean closing;

        Subscriber(String host, int port, String clientId, String filter, int qos, String name, Ledger ledger,
                   List<String> problems) throws IOException {
            this.name = name;
            this.ledger = ledger;
            this.problems = problems;
            socket = new Socket();
            try {
                socket.setTcpNoDelay(true);
                socket.connect(new InetSocketAddress(host, port), TIMEOUT_MILLIS);
                socket.setSoTimeout(TIMEOUT_MILLIS);
                input = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
                output = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
                connect(clientId);
                subscribe(filter, qos);
                socket.setSoTimeout(0);
            } catch (IOException e) {
                socket.close();
                throw new IOException(name + " at " + host + ":" + port + ": " + e.getMessage(), e);
            }
            Thread reader = new Thread(this::read, "sngate-bench-" + name.replace(' ', '-'));
            reader.setDaemon(true);
            reader.start();
        }

        private void connect(String clientId) throws IOException {
            byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
            // "MQTT", level 5, clean start, keep-alive 0 (no pings to answer), and a Receive Maximum
            // of 65 535 (0x21): without it mosquitto keeps at most 20 messages in flight to a
            // subscriber and queues the rest, and drops beyond its queue limit (1 000 by default)
            byte[] variable = {0, 4, 'M', 'Q', 'T', 'T', 5, 0x02, 0, 0, 3, 0x21, (byte) 0xFF, (byte) 0xFF};
            MqttWire.header(output, 0x10, variable.length + 2 + id.length);
            output.write(variable);
            MqttWire.string(output, id);
            output.flush();
            byte[] connack = expect(0x20, "CONNACK");
            if (connack.length < 2 || connack[1] != 0) {
                throw new IOException("the broker refused the connection (CONNACK reason code "
                        + (connack.length >= 2 ? String.format("0x%02X", connack[1] & 0xFF) : "missing") + ")");
            }
        }

        private void subscribe(String filter, int qos) throws IOException {
            byte[] topic = filter.getBytes(StandardCharsets.UTF_8);
            MqttWire.header(output, 0x82, 2 + 1 + 2 + topic.length + 1);
            output.write(0);
            output.write(1); // packet id 1
            output.write(0); // no properties
            MqttWire.string(output, topic);
            output.write(qos); // maximum QoS; no-local, retain flags and handling 0
            output.flush();
            byte[] suback = expect(0x90, "SUBACK");
            int[] at = {2};
            int code = suback.length > 2 ? suback[MqttWire.varInt(suback, at) + at[0]] & 0xFF : 0x80;
            if (code >= 0x80) {
                throw new IOException(String.format("the broker refused the subscription to %s (reason code 0x%02X)",
                        filter, code));
            }
        }

        private byte[] expect(int type, String what) throws IOException {
            int first = input.readUnsignedByte();
            byte[] body = new byte[MqttWire.readVarInt(input)];
            input.readFully(body);
            if ((first & 0xF0) != type) {
                throw new IOException(String.format("expected %s, the broker sent a packet of type %d", what,
                        first >>> 4));
            }
            return body;
        }

        private void read() {
            try {
                while (true) {
                    if (input.available() == 0) {
                        synchronized (this) {
                            output.flush(); // the answers to everything read so far, in one write
                        }
                    }
                    int first = input.readUnsignedByte();
                    int length = MqttWire.readVarInt(input);
                    switch (first & 0xF0) {
                        case 0x30 -> publish(first, length);
                        case 0x60 -> { // PUBREL of a QoS 2 delivery: PUBCOMP
                            int high = input.readUnsignedByte();
                            int low = input.readUnsignedByte();
                            input.skipNBytes(length - 2);
                            answer(0x70, high, low);
                        }
                        case 0xE0 -> {
                            input.skipNBytes(length);
                            if (!closing) {
                                problems.add(name + " disconnected by the broker");
                            }
                            return;
                        }
                        default -> input.skipNBytes(length);
                    }
                }
            } catch (EOFException | SocketException e) {
                if (!closing) {
                    problems.add(name + " disconnected: the broker closed the connection");
                }
            } catch (IOException e) {
                if (!closing) {
                    problems.add(name + ": " + e);
                }
            }
        }

        private void publish(int first, int length) throws IOException {
            int qos = (first >>> 1) & 3;
            int topicLength = input.readUnsignedShort();
            input.skipNBytes(topicLength);
            int read = 2 + topicLength;
            int high = 0;
            int low = 0;
            if (qos > 0) {
                high = input.readUnsignedByte();
                low = input.readUnsignedByte();
                read += 2;
            }
            int[] propertiesLength = new int[1];
            int lengthBytes = MqttWire.readVarInt(input, propertiesLength);
            input.skipNBytes(propertiesLength[0]);
            read += lengthBytes + propertiesLength[0];
            byte[] payload = new byte[length - read];
            input.readFully(payload);
            ledger.onReceived(payload, System.nanoTime());
            if (qos > 0) {
                answer(qos == 1 ? 0x40 : 0x50, high, low); // PUBACK, or PUBREC
            }
        }

        /** An acknowledgement of packet id high:low, into the buffer (close() writes on the same stream). */
        private synchronized void answer(int type, int high, int low) throws IOException {
            output.write(type);
            output.write(2);
            output.write(high);
            output.write(low);
        }

        void close() {
            closing = true;
            try {
                synchronized (this) {
                    output.write(0xE0); // DISCONNECT, normal
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
