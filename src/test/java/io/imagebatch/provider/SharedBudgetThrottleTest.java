package io.imagebatch.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * How a {@link ProviderThrottle} uses its key's shared budget when the budget answers and when it cannot be reached,
 * on a clock of the test's own: the budget here is scripted (the database's own behaviour is
 * {@link SharedRateBudgetContract}'s), so the share this process was granted is exact.
 */
class SharedBudgetThrottleTest {

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final List<Long> sleptMillis = new CopyOnWriteArrayList<>();

    /**
     * A budget of 100 requests a second shared with one other process as busy as this one: this process is granted
     * 5 permits every 100 ms (the other takes the other 5); a lease before then finds the bucket empty until then.
     * Down: no lease at all.
     */
    private final class HalfShare implements SharedBudget {
        final AtomicBoolean down = new AtomicBoolean();
        final AtomicInteger leases = new AtomicInteger();
        private long nextGrantNanos = Long.MIN_VALUE;

        @Override
        public synchronized Optional<Lease> lease(int wanted, double proposedRate, double knownRate) {
            if (down.get()) {
                return Optional.empty();
            }
            leases.incrementAndGet();
            long now = clock.get();
            if (now - nextGrantNanos >= 0 || nextGrantNanos == Long.MIN_VALUE) {
                nextGrantNanos = now + 100_000_000L;
                return Optional.of(new Lease(5, 0, 100));
            }
            return Optional.of(new Lease(0, (nextGrantNanos - now) / 1_000, 100));
        }

        @Override
        public void hold(double lowerTo, Duration pause) {
            // nothing to tell
        }

        @Override
        public boolean isShared() {
            return true;
        }
    }

    private ProviderThrottle throttle(SharedBudget budget) {
        return new ProviderThrottle("p", 100.0, 1, clock::get, millis -> {
            sleptMillis.add(millis);
            clock.addAndGet(millis * 1_000_000L);
        }, RateMemory.NONE, budget);
    }

    @Test
    void whenTheSharedBudgetCannotBeReachedTheThrottlePacesAloneAtTheShareItWasGranted() {
        HalfShare budget = new HalfShare();
        ProviderThrottle throttle = throttle(budget);
        for (int i = 0; i < 100; i++) {
            throttle.call(() -> "ok"); // 5 permits every 100 ms: 50 a second of the key's 100
        }
        assertThat(throttle.pacingRate()).isEqualTo(100.0);

        budget.down.set(true);
        sleptMillis.clear();
        for (int i = 0; i < 100; i++) {
            throttle.call(() -> "ok");
        }

        assertThat(throttle.pacingRate()).isEqualTo(50.0);
        assertThat(sleptMillis.subList(2, sleptMillis.size())).as("ms between requests, alone").containsOnly(20L);
    }

    @Test
    void aThrottlePacingAloneTriesTheBudgetAgainEverySecondAndSharesAgainOnceItAnswers() {
        HalfShare budget = new HalfShare();
        ProviderThrottle throttle = throttle(budget);
        for (int i = 0; i < 20; i++) {
            throttle.call(() -> "ok");
        }
        budget.down.set(true);
        throttle.call(() -> "ok");
        assertThat(throttle.pacingRate()).isEqualTo(50.0);

        budget.down.set(false);
        int before = budget.leases.get();
        long from = clock.get();
        while (budget.leases.get() == before) {
            throttle.call(() -> "ok");
        }

        assertThat(clock.get() - from).as("ns until it asked again").isLessThanOrEqualTo(1_100_000_000L);
        assertThat(throttle.pacingRate()).isEqualTo(100.0);
    }

    /**
     * A bucket that takes a proposed rate as the database does ({@link RateBuckets}): the first proposal sets it, an
     * increase is taken only from the rate the proposer knows, a decrease always; it grants every permit asked for.
     */
    private static final class AnsweringBucket implements SharedBudget {
        private double rate = Double.NaN;

        @Override
        public synchronized Optional<Lease> lease(int wanted, double proposedRate, double knownRate) {
            if (Double.isNaN(rate)) {
                rate = proposedRate;
            } else if (!Double.isNaN(knownRate) && proposedRate < knownRate) {
                rate = Math.min(rate, proposedRate);
            } else if (!Double.isNaN(knownRate) && proposedRate > knownRate && rate == knownRate) {
                rate = proposedRate;
            }
            return Optional.of(new Lease(Math.max(1, wanted), 0, rate));
        }

        @Override
        public void hold(double lowerTo, Duration pause) {
            // no 429 here
        }

        @Override
        public boolean isShared() {
            return true;
        }
    }

    @Test
    void aProcessAloneOnTheSharedBudgetLeavesTheSlowStartsFirstRateWhenNoLimitIsMet() {
        ProviderThrottle throttle = new ProviderThrottle("p", null, 1, clock::get, millis -> {
            clock.addAndGet(millis * 1_000_000L);
        }, RateMemory.NONE, new AnsweringBucket());
        double first = -1;
        for (int i = 0; i < 3_000; i++) {
            throttle.call(() -> "ok");
            if (i == 0) {
                first = throttle.pacingRate();
            }
        }

        // a lease asked ahead, before this process's own increase, carried the old shared rate; taken for another
        // process's decrease, it ended the slow start at its first rate
        assertThat(throttle.pacingRate()).as("requests/s after 3,000 answers, no 429").isGreaterThan(2 * first);
    }
}
