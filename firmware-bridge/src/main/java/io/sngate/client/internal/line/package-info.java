/**
 * Not API: may change without notice. Framed serial ports on a client runtime: MQTT-SN framing
 * ({@link io.sngate.client.internal.line.MqttSnSerialPort}) and XBee API frames
 * ({@link io.sngate.client.internal.line.XBeePort}), behind the serial and XBee links and the bridge.
 */
package io.sngate.client.internal.line;
