package io.sngate.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import io.sngate.codec.v12.ConnAck;
import io.sngate.codec.v12.Connect;
import io.sngate.codec.v12.Disconnect;
import io.sngate.codec.v12.GwInfo;
import io.sngate.codec.v12.PubAck;
import io.sngate.codec.v12.Publish;
import io.sngate.codec.v12.ReturnCode;
import io.sngate.codec.v12.SearchGw;
import io.sngate.codec.v12.SubAck;
import io.sngate.codec.v12.Subscribe;
import io.sngate.codec.v12.TopicIdType;
import io.sngate.codec.v12.TopicRef;
import io.sngate.codec.v12.UnsubAck;
import io.sngate.codec.v12.Unsubscribe;
import io.sngate.codec.v12.WillMsg;
import io.sngate.codec.v12.WillMsgReq;
import io.sngate.codec.v12.WillTopic;
import io.sngate.codec.v12.WillTopicReq;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The API over the core: the builder, events, subscription callbacks and how requests end, with a
 * {@link ScriptedGateway} answering on an in-memory link and a fake clock on the runtime.
 */
class MqttSnClientTest {

    static final int TOPIC_ID = 21;

    final AtomicLong clock = new AtomicLong(1_000_000);
    final ScriptedGateway gateway = new ScriptedGateway();
    final List<ClientEvent> events = new CopyOnWriteArrayList<>();
    ClientRuntime runtime;
    MqttSnClient client;

    @BeforeEach
    void start() {
        runtime = ClientRuntime.start("client-api-test", clock::get);
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        runtime.close();
    }

    MqttSnClient build(MqttSnClient.Builder builder) {
        client = builder.link(gateway).runtime(runtime).random(new Random(7)).build();
        client.onEvent(events::add);
        return client;
    }

    MqttSnClient connected() throws Exception {
        build(MqttSnClient.builder("api-1"));
        CompletableFuture<Outcome> connect = client.connect();
        gateway.next(Connect.class);
        gateway.reply(new ConnAck(ReturnCode.ACCEPTED));
        assertThat(done(connect).success()).isTrue();
        events.clear();
        return client;
    }

