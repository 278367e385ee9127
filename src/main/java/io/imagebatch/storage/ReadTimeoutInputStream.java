package io.imagebatch.storage;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Bounds each read of an HTTP response body: the JDK {@code HttpClient}'s request timeout only covers the
 * response headers, so a server that stops sending mid-body would block a download step thread forever. If a
 * read gets no data within the timeout, a watchdog thread closes the stream, which wakes the blocked read, and
 * the read throws an {@link HttpTimeoutException}.
 */
final class ReadTimeoutInputStream extends FilterInputStream {

    private static final ScheduledThreadPoolExecutor WATCHDOG = newWatchdog();

    private final long timeoutNanos;
    private volatile boolean timedOut;

    /**
     * @param in      the response body
     * @param timeout the longest a single read may wait for data
     */
    ReadTimeoutInputStream(InputStream in, Duration timeout) {
        super(in);
        this.timeoutNanos = timeout.toNanos();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        checkTimedOut(null);
        ScheduledFuture<?> alarm = WATCHDOG.schedule(this::expire, timeoutNanos, TimeUnit.NANOSECONDS);
        try {
            int n = in.read(b, off, len);
            checkTimedOut(null);
            return n;
        } catch (IOException e) {
            checkTimedOut(e);
            throw e;
        } finally {
            alarm.cancel(false);
        }
    }

    private void checkTimedOut(IOException cause) throws HttpTimeoutException {
        if (timedOut) {
            HttpTimeoutException e = new HttpTimeoutException("no data received for "
                    + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms while reading the body");
            if (cause != null) {
                e.initCause(cause);
            }
            throw e;
        }
    }

    private void expire() {
        timedOut = true;
        try {
            in.close();
        } catch (IOException e) {
            // the reader will report the timeout
        }
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
