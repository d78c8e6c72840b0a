package io.sngate.sim.line;

/**
 * What a noisy UART does to the frames a virtual line writes towards the gateway: frames
 * lost whole, frames damaged, bursts of line noise before a frame, frames cut off half way.
 * Each is a per-frame chance, drawn from a seeded random, so a run with the same seed and the
 * same frame order damages the same frames.
 *
 * <p>This is the line below the link (the wire between the gateway and its radio or forwarder);
 * {@code io.sngate.sim.Impairment} is the radio network above it (loss, duplication, reordering
 * of whole packets between a device and the radio). A test of the gateway's resynchronisation
 * wants the first, a test of the protocol's retries the second.
 *
 * @param dropPercent      chance a frame is never written (the UART lost it)
 * @param corruptPercent   chance one bit of a frame is flipped (for XBee frames: inside the frame
 *                         data, so the checksum no longer matches)
 * @param noisePercent     chance a burst of 1 to 16 random bytes (0x7E included) goes before a frame
 * @param halfFramePercent chance only the first part of a frame is written and the rest is lost
 */
public record LineImpairment(double dropPercent, double corruptPercent, double noisePercent,
                             double halfFramePercent) {

    public static final LineImpairment NONE = new LineImpairment(0, 0, 0, 0);

    public LineImpairment {
        check("drop-percent", dropPercent);
        check("corrupt-percent", corruptPercent);
        check("noise-percent", noisePercent);
        check("half-frame-percent", halfFramePercent);
    }

    private static void check(String name, double percent) {
        if (!(percent >= 0 && percent <= 100)) {
            throw new IllegalArgumentException(name + " must be from 0 to 100, not " + percent);
        }
    }

    public boolean isNone() {
        return equals(NONE);
    }

    @Override
    public String toString() {
        if (isNone()) {
            return "none";
        }
        return "drop " + dropPercent + "%, corrupt " + corruptPercent + "%, noise " + noisePercent
                + "%, half frames " + halfFramePercent + "%";
    }
}