    static Outcome done(CompletableFuture<Outcome> request) throws Exception {
        return request.get(ScriptedGateway.WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    /** The gateway publishes {@code text} at QoS 0 on the normal topic id {@code topicId}. */
    void deliver(int topicId, String text) {
        gateway.reply(new Publish(false, QoS.AT_MOST_ONCE, false, TopicIdType.NORMAL, topicId, 0, Bytes.utf8(text)));
    }

    /** Subscribes to {@code filter}, the gateway granting QoS 1 and id {@code topicId}. */
    CompletableFuture<Outcome> subscribe(String filter, int topicId, List<String> into) throws Exception {
        CompletableFuture<Outcome> subscribed = client.subscribe(Topic.name(filter), QoS.AT_LEAST_ONCE,
                message -> into.add(message.topic() + "=" + message.payload().utf8()));
        Subscribe subscribe = gateway.next(Subscribe.class);
        gateway.reply(new SubAck(QoS.AT_LEAST_ONCE, topicId, subscribe.msgId(), ReturnCode.ACCEPTED));
        return subscribed;
    }

    // ------------------------------------------------------------------ events

    @Test
    void stateChangesComeAsTypedEventsInOrder() throws Exception {
        build(MqttSnClient.builder("api-1"));
        CompletableFuture<Outcome> connect = client.connect();
        gateway.next(Connect.class);
        gateway.reply(new ConnAck(ReturnCode.ACCEPTED));
        done(connect);
        CompletableFuture<Outcome> disconnect = client.disconnect();
        gateway.next(Disconnect.class);
        gateway.reply(Disconnect.PLAIN);
        done(disconnect);

        assertThat(events).containsExactly(
                new ClientEvent.Connecting(ClientState.DISCONNECTED, "connect requested"),
                new ClientEvent.Connected(ClientState.CONNECTING, "connected"),
                new ClientEvent.Disconnected(ClientState.ACTIVE, "disconnected"));
        assertThat(events).map(e -> ((ClientEvent.StateChange) e).state())
                .containsExactly(ClientState.CONNECTING, ClientState.ACTIVE, ClientState.DISCONNECTED);
        assertThat(client.state()).isEqualTo(ClientState.DISCONNECTED);
    }

    @Test
    void aRequestWithoutAnswerEndsAsNoAnswerAndTheLossIsAnEventTheLinkHearsOf() throws Exception {
        build(MqttSnClient.builder("api-1").retry(Duration.ofSeconds(1), 1));
        CompletableFuture<Outcome> connect = client.connect();
        gateway.next(Connect.class);
        clock.addAndGet(1_000);
        gateway.next(Connect.class); // the one retransmission, once the runtime sees the time
        clock.addAndGet(1_000);

        Outcome outcome = done(connect);
        assertThat(outcome.status()).isEqualTo(Outcome.Status.NO_ANSWER);
        assertThat(outcome.detail()).isEqualTo("no answer to CONNECT");
        assertThatThrownBy(outcome::orThrow).isInstanceOf(NoAnswerException.class).hasMessage("no answer to CONNECT");
        await().atMost(ScriptedGateway.WAIT).until(() -> events.size() == 2);
        assertThat(events.get(1)).isEqualTo(new ClientEvent.Lost(ClientState.CONNECTING, "no answer to CONNECT"));
        assertThat(gateway.peerLost).isEqualTo(1);
    }

    @Test
    void afterLosingTheGatewayDisconnectStillSendsOneDisconnectAndEndsWithoutAnAnswer() throws Exception {
        build(MqttSnClient.builder("api-1").retry(Duration.ofSeconds(1), 1));
        CompletableFuture<Outcome> connect = client.connect();
        gateway.next(Connect.class);
        gateway.reply(new ConnAck(ReturnCode.ACCEPTED));
        done(connect);
        CompletableFuture<Outcome> publish = client.publish(Topic.shortName("ab"), Bytes.utf8("21.5"),
                QoS.AT_LEAST_ONCE, false);
        gateway.next(Publish.class);
        clock.addAndGet(1_000);
        gateway.next(Publish.class); // the one retransmission; the PUBACKs never come
        clock.addAndGet(1_000);
        assertThat(done(publish).status()).isEqualTo(Outcome.Status.NO_ANSWER);
        assertThat(client.state()).isEqualTo(ClientState.LOST);

        CompletableFuture<Outcome> disconnect = client.disconnect();

        assertThat(gateway.next(Disconnect.class)).isEqualTo(Disconnect.PLAIN);
        assertThat(done(disconnect).success()).as("ends without the gateway's answer").isTrue();
        assertThat(client.state()).isEqualTo(ClientState.DISCONNECTED);
        assertThat(events).last().isEqualTo(new ClientEvent.Disconnected(ClientState.LOST,
                "disconnected (gateway lost: DISCONNECT sent, no answer awaited)"));
    }

    @Test
    void aGatewayFoundNamesItsAddressInTheLinksTerms() throws Exception {
        build(MqttSnClient.builder(ClientConfig.defaults("api-1").withRetry(1_000, 3)));
        CompletableFuture<Outcome> search = client.searchGateway(1);
        await().atMost(ScriptedGateway.WAIT).until(() -> client.state() == ClientState.SEARCHING);
        clock.addAndGet(5_000); // past T_SEARCHGW's random delay
        assertThat(gateway.nextBroadcast(SearchGw.class).radius()).isEqualTo(1);
        LinkAddress neighbour = new LinkAddress.Udp(new java.net.InetSocketAddress("192.0.2.7", 40001));
        gateway.replyFrom(neighbour, new GwInfo(5, Bytes.fromHex("c0a8010a075b")));

        assertThat(done(search).success()).isTrue();
        assertThat(events).contains(
                new ClientEvent.GatewayFound(5, new LinkAddress.Announced(Bytes.fromHex("c0a8010a075b"))));

        gateway.replyFrom(ScriptedGateway.ADDRESS, GwInfo.fromGateway(6));
        await().atMost(ScriptedGateway.WAIT).until(() -> events.contains(
                new ClientEvent.GatewayFound(6, ScriptedGateway.ADDRESS)));
    }

    @Test
    void aMessageReachesTheEventsTheMessageListenersAndTheMatchingCallbacks() throws Exception {
        connected();
        List<String> all = new CopyOnWriteArrayList<>();
        client.onMessage(message -> all.add(message.topic()));
        List<String> plusses = new CopyOnWriteArrayList<>();
        List<String> others = new CopyOnWriteArrayList<>();
        done(subscribe("plant/+/temperature", 0, plusses));
        done(subscribe("office/#", 0, others));
        gateway.reply(new io.sngate.codec.v12.Register(TOPIC_ID, 1, Bytes.utf8("plant/7/temperature")));
        gateway.next(io.sngate.codec.v12.RegAck.class);

        deliver(TOPIC_ID, "21.5");

        await().atMost(ScriptedGateway.WAIT).until(() -> plusses.size() == 1);
        assertThat(plusses).containsExactly("plant/7/temperature=21.5");
        assertThat(all).containsExactly("plant/7/temperature");
        assertThat(others).isEmpty();
        assertThat(events).contains(new ClientEvent.MessageReceived(new MqttSnClient.Message("plant/7/temperature",
                Bytes.utf8("21.5"), QoS.AT_MOST_ONCE, false)));
    }

    @Test
    void aRefusedSubscriptionAndAnUnsubscribeDropTheirCallbacks() throws Exception {
        connected();
        List<String> refused = new CopyOnWriteArrayList<>();
        CompletableFuture<Outcome> subscribed = client.subscribe(Topic.name("a/b"), QoS.AT_LEAST_ONCE,
                message -> refused.add(message.topic()));
        Subscribe subscribe = gateway.next(Subscribe.class);
        gateway.reply(new SubAck(QoS.AT_MOST_ONCE, 0, subscribe.msgId(), ReturnCode.REJECTED_NOT_SUPPORTED));
        Outcome outcome = done(subscribed);
        assertThatThrownBy(outcome::orThrow).isInstanceOfSatisfying(RefusedException.class,
                e -> assertThat(e.returnCode()).isEqualTo(ReturnCode.REJECTED_NOT_SUPPORTED));

        List<String> gone = new CopyOnWriteArrayList<>();
        done(subscribe("c/d", TOPIC_ID, gone));
        CompletableFuture<Outcome> unsubscribed = client.unsubscribe(Topic.name("c/d"));
        gateway.reply(new UnsubAck(gateway.next(Unsubscribe.class).msgId()));
        done(unsubscribed);
        List<String> stays = new CopyOnWriteArrayList<>();
        done(subscribe("#", 0, stays));

        gateway.reply(new io.sngate.codec.v12.Register(TOPIC_ID + 1, 2, Bytes.utf8("a/b")));
        gateway.next(io.sngate.codec.v12.RegAck.class);
        deliver(TOPIC_ID + 1, "x");
        deliver(TOPIC_ID, "y");

        await().atMost(ScriptedGateway.WAIT).until(() -> stays.size() == 2);
        assertThat(stays).containsExactly("a/b=x", "c/d=y");
        assertThat(refused).isEmpty();
        assertThat(gone).isEmpty();
    }

    @Test
    void aListenerThatThrowsIsCountedAndTheOthersStillHearAndTheRequestStillEnds() throws Exception {
        build(MqttSnClient.builder("api-1"));
        client.onEvent(event -> {
            throw new IllegalStateException("a broken listener");
        });
        List<ClientEvent> after = new CopyOnWriteArrayList<>();
        client.onEvent(after::add);

        CompletableFuture<Outcome> connect = client.connect();
        gateway.next(Connect.class);
        gateway.reply(new ConnAck(ReturnCode.ACCEPTED));

        assertThat(done(connect).success()).isTrue();
        assertThat(after).hasSize(2);
        assertThat(client.listenerFailures()).isEqualTo(2);
    }

    // ------------------------------------------------------------------ builder and requests

    @Test
    void theBuildersWillGoesWithEveryConnectAndAConnectMayCarryAnother() throws Exception {
        build(MqttSnClient.builder("api-1").will(Will.utf8("status/api-1", "gone", QoS.AT_LEAST_ONCE, true)));
        CompletableFuture<Outcome> connect = client.connect();
        assertThat(gateway.next(Connect.class).will()).isTrue();
        gateway.reply(WillTopicReq.INSTANCE);
        WillTopic topic = gateway.next(WillTopic.class);
        assertThat(topic.willTopic().utf8()).isEqualTo("status/api-1");
        assertThat(topic.qos()).isEqualTo(QoS.AT_LEAST_ONCE);
        assertThat(topic.retain()).isTrue();
        gateway.reply(WillMsgReq.INSTANCE);
        assertThat(gateway.next(WillMsg.class).willMessage().utf8()).isEqualTo("gone");
        gateway.reply(new ConnAck(ReturnCode.ACCEPTED));
        assertThat(done(connect).success()).isTrue();

        CompletableFuture<Outcome> again = client.connect(false, Will.utf8("status/api-1", "moved", QoS.AT_MOST_ONCE,
                false));
        Connect reconnect = gateway.next(Connect.class);
        assertThat(reconnect.cleanSession()).isFalse();
        gateway.reply(WillTopicReq.INSTANCE);
        assertThat(gateway.next(WillTopic.class).qos()).isEqualTo(QoS.AT_MOST_ONCE);
        gateway.reply(WillMsgReq.INSTANCE);
        assertThat(gateway.next(WillMsg.class).willMessage().utf8()).isEqualTo("moved");
        gateway.reply(new ConnAck(ReturnCode.ACCEPTED));
        assertThat(done(again).success()).isTrue();
    }

    @Test
    void theBuilderSetsTheConnectAndThePredefinedTopics() throws Exception {
        build(MqttSnClient.builder("api-1").keepAlive(Duration.ofSeconds(45)).cleanSession(false)
                .predefinedTopic(9, "plant/alarm"));
        CompletableFuture<Outcome> connect = client.connect();
        Connect sent = gateway.next(Connect.class);
        assertThat(sent.keepAlive()).isEqualTo(45);
        assertThat(sent.cleanSession()).isFalse();
        assertThat(sent.will()).isFalse();
        gateway.reply(new ConnAck(ReturnCode.ACCEPTED));
        done(connect);

        List<String> alarms = new CopyOnWriteArrayList<>();
        CompletableFuture<Outcome> subscribed = client.subscribe(Topic.predefined(9), QoS.AT_LEAST_ONCE,
                message -> alarms.add(message.topic() + "=" + message.payload().utf8()));
        Subscribe subscribe = gateway.next(Subscribe.class);
        assertThat(subscribe.topic()).isEqualTo(new TopicRef.Predefined(9));
        gateway.reply(new SubAck(QoS.AT_LEAST_ONCE, 9, subscribe.msgId(), ReturnCode.ACCEPTED));
        done(subscribed);
        gateway.reply(new Publish(false, QoS.AT_LEAST_ONCE, false, TopicIdType.PREDEFINED, 9, 3, Bytes.utf8("on")));

        assertThat(gateway.next(PubAck.class).returnCode()).isEqualTo(ReturnCode.ACCEPTED);
        await().atMost(ScriptedGateway.WAIT).until(() -> alarms.size() == 1);
        assertThat(alarms).containsExactly("plant/alarm=on");
    }

    @Test
    void badSettingsFailAtOnceNamingWhatIsWrong() {
        assertThatThrownBy(() -> MqttSnClient.builder("api-1").build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no link");
        assertThatThrownBy(() -> MqttSnClient.builder("api-1").keepAlive(Duration.ofMillis(1_500)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("whole seconds");
        assertThatThrownBy(() -> MqttSnClient.builder("api-1").predefinedTopic(0, "a"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("predefined topic 0=a");
        assertThatThrownBy(() -> MqttSnClient.builder(""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clientId");
        assertThatThrownBy(() -> Will.utf8("t", "x", QoS.MINUS_ONE, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("will QoS");
    }

    @Test
    void aPublishLargerThanTheLinkCarriesFailsAtOnceAndTheNextOneGoes() throws Exception {
        connected();
        // ScriptedGateway carries 1024 bytes: 1020 of payload make a PUBLISH of 4 + 5 + 1020.
        Outcome tooLarge = done(client.publish(Topic.shortName("ab"), Bytes.wrap(new byte[1_020]),
                QoS.AT_LEAST_ONCE, false));
        Outcome pastMqttSn = done(client.publish(Topic.shortName("ab"), Bytes.wrap(new byte[70_000]),
                QoS.AT_MOST_ONCE, false));

        assertThat(tooLarge).isEqualTo(Outcome.failed(Outcome.Status.INVALID,
                "PUBLISH of 1029 bytes exceeds the link's maximum packet size of 1024 bytes"));
        assertThatThrownBy(tooLarge::orThrow).isExactlyInstanceOf(MqttSnException.class)
                .hasMessage("PUBLISH of 1029 bytes exceeds the link's maximum packet size of 1024 bytes");
        assertThat(pastMqttSn).isEqualTo(Outcome.failed(Outcome.Status.INVALID,
                "PUBLISH not sent: packet of 70009 bytes exceeds the MQTT-SN maximum of 65535"));
        CompletableFuture<Outcome> next = client.publish(Topic.shortName("ab"), Bytes.wrap(new byte[1_015]),
                QoS.AT_LEAST_ONCE, false);
        Publish sent = gateway.next(Publish.class);
        assertThat(sent.data().length()).as("the first packet after the refused ones").isEqualTo(1_015);
        gateway.reply(new PubAck(sent.topicId(), sent.msgId(), ReturnCode.ACCEPTED));
        assertThat(done(next).success()).isTrue();
        assertThat(client.state()).isEqualTo(ClientState.ACTIVE);
        assertThat(client.sendFailures()).isZero();
    }

    @Test
    void everyRequestLargerThanTheLinkCarriesFailsAtOnceNamingThePacketAndNothingOfItIsSent() throws Exception {
        connected();
        List<String> heard = new CopyOnWriteArrayList<>();
        // ScriptedGateway carries 1024 bytes; each packet below is 1025 (a three-byte Length field).
        Outcome register = done(client.register("r".repeat(1_017)));
        Outcome subscribe = done(client.subscribe(Topic.name("s".repeat(1_018)), QoS.AT_LEAST_ONCE,
                message -> heard.add(message.topic())));
        Outcome unsubscribe = done(client.unsubscribe(Topic.name("s".repeat(1_018))));
        Outcome willTopic = done(client.connect(false, Will.utf8("w".repeat(1_020), "gone", QoS.AT_LEAST_ONCE,
                false)));
        Outcome willMessage = done(client.connect(false, new Will("status/api-1", Bytes.wrap(new byte[1_021]),
                QoS.AT_LEAST_ONCE, false)));

        assertThat(List.of(register, subscribe, unsubscribe, willTopic, willMessage)).containsExactly(
                Outcome.failed(Outcome.Status.INVALID,
                        "REGISTER of 1025 bytes exceeds the link's maximum packet size of 1024 bytes"),
                Outcome.failed(Outcome.Status.INVALID,
                        "SUBSCRIBE of 1025 bytes exceeds the link's maximum packet size of 1024 bytes"),
                Outcome.failed(Outcome.Status.INVALID,
                        "UNSUBSCRIBE of 1025 bytes exceeds the link's maximum packet size of 1024 bytes"),
                Outcome.failed(Outcome.Status.INVALID,
                        "WILLTOPIC of 1025 bytes exceeds the link's maximum packet size of 1024 bytes"),
                Outcome.failed(Outcome.Status.INVALID,
                        "WILLMSG of 1025 bytes exceeds the link's maximum packet size of 1024 bytes"));
        assertThatThrownBy(register::orThrow).isExactlyInstanceOf(MqttSnException.class)
                .hasMessage("REGISTER of 1025 bytes exceeds the link's maximum packet size of 1024 bytes");
        CompletableFuture<Outcome> next = client.subscribe(Topic.name("plant/cmd"), QoS.AT_LEAST_ONCE);
        Subscribe sent = gateway.next(Subscribe.class);
        assertThat(sent.topic()).as("the first packet after the refused ones").isEqualTo(TopicRef.name("plant/cmd"));
        gateway.reply(new SubAck(QoS.AT_LEAST_ONCE, TOPIC_ID, sent.msgId(), ReturnCode.ACCEPTED));
        assertThat(done(next).success()).isTrue();
        assertThat(client.state()).as("the refused CONNECTs left the session alone").isEqualTo(ClientState.ACTIVE);
        assertThat(events).isEmpty();
        assertThat(client.sendFailures()).isZero();
    }

    @Test
    void aConnectWithAClientIdTooLongForTheLinkFailsAtOnceAndNothingIsSent() throws Exception {
        build(MqttSnClient.builder("c".repeat(1_017))); // CONNECT: 1025 bytes

        Outcome connect = done(client.connect());
        Outcome minusOne = done(client.publish(Topic.predefined(9), Bytes.utf8("on"), QoS.MINUS_ONE, false));

        assertThat(connect).isEqualTo(Outcome.failed(Outcome.Status.INVALID,
                "CONNECT of 1025 bytes exceeds the link's maximum packet size of 1024 bytes"));
        assertThat(minusOne.success()).isTrue();
        assertThat(gateway.next(Publish.class).data().utf8()).as("the first packet sent").isEqualTo("on");
        assertThat(client.state()).isEqualTo(ClientState.DISCONNECTED);
        assertThat(events).as("not even Connecting").isEmpty();
        assertThat(client.sendFailures()).isZero();
    }

    @Test
    void aPacketTheLinkRefusesAfterItsLimitFellIsCountedAndItsRequestEndsWithoutAnswer() throws Exception {
        build(MqttSnClient.builder("api-1").retry(Duration.ofSeconds(1), 1));
        CompletableFuture<Outcome> connect = client.connect();
        gateway.next(Connect.class);
        gateway.reply(new ConnAck(ReturnCode.ACCEPTED));
        done(connect);
        CompletableFuture<Outcome> subscribe = client.subscribe(Topic.name("plant/cmd"), QoS.AT_LEAST_ONCE);
        gateway.next(Subscribe.class); // 14 bytes, checked and sent while the link carried them

        gateway.maxPacketSize = 8;
        clock.addAndGet(1_000);
        await().atMost(ScriptedGateway.WAIT).until(() -> client.sendFailures() == 1);
        clock.addAndGet(1_000);

        assertThat(done(subscribe).status()).isEqualTo(Outcome.Status.NO_ANSWER);
    }

    @Test
    void closingCancelsWhatWaitsAndWhatComesAfter() throws Exception {
        build(MqttSnClient.builder("api-1"));
        CompletableFuture<Outcome> connect = client.connect();
        gateway.next(Connect.class);

        client.close();

        assertThat(done(connect)).isEqualTo(Outcome.failed(Outcome.Status.CANCELLED, "client closed"));
        assertThat(done(client.publish("a", new byte[1], QoS.AT_MOST_ONCE, false)))
                .isEqualTo(Outcome.failed(Outcome.Status.CANCELLED, "client closed"));
        assertThat(runtime.inRuntime()).isFalse();
        runtime.execute(() -> { }); // a shared runtime goes on
    }

    @Test
    void aClientWithoutARuntimeClosesItsOwn() throws Exception {
        MqttSnClient own = MqttSnClient.builder("api-own").link(gateway).build();
        CompletableFuture<Outcome> connect = own.connect();
        gateway.next(Connect.class);
        assertThat(threadNamed("mqtt-sn-api-own")).as("the client's own runtime").isPresent();

        own.close();

        assertThat(done(connect).status()).isEqualTo(Outcome.Status.CANCELLED);
        await().atMost(ScriptedGateway.WAIT).until(() -> threadNamed("mqtt-sn-api-own").isEmpty());
    }

    static Optional<Thread> threadNamed(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).findFirst();
    }

    @Test
    void theUdpLinkNeedsARuntimeOfTheLibrary() {
        ClientRuntime foreign = new ClientRuntime() {
            @Override
            public long now() {
                return 0;
            }

            @Override
            public boolean inRuntime() {
                return true;
            }

            @Override
            public void execute(Runnable task) {
                task.run();
            }

            @Override
            public Timer schedule(long deadline, Runnable task) {
                throw new AssertionError("not used");
            }

            @Override
            public void close() {
            }
        };

        assertThatThrownBy(() -> UdpLink.to("127.0.0.1", 1883).open(foreign, (packet, from) -> { }))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("UdpLink needs a runtime from ClientRuntime.start");
    }

    @Test
    void outcomesTurnIntoTheExceptionOfTheirStatus() {
        assertThat(Outcome.ok().orThrow()).isEqualTo(Outcome.ok());
        assertThatThrownBy(() -> Outcome.rejected(ReturnCode.REJECTED_CONGESTION).orThrow())
                .isInstanceOfSatisfying(RefusedException.class, e -> {
                    assertThat(e.returnCode()).isEqualTo(ReturnCode.REJECTED_CONGESTION);
                    assertThat(e).hasMessage("rejected: congestion (0x01)");
                });
        assertThatThrownBy(() -> Outcome.failed(Outcome.Status.NOT_CONNECTED, "not asleep").orThrow())
                .isInstanceOf(NotConnectedException.class).hasMessage("not asleep");
        for (Outcome.Status status : List.of(Outcome.Status.QUEUE_FULL, Outcome.Status.CANCELLED,
                Outcome.Status.INVALID, Outcome.Status.LINK_FAILED)) {
            assertThatThrownBy(() -> Outcome.failed(status, "why").orThrow())
                    .isExactlyInstanceOf(MqttSnException.class)
                    .satisfies(e -> assertThat(((MqttSnException) e).status()).isEqualTo(status));
        }
        assertThatThrownBy(() -> Outcome.failed(Outcome.Status.ACCEPTED, "?"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Outcome.rejected(ReturnCode.ACCEPTED)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void topicFiltersFollowMqttsWildcards() {
        Map<Integer, String> predefined = Map.of(9, "plant/alarm");
        assertThat(TopicFilters.matches("a/b", "a/b")).isTrue();
        assertThat(TopicFilters.matches("a/b", "a/b/c")).isFalse();
        assertThat(TopicFilters.matches("a/+", "a/b")).isTrue();
        assertThat(TopicFilters.matches("a/+", "a/b/c")).isFalse();
        assertThat(TopicFilters.matches("a/+", "a/")).as("an empty level is a level").isTrue();
        assertThat(TopicFilters.matches("+/+", "/b")).isTrue();
        assertThat(TopicFilters.matches("a/#", "a")).as("# takes the parent too").isTrue();
        assertThat(TopicFilters.matches("a/#", "a/b/c")).isTrue();
        assertThat(TopicFilters.matches("a/#", "b/a")).isFalse();
        assertThat(TopicFilters.matches("#", "$SYS/x")).as("wildcards skip $ topics").isFalse();
        assertThat(TopicFilters.matches("+/x", "$SYS/x")).isFalse();
        assertThat(TopicFilters.matches("$SYS/#", "$SYS/x")).isTrue();
        assertThat(TopicFilters.matches(Topic.predefined(9), "plant/alarm", predefined)).isTrue();
        assertThat(TopicFilters.matches(Topic.predefined(8), "plant/alarm", predefined)).isFalse();
        assertThat(TopicFilters.matches(Topic.shortName("ab"), "ab", predefined)).isTrue();
        assertThat(TopicFilters.matches(Topic.name("plant/#"), "plant/alarm", predefined)).isTrue();
    }
}
