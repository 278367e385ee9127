package io.imagebatch.job;

import io.imagebatch.callback.CallbackProperties;
import io.imagebatch.callback.CallbackSignal;
import io.imagebatch.callback.CallbackUrls;
import io.imagebatch.catalogue.CatalogueItemReader;
import io.imagebatch.catalogue.CatalogueRow;
import io.imagebatch.ledger.TaskIdJournal;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.metrics.ImageBatchMetrics;
import io.imagebatch.provider.ProviderRegistry;
import io.imagebatch.report.BatchEndNotifier;
import io.imagebatch.report.ManifestFactory;
import io.imagebatch.report.NotifyProperties;
import io.imagebatch.report.ProviderCredits;
import io.imagebatch.report.WebhookNotifier;
import io.imagebatch.storage.DownloadProperties;
import io.imagebatch.storage.ImageDownloader;
import io.imagebatch.storage.OutputLocation;
import io.imagebatch.storage.OutputStore;
import io.imagebatch.storage.OutputStores;
import io.imagebatch.storage.StorageProperties;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.FlowBuilder;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.flow.Flow;
import org.springframework.batch.core.job.flow.support.SimpleFlow;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * {@code imageProductionJob}: submit, poll, download, report (docs/design.md, The job). One job instance
 * per batch; its only identifying parameter is {@link #BATCH_ID}, and the batch's settings live in the ledger
 * ({@link BatchSettingsStore}). Running the same batch again restarts the same instance: completed steps are
 * skipped, the submit step resumes after its last committed chunk, and the poll and download steps carry on
 * from the ledger.
 */
@Configuration
public class ImageProductionJobConfiguration {

    /** The job's name in the job repository. */
    public static final String JOB_NAME = "imageProductionJob";
    /** The identifying job parameter: the batch id ({@link BatchSettings#batchId()}). */
    public static final String BATCH_ID = "batch.id";
    /**
     * The second identifying job parameter: the retry round, 0 for the batch's first instance, then one more
     * for each {@code retry-failed} (a new job instance that sends the rows made PENDING).
     */
    public static final String RETRY_ROUND = "batch.retry";

    /** Step names. */
    public static final String SUBMIT_STEP = "submit";
    /** Step names. */
    public static final String POLL_STEP = "poll";
    /** Step names. */
    public static final String DOWNLOAD_STEP = "download";
    /** Step names. */
    public static final String REPORT_STEP = "report";

    /**
     * Submit, poll and download run at the same time (a split), so that tasks are polled while later rows are
     * still being submitted and images are stored while other tasks still run; each downstream step ends when
     * its upstream one has ({@link PipelineState}). The report follows when all three completed.
     */
    @Bean
    Job imageProductionJob(JobRepository jobRepository, Step submitStep, Step pollStep, Step downloadStep,
            Step reportStep, RunningExecution runningExecution, PipelineState pipelineState,
            BatchEndNotifier batchEndNotifier) {
        Flow pipeline = new FlowBuilder<SimpleFlow>("pipeline")
                .split(new SimpleAsyncTaskExecutor("imagebatch-step-"))
                .add(flow(submitStep), flow(pollStep), flow(downloadStep))
                .build();
        return new JobBuilder(JOB_NAME, jobRepository)
                .listener(runningExecution)
                .listener(pipelineState)
                .listener(batchEndNotifier)
                .start(pipeline)
                .next(reportStep)
                .end()
                .build();
    }

    private static Flow flow(Step step) {
        return new FlowBuilder<SimpleFlow>(step.getName() + "Flow").start(step).build();
    }

    @Bean
    Step submitStep(JobRepository jobRepository, PlatformTransactionManager transactionManager,
            CatalogueItemReader catalogueReader, RowProcessor rowProcessor, TaskSubmitWriter taskSubmitWriter,
            JobProperties properties, PipelineState pipelineState) {
        return new StepBuilder(SUBMIT_STEP, jobRepository)
                .<CatalogueRow, SubmitItem>chunk(properties.chunkSize())
                .transactionManager(transactionManager)
                .reader(catalogueReader)
                .processor(rowProcessor)
                .writer(taskSubmitWriter)
                .listener(pipelineState)
                .build();
    }

    @Bean
    Step pollStep(JobRepository jobRepository, PlatformTransactionManager transactionManager,
            PollTasklet pollTasklet, PipelineState pipelineState) {
        // runs again on every start of the job instance, also after it completed: a row left in flight (the
        // report step found one) is then polled to its end, so the same command always finishes the batch
        return new StepBuilder(POLL_STEP, jobRepository).tasklet(pollTasklet, transactionManager)
                .allowStartIfComplete(true).listener(pipelineState).build();
    }

    @Bean
    Step downloadStep(JobRepository jobRepository, PlatformTransactionManager transactionManager,
            DownloadTasklet downloadTasklet, PipelineState pipelineState) {
        // runs again on every start, as the poll step does: a result left unstored is then stored
        return new StepBuilder(DOWNLOAD_STEP, jobRepository).tasklet(downloadTasklet, transactionManager)
                .allowStartIfComplete(true).listener(pipelineState).build();
    }

    @Bean
    Step reportStep(JobRepository jobRepository, PlatformTransactionManager transactionManager,
            ReportTasklet reportTasklet) {
        return new StepBuilder(REPORT_STEP, jobRepository).tasklet(reportTasklet, transactionManager).build();
    }

    @Bean
    @StepScope
    CatalogueItemReader catalogueReader(@Value("#{jobParameters['" + BATCH_ID + "']}") String batchId,
            BatchSettingsStore batches) {
        BatchSettings batch = batches.get(batchId);
        return new CatalogueItemReader(Path.of(batch.catalogue()), batch.format());
    }

    @Bean
    @StepScope
    RowProcessor rowProcessor(@Value("#{jobParameters['" + BATCH_ID + "']}") String batchId,
            BatchSettingsStore batches, ProviderRegistry providers, TaskLedger ledger) {
        return new RowProcessor(batches.get(batchId), providers, ledger);
    }

    @Bean
    @StepScope
    TaskSubmitWriter taskSubmitWriter(@Value("#{jobParameters['" + BATCH_ID + "']}") String batchId,
            ProviderRegistry providers, TaskLedger ledger, JobProperties properties, ExecutorService imagebatchWorkers,
            Clock clock, CallbackUrls callbackUrls, PollSchedule pollSchedule, TaskIdJournal taskIdJournal) {
        return new TaskSubmitWriter(batchId, providers, ledger, properties, imagebatchWorkers, clock, callbackUrls,
                pollSchedule, taskIdJournal);
    }

    @Bean
    @StepScope
    PollTasklet pollTasklet(@Value("#{jobParameters['" + BATCH_ID + "']}") String batchId,
            ProviderRegistry providers, TaskLedger ledger, JobProperties properties, ExecutorService imagebatchWorkers,
            Clock clock, CallbackSignal callbackSignal, PipelineState pipelineState, PollSchedule pollSchedule,
            CallbackProperties callbackProperties, ObjectProvider<MeterRegistry> meters) {
        return new PollTasklet(batchId, providers, ledger, properties, imagebatchWorkers, clock, callbackSignal,
                pipelineState, pollSchedule, callbackProperties, ImageBatchMetrics.registry(meters));
    }

    /**
     * The download step's tasklet. It owns a real output store (not a step-scoped proxy, which worker threads
     * could not use) and closes it when the step scope ends ({@link DownloadTasklet#close()}).
     */
    @Bean
    @StepScope
    DownloadTasklet downloadTasklet(@Value("#{jobParameters['" + BATCH_ID + "']}") String batchId,
            BatchSettingsStore batches, StorageProperties storageSettings, TaskLedger ledger, ProviderRegistry providers,
            ImageDownloader imageDownloader, JobProperties properties, ExecutorService imagebatchWorkers, Clock clock,
            PipelineState pipelineState) {
        // read before the store is opened, so that a catalogue that cannot be read leaks no S3 client
        java.util.Set<String> caseCollisions = ObjectKeys.caseCollisions(batches.get(batchId));
        OutputStore store = OutputStores.open(OutputLocation.parse(batches.get(batchId).destination()), storageSettings);
        return new DownloadTasklet(batchId, ledger, providers, imageDownloader, store, properties, imagebatchWorkers,
                clock, pipelineState).caseCollisions(caseCollisions);
    }

    /** The report step's tasklet; owns its output store like {@link #downloadTasklet}. */
    @Bean
    @StepScope
    ReportTasklet reportTasklet(@Value("#{jobParameters['" + BATCH_ID + "']}") String batchId,
            BatchSettingsStore batches, StorageProperties storageSettings, TaskLedger ledger, ProviderRegistry providers,
            ManifestFactory manifestFactory) {
        BatchSettings batch = batches.get(batchId);
        return new ReportTasklet(batch, ReportTasklet.facts(batch, providers), ledger,
                OutputStores.open(OutputLocation.parse(batch.destination()), storageSettings), manifestFactory);
    }

    /** Builds the batch manifest ({@code manifest.json}, and the webhook's body). */
    @Bean
    ManifestFactory manifestFactory(TaskLedger ledger, JobRepository jobRepository, ProviderRegistry providers,
            Clock clock) {
        // a provider's balance is a nicety: never worth holding the end of a batch longer than this
        return new ManifestFactory(ledger, jobRepository, new ProviderCredits(providers, Duration.ofSeconds(5)), clock);
    }

    /** Posts the manifest to {@code imagebatch.notify.webhook-url}, when set, as each run of the job ends. */
    @Bean
    BatchEndNotifier batchEndNotifier(NotifyProperties notifyProperties, ManifestFactory manifestFactory,
            BatchSettingsStore batches, ProviderRegistry providers) {
        return new BatchEndNotifier(new WebhookNotifier(notifyProperties), manifestFactory,
                execution -> ReportTasklet.facts(batches.get(execution.getJobParameters().getString(BATCH_ID)),
                        providers));
    }

    @Bean
    ImageDownloader imageDownloader(DownloadProperties downloadSettings) {
        return new ImageDownloader(downloadSettings);
    }

    /** Threads for provider calls and downloads; their number bounds the calls in flight. */
    @Bean(destroyMethod = "shutdownNow")
    ExecutorService imagebatchWorkers(JobProperties properties) {
        // an Error that kills a worker ends the process, exit 1 (FatalErrors)
        return Executors.newFixedThreadPool(properties.concurrency(), io.imagebatch.FatalErrors.threads("imagebatch-io"));
    }

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}
