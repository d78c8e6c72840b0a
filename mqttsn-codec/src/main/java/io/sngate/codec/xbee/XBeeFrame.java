package io.sngate.codec.xbee;

import io.sngate.codec.Bytes;
import java.util.Set;

/**
 * One XBee API frame: the frame data between the length field and the checksum, as a value.
 *
 * <p>The frames a gateway needs to move MQTT-SN packets over Zigbee/DigiMesh radios and to
 * configure them have their own records; every other frame type arrives as {@link Unknown},
 * so a radio that also emits e.g. explicit-addressing (0x91) or node-identification (0x95)
 * frames is not an error.
 *
 * <p>Fields are kept as the unsigned integers the radio sends; the records only check that
 * each fits its wire field. Status values a record does not name are kept as sent.
 */
public sealed interface XBeeFrame {

    /** 64-bit destination that reaches every node of the network. */
    long BROADCAST_ADDRESS_64 = 0x000000000000FFFFL;

    /** 64-bit destination that reaches the coordinator, whatever its serial number. */
    long COORDINATOR_ADDRESS_64 = 0L;

    /** 16-bit network address meaning "not known": the radio discovers it from the 64-bit address. */
    int UNKNOWN_ADDRESS_16 = 0xFFFE;

    /** The API identifier, the first byte of the frame data. */
    int frameType();

    /**
     * 0x10 Transmit Request: send {@code rfData} to another node.
     *
     * @param frameId         correlates the {@link TransmitStatus}; 0 asks the radio not to send one
     * @param destination64   64-bit address, {@link #BROADCAST_ADDRESS_64} or {@link #COORDINATOR_ADDRESS_64}
     * @param destination16   16-bit network address, or {@link #UNKNOWN_ADDRESS_16}
     * @param broadcastRadius maximum hops of a broadcast; 0 means the network maximum
     * @param options         transmit option bits (0 = the radio's defaults)
     */
    record TransmitRequest(int frameId, long destination64, int destination16, int broadcastRadius, int options,
                           Bytes rfData) implements XBeeFrame {

        public static final int FRAME_TYPE = 0x10;

        /** Frame type, id, 64-bit and 16-bit address, radius, options. */
        static final int FIXED_LENGTH = 14;

        /** Disables retries and route repair. */
        public static final int OPTION_DISABLE_RETRIES = 0x01;

        public TransmitRequest {
            FieldCheck.uint8("frameId", frameId);
            FieldCheck.uint16("destination16", destination16);
            FieldCheck.uint8("broadcastRadius", broadcastRadius);
            FieldCheck.uint8("options", options);
            FieldCheck.tail("rfData", rfData, FIXED_LENGTH);
        }

        /** A unicast to a 64-bit address, letting the radio find the 16-bit one, with default options. */
        public static TransmitRequest unicast(int frameId, long destination64, Bytes rfData) {
            return new TransmitRequest(frameId, destination64, UNKNOWN_ADDRESS_16, 0, 0, rfData);
        }

        /** A broadcast to the whole network with the maximum radius and default options. */
        public static TransmitRequest broadcast(int frameId, Bytes rfData) {
            return new TransmitRequest(frameId, BROADCAST_ADDRESS_64, UNKNOWN_ADDRESS_16, 0, 0, rfData);
        }

        public boolean isBroadcast() {
            return destination64 == BROADCAST_ADDRESS_64;
        }

        @Override
        public int frameType() {
            return FRAME_TYPE;
        }

        @Override
        public String toString() {
            return String.format("TransmitRequest[frameId=%d, destination64=%016X, destination16=%04X, "
                            + "broadcastRadius=%d, options=0x%02X, rfData=%s]",
                    frameId, destination64, destination16, broadcastRadius, options, rfData);
        }
    }

    /**
     * 0x90 Receive Packet: {@code rfData} received from another node.
     *
     * @param source64 the sender's 64-bit address
     * @param source16 the sender's 16-bit network address, {@link #UNKNOWN_ADDRESS_16} if the network has none
     * @param options  receive option bits, see {@link #OPTION_BROADCAST}
     */
    record ReceivePacket(long source64, int source16, int options, Bytes rfData) implements XBeeFrame {

        public static final int FRAME_TYPE = 0x90;

        /** Frame type, 64-bit and 16-bit address, options. */
        static final int FIXED_LENGTH = 12;

        /** The packet was acknowledged to its sender. */
        public static final int OPTION_ACKNOWLEDGED = 0x01;

        /** The packet was a broadcast, not addressed to this radio alone. */
        public static final int OPTION_BROADCAST = 0x02;

        public ReceivePacket {
            FieldCheck.uint16("source16", source16);
            FieldCheck.uint8("options", options);
            FieldCheck.tail("rfData", rfData, FIXED_LENGTH);
        }

        public boolean isBroadcast() {
            return (options & OPTION_BROADCAST) != 0;
        }

        @Override
        public int frameType() {
            return FRAME_TYPE;
        }

        @Override
        public String toString() {
            return String.format("ReceivePacket[source64=%016X, source16=%04X, options=0x%02X, rfData=%s]",
                    source64, source16, options, rfData);
        }
    }

