package io.imagebatch;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagebatch.testsupport.EnabledIfPostgres;
import io.imagebatch.testsupport.PostgresTestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The budgeted kill test of {@link ImageBatchKillIT} with the children's batch on PostgreSQL instead of H2: the
 * same seeded faults, SIGKILLs, retry-failed round and checks (no row lost, no entry (row, variant) created twice,
 * and the committed spend never past the budget and equal to what the sandbox counted; docs/design.md, Spend), each seed in
 * a fresh schema of the PostgreSQL test server ({@link PostgresTestDatabase}), dropped once the seed passed (kept
 * for a post-mortem when it failed). Skipped, with the reason, when {@value PostgresTestDatabase#URL} is not set.
 *
 * <p>System properties: {@code kill.postgres.seeds} (default 2, so that CI stays fast) runs seeds 1..n;
 * {@code kill.seed} replays one seed. For example {@code ./mvnw verify -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ImageBatchKillPostgresIT -Dkill.postgres.seeds=5}. Each seed's
 * folder is {@code target/kill-it/postgres-seed-<n>}.
 */
@EnabledIfPostgres
class ImageBatchKillPostgresIT {

    private static final Path JAR = Path.of("target", "imagebatch.jar").toAbsolutePath();
    /** One summary line per seed, printed at the end. */
    private static final List<String> SUMMARIES = new ArrayList<>();

    @BeforeAll
    static void jarIsBuilt() {
        assertTrue(Files.isRegularFile(JAR), JAR + " is missing: run through Maven (verify), which packages first");
    }

    @AfterAll
    static void printSummaries() {
        System.out.println("ImageBatchKillPostgresIT summary:");
        SUMMARIES.forEach(line -> System.out.println("  " + line));
    }

    /** @return one test per seed: {@code kill.seed} alone, else 1..{@code kill.postgres.seeds} (default 2) */
    @TestFactory
    Stream<DynamicTest> killedAnywhereOnPostgresItLosesNoRowPaysForNoRowTwiceAndNeverPassesTheBudget() {
        String one = System.getProperty("kill.seed");
        LongStream seeds = one != null && !one.isBlank() ? LongStream.of(Long.parseLong(one.trim()))
                : LongStream.rangeClosed(1, Integer.getInteger("kill.postgres.seeds", 2));
        return seeds.boxed().map(seed -> DynamicTest.dynamicTest("seed " + seed, () -> {
            PostgresTestDatabase.Schema schema = PostgresTestDatabase.newSchema();
            System.out.println("seed " + seed + ": PostgreSQL schema " + schema.name());
            String summary = ImageBatchKillIT.killAndResume(seed, "postgres-seed-",
                    dir -> new ImageBatchKillIT.Database(schema.springArgs(), schema.url(), schema.user(),
                            schema.password()));
            synchronized (SUMMARIES) {
                SUMMARIES.add(summary + ", PostgreSQL");
            }
            schema.drop(); // only once the seed passed: a failed seed's schema stays for a post-mortem
        }));
    }
}
