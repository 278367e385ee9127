package io.imagebatch.sandbox;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * How a {@link SandboxProvider} behaves: where it listens, how long its tasks take and which faults it injects.
 * All random choices (generation time, failure, injected 500s and 429s, dropped create answers, cut downloads)
 * come from Randoms seeded with {@link #seed()}, each fault with a stream of its own, so a run with the same
 * settings and the same request order makes the same choices.
 *
 * @param port               TCP port on 127.0.0.1; 0 picks a free port (see {@link SandboxProvider#baseUrl()})
 * @param minGenerationTime  shortest time from create to a terminal state; not negative
 * @param maxGenerationTime  longest time from create to a terminal state; not shorter than the minimum. Each task
 *                           draws its time uniformly in {@code [min, max]} (millisecond resolution)
 * @param failureRate        0..1: fraction of tasks that end in state {@code fail} instead of {@code success}
 * @param seed               seed of the sandbox's Randoms
 * @param serverErrorRate    0..1: fraction of API requests answered HTTP 500 before anything else is done (no
 *                           task is created); /files and /sandbox/stats are never affected
 * @param rateLimitPerSecond 0 = unlimited; otherwise a token bucket holding one second's worth of tokens
 *                           (at least one) refilled at this rate, shared by all API requests (creates and status
 *                           queries, not /files); past it requests get HTTP 429 with a {@code Retry-After} header
 * @param hiapiCallbackSecret the HiAPI account's callback signing secret: when set, HiAPI callbacks carry
 *                           {@code X-HiAPI-Timestamp} and {@code X-HiAPI-Signature} (docs/providers/hiapi.md,
 *                           {@link HiApiProtocol}); null (the default) sends them unsigned. Hidden by
 *                           {@link #toString()}
 * @param tooManyRequestsRate 0..1: fraction of API requests answered HTTP 429 with {@code Retry-After: 1} and
 *                           the protocol's error body, before anything else is done (no task is created); drawn
 *                           after {@code serverErrorRate}, so a request is first a candidate for a 500; /files and
 *                           /sandbox/stats are never affected
 * @param createDropRate     0..1: fraction of successful create requests whose task is made (and counted in the
 *                           stats, as a real provider would have made and charged it) but whose answer is never
 *                           sent: the connection is closed without a byte of response, so the client sees an I/O
 *                           error after sending ({@link SandboxStats#droppedCreatesByPrompt()})
 * @param plainImages        true: every task of a size gets the same plain PNG, rendered once per size (for
 *                           benchmarks of many rows, where rendering would dominate); false: each task's own image
 * @param downloadCutRate    0..1: fraction of {@code /files} downloads of a ready image answered HTTP 200 with the
 *                           full {@code Content-Length} but only the first half of the body, then the connection
 *                           is closed ({@link SandboxStats#cutDownloads()})
 * @param forbiddenResultRate 0..1: fraction of tasks whose result file is answered HTTP 403 on every download,
 *                           as an expired or revoked result URL is: the task succeeded (and is paid for) but its
 *                           image cannot be fetched. Chosen per task from the seed and the taskId, so the same
 *                           task is refused every time
 * @param jpegImages         true: result files are JPEG (the same picture, encoded by the JDK's JPEG writer at its
 *                           default quality) instead of PNG, as providers that deliver JPEG do; the URL and the
 *                           {@code Content-Type} say so
 * @param rateLimitHeaders   true (the default): with a rate limit, every API answer states it in rate-limit
 *                           headers ({@link FaultGate#rateLimitHeaders()}: the IETF draft's {@code RateLimit-Policy}
 *                           and {@code RateLimit}, and {@code X-RateLimit-Limit}, {@code -Remaining},
 *                           {@code -Reset}), as some providers do; false: none, as the documented providers
 *                           (a client must find the limit by its 429s)
 * @param lostCallbackRate   0..1: fraction of tasks whose callback is never sent (as a provider's webhook that
 *                           gives up, or a network that loses it): the task ends as usual and answers status
 *                           queries, but its callback URL hears nothing. Chosen per task from the seed and the
 *                           taskId ({@link SandboxProvider#lostCallbacks()} counts them)
 * @param minResultBytes     with {@code maxResultBytes}, "big results": 0 and 0 (the default) for the rendered
 *                           stand-in images; otherwise every result file is one of a few 4096 x 4096 RGB PNGs of
 *                           incompressible content whose sizes spread over {@code [minResultBytes, maxResultBytes]}
 *                           bytes (as 4K results of 8 to 20 MB are; README, "Performance"), made once per sandbox
 *                           and served by the task's id ({@link BigImages}); PNG even with {@code jpegImages}. From
 *                           {@link BigImages#MIN_BYTES} to {@link BigImages#MAX_BYTES} bytes
 * @param maxResultBytes     the largest big result file in bytes, not smaller than {@code minResultBytes}; 0 when
 *                           {@code minResultBytes} is 0
 * @param bandwidthPerConnection bytes per second at most of each result file's body, on each connection (as a
 *                           CDN or a network link caps a download); 0 (the default) for no limit; not negative
 */
public record SandboxSettings(int port, Duration minGenerationTime, Duration maxGenerationTime,
        double failureRate, long seed, double serverErrorRate, double rateLimitPerSecond,
        String hiapiCallbackSecret, double tooManyRequestsRate, double createDropRate, double downloadCutRate,
        boolean plainImages, double forbiddenResultRate, boolean jpegImages, boolean rateLimitHeaders,
        double lostCallbackRate, long minResultBytes, long maxResultBytes, long bandwidthPerConnection) {

    /**
     * The settings without a bandwidth limit, as before that setting existed; the fields as in the record
     * description.
     *
     * @param port                TCP port, 0..65535, 0 for a free one
     * @param minGenerationTime   shortest generation time, not negative
     * @param maxGenerationTime   longest generation time, not shorter than the minimum
     * @param failureRate         0..1, fraction of tasks ending in {@code fail}
     * @param seed                seed of the Randoms
     * @param serverErrorRate     0..1, fraction of API requests answered HTTP 500
     * @param rateLimitPerSecond  API requests per second before HTTP 429, 0 = unlimited; finite
     * @param hiapiCallbackSecret HiAPI callback signing secret, or null for unsigned callbacks; not blank
     * @param tooManyRequestsRate 0..1, fraction of API requests answered HTTP 429
     * @param createDropRate      0..1, fraction of successful creates whose answer is dropped
     * @param downloadCutRate     0..1, fraction of file downloads cut short
     * @param plainImages         one plain image per size instead of each task's own
     * @param forbiddenResultRate 0..1, fraction of tasks whose result file is always answered 403
     * @param jpegImages          JPEG result files instead of PNG
     * @param rateLimitHeaders    whether answers carry rate-limit headers
     * @param lostCallbackRate    0..1, fraction of tasks whose callback is never sent
     * @param minResultBytes      the smallest big result file in bytes, 0 for none
     * @param maxResultBytes      the largest big result file in bytes, 0 for none
     * @throws IllegalArgumentException when a value is outside its range
     * @throws NullPointerException     when a duration is null
     */
    public SandboxSettings(int port, Duration minGenerationTime, Duration maxGenerationTime, double failureRate,
            long seed, double serverErrorRate, double rateLimitPerSecond, String hiapiCallbackSecret,
            double tooManyRequestsRate, double createDropRate, double downloadCutRate, boolean plainImages,
            double forbiddenResultRate, boolean jpegImages, boolean rateLimitHeaders, double lostCallbackRate,
            long minResultBytes, long maxResultBytes) {
        this(port, minGenerationTime, maxGenerationTime, failureRate, seed, serverErrorRate, rateLimitPerSecond,
                hiapiCallbackSecret, tooManyRequestsRate, createDropRate, downloadCutRate, plainImages,
                forbiddenResultRate, jpegImages, rateLimitHeaders, lostCallbackRate, minResultBytes, maxResultBytes,
                0L);
    }

    /**
     * The settings with rate-limit headers, without lost callbacks or big results, as before those settings
     * existed; the
     * fields as in the record description.
     *
     * @param port                TCP port, 0..65535, 0 for a free one
     * @param minGenerationTime   shortest generation time, not negative
     * @param maxGenerationTime   longest generation time, not shorter than the minimum
     * @param failureRate         0..1, fraction of tasks ending in {@code fail}
     * @param seed                seed of the Randoms
     * @param serverErrorRate     0..1, fraction of API requests answered HTTP 500
     * @param rateLimitPerSecond  API requests per second before HTTP 429, 0 = unlimited; finite
     * @param hiapiCallbackSecret HiAPI callback signing secret, or null for unsigned callbacks; not blank
     * @param tooManyRequestsRate 0..1, fraction of API requests answered HTTP 429
     * @param createDropRate      0..1, fraction of successful creates whose answer is dropped
     * @param downloadCutRate     0..1, fraction of file downloads cut short
     * @param plainImages         one plain image per size instead of each task's own
     * @param forbiddenResultRate 0..1, fraction of tasks whose result file is always answered 403
     * @param jpegImages          JPEG result files instead of PNG
     * @throws IllegalArgumentException when a value is outside its range
     * @throws NullPointerException     when a duration is null
     */
    public SandboxSettings(int port, Duration minGenerationTime, Duration maxGenerationTime, double failureRate,
            long seed, double serverErrorRate, double rateLimitPerSecond, String hiapiCallbackSecret,
            double tooManyRequestsRate, double createDropRate, double downloadCutRate, boolean plainImages,
            double forbiddenResultRate, boolean jpegImages) {
        this(port, minGenerationTime, maxGenerationTime, failureRate, seed, serverErrorRate, rateLimitPerSecond,
                hiapiCallbackSecret, tooManyRequestsRate, createDropRate, downloadCutRate, plainImages,
                forbiddenResultRate, jpegImages, true, 0.0, 0L, 0L);
    }

    /**
     * Checks the ranges given in the record description.
     *
     * @param port               TCP port, 0..65535, 0 for a free one
     * @param minGenerationTime  shortest generation time, not negative
     * @param maxGenerationTime  longest generation time, not shorter than the minimum
     * @param failureRate        0..1, fraction of tasks ending in {@code fail}
     * @param seed               seed of the Randoms
     * @param serverErrorRate    0..1, fraction of API requests answered HTTP 500
     * @param rateLimitPerSecond API requests per second before HTTP 429, 0 = unlimited; finite
     * @param hiapiCallbackSecret HiAPI callback signing secret, or null for unsigned callbacks; not blank
     * @param tooManyRequestsRate 0..1, fraction of API requests answered HTTP 429
     * @param createDropRate     0..1, fraction of successful creates whose answer is dropped
     * @param downloadCutRate    0..1, fraction of file downloads cut short
     * @param plainImages        one plain image per size instead of each task's own
     * @param forbiddenResultRate 0..1, fraction of tasks whose result file is always answered 403
     * @throws IllegalArgumentException when a value is outside its range
     * @throws NullPointerException     when a duration is null
     */
    public SandboxSettings {
        Objects.requireNonNull(minGenerationTime, "minGenerationTime");
        Objects.requireNonNull(maxGenerationTime, "maxGenerationTime");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
        if (minGenerationTime.isNegative() || maxGenerationTime.compareTo(minGenerationTime) < 0) {
            throw new IllegalArgumentException("generation time must satisfy 0 <= min <= max, got "
                    + minGenerationTime + ".." + maxGenerationTime);
        }
        requireFraction("failureRate", failureRate);
        requireFraction("serverErrorRate", serverErrorRate);
        requireFraction("tooManyRequestsRate", tooManyRequestsRate);
        requireFraction("createDropRate", createDropRate);
        requireFraction("downloadCutRate", downloadCutRate);
        requireFraction("forbiddenResultRate", forbiddenResultRate);
        requireFraction("lostCallbackRate", lostCallbackRate);
        if ((minResultBytes != 0 || maxResultBytes != 0) && (minResultBytes < BigImages.MIN_BYTES
                || maxResultBytes > BigImages.MAX_BYTES || maxResultBytes < minResultBytes)) {
            throw new IllegalArgumentException("result bytes must be 0..0 (off) or satisfy " + BigImages.MIN_BYTES
                    + " <= min <= max <= " + BigImages.MAX_BYTES + ", got " + minResultBytes + ".."
                    + maxResultBytes);
        }
        if (bandwidthPerConnection < 0) {
            throw new IllegalArgumentException("bandwidthPerConnection must be >= 0 bytes/s (0 = no limit), got "
                    + bandwidthPerConnection);
        }
        if (!(rateLimitPerSecond >= 0) || Double.isInfinite(rateLimitPerSecond)) {
            throw new IllegalArgumentException("rateLimitPerSecond must be finite and >= 0, got "
                    + rateLimitPerSecond);
        }
        if (hiapiCallbackSecret != null && hiapiCallbackSecret.isBlank()) {
            throw new IllegalArgumentException("hiapiCallbackSecret must be null or not blank");
        }
    }

    /**
     * The settings with PNG result files, as before JPEG ones existed; the fields as in the record description.
     *
     * @param port                TCP port, 0..65535, 0 for a free one
     * @param minGenerationTime   shortest generation time, not negative
     * @param maxGenerationTime   longest generation time, not shorter than the minimum
     * @param failureRate         0..1, fraction of tasks ending in {@code fail}
     * @param seed                seed of the Randoms
     * @param serverErrorRate     0..1, fraction of API requests answered HTTP 500
     * @param rateLimitPerSecond  API requests per second before HTTP 429, 0 = unlimited; finite
     * @param hiapiCallbackSecret HiAPI callback signing secret, or null for unsigned callbacks; not blank
     * @param tooManyRequestsRate 0..1, fraction of API requests answered HTTP 429
     * @param createDropRate      0..1, fraction of successful creates whose answer is dropped
     * @param downloadCutRate     0..1, fraction of file downloads cut short
     * @param plainImages         one plain image per size instead of each task's own
     * @param forbiddenResultRate 0..1, fraction of tasks whose result file is always answered 403
     * @throws IllegalArgumentException when a value is outside its range
     * @throws NullPointerException     when a duration is null
     */
    public SandboxSettings(int port, Duration minGenerationTime, Duration maxGenerationTime, double failureRate,
            long seed, double serverErrorRate, double rateLimitPerSecond, String hiapiCallbackSecret,
            double tooManyRequestsRate, double createDropRate, double downloadCutRate, boolean plainImages,
            double forbiddenResultRate) {
        this(port, minGenerationTime, maxGenerationTime, failureRate, seed, serverErrorRate, rateLimitPerSecond,
                hiapiCallbackSecret, tooManyRequestsRate, createDropRate, downloadCutRate, plainImages,
                forbiddenResultRate, false);
    }

    /**
     * The settings without refused result files, as before that setting existed.
     *
     * @param port                TCP port, 0..65535, 0 for a free one
     * @param minGenerationTime   shortest generation time, not negative
     * @param maxGenerationTime   longest generation time, not shorter than the minimum
     * @param failureRate         0..1, fraction of tasks ending in {@code fail}
     * @param seed                seed of the Randoms
     * @param serverErrorRate     0..1, fraction of API requests answered HTTP 500
     * @param rateLimitPerSecond  API requests per second before HTTP 429, 0 = unlimited; finite
     * @param hiapiCallbackSecret HiAPI callback signing secret, or null for unsigned callbacks; not blank
     * @param tooManyRequestsRate 0..1, fraction of API requests answered HTTP 429
     * @param createDropRate      0..1, fraction of successful creates whose answer is dropped
     * @param downloadCutRate     0..1, fraction of file downloads cut short
     * @param plainImages         one plain image per size instead of each task's own
     * @throws IllegalArgumentException when a value is outside its range
     * @throws NullPointerException     when a duration is null
     */
    public SandboxSettings(int port, Duration minGenerationTime, Duration maxGenerationTime, double failureRate,
            long seed, double serverErrorRate, double rateLimitPerSecond, String hiapiCallbackSecret,
            double tooManyRequestsRate, double createDropRate, double downloadCutRate, boolean plainImages) {
        this(port, minGenerationTime, maxGenerationTime, failureRate, seed, serverErrorRate, rateLimitPerSecond,
                hiapiCallbackSecret, tooManyRequestsRate, createDropRate, downloadCutRate, plainImages, 0.0);
    }

    /**
     * The settings without the faults added for crash tests (no random 429s, no dropped create answers, no cut
     * downloads), as before those settings existed.
     *
     * @param port               TCP port, 0..65535, 0 for a free one
     * @param minGenerationTime  shortest generation time, not negative
     * @param maxGenerationTime  longest generation time, not shorter than the minimum
     * @param failureRate        0..1, fraction of tasks ending in {@code fail}
     * @param seed               seed of the Randoms
     * @param serverErrorRate    0..1, fraction of API requests answered HTTP 500
     * @param rateLimitPerSecond API requests per second before HTTP 429, 0 = unlimited; finite
     * @param hiapiCallbackSecret HiAPI callback signing secret, or null for unsigned callbacks; not blank
     * @throws IllegalArgumentException when a value is outside its range
     * @throws NullPointerException     when a duration is null
     */
    public SandboxSettings(int port, Duration minGenerationTime, Duration maxGenerationTime, double failureRate,
            long seed, double serverErrorRate, double rateLimitPerSecond, String hiapiCallbackSecret) {
        this(port, minGenerationTime, maxGenerationTime, failureRate, seed, serverErrorRate, rateLimitPerSecond,
                hiapiCallbackSecret, 0.0, 0.0, 0.0, false);
    }

    /**
     * The settings without a HiAPI callback secret (unsigned callbacks) and without the crash-test faults, as
     * before those settings existed.
     *
     * @param port               TCP port, 0..65535, 0 for a free one
     * @param minGenerationTime  shortest generation time, not negative
     * @param maxGenerationTime  longest generation time, not shorter than the minimum
     * @param failureRate        0..1, fraction of tasks ending in {@code fail}
     * @param seed               seed of the Randoms
     * @param serverErrorRate    0..1, fraction of API requests answered HTTP 500
     * @param rateLimitPerSecond API requests per second before HTTP 429, 0 = unlimited; finite
     * @throws IllegalArgumentException when a value is outside its range
     * @throws NullPointerException     when a duration is null
     */
    public SandboxSettings(int port, Duration minGenerationTime, Duration maxGenerationTime, double failureRate,
            long seed, double serverErrorRate, double rateLimitPerSecond) {
        this(port, minGenerationTime, maxGenerationTime, failureRate, seed, serverErrorRate, rateLimitPerSecond,
                null);
    }

    /**
     * The defaults: random port, generation 1 s to 3 s, no failed tasks, seed 42, no injected 500s or 429s, no
     * rate limit, no dropped create answers, no cut downloads.
     *
     * @return the default settings
     */
    public static SandboxSettings defaults() {
        return new SandboxSettings(0, Duration.ofSeconds(1), Duration.ofSeconds(3), 0.0, 42L, 0.0, 0.0);
    }

    /**
     * @param newPort TCP port, 0 for a free one
     * @return a copy listening on {@code newPort}
     */
    public SandboxSettings withPort(int newPort) {
        return with(copy -> copy.port = newPort);
    }

    /**
     * @param min shortest generation time
     * @param max longest generation time, not shorter than {@code min}
     * @return a copy whose tasks take {@code min..max}
     */
    public SandboxSettings withGenerationTime(Duration min, Duration max) {
        return with(copy -> {
            copy.minGenerationTime = min;
            copy.maxGenerationTime = max;
        });
    }

    /**
     * @param rate 0..1, the fraction of tasks that end in {@code fail}
     * @return a copy with that failure rate
     */
    public SandboxSettings withFailureRate(double rate) {
        return with(copy -> copy.failureRate = rate);
    }

    /**
     * @param newSeed seed of the sandbox's Randoms
     * @return a copy with that seed
     */
    public SandboxSettings withSeed(long newSeed) {
        return with(copy -> copy.seed = newSeed);
    }

    /**
     * @param rate 0..1, the fraction of API requests answered HTTP 500
     * @return a copy with that server error rate
     */
    public SandboxSettings withServerErrorRate(double rate) {
        return with(copy -> copy.serverErrorRate = rate);
    }

    /**
     * @param perSecond API requests per second before HTTP 429; 0 = unlimited
     * @return a copy with that rate limit
     */
    public SandboxSettings withRateLimitPerSecond(double perSecond) {
        return with(copy -> copy.rateLimitPerSecond = perSecond);
    }

    /**
     * @param secret the HiAPI callback signing secret, or null for unsigned callbacks
     * @return a copy whose HiAPI callbacks are signed with {@code secret}
     */
    public SandboxSettings withHiapiCallbackSecret(String secret) {
        return with(copy -> copy.hiapiCallbackSecret = secret);
    }

    /**
     * @param rate 0..1, the fraction of API requests answered HTTP 429 with {@code Retry-After: 1}
     * @return a copy with that rate of injected 429s
     */
    public SandboxSettings withTooManyRequestsRate(double rate) {
        return with(copy -> copy.tooManyRequestsRate = rate);
    }

    /**
     * @param rate 0..1, the fraction of successful create requests whose task is made but whose answer is
     *             dropped (the connection closed without a response)
     * @return a copy with that drop rate
     */
    public SandboxSettings withCreateDropRate(double rate) {
        return with(copy -> copy.createDropRate = rate);
    }

    /**
     * @param plain true to serve one plain PNG per size instead of each task's own (benchmarks)
     * @return these settings with that choice
     */
    public SandboxSettings withPlainImages(boolean plain) {
        return with(copy -> copy.plainImages = plain);
    }

    /**
     * @param rate 0..1, fraction of {@code /files} downloads cut short
     * @return a copy with that rate
     * @throws IllegalArgumentException when {@code rate} is outside 0..1
     */
    public SandboxSettings withDownloadCutRate(double rate) {
        return with(copy -> copy.downloadCutRate = rate);
    }

    /**
     * @param rate 0..1, fraction of tasks whose result file is answered 403 on every download
     * @return a copy with that rate
     * @throws IllegalArgumentException when {@code rate} is outside 0..1
     */
    public SandboxSettings withForbiddenResultRate(double rate) {
        return with(copy -> copy.forbiddenResultRate = rate);
    }

    /**
     * @param jpeg true to serve result files as JPEG instead of PNG
     * @return a copy with that choice
     */
    public SandboxSettings withJpegImages(boolean jpeg) {
        return with(copy -> copy.jpegImages = jpeg);
    }

    /**
     * @param send true (the default) to state the rate limit in rate-limit headers on every API answer; false to
     *             send none, so a client must find the limit by its 429s (README, Performance)
     * @return a copy with that choice
     */
    public SandboxSettings withRateLimitHeaders(boolean send) {
        return with(copy -> copy.rateLimitHeaders = send);
    }

    /**
     * @param rate 0..1, fraction of tasks whose callback is never sent
     * @return a copy with that rate
     * @throws IllegalArgumentException when {@code rate} is outside 0..1
     */
    public SandboxSettings withLostCallbackRate(double rate) {
        return with(copy -> copy.lostCallbackRate = rate);
    }

    /**
     * Big results: every result file is one of a few 4096 x 4096 PNGs of incompressible content, between
     * {@code min} and {@code max} bytes each ({@link BigImages}), for the big-image benchmark (README,
     * "Performance"); 0 and 0 turn it off.
     *
     * @param min the smallest result file in bytes, from {@link BigImages#MIN_BYTES}
     * @param max the largest result file in bytes, up to {@link BigImages#MAX_BYTES}, not smaller than {@code min}
     * @return a copy with that choice
     * @throws IllegalArgumentException when the range is outside those bounds
     */
    public SandboxSettings withResultBytes(long min, long max) {
        return with(copy -> {
            copy.minResultBytes = min;
            copy.maxResultBytes = max;
        });
    }

    /**
     * A bandwidth limit per connection: each result file's body is sent at {@code bytesPerSecond} at most, so
     * that transfer, not the provider's rate, is what a benchmark measures (README, "More than one machine").
     *
     * @param bytesPerSecond bytes per second per connection; 0 for no limit
     * @return a copy with that limit
     * @throws IllegalArgumentException when {@code bytesPerSecond} is negative
     */
    public SandboxSettings withBandwidthPerConnection(long bytesPerSecond) {
        return with(copy -> copy.bandwidthPerConnection = bytesPerSecond);
    }

    /** @return whether result files are big ({@link #withResultBytes}) */
    public boolean bigResults() {
        return maxResultBytes > 0;
    }

    /** Never shows the HiAPI callback secret. */
    @Override
    public String toString() {
        return "SandboxSettings[port=" + port + ", minGenerationTime=" + minGenerationTime + ", maxGenerationTime="
                + maxGenerationTime + ", failureRate=" + failureRate + ", seed=" + seed + ", serverErrorRate="
                + serverErrorRate + ", rateLimitPerSecond=" + rateLimitPerSecond + ", hiapiCallbackSecret="
                + (hiapiCallbackSecret == null ? "unset" : "***") + ", tooManyRequestsRate=" + tooManyRequestsRate
                + ", createDropRate=" + createDropRate + ", downloadCutRate=" + downloadCutRate
                + ", forbiddenResultRate=" + forbiddenResultRate + ", rateLimitHeaders=" + rateLimitHeaders
                + ", lostCallbackRate=" + lostCallbackRate
                + (bigResults() ? ", resultBytes=" + minResultBytes + ".." + maxResultBytes : "")
                + (bandwidthPerConnection > 0 ? ", bandwidthPerConnection=" + bandwidthPerConnection : "") + "]";
    }

    /**
     * @param change sets the values that differ in the copy
     * @return the copy, checked like any settings
     * @throws IllegalArgumentException when a changed value is outside its range
     */
    private SandboxSettings with(Consumer<Copy> change) {
        Copy copy = new Copy(this);
        change.accept(copy);
        return copy.settings();
    }

    /** The settings' values, changeable one by one: the {@code withX} methods copy, change and check them. */
    private static final class Copy {
        int port;
        Duration minGenerationTime;
        Duration maxGenerationTime;
        double failureRate;
        long seed;
        double serverErrorRate;
        double rateLimitPerSecond;
        String hiapiCallbackSecret;
        double tooManyRequestsRate;
        double createDropRate;
        double downloadCutRate;
        boolean plainImages;
        double forbiddenResultRate;
        boolean jpegImages;
        boolean rateLimitHeaders;
        double lostCallbackRate;
        long minResultBytes;
        long maxResultBytes;
        long bandwidthPerConnection;

        Copy(SandboxSettings s) {
            port = s.port;
            minGenerationTime = s.minGenerationTime;
            maxGenerationTime = s.maxGenerationTime;
            failureRate = s.failureRate;
            seed = s.seed;
            serverErrorRate = s.serverErrorRate;
            rateLimitPerSecond = s.rateLimitPerSecond;
            hiapiCallbackSecret = s.hiapiCallbackSecret;
            tooManyRequestsRate = s.tooManyRequestsRate;
            createDropRate = s.createDropRate;
            downloadCutRate = s.downloadCutRate;
            plainImages = s.plainImages;
            forbiddenResultRate = s.forbiddenResultRate;
            jpegImages = s.jpegImages;
            rateLimitHeaders = s.rateLimitHeaders;
            lostCallbackRate = s.lostCallbackRate;
            minResultBytes = s.minResultBytes;
            maxResultBytes = s.maxResultBytes;
            bandwidthPerConnection = s.bandwidthPerConnection;
        }

        SandboxSettings settings() {
            return new SandboxSettings(port, minGenerationTime, maxGenerationTime, failureRate, seed,
                    serverErrorRate, rateLimitPerSecond, hiapiCallbackSecret, tooManyRequestsRate, createDropRate,
                    downloadCutRate, plainImages, forbiddenResultRate, jpegImages, rateLimitHeaders,
                    lostCallbackRate, minResultBytes, maxResultBytes, bandwidthPerConnection);
        }
    }

    private static void requireFraction(String name, double value) {
        if (!(value >= 0.0 && value <= 1.0)) {
            throw new IllegalArgumentException(name + " must be in 0..1, got " + value);
        }
    }
}
