package io.imagebatch.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The progress line's count of the ledger, paced by its own cost; time is a test clock, never the machine's. */
class ProgressPacingTest {

    private static final long MS = 1_000_000L;

    private final AtomicLong now = new AtomicLong(1_000 * MS);

    /** Asks every {@code interval} ms for {@code total} ms, each count taking {@code countMs}; returns the counts. */
    private int countsOver(ProgressPacing pacing, long interval, long total, long countMs) {
        int counts = 0;
        for (long t = 0; t < total; t += interval) {
            long tick = now.get();
            if (pacing.runIfDue(() -> now.addAndGet(countMs * MS))) {
                counts++;
            }
            now.set(tick + interval * MS); // the scheduler's next tick, whatever the count took
        }
        return counts;
    }

    @Test
    void aCheapCountRunsEveryInterval() {
        ProgressPacing pacing = new ProgressPacing(5_000, now::get);

        assertThat(countsOver(pacing, 5_000, 60_000, 10)).isEqualTo(12);
    }

    @Test
    void aCountThatGrowsWithTheLedgerNeverTakesMoreThanAShareOfTheRun() {
        // a million rows on a busy machine: 2.7 s a count (measured with H2; README.md, Performance)
        ProgressPacing pacing = new ProgressPacing(5_000, now::get);
        long run = 600_000;

        int counts = countsOver(pacing, 5_000, run, 2_700);

        long counting = counts * 2_700L;
        assertThat(counting).as("ms counting over a %d ms run (%d counts)", run, counts)
                .isLessThanOrEqualTo(run / ProgressPacing.COST_FACTOR + 2_700);
        assertThat(counts).as("progress still printed now and then").isGreaterThanOrEqualTo(5);
    }

    @Test
    void aFailingCountIsPacedToo() {
        ProgressPacing pacing = new ProgressPacing(5_000, now::get);
        try {
            pacing.runIfDue(() -> {
                now.addAndGet(1_000 * MS);
                throw new IllegalStateException("database gone");
            });
        } catch (IllegalStateException expected) {
            // the caller's to report
        }
        now.addAndGet(5_000 * MS);
        assertThat(pacing.runIfDue(() -> { })).as("1 s count: next one not before 20 s after it").isFalse();
        now.addAndGet(15_000 * MS);
        assertThat(pacing.runIfDue(() -> { })).isTrue();
    }

    @Test
    void anIntervalOfZeroIsRefused() {
        assertThatThrownBy(() -> new ProgressPacing(0, now::get)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("progress interval 0 ms");
    }
}
