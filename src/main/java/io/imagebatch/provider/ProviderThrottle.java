package io.imagebatch.provider;

import io.imagebatch.Sleeper;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One provider key's request budget, shared by its create calls and status queries: at most
 * {@code requestsPerSecond} requests a second, evenly spaced (a Resilience4j {@link RateLimiter} with one permit
 * per {@code 1/rate} seconds), and at most {@code maxInFlight} at once.
 *
 * <p>A 429 answer halves the rate (not below 1 request a second) and holds every caller until the provider's
 * {@code Retry-After} has passed (1 s when it gave none); each second's worth of answers without a 429 then
 * raises the rate by a tenth of the configured one, back up to it. Without a configured rate, only the
 * {@code Retry-After} pause applies. Thread-safe.
 */
public final class ProviderThrottle {

    private static final Logger log = LoggerFactory.getLogger(ProviderThrottle.class);
    private static final double MIN_RATE = 1.0;

    private final String provider;
    private final double maxRate;
    private final Semaphore inFlight;
    private final AtomicReference<RateLimiter> limiter = new AtomicReference<>();
    private final LongSupplier nanoTime;
    private final Sleeper sleeper;
    private final AtomicLong pausedUntilNanos;
    private final AtomicLong successesSinceChange = new AtomicLong();
    private final AtomicLong rateLimited = new AtomicLong();
    private volatile double rate;

    /**
     * @param provider          the provider, for names and logs
     * @param requestsPerSecond the key's limit; null or not positive for none
     * @param maxInFlight       the most requests at once, at least 1
     */
    public ProviderThrottle(String provider, Double requestsPerSecond, int maxInFlight) {
        this(provider, requestsPerSecond, maxInFlight, System::nanoTime, Sleeper.THREAD);
    }

    /**
     * A throttle on a given clock, for tests.
     *
     * @param provider          the provider, for names and logs
     * @param requestsPerSecond the key's limit; null or not positive for none
     * @param maxInFlight       the most requests at once, at least 1
     * @param nanoTime          the monotonic clock the 429 pauses are measured on, ns ({@link System#nanoTime()})
     * @param sleeper           how a caller waits for the end of a pause ({@link Thread#sleep(long)})
     */
    ProviderThrottle(String provider, Double requestsPerSecond, int maxInFlight, LongSupplier nanoTime,
            Sleeper sleeper) {
        this.nanoTime = nanoTime;
        this.sleeper = sleeper;
        this.pausedUntilNanos = new AtomicLong(nanoTime.getAsLong());
        this.provider = provider;
        this.maxRate = requestsPerSecond == null || requestsPerSecond <= 0 ? 0 : requestsPerSecond;
        this.inFlight = new Semaphore(Math.max(1, maxInFlight), true);
        if (maxRate > 0) {
            setRate(maxRate);
        }
    }

    /**
     * Makes one request within the budget: waits for a place in flight, for the end of a 429 pause, and for a
     * permit of the rate.
     *
     * @param request the request
     * @param <T>     its result
     * @return its result
     * @throws ProviderException whatever the request throws; a 429 among them slows the throttle down
     */
    public <T> T call(Supplier<T> request) {
        inFlight.acquireUninterruptibly();
        try {
            waitForPause();
            RateLimiter current = limiter.get();
            if (current != null) {
                RateLimiter.waitForPermission(current);
            }
            T result = request.get();
            onAnswer();
            return result;
        } catch (ProviderException e) {
            if (e.httpStatus() == 429) {
                onRateLimited(e.retryAfter());
            } else {
                onAnswer();
            }
            throw e;
        } finally {
            inFlight.release();
        }
    }

    /** @return the current rate in requests a second; 0 when unlimited */
    public double currentRate() {
        return maxRate > 0 ? rate : 0;
    }

    /** @return the 429 answers seen so far */
    public long rateLimitedCount() {
        return rateLimited.get();
    }

    private void waitForPause() {
        long waitNanos;
        while ((waitNanos = pausedUntilNanos.get() - nanoTime.getAsLong()) > 0) {
            try {
                sleeper.sleep(Math.max(1, waitNanos / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ProviderException(FailureClass.BUSY, 0, null, provider + ": interrupted while paused",
                        null, false, e);
            }
        }
    }

    private void onAnswer() {
        if (maxRate <= 0 || rate >= maxRate) {
            return;
        }
        if (successesSinceChange.incrementAndGet() >= Math.max(1, (long) rate)) {
            successesSinceChange.set(0);
            setRate(Math.min(maxRate, rate + maxRate / 10));
        }
    }

    private void onRateLimited(Duration retryAfter) {
        rateLimited.incrementAndGet();
        long pause = (retryAfter == null ? Duration.ofSeconds(1) : retryAfter).toNanos();
        pausedUntilNanos.accumulateAndGet(nanoTime.getAsLong() + pause, Math::max);
        if (maxRate > 0) {
            successesSinceChange.set(0);
            double lower = Math.max(MIN_RATE, rate / 2);
            if (lower < rate) {
                setRate(lower);
                log.info("{}: 429 from the provider; rate lowered to {} requests/s", provider,
                        String.format("%.1f", lower));
            }
        }
    }

    private synchronized void setRate(double requestsPerSecond) {
        rate = requestsPerSecond;
        limiter.set(RateLimiter.of(provider + "-" + System.nanoTime(), RateLimiterConfig.custom()
                .limitForPeriod(1)
                .limitRefreshPeriod(Duration.ofNanos((long) (1_000_000_000L / requestsPerSecond)))
                .timeoutDuration(Duration.ofHours(1))
                .build()));
    }
}
