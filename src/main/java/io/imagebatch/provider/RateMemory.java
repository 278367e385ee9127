package io.imagebatch.provider;

import java.util.OptionalDouble;

/**
 * Where a {@link ProviderThrottle} keeps the rate it learned for one provider key, so that the next run starts
 * at it instead of finding it again (README, Performance). {@link LearnedRates} keeps it in the database.
 */
public interface RateMemory {

    /** A memory that remembers nothing: every run finds the rate again. */
    RateMemory NONE = new RateMemory() {
        @Override
        public OptionalDouble learned() {
            return OptionalDouble.empty();
        }

        @Override
        public void learn(double requestsPerSecond) {
            // forgotten
        }
    };

    /**
     * Asked once, before the throttle's first request.
     *
     * @return the rate learned by an earlier run for this key, in requests a second (positive); empty when none is
     *         known or it cannot be read (a memory never throws)
     */
    OptionalDouble learned();

    /**
     * Remembers a rate the key sustained without a 429; may return before it is stored, and never throws.
     *
     * @param requestsPerSecond the rate, in requests a second, positive
     */
    void learn(double requestsPerSecond);
}
