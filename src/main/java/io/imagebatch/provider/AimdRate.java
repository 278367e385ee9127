package io.imagebatch.provider;

import java.util.OptionalDouble;

/**
 * The rate control of a {@link ProviderThrottle}: finds a provider key's request limit the way TCP finds a link's
 * capacity (README, Performance). Pure arithmetic on the times it is given (ns of a monotonic clock), so tests
 * drive it with a clock of their own. Thread-safe.
 *
 * <ul>
 *   <li><b>Slow start.</b> With no configured, stated or learned rate, it starts at {@value #INITIAL_RATE}
 *       requests a second and doubles at the end of every round until the first 429. A round is
 *       {@value #ROUND_MILLIS} ms (short in time, as TCP's round-trip, not a second), and it doubles the rate only
 *       when the round used at least half of it (RFC 7661: a rate the caller did not use proves nothing); a round
 *       that did not keeps the rate.</li>
 *   <li><b>The first 429</b> sets the rate to what the provider was observed to take: the answers of the last
 *       second, at most {@value #BETA} of the rate (slow start overshoots the limit by up to a few times before the
 *       provider's burst allowance runs out, so halving alone would need several more 429s).</li>
 *   <li><b>Multiplicative decrease.</b> A later 429 lowers the rate to {@value #BETA} of itself (CUBIC's factor,
 *       RFC 9438), not below {@value #MIN_RATE} request a second, once per episode: 429s that come back before
 *       the provider's {@code Retry-After} has passed answer requests sent before the decrease, and 429s with no
 *       other answer since the decrease (an outage answered 429, not a rate too high) are the same episode; they
 *       change nothing more (the pause backs off).</li>
 *   <li><b>Additive increase.</b> After a decrease, every round of {@code max(1, rate)} answers adds a quarter of
 *       the way back to the rate the provider sustained before the 429 (the lower of the rate of the 429 and the
 *       answers per second since the decrease before), at least the probe step, then, past it, the probe step:
 *       {@value #PROBE_FRACTION} of the rate, at least {@value #MIN_PROBE} request a second.</li>
 *   <li><b>Ceiling.</b> Never above the configured {@code requests-per-second}, nor above a limit the provider
 *       states in its rate-limit headers ({@link #onStatedLimit}); without either, never above
 *       {@value #UNCONFIGURED_CEILING} requests a second.</li>
 *   <li><b>Learning.</b> What the next run should start at ({@link #onRateLimited}): after the first 429, the
 *       lowered rate (as TCP's slow-start threshold); from the next 429 on, the rate the key actually sustained
 *       since the first (answers without 429 / seconds), at most the rate of that 429.</li>
 * </ul>
 */
public final class AimdRate {

    /**
     * The first rate without a configured, stated or learned one, requests a second. Chosen by measurement (README,
     * Performance): lower starts (4, 10, 20 a second) paced small batches for seconds; the 429s of the first
     * overshoot grow with the rate reached when the provider's burst allowance runs out, which a high start with
     * slow doubling keeps lower than a low start with fast doubling.
     */
    public static final double INITIAL_RATE = 100;
    /** The length of a slow-start round, ms. */
    public static final long ROUND_MILLIS = 500;
    /** The factor of a multiplicative decrease (CUBIC's beta, RFC 9438). */
    public static final double BETA = 0.7;
    /** The lowest rate, requests a second. */
    public static final double MIN_RATE = 1;
    /** The highest rate without a configured one, requests a second. */
    public static final double UNCONFIGURED_CEILING = 10_000;
    /** The probe step past the rate of the last 429, as a fraction of the rate per round. */
    public static final double PROBE_FRACTION = 0.01;
    /** The smallest probe step, requests a second per round. */
    public static final double MIN_PROBE = 0.1;

    private static final long ROUND_NANOS = ROUND_MILLIS * 1_000_000L;
    /** The answers of the last second are counted in {@value} slots of a tenth of a second each. */
    private static final int SLOTS = 10;
    private static final long SLOT_NANOS = 100_000_000L;

    private final double configuredCeiling;
    private double ceiling;
    private double statedLimit;
    private double rate;
    private double threshold;
    private double lastLimitedRate;
    private long answersInRound;
    private boolean roundStarted;
    private long roundStartNanos;
    private long calmUntilNanos;
    private int episodes;
    private long firstEpisodeNanos;
    private long lastEpisodeNanos;
    private long answersSinceFirstEpisode;
    private long answersSinceDecrease;
    private final long[] slotCounts = new long[SLOTS];
    private final long[] slotIndex = new long[SLOTS];

