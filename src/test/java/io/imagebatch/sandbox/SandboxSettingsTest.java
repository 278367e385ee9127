package io.imagebatch.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SandboxSettingsTest {

    @Test
    void defaultsAreAsDocumented() {
        assertEquals(new SandboxSettings(0, Duration.ofSeconds(1), Duration.ofSeconds(3), 0.0, 42, 0.0, 0.0),
                SandboxSettings.defaults());
    }

    @Test
    void withersChangeOneThing() {
        SandboxSettings s = SandboxSettings.defaults().withPort(8089).withFailureRate(0.25).withSeed(1)
                .withServerErrorRate(0.1).withRateLimitPerSecond(5)
                .withGenerationTime(Duration.ofMillis(10), Duration.ofMillis(20));
        assertEquals(new SandboxSettings(8089, Duration.ofMillis(10), Duration.ofMillis(20), 0.25, 1, 0.1, 5), s);
    }

    @Test
    void outOfRangeValuesAreRefused() {
        SandboxSettings d = SandboxSettings.defaults();
        assertThrows(IllegalArgumentException.class, () -> d.withPort(70000));
        assertThrows(IllegalArgumentException.class, () -> d.withFailureRate(1.5));
        assertThrows(IllegalArgumentException.class, () -> d.withServerErrorRate(-0.1));
        assertThrows(IllegalArgumentException.class, () -> d.withFailureRate(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> d.withRateLimitPerSecond(-1));
        assertThrows(IllegalArgumentException.class,
                () -> d.withGenerationTime(Duration.ofSeconds(2), Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class,
                () -> d.withGenerationTime(Duration.ofMillis(-1), Duration.ofSeconds(1)));
        assertThrows(NullPointerException.class, () -> d.withGenerationTime(null, Duration.ofSeconds(1)));
    }
}
