package io.imagebatch.provider;

/**
 * What a failed provider call means for the job, as in {@code docs/design.md}, "Failure classes" (after the table
 * "What a failure means" of {@code docs/providers/PROVIDERS.md}).
 */
public enum FailureClass {
    /** The row is wrong (400, 413, 422, a field rule): reject it; never resend it unchanged. */
    ROW_INVALID,
    /** The account is wrong (401, 402, 403, 505): stop submitting to the provider; the job fails restartably. */
    ACCOUNT,
    /** The provider is busy or down (429, 455, 5xx, timeouts): back off, honour Retry-After, retry. */
    BUSY,
    /** The generation failed (state fail, 501): record the provider's code and message on the row. */
    GENERATION_FAILED,
    /**
     * An answer no provider documents for a request it refuses (404 to a create, a redirect, 405, 415, any other
     * unexpected status): the base URL or the API path is wrong, not the row. The job stops restartably and
     * unsent rows stay unsent (README, failure table).
     */
    CONFIGURATION
}
