package io.sngate.sim.decode;

import io.sngate.codec.Bytes;
import io.sngate.codec.xbee.ApiMode;
import io.sngate.codec.xbee.XBeeFrame;
import io.sngate.codec.xbee.XBeeFrame.AtCommand;
import io.sngate.codec.xbee.XBeeFrame.AtCommandResponse;
import io.sngate.codec.xbee.XBeeFrame.ModemStatus;
import io.sngate.codec.xbee.XBeeFrame.ReceivePacket;
import io.sngate.codec.xbee.XBeeFrame.TransmitRequest;
import io.sngate.codec.xbee.XBeeFrame.TransmitStatus;
import io.sngate.codec.xbee.XBeeFrame.Unknown;
import io.sngate.codec.xbee.XBeeFrameCodec;
import java.util.Map;

/**
 * One XBee API frame as a line: its type by name and number, its addresses and ids, and the
 * MQTT-SN packet in its RF data. The codec models the frames the gateway uses; the explicit
 * addressing frames (0x91, 0x11) of Zigbee radios arrive as {@link Unknown} and are read here.
 */
final class XBeeFrames {

    static final int EXPLICIT_RX = 0x91;
    static final int EXPLICIT_TX = 0x11;
    /** 0x91 after its type byte: 64- and 16-bit source, two endpoints, cluster, profile, options. */
    private static final int EXPLICIT_RX_FIXED = 17;
    /** 0x11 after its type byte: frame id, 64- and 16-bit destination, endpoints, cluster, profile, radius, options. */
    private static final int EXPLICIT_TX_FIXED = 19;

    private static final Map<Integer, String> OTHER_TYPES = Map.ofEntries(
            Map.entry(0x00, "Tx Request 64-bit (802.15.4)"),
            Map.entry(0x01, "Tx Request 16-bit (802.15.4)"),
            Map.entry(0x09, "AT Command Queue"),
            Map.entry(0x17, "Remote AT Command Request"),
            Map.entry(0x80, "Rx Packet 64-bit (802.15.4)"),
            Map.entry(0x81, "Rx Packet 16-bit (802.15.4)"),
            Map.entry(0x89, "Tx Status (802.15.4)"),
            Map.entry(0x92, "IO Data Sample Rx Indicator"),
            Map.entry(0x95, "Node Identification Indicator"),
            Map.entry(0x97, "Remote AT Command Response"));

    private XBeeFrames() {
    }

    static void print(String index, XBeeFrame frame, ApiMode mode, Printer printer) {
        byte[] wire = XBeeFrameCodec.encode(frame, mode);
        if (frame instanceof ReceivePacket rx) {
            String head = index + " Receive Packet (0x90) from " + address(rx.source64(), rx.source16())
                    + (rx.isBroadcast() ? " broadcast" : "");
            printer.payload(head, Payloads.decode(rx.rfData().toArray(), false), wire);
        } else if (frame instanceof TransmitRequest tx) {
            String head = index + " Transmit Request (0x10) id " + tx.frameId() + " to "
                    + address(tx.destination64(), tx.destination16())
                    + (tx.broadcastRadius() == 0 ? "" : " radius " + tx.broadcastRadius())
                    + (tx.options() == 0 ? "" : String.format(" options 0x%02X", tx.options()));
            printer.payload(head, Payloads.decode(tx.rfData().toArray(), false), wire);
        } else if (frame instanceof TransmitStatus status) {
            printer.record(index + " Transmit Status (0x8B) id " + status.frameId() + " to "
                    + String.format("%04X", status.destination16()), delivery(status.deliveryStatus()) + ", "
                    + status.retryCount() + " retries, " + discovery(status.discoveryStatus()), wire);
        } else if (frame instanceof AtCommand at) {
            printer.record(index + " AT Command (0x08) id " + at.frameId(), at.command()
                    + (at.parameter().isEmpty() ? " query" : " = " + hex(at.parameter())), wire);
        } else if (frame instanceof AtCommandResponse response) {
            String data = response.data().isEmpty() ? "" : " " + hex(response.data());
            printer.record(index + " AT Command Response (0x88) id " + response.frameId(),
                    response.command() + " " + atStatus(response.status()) + data, wire);
        } else if (frame instanceof ModemStatus modem) {
            printer.record(index + " Modem Status (0x8A)", modemStatus(modem.status()), wire);
        } else {
            printUnknown(index, (Unknown) frame, wire, printer);
        }
    }

