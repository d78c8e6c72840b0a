/**
 * Not API: may change without notice. The selector thread behind {@code ClientRuntime.start};
 * the bridge and device-sim's benchmark use it to read their own sockets.
 */
package io.sngate.client.internal.runtime;
