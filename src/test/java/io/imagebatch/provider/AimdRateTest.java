package io.imagebatch.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/**
 * The rate control of {@link AimdRate}, on times the test gives it (ns): after a 429 a round is
 * {@code max(1, rate)} answers, a slow-start round {@value AimdRate#ROUND_MILLIS} ms of the test's clock, so nothing
 * depends on the machine's speed.
 */
class AimdRateTest {

    private static final long SECOND = 1_000_000_000L;

    private static void round(AimdRate control, long now) {
        long answers = Math.max(1, (long) control.rate());
        for (long i = 0; i < answers; i++) {
            control.onAnswer(now);
        }
    }

    /** Answers at {@code rate} a second from {@code from} for {@code seconds}; returns the time after them. */
    private static long answerAt(AimdRate control, double rate, long from, double seconds) {
        long n = Math.round(rate * seconds);
        long gap = (long) (SECOND / rate);
        for (long i = 0; i < n; i++) {
            control.onAnswer(from + i * gap);
        }
        return from + n * gap;
    }

    @Test
    void withoutAConfiguredOrLearnedRateItStartsAtTheInitialRateAndDoublesEveryShortRoundTheRateIsUsed() {
        AimdRate control = new AimdRate(null, OptionalDouble.empty());

        assertThat(control.rate()).isEqualTo(AimdRate.INITIAL_RATE);
        assertThat(control.inSlowStart()).isTrue();
        long now = SECOND;
        double expected = AimdRate.INITIAL_RATE;
        for (int i = 0; i < 4; i++) {
            // a round of ROUND_MILLIS ms at the full rate, and one answer more to close it
            now = answerAt(control, control.rate(), now, AimdRate.ROUND_MILLIS / 1000.0);
            control.onAnswer(now);
            expected *= 2;
            assertThat(control.rate()).isEqualTo(expected);
        }
        assertThat(control.rate()).isEqualTo(16 * AimdRate.INITIAL_RATE); // in 2 s, not 4 rounds of a second each
    }

    @Test
    void aSlowStartRoundThatUsedLessThanHalfTheRateDoesNotDoubleIt() {
        AimdRate control = new AimdRate(null, OptionalDouble.empty());

        // a few answers in a long round: the caller sent far less than the rate allowed (RFC 7661)
        control.onAnswer(SECOND);
        control.onAnswer(2 * SECOND);
        control.onAnswer(3 * SECOND);

        assertThat(control.rate()).isEqualTo(AimdRate.INITIAL_RATE);
    }

    @Test
    void theFirst429SetsTheRateToTheAnswersOfTheLastSecondNotMerelyHalfTheOvershoot() {
        AimdRate control = new AimdRate(null, OptionalDouble.empty());
        long now = SECOND;
        while (control.rate() < 800) { // slow start far past a provider's limit, hidden by its burst allowance
            now = answerAt(control, control.rate(), now, AimdRate.ROUND_MILLIS / 1000.0);
            control.onAnswer(now);
        }
        assertThat(control.rate()).isEqualTo(800);
        // the provider took 60 answers in the last second, then answers 429
        long last = now + 3 * SECOND;
        answerAt(control, 60, last - SECOND, 1.0);

        OptionalDouble learned = control.onRateLimited(last, SECOND);

        // the last second's answers, counted in slots of a tenth of a second (the last 0.9 to 1 s): 50 to 60; not
        // 800 x 0.7 = 560, which would meet 429s again at once
        assertThat(control.rate()).isBetween(50.0, 60.0);
        assertThat(learned).hasValue(control.rate());
        assertThat(control.inSlowStart()).isFalse();
    }

    @Test
    void aLater429LowersTheRateByBetaOnceForEveryAnswerOfTheSameEpisode() {
        AimdRate control = new AimdRate(null, OptionalDouble.of(64));
        control.onRateLimited(10 * SECOND, SECOND); // the first 429, nothing observed: 64 x 0.7
        assertThat(control.rate()).isCloseTo(64 * AimdRate.BETA, within(1e-9));

        control.onRateLimited(10 * SECOND + SECOND / 2, SECOND); // sent before the decrease: same episode
        assertThat(control.rate()).isCloseTo(64 * AimdRate.BETA, within(1e-9));

        control.onAnswer(11 * SECOND + SECOND / 2);
        control.onRateLimited(12 * SECOND, SECOND);
        assertThat(control.rate()).isCloseTo(64 * AimdRate.BETA * AimdRate.BETA, within(1e-9));
    }

    @Test
    void during429sWithNoOtherAnswerBetweenThemTheRateIsLoweredOnlyOnceAsInAnOutage() {
        AimdRate control = new AimdRate(null, OptionalDouble.of(40));

        for (int i = 0; i < 10; i++) {
            control.onRateLimited(i * 2 * SECOND, SECOND); // each after the last pause, and nothing but 429s
        }

        assertThat(control.rate()).isCloseTo(40 * AimdRate.BETA, within(1e-9));
    }

