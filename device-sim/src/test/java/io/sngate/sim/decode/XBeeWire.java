package io.sngate.sim.decode;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * XBee API frames written from the format's description, independently of the codec under test:
 * 0x7E, a 16-bit length of the frame data, the frame data, and a checksum that brings the low byte
 * of the frame data's sum to 0xFF; in API mode 2, 0x7E, 0x7D, 0x11 and 0x13 after the delimiter
 * are sent as 0x7D and the byte XOR 0x20.
 */
public final class XBeeWire {

    private XBeeWire() {
    }

    public static byte[] frame(boolean escaped, byte[] frameData) {
        int sum = 0;
        for (byte b : frameData) {
            sum += b & 0xFF;
        }
        int checksum = 0xFF - (sum & 0xFF);
        byte[] unescaped = new Wire().u8(0x7E).u16(frameData.length).bytes(frameData).u8(checksum).done();
        if (!escaped) {
            return unescaped;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x7E);
        for (int i = 1; i < unescaped.length; i++) {
            int b = unescaped[i] & 0xFF;
            if (b == 0x7E || b == 0x7D || b == 0x11 || b == 0x13) {
                out.write(0x7D);
                out.write(b ^ 0x20);
            } else {
                out.write(b);
            }
        }
        return out.toByteArray();
    }

    public static byte[] receivePacket(long source64, int source16, int options, byte[] rfData) {
        return new Wire().u8(0x90).u32(source64 >>> 32, true).u32(source64 & 0xFFFFFFFFL, true).u16(source16)
                .u8(options).bytes(rfData).done();
    }

    public static byte[] transmitRequest(int frameId, long destination64, int destination16, int radius, int options,
                                  byte[] rfData) {
        return new Wire().u8(0x10).u8(frameId).u32(destination64 >>> 32, true).u32(destination64 & 0xFFFFFFFFL, true)
                .u16(destination16).u8(radius).u8(options).bytes(rfData).done();
    }

    public static byte[] transmitStatus(int frameId, int destination16, int retries, int delivery, int discovery) {
        return new Wire().u8(0x8B).u8(frameId).u16(destination16).u8(retries).u8(delivery).u8(discovery).done();
    }

    public static byte[] atCommand(int frameId, String command, byte[] parameter) {
        return new Wire().u8(0x08).u8(frameId).bytes(command.getBytes(StandardCharsets.US_ASCII)).bytes(parameter)
                .done();
    }

    public static byte[] atResponse(int frameId, String command, int status, byte[] data) {
        return new Wire().u8(0x88).u8(frameId).bytes(command.getBytes(StandardCharsets.US_ASCII)).u8(status)
                .bytes(data).done();
    }

    public static byte[] modemStatus(int status) {
        return new Wire().u8(0x8A).u8(status).done();
    }

    /** 0x91: 64- and 16-bit source, source and destination endpoint, cluster, profile, options, RF data. */
    public static byte[] explicitRx(long source64, int source16, int sourceEndpoint, int destinationEndpoint,
                                    int cluster, int profile, int options, byte[] rfData) {
        return new Wire().u8(0x91).u32(source64 >>> 32, true).u32(source64 & 0xFFFFFFFFL, true).u16(source16)
                .u8(sourceEndpoint).u8(destinationEndpoint).u16(cluster).u16(profile).u8(options).bytes(rfData)
                .done();
    }

    /** 0x11: frame id, 64- and 16-bit destination, endpoints, cluster, profile, radius, options, RF data. */
    public static byte[] explicitTx(int frameId, long destination64, int destination16, int sourceEndpoint,
                                    int destinationEndpoint, int cluster, int profile, int radius, int options,
                                    byte[] rfData) {
        return new Wire().u8(0x11).u8(frameId).u32(destination64 >>> 32, true)
                .u32(destination64 & 0xFFFFFFFFL, true).u16(destination16).u8(sourceEndpoint)
                .u8(destinationEndpoint).u16(cluster).u16(profile).u8(radius).u8(options).bytes(rfData).done();
    }
}
