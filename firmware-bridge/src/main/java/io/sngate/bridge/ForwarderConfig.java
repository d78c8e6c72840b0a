package io.sngate.bridge;

import io.sngate.codec.Bytes;
import io.sngate.codec.frame.ForwarderEncapsulation;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the forwarding core knows about the device side.
 *
 * @param serialNodeIds       the wireless node id of each serial line's device, by line index; empty
 *                            for a line with a forwarder on it, whose frames carry their nodes' ids
 * @param radioMaxPayloads    the largest RF payload of each XBee radio, by radio index
 * @param maxKnownAddresses   remote radios remembered with the radio that heard them (needed only
 *                            with several radios); the least recently heard is forgotten first
 * @param warnIntervalMillis  at most one WARN line per kind of problem in this interval
 */
record ForwarderConfig(List<Bytes> serialNodeIds, List<Integer> radioMaxPayloads, int maxKnownAddresses,
                              long warnIntervalMillis) {

    /** The length of an XBee node id: the big-endian 64-bit source address. */
    public static final int XBEE_NODE_ID_LENGTH = 8;

    public static final int DEFAULT_MAX_KNOWN_ADDRESSES = 4_096;

    public static final long DEFAULT_WARN_INTERVAL_MILLIS = 10_000;

    public ForwarderConfig {
        serialNodeIds = List.copyOf(serialNodeIds);
        radioMaxPayloads = List.copyOf(radioMaxPayloads);
        Set<Bytes> seen = new HashSet<>();
        for (int i = 0; i < serialNodeIds.size(); i++) {
            Bytes id = serialNodeIds.get(i);
            if (id.isEmpty()) {
                continue; // a forwarder line
            }
            if (id.length() > ForwarderEncapsulation.MAX_NODE_ID_LENGTH) {
                throw new IllegalArgumentException("serial line " + i + ": node id must be 1.."
                        + ForwarderEncapsulation.MAX_NODE_ID_LENGTH + " bytes, not " + id.length());
            }
            if (!radioMaxPayloads.isEmpty() && id.length() == XBEE_NODE_ID_LENGTH) {
                throw new IllegalArgumentException("serial line " + i + ": node id " + id.toHex()
                        + " has 8 bytes, the length of an XBee device's 64-bit address; use another length");
            }
            if (!seen.add(id)) {
                throw new IllegalArgumentException("serial line " + i + ": node id " + id.toHex()
                        + " is used by another line");
            }
        }
        for (int i = 0; i < radioMaxPayloads.size(); i++) {
            if (radioMaxPayloads.get(i) < 2) {
                throw new IllegalArgumentException("radio " + i + ": max payload must be at least 2 bytes");
            }
        }
        if (maxKnownAddresses < 1) {
            throw new IllegalArgumentException("maxKnownAddresses must be positive: " + maxKnownAddresses);
        }
        if (warnIntervalMillis < 0) {
            throw new IllegalArgumentException("warnIntervalMillis must not be negative: " + warnIntervalMillis);
        }
    }

    /** Whether serial line {@code line} has a forwarder on it (no node id of its own). */
    public boolean isForwarderLine(int line) {
        return serialNodeIds.get(line).isEmpty();
    }

    /** The node id a serial line gets unless configured: one byte, the line's number counted from 1. */
    public static Bytes defaultSerialNodeId(int lineIndex) {
        if (lineIndex < 0 || lineIndex > 0xFE) {
            throw new IllegalArgumentException("line index must be 0..254 for a one-byte default node id");
        }
        return Bytes.wrap(new byte[] {(byte) (lineIndex + 1)});
    }

    public static ForwarderConfig of(List<Bytes> serialNodeIds, List<Integer> radioMaxPayloads) {
        return new ForwarderConfig(serialNodeIds, radioMaxPayloads, DEFAULT_MAX_KNOWN_ADDRESSES,
                DEFAULT_WARN_INTERVAL_MILLIS);
    }
}
