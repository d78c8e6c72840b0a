package io.sngate.device;

/**
 * A radio's 64-bit (IEEE extended) address: who sent a packet over an {@link XBeeLink}.
 * Printed as the 16 hex digits printed on the module's label.
 */
public record XBeeAddress(long address64) {

    @Override
    public String toString() {
        return String.format("%016X", address64);
    }
}
