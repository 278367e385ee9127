package io.imagebatch.sandbox;

import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Decides which injected fault, if any, hits a request.
 *
 * <p>Before an API request is served ({@link #check()}): first the outage switch, then the random server error
 * ({@link SandboxSettings#serverErrorRate()}), then the random 429 ({@link SandboxSettings#tooManyRequestsRate()}),
 * then the rate limit ({@link SandboxSettings#rateLimitPerSecond()}). After a create made its task:
 * {@link #dropCreateAnswer()} ({@link SandboxSettings#createDropRate()}). Before a result file is sent:
 * {@link #cutDownload()} ({@link SandboxSettings#downloadCutRate()}).
 *
 * <p>Every random fault draws from a {@link Random} of its own, seeded from {@link SandboxSettings#seed()}, and
 * draws nothing when its rate is 0: adding one fault to a run does not shift the choices of the others, and the
 * same settings with the same request order make the same choices. Thread-safe.
 */
final class FaultGate {

    /** Error text of the outage switch. */
    static final String OUTAGE_MESSAGE = "sandbox: outage";
    /** Error text of an injected HTTP 500. */
    static final String SERVER_ERROR_MESSAGE = "sandbox: internal error";
    /** Error text of HTTP 429 from the rate limit. */
    static final String RATE_LIMITED_MESSAGE = "rate limited";
    /** Error text of an injected random HTTP 429. */
    static final String TOO_MANY_REQUESTS_MESSAGE = "sandbox: too many requests";
    /** {@code Retry-After} of an injected random HTTP 429, in seconds. */
    static final long TOO_MANY_REQUESTS_RETRY_AFTER_SECONDS = 1;

    private final double serverErrorRate;
    private final double tooManyRequestsRate;
    private final double createDropRate;
    private final double downloadCutRate;
    private final double forbiddenResultRate;
    private final long seed;
    private final Random random;         // 500s; Random is thread-safe
    private final Random busyRandom;     // random 429s
    private final Random dropRandom;     // dropped create answers
    private final Random cutRandom;      // cut downloads
    private final TokenBucket bucket;    // null: unlimited
    private volatile int outageStatus;
    private final boolean sendRateLimitHeaders;
    private final java.util.concurrent.atomic.AtomicLong rateLimitAnswers = new java.util.concurrent.atomic.AtomicLong();

    /** @param settings fault rates, rate limit and seed */
    FaultGate(SandboxSettings settings) {
        this.serverErrorRate = settings.serverErrorRate();
        this.tooManyRequestsRate = settings.tooManyRequestsRate();
        this.createDropRate = settings.createDropRate();
        this.downloadCutRate = settings.downloadCutRate();
        this.forbiddenResultRate = settings.forbiddenResultRate();
        this.seed = settings.seed();
        // streams of their own, so injected faults do not shift the tasks' draws (nor each other's)
        this.random = new Random(settings.seed() ^ 0x5DEECE66DL);
        this.busyRandom = new Random(settings.seed() ^ 0x632BE59BD9B4E019L);
        this.dropRandom = new Random(settings.seed() ^ 0x2545F4914F6CDD1DL);
        this.cutRandom = new Random(settings.seed() ^ 0x9E3779B97F4A7C15L);
        this.bucket = settings.rateLimitPerSecond() > 0 ? new TokenBucket(settings.rateLimitPerSecond()) : null;
        this.sendRateLimitHeaders = settings.rateLimitHeaders();
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
     * @return the fault that answers the current API request, or empty to serve it. A 429 (random, from the
     * bucket or from the outage switch) and a 503 carry {@code Retry-After} seconds, at least 1
     */
    Optional<Fault> check() {
        int outage = outageStatus;
        if (outage != 0) {
            return Optional.of(new Fault(outage, OUTAGE_MESSAGE, outage == 429 || outage == 503 ? 1 : 0));
        }
        if (serverErrorRate > 0 && random.nextDouble() < serverErrorRate) {
            return Optional.of(new Fault(500, SERVER_ERROR_MESSAGE, 0));
        }
        if (tooManyRequestsRate > 0 && busyRandom.nextDouble() < tooManyRequestsRate) {
            return Optional.of(new Fault(429, TOO_MANY_REQUESTS_MESSAGE, TOO_MANY_REQUESTS_RETRY_AFTER_SECONDS));
        }
        if (bucket != null) {
            long waitNanos = bucket.tryTake();
            if (waitNanos > 0) {
                long seconds = Math.max(1, (long) Math.ceil(waitNanos / (double) TimeUnit.SECONDS.toNanos(1)));
                rateLimitAnswers.incrementAndGet();
                return Optional.of(new Fault(429, RATE_LIMITED_MESSAGE, seconds));
            }
        }
        return Optional.empty();
    }

    /**
     * The rate-limit headers of an API answer ({@link SandboxSettings#rateLimitHeaders()}): the limit as the IETF
     * draft (draft-ietf-httpapi-ratelimit-headers) states it, {@code RateLimit-Policy: "sandbox";q=Q;w=W} and
     * {@code RateLimit: "sandbox";r=R;t=T}, and as the common {@code X-RateLimit-Limit: Q},
     * {@code X-RateLimit-Remaining: R}, {@code X-RateLimit-Reset: T}: Q requests a window of W seconds (W = 1
     * for a whole number rate, else 10, Q rounded to a whole number), R the requests the bucket would take now,
     * T the seconds until it is full.
     *
     * @return the headers, by name; empty without a rate limit or with the headers switched off
     */
    java.util.Map<String, String> rateLimitHeaders() {
        if (bucket == null || !sendRateLimitHeaders) {
            return java.util.Map.of();
        }
        double rate = bucket.perSecond();
        long window = rate == Math.rint(rate) ? 1 : 10;
        long quota = Math.max(1, Math.round(rate * window));
        long remaining = bucket.remaining();
        long reset = bucket.secondsToFull();
        return java.util.Map.of(
                "RateLimit-Policy", "\"sandbox\";q=" + quota + ";w=" + window,
                "RateLimit", "\"sandbox\";r=" + remaining + ";t=" + reset,
                "X-RateLimit-Limit", Long.toString(quota),
                "X-RateLimit-Remaining", Long.toString(remaining),
                "X-RateLimit-Reset", Long.toString(reset));
    }

    /** @return the API requests answered HTTP 429 because they were past the rate limit, since the start */
    long rateLimitAnswers() {
        return rateLimitAnswers.get();
    }

    /**
     * Asked once per create request that made a task.
     *
     * @return true when the answer must be dropped (the connection closed without a response)
     */
    boolean dropCreateAnswer() {
        return createDropRate > 0 && dropRandom.nextDouble() < createDropRate;
    }

    /**
     * Asked once per result file about to be sent with HTTP 200.
     *
     * @return true when the body must be cut short (full {@code Content-Length}, half the bytes, then close)
     */
    /**
     * @param taskId a task whose result file is asked for
     * @return true when this task's result is always refused ({@link SandboxSettings#forbiddenResultRate()}):
     *         decided by a hash of the seed and the taskId, so the answer is the same on every download
     */
    boolean forbiddenResult(String taskId) {
        if (forbiddenResultRate <= 0) {
            return false;
        }
        return perTask(seed, taskId) < forbiddenResultRate;
    }

    /**
     * A draw in {@code [0, 1)} fixed by a seed and a taskId: the same task gets the same draw every time.
     *
     * @param seed   the sandbox's seed, or a value derived from it for a draw of another kind
     * @param taskId the task
     * @return the draw
     */
    static double perTask(long seed, String taskId) {
        long h = seed * 0x9E3779B97F4A7C15L + taskId.hashCode();
        h ^= h >>> 31;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 29;
        return (h >>> 11) * 0x1.0p-53;
    }

    boolean cutDownload() {
        return downloadCutRate > 0 && cutRandom.nextDouble() < downloadCutRate;
    }

    /** Per protocol name, the HTTP status its creates are refused with (SandboxProvider#refuseAccount). */
    private final java.util.Map<String, Integer> refusedAccounts = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param protocol   a protocol name, for example {@code liangxin}
     * @param httpStatus 401, 402, 403 or 505 to refuse its creates; 0 to take them again
     */
    void refuseAccount(String protocol, int httpStatus) {
        if (httpStatus == 0) {
            refusedAccounts.remove(protocol);
        } else {
            refusedAccounts.put(protocol, httpStatus);
        }
    }

    /** @return the status the protocol's creates are refused with, 0 when they are not */
    int accountRefusal(String protocol) {
        return refusedAccounts.getOrDefault(protocol, 0);
    }
}
