package io.imagebatch.testsupport;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock in UTC that only the test moves, so that a test of anything timed (a poll schedule, a lock's expiry)
 * states its times instead of waiting for them. Safe to read and move from several threads.
 */
public final class TestClock extends Clock {

    private final AtomicLong millis;

    /** @param millis the start, epoch ms */
    public TestClock(long millis) {
        this.millis = new AtomicLong(millis);
    }

    /** @param by ms to move forward (negative moves back) */
    public void advance(long by) {
        millis.addAndGet(by);
    }

    /** @param to the new time, epoch ms */
    public void set(long to) {
        millis.set(to);
    }

    @Override
    public long millis() {
        return millis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    /** @return this clock: the zone does not change what it counts */
    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
