package io.sngate.sim.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The accounting: each (client, sequence) counts once, loss is sent minus received. */
class LedgerTest {

    private final Payload payload = new Payload(24, 7);

    @Test
    void payloadCarriesStepClientSequenceAndTime() {
        byte[] body = payload.create(3, 0xABCDEF, 123_456_789, 0x0102030405060708L);
        assertThat(body).hasSize(24);
        assertThat(Payload.step(body)).isEqualTo(3);
        assertThat(Payload.client(body)).isEqualTo(0xABCDEF);
        assertThat(Payload.seq(body)).isEqualTo(123_456_789);
        assertThat(Payload.sentNanos(body)).isEqualTo(0x0102030405060708L);
        assertThat(Payload.sentNanos(payload.create(0, 0, 0, -5))).isEqualTo(-5);
        // the same seed gives the same bytes
        assertThat(new Payload(24, 7).create(0, 1, 2, 3)).isEqualTo(payload.create(0, 1, 2, 3));
        assertThatThrownBy(() -> new Payload(15, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void countsEveryMessageOnceAndDuplicatesApart() {
        Ledger ledger = new Ledger(3);
        StepStats step = ledger.open(0, 1000);
        long now = 1_000_000_000L;
        for (int client = 0; client < 3; client++) {
            for (int seq = 0; seq < 10; seq++) {
                step.sent.increment();
            }
        }
        // client 0: all ten, twice; client 1: 0..7 (two lost); client 2: 0..9 with 5 three times
        for (int copy = 0; copy < 2; copy++) {
            for (int seq = 0; seq < 10; seq++) {
                ledger.onReceived(payload.create(0, 0, seq, now - 2_000_000), now);
            }
        }
        for (int seq = 0; seq < 8; seq++) {
            ledger.onReceived(payload.create(0, 1, seq, now - 1_000_000), now);
        }
        for (int seq = 0; seq < 10; seq++) {
            ledger.onReceived(payload.create(0, 2, seq, now - 3_000_000), now);
        }
        ledger.onReceived(payload.create(0, 2, 5, now), now);
        ledger.onReceived(payload.create(0, 2, 5, now), now);

        assertThat(step.sent.sum()).isEqualTo(30);
        assertThat(step.received()).isEqualTo(28);
        assertThat(step.duplicates.sum()).isEqualTo(12);
        assertThat(step.sent.sum() - step.received()).as("lost").isEqualTo(2);
        assertThat(step.latencySnapshot().getTotalCount()).as("one latency sample per first copy").isEqualTo(28);
        assertThat(step.latencySnapshot().getMaxValue()).isBetween(2_990L, 3_010L); // microseconds
        assertThat(ledger.foreign.sum()).isZero();
    }

    @Test
    void sameSequenceInAnotherStepIsStillADuplicate() {
        Ledger ledger = new Ledger(1);
        StepStats first = ledger.open(0, 10);
        StepStats second = ledger.open(1, 10);
        ledger.onReceived(payload.create(0, 0, 4, 0), 1);
        ledger.onReceived(payload.create(1, 0, 4, 0), 1);
        assertThat(first.received()).isEqualTo(1);
        assertThat(second.received()).isZero();
        assertThat(second.duplicates.sum()).isEqualTo(1);
    }

    @Test
    void arrivalsAfterTheReportAreLateAndInNoFigure() {
        Ledger ledger = new Ledger(1);
        StepStats step = ledger.open(0, 10);
        ledger.onReceived(payload.create(0, 0, 0, 0), 1);
        step.close();
        ledger.onReceived(payload.create(0, 0, 1, 0), 1);
        ledger.onReceived(payload.create(0, 0, 1, 0), 1);
        assertThat(step.received()).isEqualTo(1);
        assertThat(step.late.sum()).isEqualTo(1);
        assertThat(step.duplicates.sum()).isEqualTo(1);
        assertThat(step.latencySnapshot().getTotalCount()).isEqualTo(1);
    }

    @Test
    void foreignMessagesAreCountedAndIgnored() {
        Ledger ledger = new Ledger(2);
        StepStats step = ledger.open(0, 10);
        ledger.onReceived(new byte[] {1, 2, 3}, 0);                 // too short
        ledger.onReceived(payload.create(9, 0, 0, 0), 0);           // a step never opened
        ledger.onReceived(payload.create(0, 2, 0, 0), 0);           // a client out of range
        ledger.onReceived(payload.create(0, 1, -1, 0), 0);          // a negative sequence
        assertThat(ledger.foreign.sum()).isEqualTo(4);
        assertThat(step.received()).isZero();
        assertThatThrownBy(() -> ledger.open(0, 10)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void negativeClockDifferencesRecordZeroLatency() {
        Ledger ledger = new Ledger(1);
        StepStats step = ledger.open(0, 10);
        ledger.onReceived(payload.create(0, 0, 0, 5_000), 1_000);
        assertThat(step.latencySnapshot().getMaxValue()).isZero();
    }

    @Test
    void resultDerivesLossAndRates() {
        Ledger ledger = new Ledger(1);
        StepStats step = ledger.open(0, 100);
        for (int i = 0; i < 10; i++) {
            step.sent.increment();
        }
        for (int seq = 0; seq < 9; seq++) {
            ledger.onReceived(payload.create(0, 0, seq, 0), 1_000_000);
        }
        RunResult r = new RunResult("x", 0, 100, 2, step.sent.sum(), 0, 0, step.received(), 0, 0, 0, 0, 0, 0,
                step.latencySnapshot(), false, java.util.List.of());
        assertThat(r.lost()).isEqualTo(1);
        assertThat(r.zeroLoss()).isFalse();
        assertThat(r.sentRate()).isEqualTo(5.0);
        assertThat(r.receivedRate()).isEqualTo(4.5);
        assertThat(r.latencyMs(50)).isEqualTo(1.0);
        assertThat(BenchCommand.passes(r)).isFalse();
    }
}
