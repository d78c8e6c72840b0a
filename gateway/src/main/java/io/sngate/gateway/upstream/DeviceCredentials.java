package io.sngate.gateway.upstream;

import java.util.Optional;
import java.util.function.Function;

/**
 * One device's own broker user name and password (from the devices file), sent in place of the
 * gateway's in transparent mode, so that the broker's authentication and ACLs apply per device.
 */
public record DeviceCredentials(Optional<String> username, Optional<byte[]> password) {

    /** Where a transparent upstream looks a device's credentials up, at each connection. */
    public interface Lookup extends Function<String, Optional<DeviceCredentials>> {
        Lookup NONE = clientId -> Optional.empty();
    }
}
