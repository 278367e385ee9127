package io.imagebatch.lock;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.cli.RunOptions;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.SampleCatalogue;
import java.nio.file.Path;
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
            String batchId = ImageBatchCli.settings(RunOptions.parse(args), null).batchId();

            // another process: its own lock client on the same database file
            DriverManagerDataSource db = new DriverManagerDataSource(
                    "jdbc:h2:file:" + work.resolve("db/imagebatch").toAbsolutePath(), "sa", "");
            new ResourceDatabasePopulator(new ClassPathResource("db/lock-schema.sql")).execute(db);
            DefaultLockRepository repository = new DefaultLockRepository(db);
            repository.setRegion(LockConfiguration.REGION);
            repository.setTransactionManager(new DataSourceTransactionManager(db));
            repository.afterPropertiesSet();
            repository.afterSingletonsInstantiated();
            Lock other = new JdbcLockRegistry(repository, Duration.ofMinutes(1)).obtain(BatchLocks.batchKey(batchId));
            assertThat(other.tryLock()).isTrue();
            try {
                List<String> quick = new ArrayList<>(args);
                quick.add("--imagebatch.lock.ttl=3s"); // it waits the ttl for a dead holder's lock, then gives up
                CliRun refused = CliRun.run(work, quick.toArray(String[]::new));
                assertThat(refused.exitCode()).isEqualTo(ImageBatchCli.FAILED);
                assertThat(refused.output()).contains("Batch " + batchId + " is being run by another process now;"
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

    @Test
    void aLockLeftByAProcessThatDiedIsWaitedForAndTheRunGoesOn() {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(200)))) {
            List<String> args = new ArrayList<>(SampleCatalogue.options());
            args.addAll(List.of("--output", "file:" + work.resolve("out"),
                    "--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                    "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                    "--imagebatch.download.allow-private-networks=true", "--imagebatch.lock.ttl=3s"));
            String batchId = ImageBatchCli.settings(RunOptions.parse(args), null).batchId();
            DriverManagerDataSource db = new DriverManagerDataSource(
                    "jdbc:h2:file:" + work.resolve("db/imagebatch").toAbsolutePath(), "sa", "");
            new ResourceDatabasePopulator(new ClassPathResource("db/lock-schema.sql")).execute(db);
            DefaultLockRepository repository = new DefaultLockRepository(db);
            repository.setRegion(LockConfiguration.REGION);
            repository.setTransactionManager(new DataSourceTransactionManager(db));
            repository.afterPropertiesSet();
            repository.afterSingletonsInstantiated();
            // a process that took the batch's lock for 3 s and died: never renewed, never released
            Lock dead = new JdbcLockRegistry(repository, Duration.ofSeconds(3)).obtain(BatchLocks.batchKey(batchId));
            assertThat(dead.tryLock()).isTrue();

            CliRun run = CliRun.run(work, args.toArray(String[]::new));

            assertThat(run.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            assertThat(run.output()).contains("waiting up to");
            assertThat(sandbox.stats().creates()).isEqualTo(SampleCatalogue.VALID);
        }
    }
}
