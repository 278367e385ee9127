package io.imagebatch.storage;

/**
 * A result image could not be downloaded and stored; nothing was stored under its key.
 *
 * <p>The message names the URL's scheme, host, port and path, never its query string, user info or fragment
 * (signed result URLs carry secrets in the query). {@link #retryable()} says whether the same URL may succeed
 * later: true for HTTP 403, 404, 410, 429 and 5xx (expired or flaky provider storage; the caller decides,
 * for example by asking the provider for a fresh URL), timeouts, connection failures and bodies cut short;
 * false for refused URLs (scheme, private address, too many redirects), other HTTP statuses, content that is
 * not an image, and images larger than {@link DownloadProperties#maxBytes()}.
 */
public class DownloadException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The HTTP status behind the failure, or 0. */
    private final int httpStatus;
    /** Whether the same URL may succeed later. */
    private final boolean retryable;
    /** Whether the download was cut off because the process is stopping. */
    private final boolean aborted;

    /**
     * @param message    what failed; must not contain a query string or credentials
     * @param httpStatus the HTTP status that caused the failure, or 0 when none
     * @param retryable  whether the same URL may succeed later
     * @param cause      the underlying failure, or null
     */
    public DownloadException(String message, int httpStatus, boolean retryable, Throwable cause) {
        this(message, httpStatus, retryable, false, cause);
    }

    private DownloadException(String message, int httpStatus, boolean retryable, boolean aborted,
            Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
        this.retryable = retryable;
        this.aborted = aborted;
    }

    /**
     * A download cut off because the process is stopping (SIGTERM, the end of a command): not the image's
     * fault, so it does not count as an attempt; the download starts over when the batch resumes.
     *
     * @param message what was aborted; must not contain a query string or credentials
     * @param cause   the underlying failure, or null
     * @return an exception that is {@link #aborted()} and {@link #retryable()}
     */
    public static DownloadException aborted(String message, Throwable cause) {
        return new DownloadException(message, 0, true, true, cause);
    }

    /**
     * @return whether the download was cut off because the process is stopping, rather than failed: the caller
     *         should leave the row to be downloaded when the batch resumes, without counting an attempt
     */
    public boolean aborted() {
        return aborted;
    }

    /**
     * @param message    what failed; must not contain a query string or credentials
     * @param httpStatus the HTTP status that caused the failure, or 0 when none
     * @param retryable  whether the same URL may succeed later
     */
    public DownloadException(String message, int httpStatus, boolean retryable) {
        this(message, httpStatus, retryable, null);
    }

    /** @return whether the same URL may succeed later (see the class comment for the rules) */
    public boolean retryable() {
        return retryable;
    }

    /** @return the HTTP status that caused the failure, or 0 when there was none (refused URL, I/O error) */
    public int httpStatus() {
        return httpStatus;
    }
}
