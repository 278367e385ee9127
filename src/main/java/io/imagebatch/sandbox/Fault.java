package io.imagebatch.sandbox;

/**
 * An injected failure to answer instead of serving a request.
 *
 * @param httpStatus        the HTTP status, for example 500 or 429
 * @param message           the error text for the protocol's error body
 * @param retryAfterSeconds value of the {@code Retry-After} header in seconds, or 0 for no header
 */
record Fault(int httpStatus, String message, long retryAfterSeconds) {
}
