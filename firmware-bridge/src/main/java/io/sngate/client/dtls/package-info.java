/**
 * The client link over DTLS 1.2 ({@link io.sngate.client.dtls.DtlsLink}) and its credentials (PSK,
 * certificates). It needs Eclipse Californium Scandium on the class path; firmware-bridge declares
 * it optional, so a project using DTLS declares {@code org.eclipse.californium:scandium} itself.
 */
package io.sngate.client.dtls;
