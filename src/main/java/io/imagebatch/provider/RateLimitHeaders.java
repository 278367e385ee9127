package io.imagebatch.provider;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rate-limit headers of one provider answer, as its {@link ProviderThrottle} uses them (README, Performance).
 * No provider documents any (docs/providers/PROVIDERS.md lists only the 429 status and {@code Retry-After}); these
 * are the common ones, read when present:
 *
 * <ul>
 *   <li>a <b>stated rate</b>: a quota with its window, {@code RateLimit-Policy} of the IETF draft
 *       (draft-ietf-httpapi-ratelimit-headers: {@code "default";q=50;w=1}, or the older {@code 50;w=1}), or
 *       {@code X-RateLimit-Limit} / {@code RateLimit-Limit} with a {@code w=} window ({@code 50, 50;w=1}): quota
 *       / window seconds, in requests a second. Several policies: the lowest rate.</li>
 *   <li>a <b>ceiling</b>: a quota without a window ({@code X-RateLimit-Limit: 50}). Its window is at least a
 *       second, so the rate is at most the quota a second; the window is not guessed further.</li>
 *   <li>a <b>pause</b>: when the requests left are 0 ({@code RateLimit: "default";r=0;t=5}, {@code RateLimit:
 *       limit=50, remaining=0, reset=5}, {@code RateLimit-Remaining} / {@code RateLimit-Reset},
 *       {@code X-RateLimit-Remaining} / {@code X-RateLimit-Reset}), the seconds until the quota resets (delta
 *       seconds; a value over 10^9 is read as epoch seconds, as some providers send).</li>
 * </ul>
 *
 * A value that is not a number is ignored. {@link ProviderHttp#send} notes the headers of each answer on the
 * calling thread ({@link #note}); the throttle takes them after the request ({@link #take}).
 *
 * @param statedRate the stated rate, requests a second (positive), or empty
 * @param ceiling    the stated ceiling without a window, requests a second (positive), or empty
 * @param pause      how long to send nothing because no request is left, zero for none
 */
public record RateLimitHeaders(OptionalDouble statedRate, OptionalDouble ceiling, Duration pause) {

    private static final ThreadLocal<RateLimitHeaders> LAST = new ThreadLocal<>();
    private static final Pattern NUMBER = Pattern.compile("^\\s*(\\d+(?:\\.\\d+)?)\\s*$");
    private static final long EPOCH_SECONDS_FROM = 1_000_000_000L;

    /** @return true when the answer said nothing the throttle uses */
    public boolean isEmpty() {
        return statedRate.isEmpty() && ceiling.isEmpty() && pause.isZero();
    }

    /**
     * Reads the rate-limit headers of an answer.
     *
     * @param header       the first value of a header by name (any case), or empty
     * @param epochSeconds the time now, seconds since the epoch (for a reset given as epoch seconds)
     * @return what they say; {@link #isEmpty()} when they say nothing usable
     */
    public static RateLimitHeaders parse(Function<String, Optional<String>> header, long epochSeconds) {
        double stated = Double.POSITIVE_INFINITY;
        double ceiling = Double.POSITIVE_INFINITY;
        for (String name : new String[] {"RateLimit-Policy", "X-RateLimit-Limit", "RateLimit-Limit"}) {
            Optional<String> value = header.apply(name);
            if (value.isEmpty()) {
                continue;
            }
            for (String policy : value.get().split(",")) {
                double quota = parameter(policy, "q");
                String[] parts = policy.split(";");
                if (Double.isNaN(quota)) {
                    quota = number(parts[0]);
                }
                double window = parameter(policy, "w");
                if (!(quota > 0)) {
                    continue;
                }
                if (window > 0) {
                    stated = Math.min(stated, quota / window);
                } else {
                    ceiling = Math.min(ceiling, quota);
                }
            }
        }
        double remaining = Double.NaN;
        double reset = Double.NaN;
        Optional<String> combined = header.apply("RateLimit");
        if (combined.isPresent()) {
            remaining = first(parameter(combined.get(), "r"), parameter(combined.get(), "remaining"));
            reset = first(parameter(combined.get(), "t"), parameter(combined.get(), "reset"));
        }
        for (String prefix : new String[] {"RateLimit-", "X-RateLimit-"}) {
            if (Double.isNaN(remaining)) {
                remaining = header.apply(prefix + "Remaining").map(RateLimitHeaders::number).orElse(Double.NaN);
            }
            if (Double.isNaN(reset)) {
                reset = header.apply(prefix + "Reset").map(RateLimitHeaders::number).orElse(Double.NaN);
            }
        }
        Duration pause = Duration.ZERO;
        if (remaining == 0 && reset > 0) {
            double seconds = reset >= EPOCH_SECONDS_FROM ? reset - epochSeconds : reset;
            if (seconds > 0) {
                pause = Duration.ofMillis((long) Math.ceil(seconds * 1000));
            }
        }
        return new RateLimitHeaders(Double.isInfinite(stated) ? OptionalDouble.empty() : OptionalDouble.of(stated),
                Double.isInfinite(ceiling) || !Double.isInfinite(stated) ? OptionalDouble.empty()
                        : OptionalDouble.of(ceiling), pause);
    }

    /**
     * Notes the rate-limit headers of an answer received on this thread, for {@link #take}.
     *
     * @param headers the answer's headers
     */
    static void note(HttpHeaders headers) {
        RateLimitHeaders read = parse(headers::firstValue, System.currentTimeMillis() / 1000);
        if (read.isEmpty()) {
            LAST.remove();
        } else {
            LAST.set(read);
        }
    }

    /** @return what the last answer noted on this thread said, forgetting it; empty when nothing usable */
    static Optional<RateLimitHeaders> take() {
        RateLimitHeaders read = LAST.get();
        LAST.remove();
        return Optional.ofNullable(read);
    }

    /** Forgets what was noted on this thread (before a request, so an older answer is never taken for it). */
    static void clear() {
        LAST.remove();
    }

    /** @return the number a {@code name=} parameter of a structured or list field holds, or NaN */
    private static double parameter(String field, String name) {
        Matcher m = Pattern.compile("(?:^|[;,\\s])" + Pattern.quote(name.toLowerCase(Locale.ROOT))
                + "\\s*=\\s*\"?(\\d+(?:\\.\\d+)?)").matcher(field.toLowerCase(Locale.ROOT));
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    private static double number(String text) {
        Matcher m = NUMBER.matcher(text);
        return m.matches() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    private static double first(double a, double b) {
        return Double.isNaN(a) ? b : a;
    }
}
