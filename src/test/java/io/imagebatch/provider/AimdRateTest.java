package io.imagebatch.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/**
 * The rate control of {@link AimdRate}, on times the test gives it (ns): a round is {@code max(1, rate)} answers,
 * whatever the clock says, so nothing depends on the machine's speed.
 */
class AimdRateTest {

    private static final long SECOND = 1_000_000_000L;

    private static void round(AimdRate control, long now) {
        long answers = Math.max(1, (long) control.rate());
        for (long i = 0; i < answers; i++) {
            control.onAnswer(now);
        }
    }

    @Test
    void withoutAConfiguredOrLearnedRateItStartsSlowAndDoublesEveryRoundUntilTheFirst429() {
        AimdRate control = new AimdRate(null, OptionalDouble.empty());

        assertThat(control.rate()).isEqualTo(AimdRate.INITIAL_RATE);
        assertThat(control.inSlowStart()).isTrue();
        for (double expected : new double[] {8, 16, 32, 64, 128}) {
            round(control, 0);
            assertThat(control.rate()).isEqualTo(expected);
        }
    }

    @Test
    void a429HalvesTheRateOnceForEveryAnswerOfTheSameEpisode() {
        AimdRate control = new AimdRate(null, OptionalDouble.of(64));

        control.onRateLimited(10 * SECOND, SECOND);
        assertThat(control.rate()).isEqualTo(32);
        assertThat(control.inSlowStart()).isFalse();

        control.onRateLimited(10 * SECOND + SECOND / 2, SECOND); // sent before the decrease: same episode
        assertThat(control.rate()).isEqualTo(32);

        control.onAnswer(11 * SECOND + SECOND / 2);
        control.onRateLimited(12 * SECOND, SECOND);
        assertThat(control.rate()).isEqualTo(16);
    }

    @Test
    void during429sWithNoOtherAnswerBetweenThemTheRateIsHalvedOnlyOnceAsInAnOutage() {
        AimdRate control = new AimdRate(null, OptionalDouble.of(40));

        for (int i = 0; i < 10; i++) {
            control.onRateLimited(i * 2 * SECOND, SECOND); // each after the last pause, and nothing but 429s
        }

        assertThat(control.rate()).isEqualTo(20);
    }

    @Test
    void afterA429TheRateClimbsBackTowardsTheRateOfThe429ThenProbesBeyondItSlowly() {
        AimdRate control = new AimdRate(null, OptionalDouble.of(64));
        control.onRateLimited(0, SECOND);

        round(control, 2 * SECOND);
        assertThat(control.rate()).isEqualTo(32 + (64 - 32) / 4.0);
        for (int i = 0; i < 40 && control.rate() < 64; i++) {
            round(control, 2 * SECOND);
        }
        assertThat(control.rate()).isEqualTo(64);

        round(control, 2 * SECOND);
        assertThat(control.rate()).isCloseTo(64 * (1 + AimdRate.PROBE_FRACTION), within(1e-9));
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
        assertThat(control.rate()).isEqualTo(5);
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
    void theHalvedRateAtTheFirst429AndThenTheRateSustainedSinceAreWhatTheNextRunLearns() {
        AimdRate control = new AimdRate(null, OptionalDouble.of(100));

        assertThat(control.onRateLimited(0, SECOND)).hasValue(50.0); // nothing measured yet: the halved rate
        for (int i = 0; i < 90; i++) {
            control.onAnswer(SECOND + i * (SECOND / 45));
        }
        OptionalDouble learned = control.onRateLimited(3 * SECOND, SECOND);

        assertThat(learned).hasValue(30.0); // 90 answers in the 3 s since the first 429
    }
}
