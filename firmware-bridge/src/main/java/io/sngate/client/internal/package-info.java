/**
 * Not API: may change without notice. The client's implementation, under
 * {@code io.sngate.client.internal.*}: the sans-I/O protocol core ({@code core}), the selector
 * runtime ({@code runtime}) and the framed serial ports ({@code line}). Only this repository's
 * bridge ({@code io.sngate.bridge}) and simulator (device-sim) use them directly.
 */
package io.sngate.client.internal;
