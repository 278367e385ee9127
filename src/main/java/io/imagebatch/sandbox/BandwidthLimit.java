package io.imagebatch.sandbox;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;

/**
 * The sandbox's bandwidth limit per connection ({@link SandboxSettings#bandwidthPerConnection()}): a JDK HTTP server
 * {@link Filter} that paces each response body of its context to at most a number of bytes per second, as a CDN or
 * a network link caps one download. The body is written in slices of at most a tenth of a second's bytes, each
 * after the time the bytes before it may take at that rate (measured from the first byte, on
 * {@link System#nanoTime()}). Thread-safe: each exchange gets its own paced stream.
 */
final class BandwidthLimit extends Filter {

    private final long bytesPerSecond;

    /**
     * @param bytesPerSecond bytes per second at most of each response body, more than 0
     * @throws IllegalArgumentException when {@code bytesPerSecond} is not more than 0
     */
    BandwidthLimit(long bytesPerSecond) {
        if (bytesPerSecond <= 0) {
            throw new IllegalArgumentException("bytesPerSecond must be > 0, got " + bytesPerSecond);
        }
        this.bytesPerSecond = bytesPerSecond;
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        exchange.setStreams(null, new Paced(exchange.getResponseBody(), bytesPerSecond));
        chain.doFilter(exchange);
    }

    @Override
    public String description() {
        return "at most " + bytesPerSecond + " bytes/s per response body";
    }

    /** A response body written at most at its rate. */
    private static final class Paced extends FilterOutputStream {
        private final long bytesPerSecond;
        private final int slice;
        private long startNanos = -1;
        private long written;

        Paced(OutputStream out, long bytesPerSecond) {
            super(out);
            this.bytesPerSecond = bytesPerSecond;
            this.slice = (int) Math.max(1, Math.min(1 << 20, bytesPerSecond / 10));
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (startNanos < 0) {
                startNanos = System.nanoTime();
            }
            int done = 0;
            while (done < len) {
                int n = Math.min(slice, len - done);
                pace();
                out.write(b, off + done, n);
                written += n;
                done += n;
            }
        }

        /** Waits until the bytes written so far may have taken their time at the rate. */
        private void pace() throws IOException {
            long due = startNanos + written * 1_000_000_000L / bytesPerSecond;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                try {
                    Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("sandbox: stopping while a paced body was sent");
                }
            }
        }
    }
}
