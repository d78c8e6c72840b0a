package io.sngate.client.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.client.ClientConfig;
import io.sngate.client.ClientState;
import io.sngate.client.LinkAddress;
import io.sngate.client.Outcome;
import io.sngate.client.Topic;
import io.sngate.client.Will;
import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.MqttSn12Codec;
import io.sngate.codec.v12.MqttSn12Message;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.RegAck;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.ReturnCode;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import org.assertj.core.api.AbstractAssert;

/**
 * Test fixture for {@link ClientCore}: one client, a fake clock, a seeded {@link Random} and
 * the effects of the last step. Test classes extend it so the tests read like the flow:
 *
 * <pre>
 * long id = connect();
 * assertThat(sent()).containsExactly(new Connect(false, true, KEEP_ALIVE, CLIENT_ID));
 * gateway(new ConnAck(ReturnCode.ACCEPTED));
 * assertOutcome(id).isSuccess();
 * </pre>
 *
 * <p>Every input (a request, {@link #gateway}, {@link #heard}, {@link #advance}) starts a fresh
 * list of effects, so {@link #effects()} and {@link #sent()} are what that one input caused;
 * {@link #history()} keeps everything (with the time of each effect). {@link #configure} and
 * {@link #seed} must come before the first input.
 */
class ClientHarness {

    static final String CLIENT_ID = "sensor-7";
    static final long START = 1_000_000L;
    static final long SEED = 20_131_101L;
    /** The link address packets from "the gateway" come from. */
    static final LinkAddress GATEWAY = new LinkAddress.Udp(new InetSocketAddress("192.0.2.1", 1884));
    /** Another device on the same network (its broadcasts reach us too). */
    /** Two more gateways on the same network. */
    static final LinkAddress GW_1 = new LinkAddress.Udp(new InetSocketAddress("192.0.2.11", 1884));
    static final LinkAddress GW_2 = new LinkAddress.Udp(new InetSocketAddress("192.0.2.12", 1884));
    static final LinkAddress NEIGHBOUR = new LinkAddress.Udp(new InetSocketAddress("192.0.2.7", 40001));

    static final ClientConfig DEFAULTS = ClientConfig.defaults(CLIENT_ID);
    static final long RETRY = DEFAULTS.retryMillis();
    static final int MAX_RETRIES = DEFAULTS.maxRetries();
    static final int KEEP_ALIVE = DEFAULTS.keepAliveSeconds();
    static final long KEEP_ALIVE_MILLIS = KEEP_ALIVE * 1000L;
    static final long SEARCH_DELAY = DEFAULTS.searchDelayMillis();
    static final int ADVERTISE_MISSES = DEFAULTS.advertiseMisses();

    static final ReturnCode ACCEPTED = ReturnCode.ACCEPTED;
    static final ReturnCode CONGESTION = ReturnCode.REJECTED_CONGESTION;
    static final ReturnCode INVALID_TOPIC_ID = ReturnCode.REJECTED_INVALID_TOPIC_ID;
    static final ReturnCode NOT_SUPPORTED = ReturnCode.REJECTED_NOT_SUPPORTED;

    /** An effect and when it happened. */
    record Timed(long at, ClientEffect effect) {
    }

    private ClientConfig config = DEFAULTS;
    private long seed = SEED;
    /** What the link carries: asked by the core at each request, so a test may change it at any time. */
    private int maxPacketSize = MqttSn12Codec.MAX_PACKET_LENGTH;
    private ClientCore core;
    private long now = START;
    private final List<ClientEffect> effects = new ArrayList<>();
    private final List<Timed> history = new ArrayList<>();

    // ------------------------------------------------------------------ set-up

    /** Replaces the config; only before the first input. */
    void configure(ClientConfig newConfig) {
        if (core != null) {
            throw new IllegalStateException("configure before the first input");
        }
        this.config = newConfig;
    }

    /** Seeds the core's randomness; only before the first input. */
    void seed(long newSeed) {
        if (core != null) {
            throw new IllegalStateException("seed before the first input");
        }
        this.seed = newSeed;
    }

    /** The link's largest packet from now on (MQTT-SN's maximum until a test says otherwise). */
    void linkCarries(int bytes) {
        this.maxPacketSize = bytes;
    }

    ClientCore core() {
        if (core == null) {
            core = new ClientCore(config, new Random(seed), () -> maxPacketSize);
        }
        return core;
    }

    ClientConfig config() {
        return config;
    }

    long now() {
        return now;
    }

    /**
     * The delays the core will draw for its SEARCHGWs, from a twin of its {@link Random}: the
     * {@code n}-th value (0-based) is the delay of the {@code n}-th {@code searchGateway} call.
     */
    long searchDelay(int n) {
        Random twin = new Random(seed);
        double value = 0;
        for (int i = 0; i <= n; i++) {
            value = twin.nextDouble();
        }
        return (long) (value * config.searchDelayMillis());
    }

