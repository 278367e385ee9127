package io.imagebatch.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.provider.RateBuckets.Bucket;
import io.imagebatch.provider.RateBuckets.Taken;
import org.junit.jupiter.api.Test;

/**
 * The arithmetic of a lease on a key's row ({@link RateBuckets#take}, {@link RateBuckets#held}), on times the test
 * states (microseconds of the database's clock): what the transaction computes between its {@code SELECT ... FOR
 * UPDATE} and its update.
 */
class RateBucketsTest {

    private static final long T0 = 1_764_000_000_000_000L; // epoch µs
    private static final long MS = 1_000;

    @Test
    void aFirstLeaseMakesTheRowAtTheCallersRateAndGrantsAtMostATenthOfASecondOfIt() {
        Taken first = RateBuckets.take(null, T0, 32, 50, Double.NaN);

        assertThat(first.lease()).isEqualTo(new SharedBudget.Lease(5, 0, 50));
        assertThat(first.after()).isEqualTo(new Bucket(5, T0, 50)); // 200 ms of the rate, less the lease
        assertThat(RateBuckets.take(null, T0, 2, 50, Double.NaN).lease().permits()).as("fewer wanted").isEqualTo(2);
        assertThat(RateBuckets.take(null, T0, 9, 3, Double.NaN).lease().permits()).as("a slow rate: one")
                .isEqualTo(1);
    }

    @Test
    void anEmptyBucketGrantsOneLeaseAheadUsableOnceItHasRefilledAndThenSaysHowLongToWait() {
        Bucket empty = new Bucket(0, T0, 50);

        Taken ahead = RateBuckets.take(empty, T0 + 40 * MS, 5, 50, 50); // 40 ms: 2 of the 5 tokens

        assertThat(ahead.lease()).isEqualTo(new SharedBudget.Lease(5, 60 * MS, 50)); // usable in 60 ms
        assertThat(ahead.after()).isEqualTo(new Bucket(-3, T0 + 40 * MS, 50));
        Taken none = RateBuckets.take(ahead.after(), T0 + 40 * MS, 5, 50, 50);
        assertThat(none.lease()).isEqualTo(new SharedBudget.Lease(0, 60 * MS, 50)); // no second lease ahead
        assertThat(none.after()).isEqualTo(ahead.after());
    }

    @Test
    void processesIdleForLongFindAtMostTwoLeasesWorthNotABurstOfAllTheTimeIdle() {
        Taken taken = RateBuckets.take(new Bucket(0, T0, 50), T0 + 30_000 * MS, 5, 50, 50);

        assertThat(taken.lease().permits()).isEqualTo(5);
        assertThat(taken.after().tokens()).isEqualTo(5); // capacity 10, less the lease
    }

    @Test
    void aRateLoweredByOneProcessLowersTheBucketAndAnIncreaseFromAnOutdatedRateIsRefused() {
        Bucket row = new Bucket(10, T0, 50);

        assertThat(RateBuckets.take(row, T0, 1, 35, 50).after().rate()).as("a decrease").isEqualTo(35);
        assertThat(RateBuckets.take(row, T0, 1, 60, 80).after().rate()).as("an increase from 80, the row is at 50")
                .isEqualTo(50);
        assertThat(RateBuckets.take(row, T0, 1, 55, 50).after().rate()).as("an increase from 50").isEqualTo(55);
        assertThat(RateBuckets.take(row, T0, 1, 80, Double.NaN).lease().rate()).as("a process joining follows")
                .isEqualTo(50);
    }

    @Test
    void aRowUnusedForAMinuteStartsAfreshAtTheRateOfTheProcessThatLeases() {
        Bucket yesterday = new Bucket(0, T0, 3);

        Taken taken = RateBuckets.take(yesterday, T0 + RateBuckets.STALE_MILLIS * MS + 1, 5, 50, 3);

        assertThat(taken.lease()).isEqualTo(new SharedBudget.Lease(5, 0, 50));
    }

    @Test
    void aPauseEmptiesTheBucketAndHoldsEveryLeaseUntilItsEndOnTheDatabasesClock() {
        Bucket held = RateBuckets.held(new Bucket(10, T0, 50), T0, 35, 2_000 * MS);

        assertThat(held).isEqualTo(new Bucket(0, T0 + 2_000 * MS, 35));
        Taken during = RateBuckets.take(held, T0 + 500 * MS, 5, 35, 35);
        assertThat(during.lease()).isEqualTo(new SharedBudget.Lease(0, 1_500 * MS, 35));
        Taken after = RateBuckets.take(held, T0 + 2_200 * MS, 3, 35, 35); // 200 ms of 35/s, at most 2 leases of 3
        assertThat(after.lease().permits()).isEqualTo(3);
        assertThat(RateBuckets.held(held, T0 + 100 * MS, Double.NaN, 500 * MS).refilledAtMicros())
                .as("a shorter pause does not shorten a longer one").isEqualTo(T0 + 2_000 * MS);
    }
}
