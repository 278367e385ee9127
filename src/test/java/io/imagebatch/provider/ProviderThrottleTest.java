package io.imagebatch.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The 429 pause of {@link ProviderThrottle} on a clock of the test's own: every wait is a step of that clock,
 * so nothing depends on how fast the machine is.
 */
class ProviderThrottleTest {

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final List<Long> sleptMillis = new CopyOnWriteArrayList<>();
    private final ProviderThrottle throttle = new ProviderThrottle("p", null, 1, clock::get, millis -> {
        sleptMillis.add(millis);
        clock.addAndGet(millis * 1_000_000L);
    });

    private static ProviderException rateLimited(Duration retryAfter) {
        return new ProviderException(FailureClass.BUSY, 429, null, "p: too many requests", retryAfter, false, null);
    }

    @Test
    void aRateLimitedAnswerHoldsTheNextCallUntilItsRetryAfterHasPassed() {
        assertThatThrownBy(() -> throttle.call(() -> {
            throw rateLimited(Duration.ofSeconds(7));
        })).isInstanceOf(ProviderException.class);
        long pausedAt = clock.get();

        long ranAt = throttle.call(clock::get);

        assertThat(ranAt - pausedAt).isGreaterThanOrEqualTo(Duration.ofSeconds(7).toNanos());
        assertThat(sleptMillis.stream().mapToLong(Long::longValue).sum()).isEqualTo(7000);
        assertThat(throttle.rateLimitedCount()).isEqualTo(1);
    }

    @Test
    void aRateLimitedAnswerWithoutRetryAfterPausesOneSecond() {
        assertThatThrownBy(() -> throttle.call(() -> {
            throw rateLimited(null);
        })).isInstanceOf(ProviderException.class);

        throttle.call(() -> "ok");

        assertThat(sleptMillis.stream().mapToLong(Long::longValue).sum()).isEqualTo(1000);
    }

    @Test
    void callsWithoutARateLimitedAnswerNeverWait() {
        assertThat(throttle.call(() -> "a")).isEqualTo("a");
        assertThatThrownBy(() -> throttle.call(() -> {
            throw new ProviderException(FailureClass.BUSY, 503, null, "p: unavailable", Duration.ofSeconds(9), false,
                    null);
        })).isInstanceOf(ProviderException.class);
        assertThat(throttle.call(() -> "b")).isEqualTo("b");

        assertThat(sleptMillis).isEmpty();
        assertThat(throttle.rateLimitedCount()).isZero();
    }
}