    private static void printUnknown(String index, Unknown frame, byte[] wire, Printer printer) {
        Bytes data = frame.data();
        if (frame.frameType() == EXPLICIT_RX) {
            String name = index + " Explicit Rx Indicator (0x91)";
            if (data.length() < EXPLICIT_RX_FIXED) {
                printer.bad(name, tooShort(data, EXPLICIT_RX_FIXED), wire);
                return;
            }
            String head = name + " from " + address(u64(data, 0), u16(data, 8)) + explicit(data, 10)
                    + ((data.get(16) & ReceivePacket.OPTION_BROADCAST) != 0 ? " broadcast" : "");
            printer.payload(head, Payloads.decode(data.slice(EXPLICIT_RX_FIXED, data.length() - EXPLICIT_RX_FIXED)
                    .toArray(), false), wire);
        } else if (frame.frameType() == EXPLICIT_TX) {
            String name = index + " Explicit Addressing Command (0x11)";
            if (data.length() < EXPLICIT_TX_FIXED) {
                printer.bad(name, tooShort(data, EXPLICIT_TX_FIXED), wire);
                return;
            }
            String head = name + " id " + data.get(0) + " to " + address(u64(data, 1), u16(data, 9))
                    + explicit(data, 11) + (data.get(17) == 0 ? "" : " radius " + data.get(17))
                    + (data.get(18) == 0 ? "" : String.format(" options 0x%02X", data.get(18)));
            printer.payload(head, Payloads.decode(data.slice(EXPLICIT_TX_FIXED, data.length() - EXPLICIT_TX_FIXED)
                    .toArray(), false), wire);
        } else {
            String name = OTHER_TYPES.getOrDefault(frame.frameType(), "frame type");
            printer.record(String.format("%s %s (0x%02X)", index, name, frame.frameType()), "not decoded, "
                    + data.length() + " byte(s) of frame data" + (data.isEmpty() ? "" : " " + hex(data)), wire);
        }
    }

    /** Endpoints, cluster and profile of an explicit frame, starting at {@code at}. */
    private static String explicit(Bytes data, int at) {
        return String.format(" endpoints %02X->%02X cluster %04X profile %04X", data.get(at), data.get(at + 1),
                u16(data, at + 2), u16(data, at + 4));
    }

    private static String tooShort(Bytes data, int fixed) {
        return "malformed XBee frame: " + (data.length() + 1) + " byte(s) of frame data, its fixed fields need "
                + (fixed + 1);
    }

    /** {@code 0013A20040A1B2C3/FFFE}: the 64-bit and the 16-bit address. */
    static String address(long address64, int address16) {
        return String.format("%016X/%04X", address64, address16);
    }

    private static String delivery(int status) {
        return switch (status) {
            case TransmitStatus.DELIVERY_SUCCESS -> "delivered";
            case TransmitStatus.DELIVERY_MAC_ACK_FAILURE -> "not delivered: MAC ACK failure (0x01)";
            case TransmitStatus.DELIVERY_NETWORK_ACK_FAILURE -> "not delivered: network ACK failure (0x21)";
            case TransmitStatus.DELIVERY_NOT_JOINED -> "not delivered: not joined to a network (0x22)";
            case TransmitStatus.DELIVERY_ADDRESS_NOT_FOUND -> "not delivered: address not found (0x24)";
            case TransmitStatus.DELIVERY_ROUTE_NOT_FOUND -> "not delivered: route not found (0x25)";
            case TransmitStatus.DELIVERY_PAYLOAD_TOO_LARGE -> "not delivered: payload too large (0x74)";
            default -> String.format("not delivered: status 0x%02X", status);
        };
    }

    private static String discovery(int status) {
        return switch (status) {
            case 0 -> "no discovery";
            case 1 -> "address discovery";
            case 2 -> "route discovery";
            case 3 -> "address and route discovery";
            default -> String.format("discovery 0x%02X", status);
        };
    }

    private static String atStatus(int status) {
        return switch (status) {
            case AtCommandResponse.STATUS_OK -> "OK";
            case AtCommandResponse.STATUS_ERROR -> "ERROR";
            case AtCommandResponse.STATUS_INVALID_COMMAND -> "invalid command";
            case AtCommandResponse.STATUS_INVALID_PARAMETER -> "invalid parameter";
            case AtCommandResponse.STATUS_TX_FAILURE -> "TX failure";
            default -> String.format("status 0x%02X", status);
        };
    }

    private static String modemStatus(int status) {
        String name = switch (status) {
            case ModemStatus.HARDWARE_RESET -> "hardware reset";
            case ModemStatus.WATCHDOG_RESET -> "watchdog timer reset";
            case ModemStatus.JOINED_NETWORK -> "joined network";
            case ModemStatus.DISASSOCIATED -> "disassociated";
            case ModemStatus.COORDINATOR_STARTED -> "coordinator started";
            default -> "status";
        };
        return String.format("%s (0x%02X)", name, status);
    }

    private static String hex(Bytes bytes) {
        return bytes.toHex().toUpperCase();
    }

    private static long u64(Bytes data, int at) {
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = value << 8 | data.get(at + i);
        }
        return value;
    }

    private static int u16(Bytes data, int at) {
        return data.get(at) << 8 | data.get(at + 1);
    }
}
