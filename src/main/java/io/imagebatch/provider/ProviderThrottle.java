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
 * the rate of its {@link AimdRate}, and at most {@code maxInFlight} at once. The callers wait their turn in
 * arrival order (a fair lock); the one whose turn it is sends {@code 1/rate} seconds after the request before, at
 * the rate of that moment (a caller does not reserve a time at the rate of its arrival: 32 callers arriving at
 * the slow start's rate would otherwise be held seconds after the rate had doubled). A caller woken late keeps
 * the schedule (the next is due {@code 1/rate} after the due time, not after the late wake-up), so a loaded
 * machine's late wake-ups (a 10 ms sleep may take 30) do not lower the rate; the schedule runs at most 100 ms
 * behind the clock, so after an idle gap at most a tenth of a second's worth of requests go at once.
 *
 * <p>Why not Resilience4j's {@code RateLimiter}, as before: its period cannot be retuned, only its permits per
 * period, so a new rate meant a new limiter, and the callers already waiting on the old one (up to
 * {@code maxInFlight}, with permits reserved seconds ahead) were let through beside the new one's: up to twice the
 * rate, which a provider answers with 429s. One send sequence keeps the spacing across rate changes.
 *
 * <p>The rate approaches the key's limit the way TCP approaches a link's (README, Performance; {@link AimdRate}):
 * slow start (doubling every round) until the first 429, halving on a 429, then additive increase, never above
 * the configured {@code requests-per-second}. A 429 also holds every caller until the provider's
 * {@code Retry-After} has passed (1 s when it gave none). Rate-limit headers, when a provider sends them
 * ({@link RateLimitHeaders}; none of the providers documents any, docs/providers/PROVIDERS.md): a stated rate
 * sets the rate at once and caps it, a quota without a window caps it, and "no request left" holds every caller
 * until the stated reset. The rate the key sustained is remembered in a {@link RateMemory}
 * ({@link LearnedRates}: per provider key, in the database), and a throttle without a configured rate starts at
 * the remembered one.
 *
 * <p>Processes on one database share the key's budget ({@link SharedBudget}, {@link RateBuckets}): before it sends,
 * a caller takes one of the permits its process leased from the key's bucket (at most 100 ms of the rate at a time,
 * as many as the callers waiting and the recent pace use; the next lease is asked for when half are used, so the
 * callers seldom wait for the database); with none left it waits as long as the bucket says and leases again. The rate the bucket refills at is the key's shared rate: this throttle follows it at each lease, and
 * proposes its own changes (a decrease after a 429 lowers it for every process); a 429's {@code Retry-After} and
 * "no request left" hold every process. When the bucket cannot be reached in time (database down, no connection
 * free), the throttle paces alone at this process's share of the last seconds (the permits it was granted a
 * second), says so once in the log, and tries the bucket again every second. Thread-safe.
 */
public final class ProviderThrottle {

    private static final Logger log = LoggerFactory.getLogger(ProviderThrottle.class);

