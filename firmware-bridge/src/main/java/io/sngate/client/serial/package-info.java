/**
 * Client links over serial lines ({@link io.sngate.client.serial.SerialLink}) and XBee radios in
 * API mode ({@link io.sngate.client.serial.XBeeLink}). They need hw-config (and through it
 * jSerialComm, or jssc) on the class path; firmware-bridge declares it optional, so a project
 * using these links declares {@code io.sngate:hw-config} itself.
 */
package io.sngate.client.serial;
