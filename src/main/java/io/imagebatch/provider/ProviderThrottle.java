package io.imagebatch.provider;

import io.imagebatch.Sleeper;

import java.time.Duration;
import java.util.OptionalDouble;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One provider key's request budget, shared by its create calls and status queries: requests evenly spaced at
 * the rate of its {@link AimdRate} (each request takes the next send slot, {@code 1/rate} seconds after the one
 * before, on the throttle's clock), and at most {@code maxInFlight} at once.
 *
 * <p>Why not Resilience4j's {@code RateLimiter}, as before: its period cannot be retuned, only its permits per
 * period, so a new rate meant a new limiter, and the callers already waiting on the old one (up to
 * {@code maxInFlight}, with permits reserved seconds ahead) were let through beside the new one's: up to twice the
 * rate, which a provider answers with 429s. One slot sequence keeps the spacing across rate changes.
 *
 * <p>The rate approaches the key's limit the way TCP approaches a link's (README, Performance; {@link AimdRate}):
 * slow start (doubling every round) until the first 429, halving on a 429, then additive increase, never above
 * the configured {@code requests-per-second}. A 429 also holds every caller until the provider's
 * {@code Retry-After} has passed (1 s when it gave none; none of the providers documents another rate-limit
 * header, docs/providers/PROVIDERS.md). The rate the key sustained is remembered in a {@link RateMemory}
 * ({@link LearnedRates}: per provider key, in the database), and a throttle without a configured rate starts at
 * the remembered one. Thread-safe.
 */
public final class ProviderThrottle {

    private static final Logger log = LoggerFactory.getLogger(ProviderThrottle.class);

    private final String provider;
    private final Double configuredRate;
    private final RateMemory memory;
    private final Semaphore inFlight;
    /** The next free send slot, ns of {@link #nanoTime}; guarded by this. */
    private long nextSlotNanos;
    private final LongSupplier nanoTime;
    private final Sleeper sleeper;
    private final AtomicLong pausedUntilNanos;
    private final AtomicLong rateLimited = new AtomicLong();
    private volatile AimdRate control;
    private volatile double slotRate;

    /**
     * A throttle that remembers nothing between runs.
     *
     * @param provider          the provider, for names and logs
     * @param requestsPerSecond the key's configured limit; null or not positive for none (then it is found)
     * @param maxInFlight       the most requests at once, at least 1
     */
    public ProviderThrottle(String provider, Double requestsPerSecond, int maxInFlight) {
        this(provider, requestsPerSecond, maxInFlight, RateMemory.NONE);
    }

    /**
     * @param provider          the provider, for names and logs
     * @param requestsPerSecond the key's configured limit; null or not positive for none (then it is found)
     * @param maxInFlight       the most requests at once, at least 1
     * @param memory            where the learned rate of the key is kept; asked once, before the first request
     */
    public ProviderThrottle(String provider, Double requestsPerSecond, int maxInFlight, RateMemory memory) {
        this(provider, requestsPerSecond, maxInFlight, System::nanoTime, Sleeper.THREAD, memory);
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
        this(provider, requestsPerSecond, maxInFlight, nanoTime, sleeper, RateMemory.NONE);
    }

    ProviderThrottle(String provider, Double requestsPerSecond, int maxInFlight, LongSupplier nanoTime,
            Sleeper sleeper, RateMemory memory) {
        this.nanoTime = nanoTime;
        this.sleeper = sleeper;
        this.pausedUntilNanos = new AtomicLong(nanoTime.getAsLong());
        this.provider = provider;
        this.configuredRate = requestsPerSecond == null || requestsPerSecond <= 0 ? null : requestsPerSecond;
        this.memory = memory;
        this.inFlight = new Semaphore(Math.max(1, maxInFlight), true);
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
        AimdRate rate = control();
        inFlight.acquireUninterruptibly();
        try {
            waitForPause();
            waitForSlot();
            waitForPause();
            T result = request.get();
            onAnswer(rate);
            return result;
        } catch (ProviderException e) {
            if (e.httpStatus() == 429) {
                onRateLimited(rate, e.retryAfter());
            } else {
                onAnswer(rate);
            }
            throw e;
        } finally {
            inFlight.release();
        }
    }

    /** @return the current rate in requests a second (the learned start before the first request) */
    public double currentRate() {
        return control().rate();
    }

    /** @return the 429 answers seen so far */
    public long rateLimitedCount() {
        return rateLimited.get();
    }

    /** The rate control, made at the first request from the configured and the remembered rate. */
    private AimdRate control() {
        AimdRate current = control;
        if (current == null) {
            synchronized (this) {
                current = control;
                if (current == null) {
                    OptionalDouble learned = configuredRate == null ? memory.learned() : OptionalDouble.empty();
                    current = new AimdRate(configuredRate, learned);
                    if (learned.isPresent()) {
                        log.info("{}: starting at the learned rate of {} requests/s", provider,
                                String.format("%.1f", current.rate()));
                    }
                    setRate(current.rate());
                    control = current;
                }
            }
        }
        return current;
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

    private void onAnswer(AimdRate rate) {
        if (rate.onAnswer(nanoTime.getAsLong())) {
            setRate(rate.rate());
        }
    }

    private void onRateLimited(AimdRate rate, Duration retryAfter) {
        rateLimited.incrementAndGet();
        long pause = (retryAfter == null || retryAfter.isNegative() ? Duration.ofSeconds(1) : retryAfter).toNanos();
        long now = nanoTime.getAsLong();
        pausedUntilNanos.accumulateAndGet(now + pause, Math::max);
        double before = rate.rate();
        OptionalDouble sustained = rate.onRateLimited(now, pause);
        if (rate.rate() != before) {
            setRate(rate.rate());
            log.info("{}: 429 from the provider; rate lowered to {} requests/s", provider,
                    String.format("%.1f", rate.rate()));
        }
        if (sustained.isPresent()) {
            memory.learn(sustained.getAsDouble());
        }
    }

    private synchronized void setRate(double requestsPerSecond) {
        slotRate = requestsPerSecond;
    }

    /** Takes the next send slot and waits for it (waits shorter than 1 ms are not waited). */
    private void waitForSlot() {
        long slot;
        synchronized (this) {
            long now = nanoTime.getAsLong();
            slot = Math.max(now, nextSlotNanos);
            nextSlotNanos = slot + Math.max(1, (long) (1_000_000_000L / slotRate));
        }
        long waitMillis = (slot - nanoTime.getAsLong()) / 1_000_000;
        if (waitMillis > 0) {
            try {
                sleeper.sleep(waitMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ProviderException(FailureClass.BUSY, 0, null, provider + ": interrupted while throttled",
                        null, false, e);
            }
        }
    }
}
