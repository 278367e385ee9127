package io.imagebatch.storage;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Bounds the reading of an HTTP response body in time: the JDK {@code HttpClient}'s request timeout only covers
 * the response headers, so a server that stops sending, or sends one byte every few seconds, would hold a
 * download step thread for ever. Three limits, each failing the read with an {@link HttpTimeoutException} whose
 * message names it:
 * <ul>
 *   <li>per read: no data within {@code readTimeout};</li>
 *   <li>overall: the body not complete at {@code deadlineNanos} (a {@link System#nanoTime()} instant);</li>
 *   <li>rate: fewer than {@code minRate} bytes per second averaged over a window of {@code window} (judged
 *       whenever a read returns once the window is full; 0 turns it off).</li>
 * </ul>
 * A watchdog thread closes the stream when a timer expires, which wakes the blocked read. The per-read limit
 * costs no timer per read: one alarm per stream at a time, which, when it rings, compares the start of the read
 * in progress with the limit and either expires the stream or sets itself again for the rest of that read's
 * allowance (a body read in 16 KiB pieces would otherwise schedule, cancel and wake the watchdog some 1,200 times
 * per 20 MB image; README, "Performance", "Big images").
 */
final class ReadTimeoutInputStream extends BlockFilterInputStream {

    private static final ScheduledThreadPoolExecutor WATCHDOG = newWatchdog();
    private static final java.util.concurrent.atomic.AtomicLong TIMERS = new java.util.concurrent.atomic.AtomicLong();

    private final long timeoutNanos;
    private final long deadlineNanos;
    private final long totalNanos;
    private final long minRate;
    private final long windowNanos;
    private final ScheduledFuture<?> deadlineAlarm;
    private long windowStart = System.nanoTime();
    private long windowBytes;
    private volatile String expired;
    /** When the read in progress started ({@link System#nanoTime()}); meaningful while {@link #reading}. */
    private volatile long readStarted;
    private volatile boolean reading;
    private volatile boolean closed;
    /** Whether the per-read alarm is set; it is set again by the first read after it rang idle. */
    private final java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
    /** The per-read alarm last set, cancelled by {@link #close()} so a closed stream is not held until it rings. */
    private volatile ScheduledFuture<?> readAlarmTask;

    /**
     * @param in            the response body
     * @param timeout       the longest a single read may wait for data
     * @param deadlineNanos the {@link System#nanoTime()} by which the body must be complete, or
     *                      {@link Long#MAX_VALUE} for none
     * @param allowed       the whole fetch's allowance that {@code deadlineNanos} ends, for the message; null
     *                      when there is no deadline
     * @param minRate       slowest accepted transfer, bytes per second; 0 for no check
     * @param window        the window the rate is averaged over
     */
    ReadTimeoutInputStream(InputStream in, Duration timeout, long deadlineNanos, Duration allowed, long minRate,
            Duration window) {
        super(in);
        this.timeoutNanos = timeout.toNanos();
        this.deadlineNanos = deadlineNanos;
        this.minRate = minRate;
        this.windowNanos = window.toNanos();
        long now = System.nanoTime();
        this.totalNanos = allowed == null ? Long.MAX_VALUE : allowed.toNanos();
        this.deadlineAlarm = deadlineNanos == Long.MAX_VALUE ? null
                : schedule(() -> expire(deadlineMessage()), Math.max(0, deadlineNanos - now));
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        checkExpired(null);
        if (System.nanoTime() - deadlineNanos >= 0 && deadlineNanos != Long.MAX_VALUE) {
            expire(deadlineMessage());
            checkExpired(null);
        }
        readStarted = System.nanoTime();
        reading = true;
        if (armed.compareAndSet(false, true)) {
            readAlarmTask = schedule(this::readAlarm, timeoutNanos);
        }
        try {
            int n = in.read(b, off, len);
            checkExpired(null);
            if (n > 0) {
                checkRate(n);
            }
            return n;
        } catch (IOException e) {
            checkExpired(e);
            throw e;
        } finally {
            reading = false;
        }
    }

    /**
     * The per-read alarm rang: expires the stream when the read in progress has waited {@code timeout}, sets
     * itself again for the rest of that read's allowance when it has not, and stays unset when no read is in
     * progress (the next read sets it).
     */
    private void readAlarm() {
        if (closed || expired != null) {
            return;
        }
        if (!reading) {
            armed.set(false);
            if (!reading || !armed.compareAndSet(false, true)) {
                return; // idle; a read starting now sets the alarm itself
            }
        }
        long waited = System.nanoTime() - readStarted;
        if (reading && waited >= timeoutNanos) {
            expire("no data received for " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
                    + " ms while reading the body");
            return;
        }
        readAlarmTask = schedule(this::readAlarm, reading ? Math.max(1, timeoutNanos - waited) : timeoutNanos);
    }

    /** @return timers this class has set since the JVM started (deadlines and per-read alarms), for tests */
    static long timersScheduled() {
        return TIMERS.get();
    }

    private static ScheduledFuture<?> schedule(Runnable alarm, long delayNanos) {
        TIMERS.incrementAndGet();
        return WATCHDOG.schedule(alarm, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void checkRate(int n) {
        if (minRate <= 0) {
            return;
        }
        windowBytes += n;
        long now = System.nanoTime();
        long elapsed = now - windowStart;
        if (elapsed < windowNanos) {
            return;
        }
        double rate = windowBytes * 1e9 / elapsed;
        if (rate < minRate) {
            expire(String.format(java.util.Locale.ROOT, "the body arrived at %.0f bytes/s over %d ms, slower than"
                    + " the minimum of %d bytes/s (imagebatch.download.min-rate)", rate,
                    TimeUnit.NANOSECONDS.toMillis(elapsed), minRate));
        }
        windowStart = now;
        windowBytes = 0;
    }

    private String deadlineMessage() {
        return "the download did not finish within its deadline of " + TimeUnit.NANOSECONDS.toMillis(totalNanos)
                + " ms (imagebatch.download.timeout, or the task's deadline)";
    }

    private void checkExpired(IOException cause) throws HttpTimeoutException {
        String why = expired;
        if (why != null) {
            HttpTimeoutException e = new HttpTimeoutException(why);
            if (cause != null) {
                e.initCause(cause);
            }
            throw e;
        }
    }

    private void expire(String why) {
        if (expired == null) {
            expired = why;
        }
        try {
            in.close();
        } catch (IOException e) {
            // the reader will report the timeout
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        ScheduledFuture<?> alarm = readAlarmTask;
        if (alarm != null) {
            alarm.cancel(false);
        }
        if (deadlineAlarm != null) {
            deadlineAlarm.cancel(false);
        }
        super.close();
    }

    private static ScheduledThreadPoolExecutor newWatchdog() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "imagebatch-download-watchdog");
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }
}
