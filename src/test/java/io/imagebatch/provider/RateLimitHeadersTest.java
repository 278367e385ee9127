package io.imagebatch.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.provider.liangxin.LiangXinAdapter;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/**
 * The rate-limit headers a {@link ProviderThrottle} reads ({@link RateLimitHeaders}; README, Performance): their
 * forms, and the sandbox's, read over HTTP by a real adapter and throttle.
 */
class RateLimitHeadersTest {

    private static final long NOW = 1_800_000_000L; // epoch seconds

    private static RateLimitHeaders parse(String... nameValues) {
        Map<String, String> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 0; i < nameValues.length; i += 2) {
            headers.put(nameValues[i], nameValues[i + 1]);
        }
        return RateLimitHeaders.parse(name -> Optional.ofNullable(headers.get(name)), NOW);
    }

    @Test
    void theIetfDraftsPolicyWithAWindowStatesARate() {
        assertThat(parse("RateLimit-Policy", "\"default\";q=100;w=10").statedRate()).hasValue(10.0);
        assertThat(parse("RateLimit-Policy", "50;w=1").statedRate()).hasValue(50.0); // the older drafts' form
        // several policies: the lowest rate
        assertThat(parse("RateLimit-Policy", "\"burst\";q=100;w=1, \"day\";q=86400;w=86400").statedRate())
                .hasValue(1.0);
    }

    @Test
    void xRateLimitLimitWithAWindowStatesARateAndWithoutOneOnlyACeiling() {
        assertThat(parse("X-RateLimit-Limit", "50, 50;w=1").statedRate()).hasValue(50.0);

        RateLimitHeaders noWindow = parse("X-RateLimit-Limit", "5000", "X-RateLimit-Remaining", "4999");
        assertThat(noWindow.statedRate()).isEmpty();
        assertThat(noWindow.ceiling()).hasValue(5000.0);
        assertThat(noWindow.pause()).isZero();
    }

    @Test
    void noRequestLeftPausesUntilTheResetGivenInSecondsOrAsEpochSeconds() {
        assertThat(parse("RateLimit", "\"default\";r=0;t=5").pause()).isEqualTo(Duration.ofSeconds(5));
        assertThat(parse("RateLimit", "limit=10, remaining=0, reset=2").pause()).isEqualTo(Duration.ofSeconds(2));
        assertThat(parse("X-RateLimit-Remaining", "0", "X-RateLimit-Reset", String.valueOf(NOW + 30)).pause())
                .isEqualTo(Duration.ofSeconds(30));
        assertThat(parse("RateLimit-Remaining", "3", "RateLimit-Reset", "5").pause()).isZero();
    }

    @Test
    void valuesThatAreNotNumbersAreIgnored() {
        RateLimitHeaders read = parse("X-RateLimit-Limit", "lots", "X-RateLimit-Remaining", "none",
                "X-RateLimit-Reset", "Wed, 21 Oct 2015 07:28:00 GMT");

        assertThat(read.isEmpty()).isTrue();
        assertThat(parse().isEmpty()).isTrue();
    }

    private static ThrottledProvider throttled(SandboxProvider sandbox) {
        return new ThrottledProvider(new LiangXinAdapter(ProviderSettings.of(sandbox.baseUrl(),
                SandboxProvider.API_KEY)), new ProviderThrottle(LiangXinAdapter.NAME, null, 4));
    }

    private static final ImageRequest REQUEST = new ImageRequest(LiangXinAdapter.NAME, "nano-banana-pro-flash",
            "a heron at dawn", "1:1", "1K", "png", List.of());

    @Test
    void aThrottleWithoutAConfiguredRateTakesTheLimitTheSandboxStatesFromItsFirstAnswer() {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults().withRateLimitPerSecond(40))) {
            ThrottledProvider provider = throttled(sandbox);

            provider.createTask(REQUEST, null);

            assertThat(provider.throttle().currentRate()).isEqualTo(40.0); // at once: no slow start, no 429
            assertThat(sandbox.rateLimitAnswers()).isZero();
        }
    }

    @Test
    void aSandboxWithItsHeadersSwitchedOffStatesNothingAndTheThrottleKeepsFindingTheLimit() {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults().withRateLimitPerSecond(40)
                .withRateLimitHeaders(false))) {
            ThrottledProvider provider = throttled(sandbox);

            provider.createTask(REQUEST, null);

            assertThat(provider.throttle().currentRate()).isEqualTo(AimdRate.INITIAL_RATE);
        }
    }

    @Test
    void theSandboxStatesNoLimitWhenItHasNone() {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults())) {
            ThrottledProvider provider = throttled(sandbox);

            provider.createTask(REQUEST, null);

            assertThat(provider.throttle().currentRate()).isEqualTo(AimdRate.INITIAL_RATE);
            assertThat(OptionalDouble.of(provider.throttle().currentRate())).isPresent();
        }
    }
}
