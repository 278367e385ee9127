package io.imagebatch.sandbox;

import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Decides, before an API request is served, whether a fault answers it instead: first the outage switch, then
 * the random server error ({@link SandboxSettings#serverErrorRate()}), then the rate limit
 * ({@link SandboxSettings#rateLimitPerSecond()}). Thread-safe.
 */
final class FaultGate {

    /** Error text of the outage switch. */
    static final String OUTAGE_MESSAGE = "sandbox: outage";
    /** Error text of an injected HTTP 500. */
    static final String SERVER_ERROR_MESSAGE = "sandbox: internal error";
    /** Error text of HTTP 429. */
    static final String RATE_LIMITED_MESSAGE = "rate limited";

    private final double serverErrorRate;
    private final Random random;       // Random is thread-safe
    private final TokenBucket bucket; // null: unlimited
    private volatile int outageStatus;

    /** @param settings fault rates, rate limit and seed */
    FaultGate(SandboxSettings settings) {
        this.serverErrorRate = settings.serverErrorRate();
        // its own stream, so injected errors do not shift the tasks' draws
        this.random = new Random(settings.seed() ^ 0x5DEECE66DL);
        this.bucket = settings.rateLimitPerSecond() > 0 ? new TokenBucket(settings.rateLimitPerSecond()) : null;
    }

    /**
     * @param httpStatus the status every API request answers from now on, 100..599; 0 turns the outage off
     * @throws IllegalArgumentException for any other value
     */
    void outage(int httpStatus) {
        if (httpStatus != 0 && (httpStatus < 100 || httpStatus > 599)) {
            throw new IllegalArgumentException("HTTP status must be 0 (off) or 100..599, got " + httpStatus);
        }
        outageStatus = httpStatus;
    }

    /**
     * @return the fault that answers the current request, or empty to serve it. A 429 (from the bucket or the
     * outage switch) and a 503 carry {@code Retry-After} seconds, at least 1
     */
    Optional<Fault> check() {
        int outage = outageStatus;
        if (outage != 0) {
            return Optional.of(new Fault(outage, OUTAGE_MESSAGE, outage == 429 || outage == 503 ? 1 : 0));
        }
        if (serverErrorRate > 0 && random.nextDouble() < serverErrorRate) {
            return Optional.of(new Fault(500, SERVER_ERROR_MESSAGE, 0));
        }
        if (bucket != null) {
            long waitNanos = bucket.tryTake();
            if (waitNanos > 0) {
                long seconds = Math.max(1, (long) Math.ceil(waitNanos / (double) TimeUnit.SECONDS.toNanos(1)));
                return Optional.of(new Fault(429, RATE_LIMITED_MESSAGE, seconds));
            }
        }
        return Optional.empty();
    }
}
