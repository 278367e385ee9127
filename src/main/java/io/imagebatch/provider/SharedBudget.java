package io.imagebatch.provider;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One provider key's request budget as every process on the database shares it (README, "Finding a provider's rate
 * limit"): a {@link ProviderThrottle} leases a few permits at a time from it, so that the processes' requests
 * together stay within the key's rate, and tells it about 429s and Retry-After pauses, so that they hold every
 * process. {@link RateBuckets} keeps it in the database; {@link #NONE} is a process alone.
 */
public interface SharedBudget {

    /** No sharing: every permit is granted at once, nothing is told to other processes (a process alone). */
    SharedBudget NONE = new SharedBudget() {
        @Override
        public Optional<Lease> lease(int wanted, double proposedRate, double knownRate) {
            return Optional.of(new Lease(Math.max(1, wanted), 0, proposedRate));
        }

        @Override
        public void hold(double lowerTo, Duration pause) {
            // nobody to tell
        }

        @Override
        public boolean isShared() {
            return false;
        }
    };

    /**
     * Leases permits to send requests, and agrees on the key's rate: a rate this process lowered
     * ({@code proposedRate < knownRate}) lowers the shared one; a rate it raised ({@code proposedRate > knownRate})
     * replaces the shared one only if nobody changed that since this process saw it ({@code knownRate}).
     *
     * @param wanted       how many permits the caller can use now, at least 1; the budget grants at most 100 ms of
     *                     the rate (at least 1)
     * @param proposedRate this process's rate now, requests a second, positive
     * @param knownRate    the shared rate this process saw at its last lease (requests a second), or NaN for none
     * @return the lease: permits granted (0 when none is left: then wait {@link Lease#waitMicros()} and ask again)
     *         and the shared rate to follow; empty when the budget could not be reached in time (the database is
     *         down, or no connection was free): the caller paces alone
     */
    Optional<Lease> lease(int wanted, double proposedRate, double knownRate);

    /**
     * {@link #lease} without waiting for it: a throttle asks for its next permits while it still has some, so that
     * its callers do not wait for the database's round trip. The same arguments and outcome as {@link #lease}; the
     * caller bounds its wait for the result ({@link RateBuckets#LEASE_TIMEOUT_MILLIS}). By default the lease is made
     * at once, on the calling thread.
     *
     * @param wanted       how many permits the caller can use, at least 1
     * @param proposedRate this process's rate now, requests a second, positive
     * @param knownRate    the shared rate this process saw at its last lease, or NaN for none
     * @return the lease, completed when it is made; never completed exceptionally (empty instead)
     */
    default CompletableFuture<Optional<Lease>> leaseLater(int wanted, double proposedRate, double knownRate) {
        return CompletableFuture.completedFuture(lease(wanted, proposedRate, knownRate));
    }

    /**
     * Tells every process that the provider answered 429 or said no request is left: lowers the shared rate (when
     * {@code lowerTo} is a positive number below it), empties the bucket and holds every process's next lease until
     * {@code pause} has passed on the database's clock. Returns at once (done on another thread); never throws.
     *
     * @param lowerTo the rate to lower the shared rate to, requests a second; NaN or not positive for no change
     * @param pause   how long every process sends nothing; zero or negative for no pause
     */
    void hold(double lowerTo, Duration pause);

    /** @return true when the budget is shared with other processes (leases cost a database round trip) */
    boolean isShared();

    /**
     * Permits leased from a {@link SharedBudget}.
     *
     * @param permits    requests this process may send, 0 or more
     * @param waitMicros with permits: how long until they may be used, microseconds (0: now; more when they were
     *                   granted ahead of the bucket's refill); with none: how long until asking again makes sense
     *                   (the remaining pause, or the time the bucket needs to refill)
     * @param rate       the key's shared rate now, requests a second, positive
     */
    record Lease(int permits, long waitMicros, double rate) {
    }
}
