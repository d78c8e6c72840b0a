/**
 * The bridge program ({@code sngate-bridge.jar}, {@link io.sngate.bridge.Main}): a forwarder from
 * serial lines and XBee radios to a UDP (or DTLS) gateway. A program, not a library API:
 * {@link io.sngate.bridge.Bridge}, {@link io.sngate.bridge.BridgeArgs},
 * {@link io.sngate.bridge.BridgeConfig} and {@link io.sngate.bridge.BridgeCounters} are public for
 * device-sim's end-to-end tests and the rehearsal of docs/simulator.md. It runs on the client
 * library's internals ({@code io.sngate.client.internal.runtime} and {@code .line}).
 */
package io.sngate.bridge;
