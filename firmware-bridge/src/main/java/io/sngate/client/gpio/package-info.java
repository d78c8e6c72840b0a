/**
 * Raspberry Pi GPIO bindings for the client: a digital input published on a topic
 * ({@link io.sngate.client.gpio.InputPublisher}), a digital output following one
 * ({@link io.sngate.client.gpio.OutputSubscriber}); see {@code docs/device-gpio.md}. They need pi4j
 * on the class path; firmware-bridge declares it optional, so a project using them declares
 * {@code com.pi4j:pi4j-core} (and a provider) itself.
 */
package io.sngate.client.gpio;
