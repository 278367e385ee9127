package io.imagebatch.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The 429 pause, the send slots and the learned rate of {@link ProviderThrottle} on a clock of the test's own:
 * every wait is a step of that clock, so nothing depends on how fast the machine is.
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
    void onlyA429PausesTheCallersAnotherAnswerWithRetryAfterWaitsOnlyForTheNextSendSlot() {
        assertThat(throttle.call(() -> "a")).isEqualTo("a");
        assertThatThrownBy(() -> throttle.call(() -> {
            throw new ProviderException(FailureClass.BUSY, 503, null, "p: unavailable", Duration.ofSeconds(9), false,
                    null);
        })).isInstanceOf(ProviderException.class);
        assertThat(throttle.call(() -> "b")).isEqualTo("b");

        // slow start: INITIAL_RATE requests a second, evenly apart; the 503's Retry-After (9 s) holds nobody
        long apart = (long) (1000 / AimdRate.INITIAL_RATE);
        assertThat(sleptMillis).containsExactly(apart, apart);
        assertThat(throttle.rateLimitedCount()).isZero();
    }

    /** A memory of the test's own: what a key learned before, and what the throttle asks it to remember. */
    private static final class Memory implements RateMemory {
        private final OptionalDouble before;
        private final List<Double> learned = new CopyOnWriteArrayList<>();

        Memory(OptionalDouble before) {
            this.before = before;
        }

        @Override
        public OptionalDouble learned() {
            return before;
        }

        @Override
        public void learn(double requestsPerSecond) {
            learned.add(requestsPerSecond);
        }
    }

    @Test
    void withoutAConfiguredRateTheThrottleStartsAtTheRateItsKeyLearnedAndAConfiguredRateWins() {
        Memory memory = new Memory(OptionalDouble.of(25));

        assertThat(new ProviderThrottle("p", null, 4, clock::get, millis -> { }, memory).currentRate())
                .isEqualTo(25);
        assertThat(new ProviderThrottle("p", 10.0, 4, clock::get, millis -> { }, memory).currentRate())
                .isEqualTo(10);
        assertThat(new ProviderThrottle("p", null, 4, clock::get, millis -> { }, RateMemory.NONE).currentRate())
                .isEqualTo(AimdRate.INITIAL_RATE);
    }

    @Test
    void requestsAreSpacedAtTheRateAlsoWhileTheRateChanges() {
        List<Long> sentAt = new CopyOnWriteArrayList<>();
        ProviderThrottle paced = new ProviderThrottle("p", null, 1, clock::get, millis -> {
            clock.addAndGet(millis * 1_000_000L);
        }, new Memory(OptionalDouble.of(10)));

        for (int i = 0; i < 30; i++) {
            paced.call(() -> sentAt.add(clock.get()));
        }

        // 10 a second, probing upward by 1% a round: never two requests closer than 1/11 s
        for (int i = 1; i < sentAt.size(); i++) {
            assertThat(sentAt.get(i) - sentAt.get(i - 1)).isGreaterThanOrEqualTo(1_000_000_000L / 11);
        }
        assertThat(sentAt.get(29) - sentAt.get(0)).isGreaterThanOrEqualTo(Duration.ofMillis(2_800).toNanos());
    }

    private static java.net.http.HttpHeaders headers(String... nameValues) {
        java.util.Map<String, List<String>> map = new java.util.HashMap<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            map.put(nameValues[i], List.of(nameValues[i + 1]));
        }
        return java.net.http.HttpHeaders.of(map, (name, value) -> true);
    }

    @Test
    void anAnswerSayingNoRequestIsLeftHoldsTheNextCallUntilTheStatedResetWithoutA429() {
        throttle.call(() -> {
            RateLimitHeaders.note(headers("X-RateLimit-Limit", "600", "X-RateLimit-Remaining", "0",
                    "X-RateLimit-Reset", "3")); // what ProviderHttp notes of the answer, on this thread
            return "ok";
        });
        long answeredAt = clock.get();

        long ranAt = throttle.call(clock::get);

        assertThat(ranAt - answeredAt).isGreaterThanOrEqualTo(Duration.ofSeconds(3).toNanos());
        assertThat(throttle.rateLimitedCount()).isZero();
    }

    @Test
    void aRateStatedInAnAnswersHeadersSetsTheRateAtOnceWithoutSlowStart() {
        assertThat(throttle.currentRate()).isEqualTo(AimdRate.INITIAL_RATE);

        throttle.call(() -> {
            RateLimitHeaders.note(headers("RateLimit-Policy", "\"default\";q=120;w=60", "RateLimit",
                    "\"default\";r=119;t=60"));
            return "ok";
        });

        assertThat(throttle.currentRate()).isEqualTo(2.0); // 120 requests a minute
    }

    @Test
    void theNextCallWaitsAtTheRateOfItsTurnNotAtTheRateOfTheCallBefore() {
        List<Long> sentAt = new CopyOnWriteArrayList<>();
        ProviderThrottle paced = new ProviderThrottle("p", null, 1, clock::get, millis -> {
            sleptMillis.add(millis);
            clock.addAndGet(millis * 1_000_000L);
        }, new Memory(OptionalDouble.of(1))); // a key that learned 1 request a second

        paced.call(() -> {
            sentAt.add(clock.get());
            RateLimitHeaders.note(headers("RateLimit-Policy", "100;w=1")); // its answer states 100 a second
            return "ok";
        });
        paced.call(() -> sentAt.add(clock.get()));

        // 10 ms apart at the rate of the second call's turn, not 1 s at the rate the first was sent at
        assertThat(sentAt.get(1) - sentAt.get(0)).isEqualTo(Duration.ofMillis(10).toNanos());
    }

    @Test
    void lateWakeUpsOfALoadedMachineDoNotLowerTheRate() {
        List<Long> sentAt = new CopyOnWriteArrayList<>();
        ProviderThrottle paced = new ProviderThrottle("p", null, 1, clock::get, millis -> {
            clock.addAndGet(3 * millis * 1_000_000L); // every sleep takes three times as long as asked
        }, new Memory(OptionalDouble.of(100)));

        for (int i = 0; i <= 100; i++) {
            paced.call(() -> sentAt.add(clock.get()));
        }

        // 100 requests at 100 a second: 1 s and at most one late wake-up (30 ms) more, not 3 s
        assertThat(sentAt.get(100) - sentAt.get(0)).isLessThanOrEqualTo(Duration.ofMillis(1_030).toNanos());
        for (int i = 1; i < sentAt.size(); i++) {
            assertThat(sentAt.get(i)).isGreaterThanOrEqualTo(sentAt.get(i - 1));
        }
    }

    @Test
    void theHalvedRateAndThenTheRateSustainedBetweenTwo429sAreRememberedForTheNextRun() {
        Memory memory = new Memory(OptionalDouble.of(50));
        ProviderThrottle learning = new ProviderThrottle("p", null, 1, clock::get, millis -> {
            clock.addAndGet(millis * 1_000_000L);
        }, memory);
        long start = clock.get();
        assertThatThrownBy(() -> learning.call(() -> {
            throw rateLimited(null);
        })).isInstanceOf(ProviderException.class);
        assertThat(learning.currentRate()).isEqualTo(50 * AimdRate.BETA); // lowered, nothing observed yet

        for (int i = 0; i < 20; i++) {
            learning.call(() -> "ok"); // the first one waits out the 1 s pause on the test's clock
        }
        clock.set(start + Duration.ofSeconds(2).toNanos());
        assertThatThrownBy(() -> learning.call(() -> {
            throw rateLimited(null);
        })).isInstanceOf(ProviderException.class);

        // the lowered rate at the first 429, then 20 answers in the 2 s since it
        assertThat(memory.learned).containsExactly(50 * AimdRate.BETA, 10.0);
        assertThat(learning.rateLimitedCount()).isEqualTo(2);
    }
}
