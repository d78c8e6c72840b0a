package io.sngate.hw.config;

import io.sngate.hw.serial.SerialSettings;
import java.util.Objects;

/**
 * One serial line the gateway serves (YAML list {@code serial}). The line carries MQTT-SN
 * frames of one device, or of many when {@code forwarder} is true: then a forwarder on the
 * line wraps each device's frames in forwarder encapsulation (0xFE) with the device's node id.
 *
 * @param name      short name for logs and the ready line, unique among transports
 * @param serial    the port and its UART parameters
 * @param forwarder frames on this line are forwarder-encapsulated
 */
public record SerialPortConfig(String name, SerialSettings serial, boolean forwarder) {
    public SerialPortConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(serial, "serial");
    }
}
