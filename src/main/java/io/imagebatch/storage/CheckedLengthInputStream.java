package io.imagebatch.storage;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Counts what a content stream yields and fails when it does not match the declared length, so that a store
 * never commits a short or long body. A failure is sticky: once the stream has thrown, every later read throws
 * again (an SDK retry cannot resume a broken one-shot stream). {@link #close()} does not close the source: the
 * caller of {@link OutputStore#put} owns it.
 */
final class CheckedLengthInputStream extends FilterInputStream {

    private final long expected;
    private long count;
    private IOException failure;

    /**
     * @param in       the content
     * @param expected the declared length in bytes, or -1 when unknown (then only counting and sticky failure)
     */
    CheckedLengthInputStream(InputStream in, long expected) {
        super(in);
        this.expected = expected;
    }

    /** @return bytes read so far */
    long count() {
        return count;
    }

    /** @return the failure this stream threw, or null */
    IOException failure() {
        return failure;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (failure != null) {
            throw new IOException(failure.getMessage(), failure);
        }
        if (len == 0) {
            return 0;
        }
        try {
            int n = in.read(b, off, len);
            if (n < 0) {
                if (expected >= 0 && count < expected) {
                    throw new IOException("content ended after " + count + " of " + expected + " declared bytes");
                }
                return -1;
            }
            count += n;
            if (expected >= 0) {
                if (count > expected) {
                    throw new IOException("content is longer than the " + expected + " declared bytes");
                }
                if (count == expected && in.read() != -1) {
                    // checked now: a consumer that stops at the declared length would never notice the excess
                    throw new IOException("content is longer than the " + expected + " declared bytes");
                }
            }
            return n;
        } catch (IOException | RuntimeException e) {
            failure = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
            throw failure;
        }
    }

    @Override
    public long skip(long n) throws IOException {
        throw new IOException("skip is not supported by a store's content stream");
    }

    @Override
    public int available() throws IOException {
        return failure != null ? 0 : in.available();
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    @Override
    public synchronized void mark(int readlimit) {
        // not supported
    }

    @Override
    public synchronized void reset() throws IOException {
        throw new IOException("mark/reset not supported");
    }

    @Override
    public void close() {
        // the caller owns the source stream
    }
}
