package io.imagebatch.lock;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.app.BatchSettingsResolver;
import io.imagebatch.app.RunOptions;
import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.SampleCatalogue;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.springframework.jdbc.core.simple.JdbcClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.core.io.ClassPathResource;
import org.springframework.integration.jdbc.lock.DefaultLockRepository;
import org.springframework.integration.jdbc.lock.JdbcLockRegistry;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/**
 * {@code run} takes the batch's lock in the shared database: while another process holds it, {@code run} starts
 * nothing and says so; once it is released, the same command runs the batch.
 */
class RunBatchLockTest {

    @TempDir
    Path work;

    @Test
    void runStartsNothingWhileAnotherProcessHoldsTheBatchAndRunsItOnceReleased() {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(200)))) {
            List<String> args = new ArrayList<>(SampleCatalogue.options());
            args.addAll(List.of("--output", "file:" + work.resolve("out"),
                    "--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                    "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                    "--imagebatch.download.allow-private-networks=true"));
            String batchId = BatchSettingsResolver.resolve(RunOptions.parse(args), null).batchId();

            // another process: its own lock client on the same database file
            DriverManagerDataSource db = new DriverManagerDataSource(
                    "jdbc:h2:file:" + work.resolve("db/imagebatch").toAbsolutePath(), "sa", "");
            new ResourceDatabasePopulator(new ClassPathResource("db/lock-schema.sql")).execute(db);
            DefaultLockRepository repository = new DefaultLockRepository(db);
            repository.setRegion(LockConfiguration.REGION);
            repository.setTransactionManager(new DataSourceTransactionManager(db));
            repository.afterPropertiesSet();
            repository.afterSingletonsInstantiated();
            // held for far longer than the test can take, however busy the machine: only unlock() ends it
            Lock other = new JdbcLockRegistry(repository, Duration.ofHours(1)).obtain(BatchLocks.batchKey(batchId));
            assertThat(other.tryLock()).isTrue();
            try {
                List<String> quick = new ArrayList<>(args);
                quick.add("--imagebatch.lock.ttl=3s"); // it waits the ttl for a dead holder's lock, then gives up
                CliRun refused = CliRun.run(work, quick.toArray(String[]::new));
                assertThat(refused.exitCode()).isEqualTo(ImageBatchCli.FAILED);
                assertThat(refused.output()).contains("Batch " + batchId + " is running in another process;"
                        + " nothing was started here");
                assertThat(sandbox.stats().creates()).isZero();
            } finally {
                other.unlock();
            }

            CliRun run = CliRun.run(work, args.toArray(String[]::new));
            assertThat(run.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            assertThat(run.batchId()).isEqualTo(batchId);
            assertThat(sandbox.stats().creates()).isEqualTo(SampleCatalogue.VALID);
        }
    }

    /**
     * Time is controlled, not waited for: the dead process's lock is held until the test ends it (its time to
     * live runs out, on the database's clock), and only once the run has said that it waits; so the run always
     * waits, however busy the machine, and it never starts before the lock is free.
     */
    @Test
    void aLockLeftByAProcessThatDiedIsWaitedForAndTheRunGoesOn() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(200)))) {
            List<String> args = new ArrayList<>(SampleCatalogue.options());
            args.addAll(List.of("--output", "file:" + work.resolve("out"),
                    "--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                    "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                    "--imagebatch.download.allow-private-networks=true",
                    // the run waits up to ttl + 2 s for a dead process's lock: a generous bound, never reached
                    "--imagebatch.lock.ttl=120s"));
            String batchId = BatchSettingsResolver.resolve(RunOptions.parse(args), null).batchId();
            DriverManagerDataSource db = new DriverManagerDataSource(
                    "jdbc:h2:file:" + work.resolve("db/imagebatch").toAbsolutePath(), "sa", "");
            new ResourceDatabasePopulator(new ClassPathResource("db/lock-schema.sql")).execute(db);
            DefaultLockRepository repository = new DefaultLockRepository(db);
            repository.setRegion(LockConfiguration.REGION);
            repository.setTransactionManager(new DataSourceTransactionManager(db));
            repository.afterPropertiesSet();
            repository.afterSingletonsInstantiated();
            // a process that took the batch's lock and died: never renewed, never released
            Lock dead = new JdbcLockRegistry(repository, Duration.ofHours(1)).obtain(BatchLocks.batchKey(batchId));
            assertThat(dead.tryLock()).isTrue();

            List<String> command = new ArrayList<>(List.of("run"));
            command.addAll(args);
            command.addAll(CliRun.database(work));
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8);
            CompletableFuture<Integer> run = CompletableFuture.supplyAsync(
                    () -> ImageBatchCli.execute(command.toArray(String[]::new), out));
            LockLossTest.awaitUntil(() -> printed(output).contains("waiting up to") || run.isDone());
            assertThat(run).isNotDone();
            assertThat(sandbox.stats().creates()).isZero();

            // the dead process's time to live runs out, on the database's clock
            assertThat(JdbcClient.create(db).sql("UPDATE INT_LOCK SET EXPIRED_AFTER = ? WHERE REGION = ?")
                    .params(LocalDateTime.of(2000, 1, 1, 0, 0), LockConfiguration.REGION).update()).isEqualTo(1);

            int exitCode = run.get(120, TimeUnit.SECONDS);
            System.out.print(printed(output));
            assertThat(exitCode).isEqualTo(ImageBatchCli.COMPLETED);
            assertThat(printed(output)).contains("Batch " + batchId + " COMPLETED");
            assertThat(sandbox.stats().creates()).isEqualTo(SampleCatalogue.VALID);
        }
    }

    private static String printed(ByteArrayOutputStream output) {
        synchronized (output) {
            return output.toString(StandardCharsets.UTF_8);
        }
    }
}
