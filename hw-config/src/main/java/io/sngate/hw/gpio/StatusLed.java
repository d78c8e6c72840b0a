package io.sngate.hw.gpio;

/**
 * The gateway's status LED: steadily on while the upstream (broker) connection is up, off
 * while it is down, and blinking while packets pass. Calls are cheap and never block, so
 * they may be made from event loops for every packet.
 */
public interface StatusLed {

    /**
     * The LED for a gateway configured without a status LED pin ({@code gpio.status-led-pin}
     * absent): every call does nothing.
     */
    StatusLed NONE = new StatusLed() {
        @Override
        public void connected(boolean connected) {
            // no LED configured
        }

        @Override
        public void traffic() {
            // no LED configured
        }

        @Override
        public String toString() {
            return "StatusLed.NONE";
        }
    };

    /** The upstream connection came up (true) or went down (false). */
    void connected(boolean connected);

    /** A packet passed; a flood of calls shows as steady blinking, not as queued blinks. */
    void traffic();
}