    // ------------------------------------------------------------------ inputs: requests

    long connect() {
        return connect(true);
    }

    long connect(boolean cleanSession) {
        effects.clear();
        return core().connect(cleanSession, Optional.empty(), now, this::collect);
    }

    long connect(boolean cleanSession, Will will) {
        effects.clear();
        return core().connect(cleanSession, Optional.of(will), now, this::collect);
    }

    long publish(Topic topic, String payload, QoS qos) {
        return publish(topic, payload, qos, false);
    }

    long publish(Topic topic, String payload, QoS qos, boolean retain) {
        effects.clear();
        return core().publish(topic, bytes(payload), qos, retain, now, this::collect);
    }

    long register(String topicName) {
        effects.clear();
        return core().register(topicName, now, this::collect);
    }

    long subscribe(Topic topic, QoS qos) {
        effects.clear();
        return core().subscribe(topic, qos, now, this::collect);
    }

    long unsubscribe(Topic topic) {
        effects.clear();
        return core().unsubscribe(topic, now, this::collect);
    }

    long sleep(int seconds) {
        effects.clear();
        return core().sleep(seconds, now, this::collect);
    }

    long wake() {
        effects.clear();
        return core().wake(now, this::collect);
    }

    long disconnect() {
        effects.clear();
        return core().disconnect(now, this::collect);
    }

    long searchGateway(int radius) {
        effects.clear();
        return core().searchGateway(radius, now, this::collect);
    }

    // ------------------------------------------------------------------ inputs: network and time

    /** A packet from the gateway the client uses. */
    void gateway(MqttSn12Message message) {
        heard(message, GATEWAY);
    }

    /** A packet from {@code from}: a broadcast of another device or gateway. */
    void heard(MqttSn12Message message, LinkAddress from) {
        effects.clear();
        core().onPacket(message, from, now, this::collect);
    }

