package io.sngate.gateway.session;

import static io.sngate.gateway.session.ClientSession.Counters.INVALID_TOPIC;
import static io.sngate.gateway.session.ClientSession.Counters.TOPIC_IDS_EXHAUSTED;
import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.Bytes;
import io.sngate.codec.v12.RegAck;
import io.sngate.codec.v12.Register;
import io.sngate.codec.v12.ReturnCode;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A device's REGISTER (spec 8.4). */
class RegisterFlowTest extends SessionHarness {

    @Test
    void registerIsAnsweredWithAnAssignedId() {
        connect();

        device(new Register(0, 7, "room/temp"));

        assertThat(effects()).containsExactly(new Effect.SendToDevice(new RegAck(1, 7, ReturnCode.ACCEPTED)));
        assertThat(session().registeredTopics()).isEqualTo(1);
    }

    @Test
    void sameNameGetsTheSameIdAndOtherNamesOtherIds() {
        connect();

        int first = register("room/temp", 1);
        int again = register("room/temp", 2);
        int other = register("room/hum", 3);

        assertThat(again).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
        assertThat(session().registeredTopics()).isEqualTo(2);
    }

    @Test
    void idsAreNeverReservedNorPredefined() {
        predefine(Map.of(1, "pre/one", 2, "pre/two", 4, "pre/four"));
        connect();

        Set<Integer> ids = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            ids.add(register("t/" + i, i + 1));
        }

        assertThat(ids).hasSize(10).doesNotContain(0, 0xFFFF, 1, 2, 4);
        assertThat(ids).contains(3, 5);
    }

    @Test
    void aPredefinedTopicNameRegisteredByNameGetsANormalIdOfItsOwn() {
        predefine(Map.of(1, "pre/one"));
        connect();

        assertThat(register("pre/one", 1)).isNotEqualTo(1).isNotZero();
    }

    @Test
    void wildcardNamesAreRefused() {
        connect();

        device(new Register(0, 9, "room/+"));

        assertThat(sent()).containsExactly(new RegAck(0, 9, ReturnCode.REJECTED_NOT_SUPPORTED));
        assertThat(counters()).containsExactly(INVALID_TOPIC);

        device(new Register(0, 10, "room/#"));
        assertThat(sent()).containsExactly(new RegAck(0, 10, ReturnCode.REJECTED_NOT_SUPPORTED));
        assertThat(session().registeredTopics()).isZero();
    }

    @Test
    void invalidUtf8IsRefused() {
        connect();

        device(new Register(0, 9, Bytes.fromHex("61 2F C3 28")));

        assertThat(sent()).containsExactly(new RegAck(0, 9, ReturnCode.REJECTED_NOT_SUPPORTED));
        assertThat(counters()).containsExactly(INVALID_TOPIC);
    }

    @Test
    void nulCharacterIsRefused() {
        connect();

        device(new Register(0, 9, Bytes.fromHex("61 00 62")));

        assertThat(sent()).containsExactly(new RegAck(0, 9, ReturnCode.REJECTED_NOT_SUPPORTED));
    }

    @Test
    void whenTheTopicTableIsFullRegisterIsAnsweredWithCongestion() {
        configure(config(2, 100, 16, 1024));
        connect();
        register("a", 1);
        register("b", 2);

        device(new Register(0, 3, "c"));

        assertThat(sent()).containsExactly(new RegAck(0, 3, ReturnCode.REJECTED_CONGESTION));
        assertThat(counters()).containsExactly(TOPIC_IDS_EXHAUSTED);

        assertThat(register("a", 4)).isEqualTo(1);
    }

    @Test
    void registerNeedsAConnection() {
        device(new Register(0, 1, "room/temp"));

        assertThat(sent()).hasSize(1).first().isInstanceOf(io.sngate.codec.v12.Disconnect.class);
    }
}
