package io.sngate.codec;

/** The MQTT-SN protocol versions, by the value of CONNECT's protocol id byte. */
public enum ProtocolVersion {
    V1_2(0x01),
    V2_0(0x02);

    private final int protocolId;

    ProtocolVersion(int protocolId) {
        this.protocolId = protocolId;
    }

    public int protocolId() {
        return protocolId;
    }
}
