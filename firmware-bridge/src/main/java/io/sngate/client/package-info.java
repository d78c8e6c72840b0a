/**
 * The MQTT-SN client library: the API applications use.
 *
 * <p>{@link io.sngate.client.MqttSnClient} (built with {@link io.sngate.client.MqttSnClient#builder})
 * connects, publishes at QoS -1 to 2, subscribes, sleeps and wakes over a
 * {@link io.sngate.client.Link}; its requests end in an {@link io.sngate.client.Outcome}, and what
 * happens to it comes as {@link io.sngate.client.ClientEvent}s. {@link io.sngate.client.UdpLink} is
 * here; DTLS is in {@code io.sngate.client.dtls} (needs Eclipse Scandium), serial lines and XBee
 * radios in {@code io.sngate.client.serial} (need hw-config), Raspberry Pi GPIO bindings in
 * {@code io.sngate.client.gpio} (need pi4j). A client over UDP needs only this package, the codec
 * (mqttsn-codec) and slf4j-api on its class path.
 *
 * <p>Everything under {@code io.sngate.client.internal} is not API. Examples: {@code docs/client.md}.
 */
package io.sngate.client;
