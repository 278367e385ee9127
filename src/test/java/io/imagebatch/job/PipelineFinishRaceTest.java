package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.imagebatch.callback.CallbackProperties;
import io.imagebatch.callback.CallbackSignal;
import io.imagebatch.ledger.BatchRegistry;
import io.imagebatch.ledger.LedgerDownloads;
import io.imagebatch.ledger.LedgerPolls;
import io.imagebatch.ledger.LedgerSchemaUpgrade;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.provider.ProviderRegistry;
import io.imagebatch.provider.ProvidersProperties;
import io.imagebatch.storage.DownloadProperties;
import io.imagebatch.storage.FileOutputStore;
import io.imagebatch.storage.ImageDownloader;
import io.imagebatch.storage.OutputLocation;
import io.imagebatch.testsupport.ProviderFactories;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.batch.test.MetaDataInstanceFactory;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/**
 * The finish race between the steps of the split: a downstream step (poll, download) must not finish while its
 * upstream step records one last row for it. The race is made deterministic by a hook in a real ledger (H2) that
 * runs between the downstream step's two ledger reads: there the upstream step records its last row and ends.
 */
class PipelineFinishRaceTest {

    private static final String BATCH = "race-0123456789ab";

    @TempDir
    Path work;

    private HikariDataSource dataSource;
    private HookedLedger ledger;
    private final PipelineState pipeline = new PipelineState(null);
    private final JobExecution job = MetaDataInstanceFactory.createJobExecution(7L);
    private final ExecutorService workers = Executors.newFixedThreadPool(2);
    private final JobProperties properties = new JobProperties(20, 2, 5, Duration.ofMillis(50),
            Duration.ofMillis(200), Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(500),
            Duration.ofMinutes(15), 100, 3, Duration.ofSeconds(5), false, Duration.ofSeconds(30));

    /** The real ledger, with a hook that runs right after the "is anything left?" read of the step under test. */
    static final class HookedLedger extends TaskLedger {
        final AtomicReference<Runnable> afterNextPollAt = new AtomicReference<>();
        final AtomicReference<Runnable> afterNextDownloadAt = new AtomicReference<>();

        private final LedgerPolls hookedPolls = new LedgerPolls(this) {
            @Override
            public Optional<Long> nextPollAt(String batchId) {
                Optional<Long> next = super.nextPollAt(batchId);
                Optional.ofNullable(afterNextPollAt.getAndSet(null)).ifPresent(Runnable::run);
                return next;
            }
        };
        private final LedgerDownloads hookedDownloads = new LedgerDownloads(this, new SimpleMeterRegistry()) {
            @Override
            public Optional<Long> nextDownloadAt(String batchId) {
                Optional<Long> next = super.nextDownloadAt(batchId);
                Optional.ofNullable(afterNextDownloadAt.getAndSet(null)).ifPresent(Runnable::run);
                return next;
            }
        };

        HookedLedger(JdbcClient jdbc, DataSourceTransactionManager transactions) {
            super(jdbc, transactions, Clock.systemUTC());
        }

        @Override
        public LedgerPolls polls() {
            return hookedPolls;
        }

        @Override
        public LedgerDownloads downloads() {
            return hookedDownloads;
        }
    }

