package io.imagebatch.storage;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Computes the SHA-256 and byte count of a download on the fly, enforces the size limit and the declared
 * Content-Length, and remembers why it failed so the downloader can classify the failure after the store has
 * wrapped it. Failures are sticky: once it has thrown, every later read throws again.
 */
final class MeasuringInputStream extends FilterInputStream {

    /** Why the body could not be read completely. */
    enum Failure {
        /** More than the allowed maximum of bytes. */
        TOO_LARGE,
        /** The body ended before the declared Content-Length. */
        CUT_SHORT,
        /** The connection failed or timed out. */
        IO
    }

    private final MessageDigest sha256;
    private final long maxBytes;
    private final long declaredLength;
    private long count;
    private boolean ended;
    private IOException failure;
    private Failure failureKind;

    /**
     * @param in             the response body
     * @param maxBytes       the most bytes allowed
     * @param declaredLength the Content-Length the server sent, or -1
     */
    MeasuringInputStream(InputStream in, long maxBytes, long declaredLength) {
        super(in);
        this.maxBytes = maxBytes;
        this.declaredLength = declaredLength;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
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
        if (ended) {
            return -1;
        }
        int n;
        try {
            n = in.read(b, off, len);
        } catch (IOException e) {
            throw fail(Failure.IO, e);
        }
        if (n < 0) {
            if (declaredLength >= 0 && count < declaredLength) {
                throw fail(Failure.CUT_SHORT, new IOException("body cut short: ended after " + count + " of "
                        + declaredLength + " bytes (Content-Length)"));
            }
            ended = true;
            return -1;
        }
        if (count + n > maxBytes) {
            throw fail(Failure.TOO_LARGE, new IOException("body is larger than the limit of " + maxBytes
                    + " bytes (imagebatch.download.max-bytes)"));
        }
        sha256.update(b, off, n);
        count += n;
        return n;
    }

    private IOException fail(Failure kind, IOException e) {
        failureKind = kind;
        failure = e;
        return e;
    }

    @Override
    public long skip(long n) throws IOException {
        throw new IOException("skip is not supported while measuring a download");
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    /** @return bytes read so far */
    long count() {
        return count;
    }

    /** @return whether the end of the body was reached without failure */
    boolean ended() {
        return ended;
    }

    /** @return the failure this stream threw, or null */
    IOException failure() {
        return failure;
    }

    /** @return why this stream failed, or null */
    Failure failureKind() {
        return failureKind;
    }

    /** @return SHA-256 of the bytes read so far, 64 lower-case hex digits; call once, at the end */
    String sha256Hex() {
        return HexFormat.of().formatHex(sha256.digest());
    }
}
