package io.imagebatch.provider;

import java.time.Duration;

/**
 * A provider call that did not give the answer asked for. The message is safe to log and to store in the
 * ledger and the report: it never carries an API key (see {@link ProviderHttp}) nor a result URL's query.
 */
public class ProviderException extends RuntimeException {

    private final FailureClass failureClass;
    private final int httpStatus;
    private final String providerCode;
    private final Duration retryAfter;
    private final boolean mayHaveReachedProvider;

    /** The most characters of a provider's code kept (the ledger's ERROR_CODE holds 120). */
    public static final int MAX_CODE_CHARS = 100;

    /**
     * @param failureClass           what the failure means for the job
     * @param httpStatus             the HTTP status of the answer, 0 when there was no answer
     * @param providerCode           the provider's own error code from the body, or null
     * @param message                what happened, naming the provider and the call
     * @param retryAfter             the provider's {@code Retry-After}, or null when it gave none
     * @param mayHaveReachedProvider true when the request may have been received (no answer after sending):
     *                               for a create call the task may exist and the row is {@code UNCERTAIN}
     * @param cause                  the I/O error behind it, or null
     */
    public ProviderException(FailureClass failureClass, int httpStatus, String providerCode, String message,
            Duration retryAfter, boolean mayHaveReachedProvider, Throwable cause) {
        // provider text in it is shown, logged and stored: no control characters, no unbounded code
        super(io.imagebatch.OutsideText.escape(message), cause);
        this.failureClass = failureClass;
        this.httpStatus = httpStatus;
        this.providerCode = io.imagebatch.OutsideText.field(providerCode, MAX_CODE_CHARS);
        this.retryAfter = retryAfter;
        this.mayHaveReachedProvider = mayHaveReachedProvider;
    }

    /** @return what the failure means for the job */
    public FailureClass failureClass() {
        return failureClass;
    }

    /** @return the HTTP status of the provider's answer, 0 when no answer came */
    public int httpStatus() {
        return httpStatus;
    }

    /** @return the provider's error code from the body, or null */
    public String providerCode() {
        return providerCode;
    }

    /** @return the wait the provider asked for ({@code Retry-After}), or null */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** @return true when the request was sent but no answer came, so its effect is unknown */
    public boolean mayHaveReachedProvider() {
        return mayHaveReachedProvider;
    }
}
