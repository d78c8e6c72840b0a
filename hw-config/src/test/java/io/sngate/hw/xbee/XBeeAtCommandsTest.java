package io.sngate.hw.xbee;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sngate.codec.Bytes;
import io.sngate.codec.DecodeException;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.codec.xbee.XBeeFrame;
import io.sngate.codec.xbee.XBeeFrame.AtCommand;
import io.sngate.codec.xbee.XBeeFrame.AtCommandResponse;
import io.sngate.codec.xbee.XBeeFrameCodec;
import io.sngate.hw.testing.ManualScheduler;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The command/response bookkeeping alone: frames captured in memory, time on a manual scheduler. */
class XBeeAtCommandsTest {

    private static final String PORT = "/dev/ttyUSB0";

    private final ManualScheduler scheduler = new ManualScheduler();
    private final List<byte[]> written = new ArrayList<>();
    private final XBeeAtCommands commands = new XBeeAtCommands(PORT, ApiMode.ESCAPED, written::add, scheduler,
            Duration.ofMillis(1000));

    private AtCommand sent(int index) throws DecodeException {
        return (AtCommand) XBeeFrameCodec.decode(written.get(index), ApiMode.ESCAPED);
    }

    private AtCommand lastSent() throws DecodeException {
        return sent(written.size() - 1);
    }

    private static AtCommandResponse ok(AtCommand command, byte... data) {
        return new AtCommandResponse(command.frameId(), command.command(), AtCommandResponse.STATUS_OK,
                Bytes.copyOf(data));
    }

    private static Throwable failure(CompletableFuture<?> future) {
        assertThat(future).isCompletedExceptionally();
        try {
            future.get();
            throw new AssertionError("not failed");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aQueryIsAnsweredByTheResponseWithItsFrameId() throws Exception {
        CompletableFuture<byte[]> id = commands.query("id");
        AtCommand frame = lastSent();
        assertThat(frame.command()).isEqualTo("ID");
        assertThat(frame.parameter().isEmpty()).isTrue();
        assertThat(frame.frameId()).isEqualTo(1);
        assertThat(id).isNotDone();

        assertThat(commands.onFrame(ok(frame, (byte) 0x12, (byte) 0x34))).isTrue();
        assertThat(id.get()).containsExactly(0x12, 0x34);
        assertThat(commands.outstanding()).isZero();
        assertThat(scheduler.pending()).as("the timeout was cancelled").isZero();
    }

    @Test
    void aSetCarriesTheValue() throws Exception {
        CompletableFuture<Void> set = commands.set("NI", new byte[] {0x7E, 0x7D, 0x11, 0x13});
        AtCommand frame = lastSent();
        assertThat(frame.parameter().toArray()).containsExactly(0x7E, 0x7D, 0x11, 0x13);
        assertThat(commands.onFrame(ok(frame))).isTrue();
        assertThat(set).isCompleted();
        set.get();
    }

    @Test
    void frameIdsRunFrom1To255AndWrapWithoutZero() throws Exception {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            CompletableFuture<byte[]> q = commands.query("VR");
            AtCommand frame = lastSent();
            ids.add(frame.frameId());
            commands.onFrame(ok(frame, (byte) 1));
            assertThat(q).isCompleted();
        }
        assertThat(ids).doesNotContain(0);
        for (int i = 0; i < ids.size(); i++) {
            assertThat(ids.get(i)).isEqualTo(i % 255 + 1);
        }
    }

    @Test
    void idsStillInFlightAreSkipped() throws Exception {
        CompletableFuture<byte[]> slow = commands.query("SH"); // id 1, stays unanswered
        assertThat(lastSent().frameId()).isEqualTo(1);
        for (int i = 0; i < 254; i++) { // ids 2..255
            commands.query("VR");
            commands.onFrame(ok(lastSent(), (byte) 1));
        }
        assertThat(lastSent().frameId()).isEqualTo(255);
        commands.query("HV");
        assertThat(lastSent().frameId()).as("1 is still waiting").isEqualTo(2);
        assertThat(slow).isNotDone();
    }

    @Test
    void outstandingCommandsAreBounded() throws Exception {
        XBeeAtCommands bounded = new XBeeAtCommands(PORT, ApiMode.UNESCAPED, written::add, scheduler,
                Duration.ofMillis(1000), 2);
        bounded.query("SH");
        bounded.query("SL");
        CompletableFuture<byte[]> third = bounded.query("VR");
        assertThat(failure(third)).isInstanceOf(AtCommandException.class)
                .hasMessageContaining("ATVR").hasMessageContaining(PORT).hasMessageContaining("limit 2");
        assertThat(written).hasSize(2);
        assertThat(bounded.outstanding()).isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 0x42})
    void anErrorStatusFailsNamingCommandAndStatus(int status) throws Exception {
        CompletableFuture<Void> set = commands.set("ID", new byte[] {1});
        AtCommand frame = lastSent();
        commands.onFrame(new AtCommandResponse(frame.frameId(), "ID", status, Bytes.EMPTY));
        Throwable error = failure(set);
        assertThat(error).isInstanceOf(AtCommandFailedException.class).hasMessageContaining("ATID")
                .hasMessageContaining(PORT);
        assertThat(((AtCommandFailedException) error).status().code()).isEqualTo(status);
        String expected = switch (status) {
            case 1 -> "ERROR";
            case 2 -> "invalid command";
            case 3 -> "invalid parameter";
            case 4 -> "tx failure";
            default -> "unknown status 0x42";
        };
        assertThat(error).hasMessageContaining(expected);
    }

