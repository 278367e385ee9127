package io.imagebatch.app;

import java.util.function.LongSupplier;

/**
 * When {@code run} may count the ledger again for its progress line (README.md, Performance, "A million rows").
 * The count reads every line of the batch, so it costs time in proportion to the batch: a few milliseconds for a
 * thousand rows, seconds for a million on a busy machine. Asked every progress interval regardless, it would take
 * a growing share of the run as the ledger grows, and the run would slow down as it goes. So the next count is due
 * one progress interval after the last one started, and no sooner than {@value #COST_FACTOR} times the last
 * count's own duration after it ended: counting never takes more than about 1/{@value #COST_FACTOR} of the wall
 * time, and small batches still print every interval.
 *
 * <p>Not thread-safe: one progress thread asks it.
 */
final class ProgressPacing {

    /** A count that took {@code d} ms is followed by at least {@code d x COST_FACTOR} ms without one. */
    static final int COST_FACTOR = 20;

    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private long nextDue;

    /**
     * @param intervalMillis the progress interval ({@code imagebatch.job.progress-interval}), in ms, more than 0
     * @param nanoTime       the monotonic clock, in ns ({@code System::nanoTime}; a test's own)
     * @throws IllegalArgumentException when {@code intervalMillis} is not positive
     */
    ProgressPacing(long intervalMillis, LongSupplier nanoTime) {
        if (intervalMillis <= 0) {
            throw new IllegalArgumentException("progress interval " + intervalMillis + " ms: must be more than 0");
        }
        this.intervalNanos = intervalMillis * 1_000_000L;
        this.nanoTime = nanoTime;
        this.nextDue = nanoTime.getAsLong();
    }

    /**
     * Runs {@code count} when it is due, and times it.
     *
     * @param count counts the ledger and prints the progress line
     * @return true when it ran; false when it was not due yet (nothing was done)
     */
    boolean runIfDue(Runnable count) {
        long start = nanoTime.getAsLong();
        if (start - nextDue < 0) {
            return false;
        }
        try {
            count.run();
        } finally {
            long end = nanoTime.getAsLong();
            nextDue = Math.max(start + intervalNanos, end + (end - start) * COST_FACTOR);
        }
        return true;
    }
}
