package io.sngate.codec.xbee;

import io.sngate.codec.Bytes;
import io.sngate.codec.xbee.XBeeFrame.AtCommand;
import io.sngate.codec.xbee.XBeeFrame.AtCommandResponse;
import io.sngate.codec.xbee.XBeeFrame.ModemStatus;
import io.sngate.codec.xbee.XBeeFrame.ReceivePacket;
import io.sngate.codec.xbee.XBeeFrame.TransmitRequest;
import io.sngate.codec.xbee.XBeeFrame.TransmitStatus;
import io.sngate.codec.xbee.XBeeFrame.Unknown;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/** Generators for frames and line noise, biased towards the bytes that framing treats specially. */
final class XBeeArbitraries {

    private XBeeArbitraries() {
    }

    /** Single bytes, often one that API mode 2 escapes or that starts a frame. */
    static Arbitrary<Byte> lineByte() {
        return Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.bytes()),
                Tuple.of(2, Arbitraries.of((byte) 0x7E, (byte) 0x7D, (byte) 0x11, (byte) 0x13)),
                Tuple.of(2, Arbitraries.of((byte) 0x00, (byte) 0x01, (byte) 0xFF)));
    }

    static Arbitrary<byte[]> lineBytes(int maxSize) {
        return lineByte().list().ofMaxSize(maxSize).map(XBeeArbitraries::toArray);
    }

    /** Noise that never contains a start delimiter, so it can never be taken for a frame. */
    static Arbitrary<byte[]> noiseWithoutDelimiter(int maxSize) {
        return lineByte().filter(b -> b != (byte) 0x7E).list().ofMaxSize(maxSize).map(XBeeArbitraries::toArray);
    }

    static Arbitrary<Bytes> payload(int maxSize) {
        return lineBytes(maxSize).map(Bytes::wrap);
    }

    static Arbitrary<XBeeFrame> frames() {
        return Arbitraries.oneOf(transmitRequests(), receivePackets(), transmitStatuses(), atCommands(),
                atCommandResponses(), modemStatuses(), unknowns());
    }

    static Arbitrary<XBeeFrame> transmitRequests() {
        return Combinators.combine(u8(), address64(), u16(), u8(), u8(), payload(40))
                .as(TransmitRequest::new);
    }

    static Arbitrary<XBeeFrame> receivePackets() {
        return Combinators.combine(address64(), u16(), u8(), payload(40)).as(ReceivePacket::new);
    }

    static Arbitrary<XBeeFrame> transmitStatuses() {
        return Combinators.combine(u8(), u16(), u8(), u8(), u8()).as(TransmitStatus::new);
    }

    static Arbitrary<XBeeFrame> atCommands() {
        return Combinators.combine(u8(), command(), payload(8)).as(AtCommand::new);
    }

    static Arbitrary<XBeeFrame> atCommandResponses() {
        return Combinators.combine(u8(), command(), u8(), payload(20)).as(AtCommandResponse::new);
    }

    static Arbitrary<XBeeFrame> modemStatuses() {
        return u8().map(ModemStatus::new);
    }

    static Arbitrary<XBeeFrame> unknowns() {
        return Combinators.combine(u8().filter(t -> !Unknown.MODELLED_TYPES.contains(t)), payload(30))
                .as(Unknown::new);
    }

    static Arbitrary<Integer> u8() {
        return Arbitraries.integers().between(0, 0xFF).edgeCases(c -> c.includeOnly(0, 0x7E, 0xFF));
    }

    static Arbitrary<Integer> u16() {
        return Arbitraries.integers().between(0, 0xFFFF);
    }

    static Arbitrary<Long> address64() {
        return Arbitraries.oneOf(Arbitraries.longs(),
                Arbitraries.of(XBeeFrame.BROADCAST_ADDRESS_64, XBeeFrame.COORDINATOR_ADDRESS_64, 0x0013A20040522BAAL));
    }

    /** Mostly real-looking commands, sometimes any two bytes. */
    static Arbitrary<String> command() {
        return Arbitraries.oneOf(
                Arbitraries.strings().withCharRange('A', 'Z').numeric().ofLength(2),
                Arbitraries.strings().withCharRange('\u0000', '\u00FF').ofLength(2));
    }

    private static byte[] toArray(List<Byte> list) {
        byte[] array = new byte[list.size()];
        for (int i = 0; i < array.length; i++) {
            array[i] = list.get(i);
        }
        return array;
    }
}