    /**
     * Lets {@code millis} pass: {@code onTimer} runs at every deadline reached on the way
     * (at the deadline's exact time), then the clock stops at now + millis.
     */
    void advance(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("time does not go back");
        }
        effects.clear();
        long target = now + millis;
        int guard = 0;
        for (long deadline = core().nextDeadline(); deadline <= target; deadline = core().nextDeadline()) {
            if (++guard > 10_000) {
                throw new AssertionError("timer does not move on: deadline " + deadline);
            }
            now = Math.max(now, deadline);
            core().onTimer(now, this::collect);
        }
        now = target;
    }

    /** {@link #advance} to an absolute time. */
    void advanceTo(long time) {
        advance(time - now);
    }

    private void collect(ClientEffect effect) {
        effects.add(effect);
        history.add(new Timed(now, effect));
    }

    // ------------------------------------------------------------------ observations

    /** The effects of the last input. */
    List<ClientEffect> effects() {
        return List.copyOf(effects);
    }

    /** Every effect since the client was created, with its time. */
    List<Timed> history() {
        return List.copyOf(history);
    }

    <T extends ClientEffect> List<T> effects(Class<T> type) {
        return effects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** The packets the last input sent to the gateway. */
    List<MqttSn12Message> sent() {
        return effects(ClientEffect.Send.class).stream().map(ClientEffect.Send::message).toList();
    }

    /** The broadcasts of the last input. */
    List<ClientEffect.Broadcast> broadcasts() {
        return effects(ClientEffect.Broadcast.class);
    }

    /** The messages the last input delivered to the application. */
    List<ClientEffect.MessageReceived> received() {
        return effects(ClientEffect.MessageReceived.class);
    }

    /** The states the last input moved through. */
    List<ClientState> stateChanges() {
        return effects(ClientEffect.StateChanged.class).stream().map(ClientEffect.StateChanged::to).toList();
    }

    /** The ids of the requests the last input completed, in order. */
    List<Long> completedIds() {
        return effects(ClientEffect.Completed.class).stream().map(ClientEffect.Completed::requestId).toList();
    }

    /** When each effect of {@code type} happened, over the whole history. */
    List<Long> times(Class<? extends ClientEffect> type) {
        return history.stream().filter(t -> type.isInstance(t.effect())).map(Timed::at).toList();
    }

    /** Every packet sent to the gateway since the start. */
    List<MqttSn12Message> allSent() {
        return history.stream().map(Timed::effect).filter(ClientEffect.Send.class::isInstance)
                .map(e -> ((ClientEffect.Send) e).message()).toList();
    }

    ClientState state() {
        return core().state();
    }

    /** How request {@code id} ended; fails unless it was completed exactly once. */
    Outcome completed(long id) {
        List<Outcome> outcomes = history.stream().map(Timed::effect)
                .filter(ClientEffect.Completed.class::isInstance).map(ClientEffect.Completed.class::cast)
                .filter(c -> c.requestId() == id).map(ClientEffect.Completed::outcome).toList();
        assertThat(outcomes).as("completions of request %d", id).hasSize(1);
        return outcomes.get(0);
    }

    OutcomeAssert assertOutcome(long id) {
        return new OutcomeAssert(completed(id));
    }

    /** Request {@code id} has not completed yet. */
    void assertPending(long id) {
        assertThat(history.stream().map(Timed::effect).filter(ClientEffect.Completed.class::isInstance)
                .map(ClientEffect.Completed.class::cast).filter(c -> c.requestId() == id).toList())
                .as("completions of request %d", id).isEmpty();
    }

    /** The single PUBLISH the last input sent. */
    Publish sentPublish() {
        List<MqttSn12Message> sent = sent();
        assertThat(sent).hasSize(1).first().isInstanceOf(Publish.class);
        return (Publish) sent.get(0);
    }

    // ------------------------------------------------------------------ whole flows

    static Bytes bytes(String text) {
        return Bytes.utf8(text);
    }

    static Connect connectPacket(boolean will, boolean cleanSession) {
        return new Connect(will, cleanSession, KEEP_ALIVE, CLIENT_ID);
    }

    /** CONNECT (clean session, no will), the gateway accepts: ACTIVE. */
    void connected() {
        connected(true);
    }

    void connected(boolean cleanSession) {
        long id = connect(cleanSession);
        assertThat(sent()).containsExactly(new Connect(false, cleanSession, config.keepAliveSeconds(), CLIENT_ID));
        gateway(new ConnAck(ACCEPTED));
        assertThat(state()).isEqualTo(ClientState.ACTIVE);
        assertOutcome(id).isSuccess();
    }

    /** Registers {@code name} and the gateway gives it {@code topicId}. */
    void registered(String name, int topicId) {
        long id = register(name);
        assertThat(sent()).hasSize(1).first().isInstanceOf(Register.class);
        Register register = (Register) sent().get(0);
        assertThat(register.topicName()).isEqualTo(bytes(name));
        gateway(new RegAck(topicId, register.msgId(), ACCEPTED));
        assertOutcome(id).isSuccess().hasTopicId(topicId);
    }

    /** Connected, then DISCONNECT(seconds) acknowledged: ASLEEP. */
    void asleep(int seconds) {
        long id = sleep(seconds);
        gateway(Disconnect.PLAIN);
        assertThat(state()).isEqualTo(ClientState.ASLEEP);
        assertOutcome(id).isSuccess();
    }

    // ------------------------------------------------------------------ outcome assertions

    static final class OutcomeAssert extends AbstractAssert<OutcomeAssert, Outcome> {

        OutcomeAssert(Outcome actual) {
            super(actual, OutcomeAssert.class);
        }

        OutcomeAssert isSuccess() {
            isNotNull();
            if (!actual.success()) {
                failWithMessage("expected success but was %s", actual);
            }
            if (!actual.returnCode().equals(Optional.of(ReturnCode.ACCEPTED))) {
                failWithMessage("expected a success to carry ACCEPTED but was %s", actual);
            }
            return this;
        }

        OutcomeAssert isFailure() {
            isNotNull();
            if (actual.success()) {
                failWithMessage("expected a failure but was %s", actual);
            }
            return this;
        }

        /** Failed with the gateway's answer {@code code}. */
        OutcomeAssert isRejectedWith(ReturnCode code) {
            isFailure();
            if (!actual.returnCode().equals(Optional.of(code))) {
                failWithMessage("expected return code %s but was %s", code, actual);
            }
            return this;
        }

        /** Failed without an answer from the gateway (time-out, loss, state change, refused locally). */
        OutcomeAssert isFailedWithoutAnswer() {
            isFailure();
            if (actual.returnCode().isPresent()) {
                failWithMessage("expected no return code but was %s", actual);
            }
            return this;
        }

        OutcomeAssert hasDetailContaining(String text) {
            isNotNull();
            if (actual.detail() == null || !actual.detail().contains(text)) {
                failWithMessage("expected detail containing \"%s\" but was %s", text, actual);
            }
            return this;
        }

        OutcomeAssert hasTopicId(int topicId) {
            isNotNull();
            if (actual.topicId() != topicId) {
                failWithMessage("expected topic id %d but was %s", topicId, actual);
            }
            return this;
        }

        OutcomeAssert hasGrantedQos(QoS qos) {
            isNotNull();
            if (!Objects.equals(actual.grantedQos(), Optional.of(qos))) {
                failWithMessage("expected granted QoS %s but was %s", qos, actual);
            }
            return this;
        }
    }
}