    private final String provider;
    private final Double configuredRate;
    private final RateMemory memory;
    private final Semaphore inFlight;
    /** The callers' turns to send, in arrival order; its holder waits for its send time. */
    private final java.util.concurrent.locks.ReentrantLock pacer = new java.util.concurrent.locks.ReentrantLock(true);
    /** When the last request was due to be sent, ns of {@link #nanoTime}; guarded by {@link #pacer}. */
    private long lastSendNanos;
    private boolean sentBefore;
    private final LongSupplier nanoTime;
    private final Sleeper sleeper;
    private final AtomicLong pausedUntilNanos;
    private final AtomicLong rateLimited = new AtomicLong();
    private volatile AimdRate control;
    private volatile double slotRate;
    private final SharedBudget budget;
    /** Permits leased and not yet used; guarded by {@link #pacer}, as the fields below. */
    private int permits;
    private long permitsLeasedNanos;
    /** When the leased permits may be used (granted ahead of the bucket's refill), ns of {@link #nanoTime}. */
    private long permitsUsableNanos;
    private int lastGrant;
    /** The shared rate seen at the last lease, requests a second; NaN before the first. */
    private double knownSharedRate = Double.NaN;
    /** The last leases granted: {ns of {@link #nanoTime}, permits}, at most {@value #SHARE_WINDOW_MILLIS} ms old. */
    private final java.util.ArrayDeque<long[]> grants = new java.util.ArrayDeque<>();
    /** Pacing alone (the shared budget could not be reached): at {@link #aloneRate}, until {@link #aloneRetryNanos}. */
    private volatile boolean alone;
    private volatile double aloneRate;
    private long aloneRetryNanos;
    /** The next lease, asked for while permits were left (null when none is asked), and when it was asked. */
    private java.util.concurrent.CompletableFuture<java.util.Optional<SharedBudget.Lease>> nextLease;
    private long nextLeaseAskedNanos;

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
     * A throttle whose budget every process on the database shares with the same key (README, "Finding a provider's
     * rate limit").
     *
     * @param provider          the provider, for names and logs
     * @param requestsPerSecond the key's configured limit; null or not positive for none (then it is found)
     * @param maxInFlight       the most requests at once in this process, at least 1
     * @param memory            where the learned rate of the key is kept; asked once, before the first request
     * @param budget            the key's budget shared with other processes ({@link RateBuckets#forKey});
     *                          {@link SharedBudget#NONE} for a process alone
     */
    public ProviderThrottle(String provider, Double requestsPerSecond, int maxInFlight, RateMemory memory,
            SharedBudget budget) {
        this(provider, requestsPerSecond, maxInFlight, System::nanoTime, Sleeper.THREAD, memory, budget);
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
        this(provider, requestsPerSecond, maxInFlight, nanoTime, sleeper, memory, SharedBudget.NONE);
    }

    ProviderThrottle(String provider, Double requestsPerSecond, int maxInFlight, LongSupplier nanoTime,
            Sleeper sleeper, RateMemory memory, SharedBudget budget) {
        this.budget = budget == null ? SharedBudget.NONE : budget;
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
            RateLimitHeaders.clear();
            T result;
            try {
                result = request.get();
            } finally {
                RateLimitHeaders.take().ifPresent(headers -> onHeaders(rate, headers));
            }
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

    /**
     * @return the rate this process paces its own requests at, requests a second: the current rate, or while the
     *         shared budget cannot be reached, this process's share of it ({@link SharedBudget})
     */
    public double pacingRate() {
        control();
        return alone ? Math.min(slotRate, aloneRate) : slotRate;
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
        budget.hold(rate.rate(), Duration.ofNanos(pause));
    }

    /** What an answer's rate-limit headers said: a stated rate or ceiling, and a pause when none is left. */
    private void onHeaders(AimdRate rate, RateLimitHeaders headers) {
        boolean changed = false;
        if (headers.statedRate().isPresent()) {
            changed = rate.onStatedLimit(headers.statedRate().getAsDouble());
        } else if (headers.ceiling().isPresent()) {
            changed = rate.onStatedCeiling(headers.ceiling().getAsDouble());
        }
        if (changed) {
            setRate(rate.rate());
            log.info("{}: the provider states its rate limit; rate set to {} requests/s", provider,
                    String.format("%.1f", rate.rate()));
        }
        if (!headers.pause().isZero()) {
            pausedUntilNanos.accumulateAndGet(nanoTime.getAsLong() + headers.pause().toNanos(), Math::max);
            budget.hold(Double.NaN, headers.pause());
        }
    }

    private synchronized void setRate(double requestsPerSecond) {
        slotRate = requestsPerSecond;
    }

    /**
     * Waits for this caller's turn, then until {@code 1/rate} after the request before and the end of any 429
     * pause (at the rate of now, read again every {@value #RECHECK_MILLIS} ms of the wait, so a rate raised
     * meanwhile counts at once); waits shorter than 1 ms are not waited.
     */
    private void waitForSlot() {
        try {
            pacer.lockInterruptibly();
            try {
                boolean waitedForBudget = false;
                while (true) {
                    long now = nanoTime.getAsLong();
                    double pace = alone ? Math.min(slotRate, aloneRate) : slotRate;
                    long interval = Math.max(1, (long) (1_000_000_000L / pace));
                    // not before the end of a 429 pause either: callers let through during it would all send
                    // at its end, at once
                    long due = Math.max(sentBefore ? lastSendNanos + interval : now, pausedUntilNanos.get());
                    long waitMillis = (due - now) / 1_000_000;
                    if (waitMillis <= 0) {
                        long budgetWaitNanos = takeSharedPermit(now);
                        if (budgetWaitNanos > 0) {
                            waitedForBudget = true;
                            sleeper.sleep(Math.max(1, Math.min(budgetWaitNanos / 1_000_000, MAX_BUDGET_WAIT_MILLIS)));
                            continue;
                        }
                        // late (a late wake-up on a loaded machine, or an idle gap): keep the schedule, so the
                        // callers behind catch up, but by at most CATCH_UP_MILLIS of requests; after a wait for
                        // the shared budget, from now (the others' requests took that time)
                        lastSendNanos = waitedForBudget ? now
                                : Math.max(due, now - Math.max(interval, CATCH_UP_MILLIS * 1_000_000L));
                        sentBefore = true;
                        return;
                    }
                    sleeper.sleep(Math.min(waitMillis, RECHECK_MILLIS));
                }
            } finally {
                pacer.unlock();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderException(FailureClass.BUSY, 0, null, provider + ": interrupted while throttled",
                    null, false, e);
        }
    }

    /**
     * Takes a permit of the shared budget for the caller whose turn it is (holding {@link #pacer}): one leased
     * before, else a new lease.
     *
     * @param now the time, ns of {@link #nanoTime}
     * @return 0 when the caller may send (a permit, or pacing alone); else how long to wait before asking again, ns
     */
    private long takeSharedPermit(long now) {
        if (!budget.isShared()) {
            return 0;
        }
        if (permits > 0 && now - permitsLeasedNanos < PERMIT_TTL_MILLIS * 1_000_000L) {
            if (now - permitsUsableNanos < 0) {
                return permitsUsableNanos - now;
            }
            permits--;
            if (nextLease == null && permits <= lastGrant / 2) {
                // half used: ask for the next ones now, so the callers need not wait for the round trip
                nextLease = budget.leaseLater(Math.max(lastGrant, pacer.getQueueLength() + 1), control().rate(),
                        knownSharedRate);
                nextLeaseAskedNanos = now;
            }
            return 0;
        }
        if (alone && now - aloneRetryNanos < 0) {
            return 0;
        }
        int wanted = pacer.getQueueLength() + 1;
        if (permits == 0 && lastGrant > 0 && now - permitsLeasedNanos > 0) {
            // the pace of this process: the last lease lasted that long
            double perLease = lastGrant * (RateBuckets.LEASE_MILLIS * 1e6) / (now - permitsLeasedNanos);
            wanted = (int) Math.max(wanted, Math.min(Integer.MAX_VALUE / 2, Math.ceil(perLease)));
        }
        permits = 0;
        AimdRate rate = control();
        long askedNanos = now;
        java.util.Optional<SharedBudget.Lease> leased;
        if (nextLease != null) {
            leased = awaitLease(nextLease);
            askedNanos = nextLeaseAskedNanos;
            nextLease = null;
        } else {
            leased = budget.lease(wanted, rate.rate(), knownSharedRate);
        }
        if (leased.isEmpty()) {
            if (!alone) {
                alone = true;
                aloneRate = share(now);
                log.warn("{}: the shared request budget (database) cannot be reached; pacing this process alone at"
                        + " {} requests/s, its share of the last seconds, until it can", provider,
                        String.format("%.1f", Math.min(slotRate, aloneRate)));
            }
            aloneRetryNanos = now + ALONE_RETRY_MILLIS * 1_000_000L;
            return 0;
        }
        if (alone) {
            alone = false;
            log.info("{}: the shared request budget can be reached again", provider);
        }
        SharedBudget.Lease lease = leased.get();
        double sharedBefore = knownSharedRate;
        knownSharedRate = lease.rate();
        // the shared rate is adopted only when it changed since this process last saw it (another process's 429
        // or increase): an unchanged one below this process's own rate has only not taken this process's
        // increase yet (a lease asked ahead, before the increase), and adopting it would end the slow start
        if ((Double.isNaN(sharedBefore) || lease.rate() != sharedBefore) && rate.onSharedRate(lease.rate(), now)) {
            setRate(rate.rate());
        }
        if (lease.permits() <= 0) {
            lastGrant = 0;
            return Math.max(1_000_000L, lease.waitMicros() * 1_000 - (now - askedNanos));
        }
        grants.addLast(new long[] {now, lease.permits()});
        while (now - grants.peekFirst()[0] > SHARE_WINDOW_MILLIS * 1_000_000L) {
            grants.removeFirst();
        }
        lastGrant = lease.permits();
        long usableIn = Math.max(0, lease.waitMicros() * 1_000 - (now - askedNanos));
        permitsUsableNanos = now + usableIn;
        permitsLeasedNanos = now + usableIn;
        if (usableIn >= 1_000_000L) {
            permits = lease.permits();
            return usableIn;
        }
        permits = lease.permits() - 1;
        return 0;
    }

    /** @return the lease asked for before, waited for at most {@link RateBuckets#LEASE_TIMEOUT_MILLIS}; else empty */
    private java.util.Optional<SharedBudget.Lease> awaitLease(
            java.util.concurrent.CompletableFuture<java.util.Optional<SharedBudget.Lease>> lease) {
        try {
            return lease.get(RateBuckets.LEASE_TIMEOUT_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.Optional.empty();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return java.util.Optional.empty();
        }
    }

    /**
     * @param now the time, ns of {@link #nanoTime}
     * @return this process's share of the key's rate over the last {@value #SHARE_WINDOW_MILLIS} ms: the permits it
     *         was granted between its first and its last lease of that time, a second (at least
     *         {@link AimdRate#MIN_RATE}); the whole rate when that is not known (fewer than two leases)
     */
    private double share(long now) {
        while (!grants.isEmpty() && now - grants.peekFirst()[0] > SHARE_WINDOW_MILLIS * 1_000_000L) {
            grants.removeFirst();
        }
        if (grants.size() < 2 || grants.peekLast()[0] - grants.peekFirst()[0] <= 0) {
            return slotRate;
        }
        long granted = 0;
        for (long[] grant : grants) {
            granted += grant[1];
        }
        granted -= grants.peekLast()[1]; // the last lease's permits are not used yet
        return Math.max(AimdRate.MIN_RATE, granted / ((grants.peekLast()[0] - grants.peekFirst()[0]) / 1e9));
    }

    /** Leased permits not used within this time are dropped, ms (they would be a burst on top of the others'). */
    private static final long PERMIT_TTL_MILLIS = 1_000;
    /** How often a throttle pacing alone tries the shared budget again, ms. */
    private static final long ALONE_RETRY_MILLIS = 1_000;
    /** The window this process's share is measured over, ms. */
    private static final long SHARE_WINDOW_MILLIS = 5_000;
    /** The longest sleep before leasing again after the budget said to wait, ms (a pause is waited in steps). */
    private static final long MAX_BUDGET_WAIT_MILLIS = 1_000;

    /** The longest sleep of a caller waiting for its send time before it reads the rate again, ms. */
    private static final long RECHECK_MILLIS = 20;
    /**
     * How far the send schedule may run behind the clock, ms: the callers behind a late one catch up with that much
     * of the rate's requests at once, at most (a burst of a tenth of a second's worth), instead of losing the time.
     */
    private static final long CATCH_UP_MILLIS = 100;
}