    @BeforeEach
    void openLedger() {
        dataSource = new HikariDataSource();
        dataSource.setJdbcUrl("jdbc:h2:mem:race-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        dataSource.setUsername("sa");
        new ResourceDatabasePopulator(new ClassPathResource("db/ledger-schema.sql")).execute(dataSource);
        JdbcClient jdbc = JdbcClient.create(dataSource);
        new LedgerSchemaUpgrade(jdbc).apply();
        ledger = new HookedLedger(jdbc, new DataSourceTransactionManager(dataSource));
        new BatchRegistry(jdbc, new DataSourceTransactionManager(dataSource), Clock.systemUTC())
                .recordBatch(BATCH, "{}");
    }

    @AfterEach
    void close() {
        workers.shutdownNow();
        dataSource.close();
    }

    @Test
    void thePollStepNeverFinishesWhileTheSubmitStepRecordsItsLastTaskBetweenItsReads() throws Exception {
        LedgerPassTasklet poll = new LedgerPassTasklet(PipelineSteps.SUBMIT, new TaskPoller(BATCH, providers(), ledger,
                properties, Clock.systemUTC(), new PollSchedule(properties), new CallbackProperties(null)), pipeline,
                new CallbackSignal()::await, Clock.systemUTC(), properties.pollBatch(), workers);
        StepContribution contribution = new StepContribution(new StepExecution(2L, "poll", job));
        // between the poll step's reads, the submit step records its last task (first check in a minute) and ends
        ledger.afterNextPollAt.set(() -> {
            ledger.insertIntent(BATCH, 1, "A1", "liangxin", "m", "p", "{}");
            long now = System.currentTimeMillis();
            ledger.markSubmitted(BATCH, 1, "task-1", now, now + 60_000, now + 900_000);
            ended(PipelineSteps.SUBMIT);
        });

        assertThat(poll.execute(contribution, null)).as("the pass that raced the submit step's end")
                .isEqualTo(RepeatStatus.CONTINUABLE);
        assertThat(ledger.afterNextPollAt.get()).as("the hook ran").isNull();
        assertThat(poll.execute(contribution, null)).as("a task is in flight").isEqualTo(RepeatStatus.CONTINUABLE);

        ledger.polls().markGenerated(BATCH, 1, "success", "https://img.example/1.png");
        assertThat(poll.execute(contribution, null)).as("nothing in flight, submit completed")
                .isEqualTo(RepeatStatus.FINISHED);
    }

    @Test
    void theDownloadStepNeverFinishesWhileThePollStepRecordsItsLastSuccessBetweenItsReads() throws Exception {
        ledger.insertIntent(BATCH, 1, "A1", "liangxin", "m", "p", "{}");
        long now = System.currentTimeMillis();
        ledger.markSubmitted(BATCH, 1, "task-1", now, now, now + 900_000);
        try (FileOutputStore store = new FileOutputStore(OutputLocation.parse("file:" + work.resolve("out")))) {
            LedgerPassTasklet download = new LedgerPassTasklet(PipelineSteps.POLL, new ResultDownloader(BATCH, ledger,
                    providers(), new ImageDownloader(DownloadProperties.defaults()), store, properties,
                    Clock.systemUTC()), pipeline, pipeline::awaitChange, Clock.systemUTC(), properties.pollBatch(),
                    workers);
            StepContribution contribution = new StepContribution(new StepExecution(3L, "download", job));
            // between the download step's reads, the poll step records the last success (download due in a
            // minute) and ends
            ledger.afterNextDownloadAt.set(() -> {
                ledger.polls().markGenerated(BATCH, 1, "success", "https://img.example/1.png");
                ledger.downloads().rescheduleDownload(BATCH, 1, System.currentTimeMillis() + 60_000, "not yet");
                ended(PipelineSteps.POLL);
            });

            assertThat(download.execute(contribution, null)).as("the pass that raced the poll step's end")
                    .isEqualTo(RepeatStatus.CONTINUABLE);
            assertThat(ledger.afterNextDownloadAt.get()).as("the hook ran").isNull();
            assertThat(download.execute(contribution, null)).as("an image waits to be stored")
                    .isEqualTo(RepeatStatus.CONTINUABLE);

            ledger.downloads().markStored(BATCH, 1, "file:out/A1.png", "00".repeat(32), 10);
            assertThat(download.execute(contribution, null)).as("nothing waits, poll completed")
                    .isEqualTo(RepeatStatus.FINISHED);
        }
    }

    /** The upstream step ends COMPLETED, as Spring Batch tells the pipeline's step listener. */
    private void ended(String step) {
        StepExecution upstream = new StepExecution(1L, step, job);
        upstream.setStatus(BatchStatus.COMPLETED);
        pipeline.afterStep(upstream);
    }

    private static ProviderRegistry providers() {
        return new ProviderRegistry(new ProvidersProperties(null, null, null, null),
                new DefaultListableBeanFactory().getBeanProvider(MeterRegistry.class), ProviderFactories.all());
    }
}