    /**
     * @param configured the configured {@code requests-per-second}: the ceiling and the start; null or not
     *                   positive for none
     * @param learned    the rate an earlier run learned for this key, requests a second: the start when none is
     *                   configured (then it probes upward slowly from there); empty or not positive for none
     */
    public AimdRate(Double configured, OptionalDouble learned) {
        boolean isConfigured = configured != null && configured > 0;
        this.configuredCeiling = isConfigured ? configured : UNCONFIGURED_CEILING;
        this.ceiling = configuredCeiling;
        if (isConfigured) {
            rate = ceiling;
            threshold = ceiling;
            lastLimitedRate = ceiling;
        } else if (learned.isPresent() && learned.getAsDouble() > 0) {
            rate = clamp(learned.getAsDouble());
            threshold = rate;
            lastLimitedRate = rate;
        } else {
            rate = Math.min(INITIAL_RATE, ceiling);
            threshold = ceiling;
            lastLimitedRate = ceiling;
        }
    }

    /** @return the rate now, requests a second, in {@code [MIN_RATE, ceiling]} */
    public synchronized double rate() {
        return rate;
    }

    /** @return true while the rate doubles every round (no 429 seen yet, and below the ceiling) */
    public synchronized boolean inSlowStart() {
        return rate < threshold;
    }

    /**
     * An answer other than 429 (success or another error: the request was within the limit).
     *
     * @param nowNanos the time of the answer, ns of the monotonic clock
     * @return true when it ended a round and changed the rate
     */
    public synchronized boolean onAnswer(long nowNanos) {
        answersSinceDecrease++;
        if (episodes > 0) {
            answersSinceFirstEpisode++;
        }
        countInLastSecond(nowNanos);
        if (!roundStarted) {
            roundStarted = true;
            roundStartNanos = nowNanos;
        }
        answersInRound++;
        double before = rate;
        if (rate < threshold) {
            if (nowNanos - roundStartNanos < ROUND_NANOS) {
                return false;
            }
            // the round used at least half of what the rate allowed over its length: the rate is proven
            if (answersInRound >= rate * ((nowNanos - roundStartNanos) / 1e9) / 2) {
                rate = Math.min(threshold, rate * 2);
            }
        } else {
            if (answersInRound < Math.max(1, (long) rate)) {
                return false;
            }
            double probe = Math.max(MIN_PROBE, rate * PROBE_FRACTION);
            if (rate < lastLimitedRate) {
                rate = Math.min(lastLimitedRate, rate + Math.max(probe, (lastLimitedRate - rate) / 4));
            } else {
                rate = rate + probe;
            }
        }
        answersInRound = 0;
        roundStartNanos = nowNanos;
        rate = Math.min(ceiling, rate);
        return rate != before;
    }

    /**
     * A 429: lowers the rate (the first to the rate observed, later ones by {@value #BETA}), unless it belongs to
     * an episode already answered (it came before the end of the last 429's pause, or no other answer came since
     * the last decrease).
     *
     * @param nowNanos   the time of the answer, ns of the monotonic clock
     * @param pauseNanos how long the provider asked to wait ({@code Retry-After}), ns, not negative
     * @return the rate to remember for the next run, requests a second: the lowered rate at the first 429 (and
     *         within 1 s of it), later the rate sustained since the first 429; empty for a 429 of an episode
     *         already answered
     */
    public synchronized OptionalDouble onRateLimited(long nowNanos, long pauseNanos) {
        if (episodes > 0 && (nowNanos - calmUntilNanos < 0 || answersSinceDecrease == 0)) {
            return OptionalDouble.empty();
        }
        double before = rate;
        if (episodes == 0) {
            double observed = answersInLastSecond(nowNanos);
            lastLimitedRate = observed > 0 ? Math.min(before, observed) : before;
            rate = clamp(observed > 0 ? Math.min(before * BETA, observed) : before * BETA);
        } else {
            double seconds = (nowNanos - lastEpisodeNanos) / 1e9;
            double sustained = seconds > 0 ? answersSinceDecrease / seconds : before;
            lastLimitedRate = Math.max(MIN_RATE, Math.min(before, sustained));
            rate = clamp(before * BETA);
        }
        answersSinceDecrease = 0;
        calmUntilNanos = nowNanos + Math.max(0, pauseNanos);
        lastEpisodeNanos = nowNanos;
        episodes++;
        threshold = rate;
        answersInRound = 0;
        roundStartNanos = nowNanos;
        if (episodes == 1) {
            firstEpisodeNanos = nowNanos;
            return OptionalDouble.of(rate);
        }
        double seconds = (nowNanos - firstEpisodeNanos) / 1e9;
        if (seconds < 1) {
            return OptionalDouble.of(rate);
        }
        return OptionalDouble.of(clamp(Math.min(before, answersSinceFirstEpisode / seconds)));
    }

