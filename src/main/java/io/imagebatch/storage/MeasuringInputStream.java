package io.imagebatch.storage;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The one stream in this package that counts the bytes of a body as they pass and checks them against its limits,
 * so that each byte is checked once, where it enters the process: a download's response body
 * ({@link #download}, which also computes its SHA-256 and enforces the size limit,
 * {@code imagebatch.download.max-bytes}) and content handed to {@link OutputStore#put} as a stream
 * ({@link #content}). A spooled download is stored from its file ({@link OutputStore#putFile}) without passing
 * through a second one ({@code docs/design.md}, "The job", download step).
 *
 * <p>Rules: a stream that ends before its declared length fails ({@link Failure#CUT_SHORT}); one that yields more
 * than its declared length fails ({@link Failure#TOO_LONG}), checked as soon as the declared length is reached so
 * that a consumer that stops there still notices the excess; one that yields more than its maximum fails
 * ({@link Failure#TOO_LARGE}); an exception of the source fails it ({@link Failure#IO}). Failures are sticky: once
 * it has thrown, every later read throws again (an SDK retry cannot resume a broken one-shot stream), and the
 * failure and its kind stay readable so a caller can classify it after another layer has wrapped it.
 * {@link #close()} does not close the source: whoever opened the source closes it.
 */
final class MeasuringInputStream extends BlockFilterInputStream {

    /** Why the body could not be read completely. */
    enum Failure {
        /** More than the allowed maximum of bytes. */
        TOO_LARGE,
        /** The body ended before its declared length. */
        CUT_SHORT,
        /** The body went on past its declared length. */
        TOO_LONG,
        /** The source failed (the connection broke or timed out, the file could not be read). */
        IO
    }

    private final MessageDigest sha256;
    private final long maxBytes;
    private final long declaredLength;
    private long count;
    private boolean ended;
    private IOException failure;
    private Failure failureKind;

    private MeasuringInputStream(InputStream in, long maxBytes, long declaredLength, MessageDigest sha256) {
        super(in);
        this.maxBytes = maxBytes;
        this.declaredLength = declaredLength;
        this.sha256 = sha256;
    }

    /**
     * Measures a download's response body: byte count, SHA-256, the size limit and the declared length.
     *
     * @param in             the response body
     * @param maxBytes       the most bytes allowed ({@code imagebatch.download.max-bytes})
     * @param declaredLength the Content-Length the server sent in bytes, or -1
     * @return the measuring stream; {@link #sha256Hex()} is available
     */
    static MeasuringInputStream download(InputStream in, long maxBytes, long declaredLength) {
        try {
            return new MeasuringInputStream(in, maxBytes, declaredLength, MessageDigest.getInstance("SHA-256"));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * Measures a download's response body as {@link #download} does, without a SHA-256 of its own: for a caller
     * that hashes the bytes where it writes them (the download step hashes what it stores, which for a labelled
     * image is not what it fetched: one SHA-256 pass per image, not two).
     *
     * @param in             the response body
     * @param maxBytes       the most bytes allowed ({@code imagebatch.download.max-bytes})
     * @param declaredLength the Content-Length the server sent in bytes, or -1
     * @return the measuring stream; {@link #sha256Hex()} throws
     */
    static MeasuringInputStream unhashedDownload(InputStream in, long maxBytes, long declaredLength) {
        return new MeasuringInputStream(in, maxBytes, declaredLength, null);
    }

    /**
     * Checks content handed to a store against its declared length (the contract of {@link OutputStore#put}).
     *
     * @param in             the content
     * @param declaredLength the declared length in bytes, or -1 when unknown (then only counting and sticky
     *                       failure)
     * @return the checking stream; no SHA-256 is computed
     */
    static MeasuringInputStream content(InputStream in, long declaredLength) {
        return new MeasuringInputStream(in, Long.MAX_VALUE, declaredLength, null);
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
        int n = readSource(b, off, len);
        if (n < 0) {
            if (declaredLength >= 0 && count < declaredLength) {
                throw fail(Failure.CUT_SHORT, new IOException("body cut short: ended after " + count + " of "
                        + declaredLength + " declared bytes"));
            }
            ended = true;
            return -1;
        }
        if (count + n > maxBytes) {
            throw fail(Failure.TOO_LARGE, new IOException("body is larger than the limit of " + maxBytes
                    + " bytes (imagebatch.download.max-bytes)"));
        }
        count += n;
        if (declaredLength >= 0 && (count > declaredLength
                || count == declaredLength && peekSource() >= 0)) {
            throw fail(Failure.TOO_LONG, new IOException("content is longer than the " + declaredLength
                    + " declared bytes"));
        }
        if (sha256 != null) {
            sha256.update(b, off, n);
        }
        return n;
    }

    private int readSource(byte[] b, int off, int len) throws IOException {
        try {
            return in.read(b, off, len);
        } catch (IOException e) {
            throw fail(Failure.IO, e);
        } catch (RuntimeException e) {
            throw fail(Failure.IO, new IOException(e.getMessage(), e));
        }
    }

    /** Reads one more byte to see whether the source goes on past its declared length. */
    private int peekSource() throws IOException {
        try {
            return in.read();
        } catch (IOException e) {
            throw fail(Failure.IO, e);
        } catch (RuntimeException e) {
            throw fail(Failure.IO, new IOException(e.getMessage(), e));
        }
    }

    private IOException fail(Failure kind, IOException e) {
        failureKind = kind;
        failure = e;
        return e;
    }

    @Override
    public long skip(long n) throws IOException {
        throw new IOException("skip is not supported by a measured stream");
    }

    @Override
    public int available() throws IOException {
        return failure != null || ended ? 0 : in.available();
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

    /** Does not close the source: whoever opened it closes it. */
    @Override
    public void close() {
        // the caller owns the source stream
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

    /**
     * @return SHA-256 of the bytes read so far, 64 lower-case hex digits; call once, at the end
     * @throws IllegalStateException when this stream was made by {@link #content} or {@link #unhashedDownload}
     *                               (no digest)
     */
    String sha256Hex() {
        if (sha256 == null) {
            throw new IllegalStateException("no SHA-256 is computed by this stream");
        }
        return HexFormat.of().formatHex(sha256.digest());
    }
}
