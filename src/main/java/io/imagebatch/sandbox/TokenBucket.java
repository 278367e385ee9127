package io.imagebatch.sandbox;

/**
 * A token bucket: holds up to one second's worth of tokens (at least one), refilled continuously at
 * {@code perSecond}. Thread-safe.
 */
final class TokenBucket {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final double perSecond;
    private final double capacity;
    private double tokens;      // guarded by this
    private long lastRefillNanos; // guarded by this

    /** @param perSecond refill rate in tokens per second, positive */
    TokenBucket(double perSecond) {
        if (!(perSecond > 0)) {
            throw new IllegalArgumentException("perSecond must be positive, got " + perSecond);
        }
        this.perSecond = perSecond;
        this.capacity = Math.max(1.0, perSecond);
        this.tokens = capacity;
        this.lastRefillNanos = System.nanoTime();
    }

    /**
     * Takes one token if there is one.
     *
     * @return 0 when a token was taken; otherwise the nanoseconds until one will be available
     */
    synchronized long tryTake() {
        long now = System.nanoTime();
        tokens = Math.min(capacity, tokens + (now - lastRefillNanos) * perSecond / NANOS_PER_SECOND);
        lastRefillNanos = now;
        if (tokens >= 1.0) {
            tokens -= 1.0;
            return 0;
        }
        return Math.max(1, (long) Math.ceil((1.0 - tokens) / perSecond * NANOS_PER_SECOND));
    }

    /** @return the whole tokens left now (the requests that would be taken at once), not negative */
    synchronized long remaining() {
        long now = System.nanoTime();
        tokens = Math.min(capacity, tokens + (now - lastRefillNanos) * perSecond / NANOS_PER_SECOND);
        lastRefillNanos = now;
        return (long) Math.floor(tokens);
    }

    /** @return the whole seconds until the bucket is full again, rounded up; 0 when it is full */
    synchronized long secondsToFull() {
        return (long) Math.ceil((capacity - Math.min(capacity, tokens)) / perSecond);
    }

    /** @return the refill rate, tokens a second */
    double perSecond() {
        return perSecond;
    }
}
