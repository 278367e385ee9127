package io.imagebatch.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void crashTestFaultsHaveWithersAndAreOffByDefault() {
        SandboxSettings d = SandboxSettings.defaults();
        assertEquals(0.0, d.tooManyRequestsRate());
        assertEquals(0.0, d.createDropRate());
        assertEquals(0.0, d.downloadCutRate());
        SandboxSettings s = d.withSeed(9).withTooManyRequestsRate(0.05).withCreateDropRate(0.02)
                .withDownloadCutRate(0.1).withServerErrorRate(0.1).withHiapiCallbackSecret("s3cret");
        assertEquals(new SandboxSettings(0, Duration.ofSeconds(1), Duration.ofSeconds(3), 0.0, 9, 0.1, 0.0, "s3cret",
                0.05, 0.02, 0.1, false), s);
        // the other withers keep them
        SandboxSettings moved = s.withPort(8089).withGenerationTime(Duration.ZERO, Duration.ZERO).withFailureRate(0.5)
                .withRateLimitPerSecond(3).withSeed(10);
        assertEquals(0.05, moved.tooManyRequestsRate());
        assertEquals(0.02, moved.createDropRate());
        assertEquals(0.1, moved.downloadCutRate());
        assertEquals("s3cret", moved.hiapiCallbackSecret());
        assertTrue(s.toString().contains("createDropRate=0.02"), s::toString);
        assertFalse(s.toString().contains("s3cret"), s::toString);
    }

    @Test
    void theEarlierConstructorsStillWorkWithoutTheNewFaults() {
        SandboxSettings seven = new SandboxSettings(0, Duration.ZERO, Duration.ofMillis(5), 0.1, 3, 0.2, 4);
        SandboxSettings eight = new SandboxSettings(0, Duration.ZERO, Duration.ofMillis(5), 0.1, 3, 0.2, 4, null);
        assertEquals(seven, eight);
        assertEquals(new SandboxSettings(0, Duration.ZERO, Duration.ofMillis(5), 0.1, 3, 0.2, 4, null, 0, 0, 0, false), eight);
    }

    @Test
    void outOfRangeValuesAreRefused() {
        SandboxSettings d = SandboxSettings.defaults();
        assertThrows(IllegalArgumentException.class, () -> d.withPort(70000));
        assertThrows(IllegalArgumentException.class, () -> d.withFailureRate(1.5));
        assertThrows(IllegalArgumentException.class, () -> d.withServerErrorRate(-0.1));
        assertThrows(IllegalArgumentException.class, () -> d.withFailureRate(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> d.withRateLimitPerSecond(-1));
        assertThrows(IllegalArgumentException.class, () -> d.withTooManyRequestsRate(1.01));
        assertThrows(IllegalArgumentException.class, () -> d.withCreateDropRate(-0.5));
        assertThrows(IllegalArgumentException.class, () -> d.withDownloadCutRate(Double.NaN));
        assertThrows(IllegalArgumentException.class,
                () -> d.withGenerationTime(Duration.ofSeconds(2), Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class,
                () -> d.withGenerationTime(Duration.ofMillis(-1), Duration.ofSeconds(1)));
        assertThrows(NullPointerException.class, () -> d.withGenerationTime(null, Duration.ofSeconds(1)));
    }
}
