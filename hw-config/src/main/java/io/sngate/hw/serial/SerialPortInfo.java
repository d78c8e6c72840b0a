package io.sngate.hw.serial;

/** A port the machine has: its device path and what the system says it is. */
public record SerialPortInfo(String path, String description) {
}