    /**
     * A limit the provider states in its rate-limit headers ({@link RateLimitHeaders}): it becomes the ceiling
     * (under a configured one), and the first time, or when it changes, the rate at once (no slow start, and the
     * climb after a 429 goes back to it, never past it).
     *
     * @param requestsPerSecond the stated limit, requests a second; not positive or not finite changes nothing
     * @return true when the rate changed
     */
    public synchronized boolean onStatedLimit(double requestsPerSecond) {
        if (!(requestsPerSecond > 0) || Double.isInfinite(requestsPerSecond)
                || Math.abs(requestsPerSecond - statedLimit) <= statedLimit * 0.001) {
            return false;
        }
        statedLimit = requestsPerSecond;
        ceiling = Math.max(MIN_RATE, Math.min(configuredCeiling, requestsPerSecond));
        double before = rate;
        rate = ceiling;
        threshold = ceiling;
        lastLimitedRate = ceiling;
        answersInRound = 0;
        return rate != before;
    }

    /**
     * A ceiling the provider states without a window ({@code X-RateLimit-Limit} alone: a limit of N per window of
     * at least a second allows at most N a second): the rate never goes above it, but is not set to it.
     *
     * @param requestsPerSecond the most the key can be allowed, requests a second; not positive changes nothing
     * @return true when the rate changed
     */
    public synchronized boolean onStatedCeiling(double requestsPerSecond) {
        if (!(requestsPerSecond > 0) || Double.isInfinite(requestsPerSecond) || statedLimit > 0) {
            return false;
        }
        double before = rate;
        ceiling = Math.max(MIN_RATE, Math.min(configuredCeiling, requestsPerSecond));
        threshold = Math.min(threshold, ceiling);
        lastLimitedRate = Math.min(lastLimitedRate, ceiling);
        rate = Math.min(rate, ceiling);
        return rate != before;
    }

    /**
     * The key's rate as every process on the database shares it ({@link SharedBudget}, README, "Finding a provider's
     * rate limit"), seen at a lease: this rate follows it (within the ceiling). A lower one means another process
     * met a 429: slow start ends, later 429s here lower by {@value #BETA} (not to this process's own answers of the
     * last second, which are only its share of the key's), and from it this process probes upward slowly (as past
     * the rate of a 429 of its own: it does not know the rate of the other's 429, and the process that met it leads
     * the climb back). A higher one means another process raised it (slow start or additive increase): this one
     * follows.
     *
     * @param requestsPerSecond the shared rate, requests a second; not positive or not finite changes nothing
     * @param nowNanos          the time of the lease, ns of the monotonic clock
     * @return true when the rate changed
     */
    public synchronized boolean onSharedRate(double requestsPerSecond, long nowNanos) {
        if (!(requestsPerSecond > 0) || Double.isInfinite(requestsPerSecond)) {
            return false;
        }
        double adopted = clamp(requestsPerSecond);
        if (adopted == rate) {
            return false;
        }
        if (adopted < rate) {
            threshold = Math.min(threshold, adopted);
            lastLimitedRate = Math.min(lastLimitedRate, adopted);
            if (episodes == 0) {
                episodes = 1;
                firstEpisodeNanos = nowNanos;
            }
            lastEpisodeNanos = nowNanos;
            calmUntilNanos = nowNanos;
            answersSinceDecrease = 0;
        }
        rate = adopted;
        answersInRound = 0;
        roundStartNanos = nowNanos;
        return true;
    }

    private void countInLastSecond(long nowNanos) {
        long index = Math.floorDiv(nowNanos, SLOT_NANOS);
        int slot = (int) Math.floorMod(index, (long) SLOTS);
        if (slotIndex[slot] != index) {
            slotIndex[slot] = index;
            slotCounts[slot] = 0;
        }
        slotCounts[slot]++;
    }

    /** @return the answers counted in the slots of the last second (the current slot and the nine before) */
    private long answersInLastSecond(long nowNanos) {
        long index = Math.floorDiv(nowNanos, SLOT_NANOS);
        long sum = 0;
        for (int i = 0; i < SLOTS; i++) {
            if (index - slotIndex[i] < SLOTS && index - slotIndex[i] >= 0) {
                sum += slotCounts[i];
            }
        }
        return sum;
    }

    private double clamp(double requestsPerSecond) {
        return Math.max(MIN_RATE, Math.min(ceiling, requestsPerSecond));
    }
}
