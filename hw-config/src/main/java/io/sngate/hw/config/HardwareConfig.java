package io.sngate.hw.config;

import java.util.List;
import java.util.Objects;

/**
 * The links beside UDP that the gateway serves, and the Pi's GPIO: YAML sections
 * {@code serial} (a list), {@code xbee} (a list) and {@code gpio}. All of them run in one
 * gateway process together with UDP.
 */
public record HardwareConfig(List<SerialPortConfig> serialPorts, List<XBeeRadioConfig> xbeeRadios, GpioConfig gpio) {

    public static final HardwareConfig NONE = new HardwareConfig(List.of(), List.of(), GpioConfig.NONE);

    public HardwareConfig {
        serialPorts = List.copyOf(serialPorts);
        xbeeRadios = List.copyOf(xbeeRadios);
        Objects.requireNonNull(gpio, "gpio");
    }
}
