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
 * A watchdog thread closes the stream when a timer expires, which wakes the blocked read.
 */
final class ReadTimeoutInputStream extends BlockFilterInputStream {

    private static final ScheduledThreadPoolExecutor WATCHDOG = newWatchdog();

    private final long timeoutNanos;
    private final long deadlineNanos;
    private final long totalNanos;
    private final long minRate;
    private final long windowNanos;
    private final ScheduledFuture<?> deadlineAlarm;
    private long windowStart = System.nanoTime();
    private long windowBytes;
    private volatile String expired;

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
                : WATCHDOG.schedule(() -> expire(deadlineMessage()), Math.max(0, deadlineNanos - now),
                        TimeUnit.NANOSECONDS);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        checkExpired(null);
        if (System.nanoTime() - deadlineNanos >= 0 && deadlineNanos != Long.MAX_VALUE) {
            expire(deadlineMessage());
            checkExpired(null);
        }
        ScheduledFuture<?> alarm = WATCHDOG.schedule(() -> expire("no data received for "
                + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms while reading the body"), timeoutNanos,
                TimeUnit.NANOSECONDS);
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
            alarm.cancel(false);
        }
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
