package io.sngate.gateway.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.sngate.codec.Bytes;
import io.sngate.codec.QoS;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeliveryQueueTest {

    private static Delivery delivery(long id, QoS qos) {
        return new Delivery(id, "t", Bytes.utf8("m" + id), qos, false);
    }

    private static final Delivery Q0_A = delivery(1, QoS.AT_MOST_ONCE);
    private static final Delivery Q1_B = delivery(2, QoS.AT_LEAST_ONCE);
    private static final Delivery Q0_C = delivery(3, QoS.AT_MOST_ONCE);
    private static final Delivery Q2_D = delivery(4, QoS.EXACTLY_ONCE);

    private static List<Delivery> pollAll(DeliveryQueue queue) {
        List<Delivery> all = new ArrayList<>();
        for (Delivery d = queue.poll(); d != null; d = queue.poll()) {
            all.add(d);
        }
        return all;
    }

    @Test
    void firstInFirstOut() {
        DeliveryQueue queue = new DeliveryQueue(10);

        assertThat(queue.offer(Q0_A)).isEmpty();
        assertThat(queue.offer(Q1_B)).isEmpty();
        assertThat(queue.offer(Q2_D)).isEmpty();

        assertThat(queue.size()).isEqualTo(3);
        assertThat(pollAll(queue)).containsExactly(Q0_A, Q1_B, Q2_D);
        assertThat(queue.isEmpty()).isTrue();
        assertThat(queue.poll()).isNull();
    }

    @Test
    void whenFullTheOldestQoS0MakesRoomEvenIfNotAtTheHead() {
        DeliveryQueue queue = new DeliveryQueue(3);
        queue.offer(Q1_B);
        queue.offer(Q0_A);
        queue.offer(Q0_C);

        assertThat(queue.offer(Q2_D)).contains(Q0_A);

        assertThat(queue.size()).isEqualTo(3);
        assertThat(pollAll(queue)).containsExactly(Q1_B, Q0_C, Q2_D);
    }

    @Test
    void aNewQoS0AlsoDisplacesTheOldestQoS0() {
        DeliveryQueue queue = new DeliveryQueue(2);
        queue.offer(Q0_A);
        queue.offer(Q1_B);
        Delivery newer = delivery(9, QoS.AT_MOST_ONCE);

        assertThat(queue.offer(newer)).contains(Q0_A);

        assertThat(pollAll(queue)).containsExactly(Q1_B, newer);
    }

    @Test
    void whenFullOfQoS1And2TheNewMessageIsRefused() {
        DeliveryQueue queue = new DeliveryQueue(2);
        queue.offer(Q1_B);
        queue.offer(Q2_D);
        Delivery refused = delivery(9, QoS.AT_LEAST_ONCE);
        Delivery refusedQ0 = delivery(10, QoS.AT_MOST_ONCE);

        assertThat(queue.offer(refused)).containsSame(refused);
        assertThat(queue.offer(refusedQ0)).containsSame(refusedQ0);

        assertThat(pollAll(queue)).containsExactly(Q1_B, Q2_D);
    }

    @Test
    void pushFrontPutsADeliveryBackAtTheHead() {
        DeliveryQueue queue = new DeliveryQueue(3);
        queue.offer(Q0_A);
        queue.offer(Q1_B);

        queue.pushFront(Q2_D);

        assertThat(pollAll(queue)).containsExactly(Q2_D, Q0_A, Q1_B);
    }

    @Test
    void drainEmptiesAndReturnsInOrder() {
        DeliveryQueue queue = new DeliveryQueue(3);
        queue.offer(Q0_A);
        queue.offer(Q1_B);

        assertThat(queue.drain()).containsExactly(Q0_A, Q1_B);
        assertThat(queue.isEmpty()).isTrue();
        assertThat(queue.drain()).isEmpty();
    }

    @Test
    void capacityOneStillFollowsThePolicy() {
        DeliveryQueue queue = new DeliveryQueue(1);
        queue.offer(Q0_A);

        assertThat(queue.offer(Q1_B)).contains(Q0_A);
        assertThat(queue.offer(Q2_D)).contains(Q2_D);
        assertThat(pollAll(queue)).containsExactly(Q1_B);
    }

    @Test
    void replaceTakesThePlaceOfThatVeryDeliveryNotOfAnEqualOne() {
        DeliveryQueue queue = new DeliveryQueue(4);
        Delivery twin = delivery(2, QoS.AT_LEAST_ONCE); // equal to Q1_B, another object
        queue.offer(Q0_A);
        queue.offer(twin);
        queue.offer(Q1_B);
        queue.offer(Q0_C);
        Delivery resent = delivery(12, QoS.AT_LEAST_ONCE);

        assertThat(queue.replace(Q1_B, resent)).isTrue();

        assertThat(queue.waiting()).containsExactly(Q0_A, twin, resent, Q0_C);
        assertThat(queue.waiting().get(1)).isSameAs(twin);
        assertThat(queue.replace(Q1_B, resent)).isFalse();
        assertThat(queue.replace(Q2_D, resent)).isFalse();
        assertThat(pollAll(queue)).containsExactly(Q0_A, twin, resent, Q0_C);
    }

    @Test
    void waitingIsASnapshotInOrder() {
        DeliveryQueue queue = new DeliveryQueue(3);
        queue.offer(Q0_A);
        queue.offer(Q1_B);

        List<Delivery> snapshot = queue.waiting();
        queue.poll();

        assertThat(snapshot).containsExactly(Q0_A, Q1_B);
        assertThat(queue.size()).isEqualTo(1);
    }
}
