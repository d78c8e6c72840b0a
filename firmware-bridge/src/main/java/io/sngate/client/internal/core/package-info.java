/**
 * Not API: may change without notice. The client's sans-I/O MQTT-SN 1.2 state machine
 * ({@link io.sngate.client.internal.core.ClientCore}) and its parts. {@code MqttSnClient} drives it;
 * device-sim's benchmark ({@code io.sngate.sim.bench.SnDevices}) drives cores directly on raw sockets.
 */
package io.sngate.client.internal.core;
