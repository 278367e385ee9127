package io.imagebatch.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;

/** The phase timeline and the seeded draws of {@link TaskEngine}. */
class TaskEngineTest {

    private static SandboxTask task(long createMs, long generationMs, boolean fails) {
        return new SandboxTask("t", "liangxin", "m", "p", new ImageSize(10, 10), "{}", createMs, generationMs, fails,
                null);
    }

    @Test
    void phasesFollowTheGenerationTime() {
        SandboxTask task = task(1_000, 1_000, false);
        assertEquals(TaskPhase.WAITING, TaskEngine.phaseAt(task, 1_000));
        assertEquals(TaskPhase.WAITING, TaskEngine.phaseAt(task, 1_099));
        assertEquals(TaskPhase.QUEUING, TaskEngine.phaseAt(task, 1_100));
        assertEquals(TaskPhase.QUEUING, TaskEngine.phaseAt(task, 1_249));
        assertEquals(TaskPhase.GENERATING, TaskEngine.phaseAt(task, 1_250));
        assertEquals(TaskPhase.GENERATING, TaskEngine.phaseAt(task, 1_999));
        assertEquals(TaskPhase.SUCCEEDED, TaskEngine.phaseAt(task, 2_000));
        assertEquals(TaskPhase.FAILED, TaskEngine.phaseAt(task(1_000, 1_000, true), 5_000));
        assertEquals(TaskPhase.SUCCEEDED, TaskEngine.phaseAt(task(1_000, 0, false), 1_000));
    }

    @Test
    void phaseStartIsTheLastChange() {
        SandboxTask task = task(1_000, 1_000, false);
        assertEquals(1_000, TaskEngine.phaseStartMs(task, 1_050));
        assertEquals(1_100, TaskEngine.phaseStartMs(task, 1_200));
        assertEquals(1_250, TaskEngine.phaseStartMs(task, 1_900));
        assertEquals(2_000, TaskEngine.phaseStartMs(task, 9_000));
    }

    @Test
    void sameSeedSameDrawsAndTimesStayInRange() {
        SandboxSettings settings = SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(100), Duration.ofMillis(900)).withFailureRate(0.3).withSeed(7);
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try {
            String first = draws(new TaskEngine(settings, scheduler, new StatsCounter()));
            assertEquals(first, draws(new TaskEngine(settings, scheduler, new StatsCounter())));
        } finally {
            scheduler.shutdownNow();
        }
    }

    private static String draws(TaskEngine engine) {
        StringBuilder out = new StringBuilder();
        Set<Boolean> outcomes = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            SandboxTask task = engine.submit((t, n) -> "id" + n,
                    new TaskEngine.Draft("liangxin", "m", "p", new ImageSize(1, 1), "{}", null), null);
            assertTrue(task.generationTimeMs() >= 100 && task.generationTimeMs() <= 900);
            outcomes.add(task.fails());
            out.append(task.generationTimeMs()).append(task.fails() ? 'F' : 'S');
        }
        assertEquals(Set.of(true, false), outcomes, "a 30% failure rate gives both outcomes in 200 tasks");
        return out.toString();
    }
}
