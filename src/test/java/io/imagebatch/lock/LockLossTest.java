package io.imagebatch.lock;

import org.awaitility.core.ConditionTimeoutException;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.app.BatchSettingsResolver;
import io.imagebatch.app.RunOptions;
import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.SampleCatalogue;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * A run whose lock renewal is held back past the lock's time to live, while a second process takes the batch
 * over: the first stops sending at once and ends STOPPED (exit 1), its later ledger writes refused by the fence;
 * the second completes the batch; no row is created twice and none is lost. On H2 (two command-line contexts in
 * one JVM, each with its own lock client, on one database file); {@link LockLossPostgresTest} on PostgreSQL.
 */
class LockLossTest {

    @TempDir
    Path work;

    @Test
    void aRunThatLosesItsLockStopsAndTheProcessThatTookItOverCompletesTheBatchWithNothingSentTwice()
            throws Exception {
        runLosesItsLockToASecondProcess(work, new DriverManagerDataSource(
                "jdbc:h2:file:" + work.resolve("db/imagebatch").toAbsolutePath(), "sa", ""));
    }

    /**
     * The scenario, on the database of {@link CliRun#database(Path)} for {@code work}.
     *
     * @param work the test's folder
     * @param db   the same database, for the test's own look at the lock and the ledger
     */
    static void runLosesItsLockToASecondProcess(Path work, DataSource db) throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults().withFailureRate(0)
                .withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(200)))) {
            List<String> args = new ArrayList<>(SampleCatalogue.options());
            args.addAll(List.of("--output", "file:" + work.resolve("out"),
                    "--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                    "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                    "--imagebatch.download.allow-private-networks=true", "--imagebatch.lock.ttl=3s",
                    "--imagebatch.job.chunk-size=2"));
            String batchId = BatchSettingsResolver.resolve(RunOptions.parse(args), null).batchId();
            List<String> slow = new ArrayList<>(args);
            slow.add("--imagebatch.providers.liangxin.requests-per-second=3");

            CompletableFuture<CliRun> first = CompletableFuture.supplyAsync(
                    () -> CliRun.run(work, slow.toArray(String[]::new)));
            awaitUntil(() -> sandbox.stats().creates() >= 4 || first.isDone());
            assertThat(first).isNotDone();

            // the first process's renewal is held back past the ttl: on the database's clock its lock expired
            JdbcClient jdbc = JdbcClient.create(db);
            assertThat(jdbc.sql("UPDATE INT_LOCK SET EXPIRED_AFTER = ? WHERE REGION = ?")
                    .params(LocalDateTime.of(2000, 1, 1, 0, 0), LockConfiguration.REGION).update()).isEqualTo(1);
            CliRun second = CliRun.run(work, args.toArray(String[]::new));
            CliRun stale = first.get(120, TimeUnit.SECONDS);

            assertThat(stale.exitCode()).isEqualTo(ImageBatchCli.FAILED);
            assertThat(stale.output()).contains("sends nothing more for it and stops");
            assertThat(second.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            assertThat(second.output()).contains("Batch " + batchId + " COMPLETED");
            // nothing paid twice, nothing lost: every row ended, and one task at most per prompt
            assertThat(sandbox.stats().createsByPrompt().values()).allMatch(n -> n == 1);
            Map<String, Long> states = new java.util.TreeMap<>();
            jdbc.sql("SELECT STATE, COUNT(*) FROM IB_TASK_LEDGER WHERE BATCH_ID = ? GROUP BY STATE").param(batchId)
                    .query((rs, i) -> states.put(rs.getString(1), rs.getLong(2))).list();
            assertThat(states.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(SampleCatalogue.ROWS);
            assertThat(states.keySet()).isSubsetOf("STORED", "REJECTED", "UNCERTAIN", "FAILED");
            assertThat(states.get("STORED") + states.getOrDefault("UNCERTAIN", 0L) + states.getOrDefault("FAILED", 0L))
                    .isEqualTo(SampleCatalogue.VALID);
            // the generation went up at each acquisition: the first run held 1, the second 2
            assertThat(jdbc.sql("SELECT LOCK_GENERATION FROM IB_BATCH WHERE BATCH_ID = ?").param(batchId)
                    .query(Long.class).single()).isEqualTo(2L);
        }
    }

    /** Waits for a condition, up to 60 s (a generous bound: the condition decides, never the time). */
    static void awaitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).pollInSameThread()
                    .until(condition::getAsBoolean);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("not within 60 s", e);
        }
    }
}