    @Test
    void noAnswerWithinTheTimeoutFailsNamingPortAndCommand() throws Exception {
        CompletableFuture<byte[]> id = commands.query("ID");
        AtCommand frame = lastSent();
        scheduler.advance(Duration.ofMillis(999));
        assertThat(id).isNotDone();
        scheduler.advance(Duration.ofMillis(1));
        assertThat(failure(id)).isInstanceOf(AtCommandTimeoutException.class)
                .hasMessage("radio on /dev/ttyUSB0 did not answer ATID within 1000 ms");
        assertThat(commands.outstanding()).isZero();
        assertThat(commands.onFrame(ok(frame, (byte) 1))).as("a late answer belongs to nobody").isFalse();
    }

    @Test
    void aLateAnswerDoesNotCompleteANewerCommandThatReusedTheId() throws Exception {
        XBeeAtCommands one = new XBeeAtCommands(PORT, ApiMode.ESCAPED, written::add, scheduler,
                Duration.ofMillis(10), 1);
        CompletableFuture<byte[]> first = one.query("ID");
        AtCommand firstFrame = lastSent();
        scheduler.advance(Duration.ofMillis(10));
        assertThat(first).isCompletedExceptionally();
        for (int i = 0; i < 254; i++) {
            one.query("VR");
            one.onFrame(ok(lastSent(), (byte) 1));
        }
        CompletableFuture<byte[]> reuse = one.query("NP");
        assertThat(lastSent().frameId()).isEqualTo(firstFrame.frameId());
        assertThat(one.onFrame(ok(firstFrame, (byte) 9))).isFalse();
        assertThat(reuse).isNotDone();
        assertThat(one.onFrame(ok(lastSent(), (byte) 84))).isTrue();
        assertThat(reuse.get()).containsExactly(84);
    }

    @Test
    void otherFramesAreNotConsumed() {
        assertThat(commands.onFrame(new XBeeFrame.ModemStatus(XBeeFrame.ModemStatus.COORDINATOR_STARTED))).isFalse();
        assertThat(commands.onFrame(XBeeFrame.TransmitRequest.broadcast(1, Bytes.EMPTY))).isFalse();
        assertThat(commands.onFrame(new AtCommandResponse(0, "ID", 0, Bytes.EMPTY))).isFalse();
        assertThat(commands.onFrame(new AtCommandResponse(7, "ID", 0, Bytes.EMPTY))).as("nothing sent with id 7")
                .isFalse();
    }

    @Test
    void aWriteFailureFailsTheCommandAndFreesItsId() {
        XBeeAtCommands broken = new XBeeAtCommands(PORT, ApiMode.ESCAPED, frame -> {
            throw new IOException(PORT + ": port is closed");
        }, scheduler, Duration.ofMillis(1000));
        Throwable error = failure(broken.query("AP"));
        assertThat(error).isInstanceOf(AtCommandException.class).hasMessageContaining("ATAP")
                .hasMessageContaining("port is closed");
        assertThat(broken.outstanding()).isZero();
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void closeFailsWaitingCommandsAndRefusesNewOnes() {
        CompletableFuture<byte[]> waiting = commands.query("SL");
        commands.close();
        assertThat(failure(waiting)).isInstanceOf(AtCommandException.class).hasMessageContaining("ATSL")
                .hasMessageContaining("closed");
        assertThat(failure(commands.query("SH"))).hasMessageContaining("closed");
        assertThat(written).hasSize(1);
    }

    @Test
    void aCommandIsTwoLettersOrDigits() {
        assertThatThrownBy(() -> commands.query("IDX")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("IDX");
        assertThatThrownBy(() -> commands.query("I")).isInstanceOf(IllegalArgumentException.class);
    }
}
