package io.imagebatch.provider;

import java.util.OptionalDouble;

/**
 * The rate control of a {@link ProviderThrottle}: finds a provider key's request limit the way TCP finds a link's
 * capacity (README, Performance). Pure arithmetic on the times it is given (ns of a monotonic clock), so tests
 * drive it with a clock of their own. Thread-safe.
 *
 * <ul>
 *   <li><b>Slow start.</b> With no configured and no learned rate, it starts at {@value #INITIAL_RATE} requests a
 *       second and doubles at the end of every round (a round is {@code max(1, rate)} answers: about one second)
 *       until the first 429.</li>
 *   <li><b>Multiplicative decrease.</b> A 429 halves the rate (not below {@value #MIN_RATE} request a second),
 *       once per episode: 429s that come back before the provider's {@code Retry-After} has passed answer
 *       requests sent before the decrease, and 429s with no other answer since the decrease (an outage answered
 *       429, not a rate too high) are the same episode; they change nothing more (the pause backs off).</li>
 *   <li><b>Additive increase.</b> After a decrease, every round adds a quarter of the way back to the rate of the
 *       last 429 (at least the probe step), then, past it, the probe step: {@value #PROBE_FRACTION} of the rate,
 *       at least {@value #MIN_PROBE} request a second, so the key's limit is approached slowly.</li>
 *   <li><b>Ceiling.</b> Never above the configured {@code requests-per-second}; without one, never above
 *       {@value #UNCONFIGURED_CEILING} requests a second.</li>
 *   <li><b>Learning.</b> What the next run should start at ({@link #onRateLimited}): after the first 429, the
 *       halved rate (as TCP's slow-start threshold); from the next 429 on, the rate the key actually sustained
 *       since the first (answers without 429 / seconds), at most the rate of that 429.</li>
 * </ul>
 */
public final class AimdRate {

    /**
     * The first rate without a configured or learned one, requests a second: four, as TCP's initial window of up to
     * four segments (RFC 3390); ten (RFC 6928) overshot a 50 requests/s limit into three times as many 429s in the
     * benchmark (README, Performance).
     */
    public static final double INITIAL_RATE = 4;
    /** The lowest rate, requests a second. */
    public static final double MIN_RATE = 1;
    /** The highest rate without a configured one, requests a second. */
    public static final double UNCONFIGURED_CEILING = 10_000;
    /** The probe step past the rate of the last 429, as a fraction of the rate per round. */
    public static final double PROBE_FRACTION = 0.01;
    /** The smallest probe step, requests a second per round. */
    public static final double MIN_PROBE = 0.1;

    private final double ceiling;
    private double rate;
    private double threshold;
    private double lastLimitedRate;
    private long answersInRound;
    private long calmUntilNanos;
    private int episodes;
    private long firstEpisodeNanos;
    private long answersSinceFirstEpisode;
    private long answersSinceDecrease;

    /**
     * @param configured the configured {@code requests-per-second}: the ceiling and the start; null or not
     *                   positive for none
     * @param learned    the rate an earlier run learned for this key, requests a second: the start when none is
     *                   configured (then it probes upward slowly from there); empty or not positive for none
     */
    public AimdRate(Double configured, OptionalDouble learned) {
        boolean isConfigured = configured != null && configured > 0;
        this.ceiling = isConfigured ? configured : UNCONFIGURED_CEILING;
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
        if (++answersInRound < Math.max(1, (long) rate)) {
            return false;
        }
        answersInRound = 0;
        double before = rate;
        double probe = Math.max(MIN_PROBE, rate * PROBE_FRACTION);
        if (rate < threshold) {
            rate = Math.min(threshold, rate * 2);
        } else if (rate < lastLimitedRate) {
            rate = Math.min(lastLimitedRate, rate + Math.max(probe, (lastLimitedRate - rate) / 4));
        } else {
            rate = rate + probe;
        }
        rate = Math.min(ceiling, rate);
        return rate != before;
    }

    /**
     * A 429: halves the rate, unless it belongs to an episode already answered (it came before the end of the
     * last 429's pause, or no other answer came since the last decrease).
     *
     * @param nowNanos   the time of the answer, ns of the monotonic clock
     * @param pauseNanos how long the provider asked to wait ({@code Retry-After}), ns, not negative
     * @return the rate to remember for the next run, requests a second: the halved rate at the first 429 (and
     *         within 1 s of it), later the rate sustained since the first 429; empty for a 429 of an episode
     *         already answered
     */
    public synchronized OptionalDouble onRateLimited(long nowNanos, long pauseNanos) {
        if (episodes > 0 && (nowNanos - calmUntilNanos < 0 || answersSinceDecrease == 0)) {
            return OptionalDouble.empty();
        }
        answersSinceDecrease = 0;
        calmUntilNanos = nowNanos + Math.max(0, pauseNanos);
        episodes++;
        lastLimitedRate = rate;
        rate = Math.max(MIN_RATE, rate / 2);
        threshold = rate;
        answersInRound = 0;
        if (episodes == 1) {
            firstEpisodeNanos = nowNanos;
            return OptionalDouble.of(rate);
        }
        double seconds = (nowNanos - firstEpisodeNanos) / 1e9;
        if (seconds < 1) {
            return OptionalDouble.of(rate);
        }
        return OptionalDouble.of(clamp(Math.min(lastLimitedRate, answersSinceFirstEpisode / seconds)));
    }

    private double clamp(double requestsPerSecond) {
        return Math.max(MIN_RATE, Math.min(ceiling, requestsPerSecond));
    }
}