    /**
     * 0x8B Transmit Status: the outcome of the {@link TransmitRequest} with the same frame id.
     *
     * @param destination16   the 16-bit address the packet was sent to ({@link #UNKNOWN_ADDRESS_16} on failure)
     * @param retryCount      MAC-level retransmissions it took
     * @param deliveryStatus  {@link #DELIVERY_SUCCESS} or the reason for failure
     * @param discoveryStatus what discovery the send needed: 0 none, 1 address, 2 route, 3 both
     */
    record TransmitStatus(int frameId, int destination16, int retryCount, int deliveryStatus, int discoveryStatus)
            implements XBeeFrame {

        public static final int FRAME_TYPE = 0x8B;

        /** The whole frame data: type, id, 16-bit address, retry count, delivery, discovery. */
        static final int LENGTH = 7;

        public static final int DELIVERY_SUCCESS = 0x00;
        public static final int DELIVERY_MAC_ACK_FAILURE = 0x01;
        public static final int DELIVERY_NETWORK_ACK_FAILURE = 0x21;
        public static final int DELIVERY_NOT_JOINED = 0x22;
        public static final int DELIVERY_ADDRESS_NOT_FOUND = 0x24;
        public static final int DELIVERY_ROUTE_NOT_FOUND = 0x25;
        public static final int DELIVERY_PAYLOAD_TOO_LARGE = 0x74;

        public TransmitStatus {
            FieldCheck.uint8("frameId", frameId);
            FieldCheck.uint16("destination16", destination16);
            FieldCheck.uint8("retryCount", retryCount);
            FieldCheck.uint8("deliveryStatus", deliveryStatus);
            FieldCheck.uint8("discoveryStatus", discoveryStatus);
        }

        public boolean delivered() {
            return deliveryStatus == DELIVERY_SUCCESS;
        }

        @Override
        public int frameType() {
            return FRAME_TYPE;
        }

        @Override
        public String toString() {
            return String.format("TransmitStatus[frameId=%d, destination16=%04X, retryCount=%d, "
                            + "deliveryStatus=0x%02X, discoveryStatus=0x%02X]",
                    frameId, destination16, retryCount, deliveryStatus, discoveryStatus);
        }
    }

    /**
     * 0x08 AT Command: query a radio parameter (empty {@code parameter}) or set it.
     *
     * @param frameId   correlates the {@link AtCommandResponse}; 0 asks the radio not to send one
     * @param command   the two-character command, e.g. {@code "AP"}
     * @param parameter the new value, empty for a query
     */
    record AtCommand(int frameId, String command, Bytes parameter) implements XBeeFrame {

        public static final int FRAME_TYPE = 0x08;

        /** Frame type, id, two command characters. */
        static final int FIXED_LENGTH = 4;

        public AtCommand {
            FieldCheck.uint8("frameId", frameId);
            FieldCheck.command("command", command);
            FieldCheck.tail("parameter", parameter, FIXED_LENGTH);
        }

        /** Reads the parameter's current value. */
        public static AtCommand query(int frameId, String command) {
            return new AtCommand(frameId, command, Bytes.EMPTY);
        }

        @Override
        public int frameType() {
            return FRAME_TYPE;
        }
    }

    /**
     * 0x88 AT Command Response: the outcome of the {@link AtCommand} with the same frame id.
     *
     * @param status {@link #STATUS_OK} or an error, see the constants
     * @param data   the parameter value for a query, usually empty for a set
     */
    record AtCommandResponse(int frameId, String command, int status, Bytes data) implements XBeeFrame {

        public static final int FRAME_TYPE = 0x88;

        /** Frame type, id, two command characters, status. */
        static final int FIXED_LENGTH = 5;

        public static final int STATUS_OK = 0;
        public static final int STATUS_ERROR = 1;
        public static final int STATUS_INVALID_COMMAND = 2;
        public static final int STATUS_INVALID_PARAMETER = 3;
        public static final int STATUS_TX_FAILURE = 4;

        public AtCommandResponse {
            FieldCheck.uint8("frameId", frameId);
            FieldCheck.command("command", command);
            FieldCheck.uint8("status", status);
            FieldCheck.tail("data", data, FIXED_LENGTH);
        }

        public boolean ok() {
            return status == STATUS_OK;
        }

        @Override
        public int frameType() {
            return FRAME_TYPE;
        }
    }

    /** 0x8A Modem Status: an event of the radio itself (reset, joined, left the network, ...). */
    record ModemStatus(int status) implements XBeeFrame {

        public static final int FRAME_TYPE = 0x8A;

        /** The whole frame data: type and status. */
        static final int LENGTH = 2;

        public static final int HARDWARE_RESET = 0x00;
        public static final int WATCHDOG_RESET = 0x01;
        public static final int JOINED_NETWORK = 0x02;
        public static final int DISASSOCIATED = 0x03;
        public static final int COORDINATOR_STARTED = 0x06;

        public ModemStatus {
            FieldCheck.uint8("status", status);
        }

        @Override
        public int frameType() {
            return FRAME_TYPE;
        }
    }

    /**
     * Any frame type without its own record, kept whole so it can be logged or passed on.
     * The frame types that have a record are refused here: each frame has one value only.
     *
     * @param data the frame data after the frame type byte
     */
    record Unknown(int frameType, Bytes data) implements XBeeFrame {

        /** The frame types that have their own record. */
        static final Set<Integer> MODELLED_TYPES = Set.of(TransmitRequest.FRAME_TYPE, ReceivePacket.FRAME_TYPE,
                TransmitStatus.FRAME_TYPE, AtCommand.FRAME_TYPE, AtCommandResponse.FRAME_TYPE,
                ModemStatus.FRAME_TYPE);

        public Unknown {
            FieldCheck.uint8("frameType", frameType);
            if (MODELLED_TYPES.contains(frameType)) {
                throw new IllegalArgumentException(String.format(
                        "frame type 0x%02X has its own record, it cannot be an Unknown frame", frameType));
            }
            FieldCheck.tail("data", data, 1);
        }

        @Override
        public String toString() {
            return String.format("Unknown[frameType=0x%02X, data=%s]", frameType, data);
        }
    }
}