    @Test
    void afterA429TheRateClimbsBackTowardsTheRateTheProviderSustainedThenProbesBeyondItSlowly() {
        AimdRate control = new AimdRate(null, OptionalDouble.of(64));
        control.onRateLimited(0, SECOND);
        double low = 64 * AimdRate.BETA;

        round(control, 2 * SECOND);
        assertThat(control.rate()).isCloseTo(low + (64 - low) / 4.0, within(1e-9));
        for (int i = 0; i < 40 && control.rate() < 64; i++) {
            round(control, 2 * SECOND);
        }
        assertThat(control.rate()).isEqualTo(64);

        round(control, 2 * SECOND);
        assertThat(control.rate()).isCloseTo(64 * (1 + AimdRate.PROBE_FRACTION), within(1e-9));
    }

    @Test
    void afterALater429TheClimbGoesBackToTheRateSustainedSinceTheDecreaseBeforeNotToTheRateOfThe429() {
        AimdRate control = new AimdRate(null, OptionalDouble.of(70));
        control.onRateLimited(0, SECOND); // 49 a second
        long now = answerAt(control, 50, SECOND, 9.0); // 450 answers in the 10 s to the next 429: 45 a second
        while (control.rate() < 60) {
            round(control, now);
        }

        double atThe429 = control.rate();
        assertThat(atThe429).isGreaterThan(65);

        control.onRateLimited(10 * SECOND, SECOND);

        double low = control.rate();
        assertThat(low).isCloseTo(atThe429 * AimdRate.BETA, within(1e-9)).isGreaterThan(45);
        for (int i = 0; i < 5; i++) {
            round(control, 11 * SECOND);
        }
        // past the 45 a second sustained: probing by 1% a round; a climb a quarter of the way back to the rate
        // of the 429 a round would be over 60 by now
        assertThat(control.rate()).isLessThan(low * 1.06);
    }

    @Test
    void aStatedLimitSetsTheRateAtOnceAndCapsTheClimbAfterA429() {
        AimdRate control = new AimdRate(null, OptionalDouble.empty());

        assertThat(control.onStatedLimit(50)).isTrue();
        assertThat(control.rate()).isEqualTo(50);
        assertThat(control.inSlowStart()).isFalse();
        assertThat(control.onStatedLimit(50)).isFalse(); // stated again on the next answer: nothing new

        control.onRateLimited(SECOND, SECOND); // another process on the same key took part of it
        assertThat(control.rate()).isLessThan(50);
        for (int i = 0; i < 100; i++) {
            round(control, 3 * SECOND);
        }
        assertThat(control.rate()).isEqualTo(50);
    }

    @Test
    void aStatedLimitNeverRaisesTheRateAboveAConfiguredOne() {
        AimdRate control = new AimdRate(20.0, OptionalDouble.empty());

        control.onStatedLimit(50);

        assertThat(control.rate()).isEqualTo(20);
    }

    @Test
    void aStatedCeilingWithoutAWindowCapsTheRateButDoesNotSetIt() {
        AimdRate control = new AimdRate(null, OptionalDouble.empty());

        assertThat(control.onStatedCeiling(50)).isTrue();
        assertThat(control.rate()).isEqualTo(50);

        AimdRate slow = new AimdRate(null, OptionalDouble.of(10));
        assertThat(slow.onStatedCeiling(50)).isFalse();
        assertThat(slow.rate()).isEqualTo(10);
        for (int i = 0; i < 500; i++) {
            round(slow, 0);
        }
        assertThat(slow.rate()).isEqualTo(50);
    }

    @Test
    void neverAboveAConfiguredRateWhichIsAlsoWhereItStarts() {
        AimdRate control = new AimdRate(10.0, OptionalDouble.of(50));

        assertThat(control.rate()).isEqualTo(10);
        for (int i = 0; i < 20; i++) {
            round(control, 0);
        }
        assertThat(control.rate()).isEqualTo(10);

        control.onRateLimited(0, SECOND);
        assertThat(control.rate()).isEqualTo(10 * AimdRate.BETA);
        for (int i = 0; i < 50; i++) {
            round(control, 2 * SECOND);
        }
        assertThat(control.rate()).isEqualTo(10);
    }

    @Test
    void aLearnedRateIsTheStartAndIsProbedUpwardSlowly() {
        AimdRate control = new AimdRate(null, OptionalDouble.of(40));

        assertThat(control.rate()).isEqualTo(40);
        assertThat(control.inSlowStart()).isFalse();
        round(control, 0);
        assertThat(control.rate()).isCloseTo(40 * (1 + AimdRate.PROBE_FRACTION), within(1e-9));
    }

    @Test
    void neverBelowOneRequestASecond() {
        AimdRate control = new AimdRate(null, OptionalDouble.of(3));

        for (int i = 0; i < 5; i++) {
            control.onAnswer(i * 10 * SECOND);
            control.onRateLimited(i * 10 * SECOND, SECOND);
        }

        assertThat(control.rate()).isEqualTo(AimdRate.MIN_RATE);
    }

    @Test
    void theLoweredRateAtTheFirst429AndThenTheRateSustainedSinceAreWhatTheNextRunLearns() {
        AimdRate control = new AimdRate(null, OptionalDouble.of(100));

        assertThat(control.onRateLimited(0, SECOND)).hasValue(70.0); // nothing measured yet: 100 x 0.7
        for (int i = 0; i < 90; i++) {
            control.onAnswer(SECOND + i * (SECOND / 45));
        }
        OptionalDouble learned = control.onRateLimited(3 * SECOND, SECOND);

        assertThat(learned).hasValue(30.0); // 90 answers in the 3 s since the first 429
    }
}
