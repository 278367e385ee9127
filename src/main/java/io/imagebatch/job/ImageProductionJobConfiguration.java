package io.imagebatch.job;

import io.imagebatch.callback.CallbackProperties;
import io.imagebatch.callback.CallbackSignal;
import io.imagebatch.callback.CallbackUrls;
import io.imagebatch.catalogue.CatalogueItemReader;
import io.imagebatch.catalogue.CatalogueRow;
import io.imagebatch.ledger.TaskIdJournal;
import io.imagebatch.ledger.BatchRegistry;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.spend.PriceTable;
import io.imagebatch.metrics.ImageBatchMetrics;
import io.imagebatch.provider.ProviderRegistry;
import io.imagebatch.report.BatchEndNotifier;
import io.imagebatch.report.ContactSheet;
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
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.FlowBuilder;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.flow.Flow;
import org.springframework.batch.core.job.flow.JobExecutionDecider;
import org.springframework.batch.core.job.flow.support.SimpleFlow;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Scope;
import org.springframework.context.annotation.ScopedProxyMode;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * {@code imageProductionJob}, the pipeline a catalogue row goes through (docs/design.md, "The job"):
 * <ol>
 * <li>{@link PipelineSteps#SUBMIT submit}, chunk-oriented: the catalogue ({@link CatalogueItemReader}) &rarr; a
 *     provider request per row ({@link RowProcessor}) &rarr; one task per row, its taskId in the ledger
 *     ({@link TaskSubmitWriter});</li>
 * <li>{@link PipelineSteps#POLL poll}: the ledger's in-flight rows &rarr; their status, until each task is in a
 *     terminal state ({@link TaskPoller});</li>
 * <li>{@link PipelineSteps#DOWNLOAD download}: the ledger's generated rows (result known, not stored) &rarr; their image in the output store
 *     ({@link ResultDownloader});</li>
 * <li>{@link PipelineSteps#REPORT report}: {@code report.csv}, the contact sheet and the manifest
 *     ({@link ReportTasklet}).</li>
 * </ol>
 * The first three run at the same time (a split): poll and download are each a {@link LedgerPassTasklet} that
 * works through the rows due for it while its upstream step may still add rows, and ends when that step has
 * ({@link PipelineState}). The report follows when all three completed.
 *
 * <p>One job instance per batch; its identifying parameters are {@link #BATCH_ID} and {@link #RETRY_ROUND}, and
 * the batch's settings live in the ledger ({@link BatchSettingsStore}), read once per job execution into the
 * job-scoped {@link BatchSettings} bean that every step's beans share. Running the same batch again restarts the
 * same instance: completed steps are skipped, the submit step resumes after its last committed chunk, and the poll
 * and download steps carry on from the ledger.
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
    /**
     * A job parameter that does not identify the batch: how many partitions a new batch is split into
     * ({@code run --partitions N}, a job file's {@code partitions:}; README.md, "More than one machine"), a
     * {@code long} of 1 or more; absent or 1: not partitioned. A resume keeps the first run's split
     * ({@link PartitionManagerStep#decider}).
     */
    public static final String PARTITIONS = "batch.partitions";

    /**
     * Submit, poll and download run at the same time (a split), so that tasks are polled while later rows are
     * still being submitted and images are stored while other tasks still run; each downstream step ends when
     * its upstream one has ({@link PipelineState}). The report follows when all three completed.
     */
    @Bean
    Job imageProductionJob(JobRepository jobRepository, Step submitStep, Step pollStep, Step downloadStep,
            Step reportStep, Step partitionsStep, RunningExecution runningExecution, PipelineState pipelineState,
            BatchEndNotifier batchEndNotifier) {
        Flow pipeline = new FlowBuilder<SimpleFlow>("pipeline")
                .split(new SimpleAsyncTaskExecutor("imagebatch-step-"))
                .add(flow(submitStep), flow(pollStep), flow(downloadStep))
                .build();
        // a batch split into partitions (README.md, "More than one machine") runs the partitions step instead of
        // the pipeline; a batch without runs the same steps, by the same names, as before partitions existed
        JobExecutionDecider shape = PartitionManagerStep.decider(jobRepository);
        return new JobBuilder(JOB_NAME, jobRepository)
                .listener(runningExecution)
                .listener(pipelineState)
                .listener(batchEndNotifier)
                .start(shape).on(PartitionManagerStep.PARTITIONED).to(partitionsStep).next(reportStep)
                .from(shape).on("*").to(pipeline).next(reportStep)
                .end()
                .build();
    }

    /**
     * The manager step of a partitioned batch ({@link PartitionManagerStep}); its partitions run where the
     * {@link PartitionHandlers} bean says, on threads of this process ({@link LocalPartitionHandlers}) when there
     * is none.
     */
    @Bean
    Step partitionsStep(JobRepository jobRepository, Step partitionStep, ObjectProvider<PartitionHandlers> handlers,
            BatchSettingsStore batches) {
        return new PartitionManagerStep(jobRepository, partitionStep,
                () -> handlers.getIfAvailable(LocalPartitionHandlers::new), batches);
    }

    /**
     * The worker step of a partitioned batch ({@link PartitionWorkerStep}): the submit, poll and download steps of
     * one partition, built as the batch's own three steps are, under the partition's step names.
     */
    @Bean
    Step partitionStep(JobRepository jobRepository, PlatformTransactionManager transactionManager,
            CatalogueItemReader catalogueReader, RowProcessor rowProcessor, TaskSubmitWriter taskSubmitWriter,
            @Qualifier("pollTasklet") LedgerPassTasklet pollTasklet,
            @Qualifier("downloadTasklet") LedgerPassTasklet downloadTasklet, JobProperties properties,
            PipelineState pipelineState, JobScopeOnStepThreads jobScope) {
        return new PartitionWorkerStep(jobRepository, new PartitionWorkerStep.InnerSteps() {
            @Override
            public Step submit(String name) {
                return submitStep(name, jobRepository, transactionManager, catalogueReader, rowProcessor,
                        taskSubmitWriter, properties, pipelineState, jobScope);
            }

            @Override
            public Step poll(String name) {
                return ledgerPassStep(name, jobRepository, transactionManager, pollTasklet, pipelineState, jobScope);
            }

            @Override
            public Step download(String name) {
                return ledgerPassStep(name, jobRepository, transactionManager, downloadTasklet, pipelineState,
                        jobScope);
            }
        }, pipelineState, jobScope);
    }

    private static Flow flow(Step step) {
        return new FlowBuilder<SimpleFlow>(step.getName() + "Flow").start(step).build();
    }

    // 1. submit: catalogue -> RowProcessor -> TaskSubmitWriter

    @Bean
    Step submitStep(JobRepository jobRepository, PlatformTransactionManager transactionManager,
            CatalogueItemReader catalogueReader, RowProcessor rowProcessor, TaskSubmitWriter taskSubmitWriter,
            JobProperties properties, PipelineState pipelineState, JobScopeOnStepThreads jobScope) {
        return submitStep(PipelineSteps.SUBMIT, jobRepository, transactionManager, catalogueReader, rowProcessor,
                taskSubmitWriter, properties, pipelineState, jobScope);
    }

    private static Step submitStep(String name, JobRepository jobRepository,
            PlatformTransactionManager transactionManager, CatalogueItemReader catalogueReader,
            RowProcessor rowProcessor, TaskSubmitWriter taskSubmitWriter, JobProperties properties,
            PipelineState pipelineState, JobScopeOnStepThreads jobScope) {
        return new StepBuilder(name, jobRepository)
                .<CatalogueRow, SubmitItem>chunk(properties.chunkSize())
                .transactionManager(transactionManager)
                .reader(catalogueReader)
                .processor(rowProcessor)
                .writer(taskSubmitWriter)
                .listener(jobScope)
                .listener(pipelineState)
                .build();
    }

    @Bean
    @StepScope
    CatalogueItemReader catalogueReader(BatchSettings batch, @Value("#{stepExecution}") StepExecution step) {
        CatalogueItemReader reader = new CatalogueItemReader(Path.of(batch.catalogue()), batch.format());
        // a partition's submit step reads only the partition's rows (PartitionRows)
        PartitionRows.of(step.getExecutionContext()).ifPresent(rows -> reader.rows(rows.from(), rows.to()));
        return reader;
    }

    @Bean
    @StepScope
    RowProcessor rowProcessor(BatchSettings batch, ProviderRegistry providers, TaskLedger ledger,
            @Value("#{stepExecution}") StepExecution step) {
        // a partition's rows that repeat an id of an earlier partition's row are rejected as repeats
        return new RowProcessor(batch, providers, ledger).earlierRows(PartitionRows.earlierIds(
                step.getExecutionContext()));
    }

    @Bean
    @StepScope
    TaskSubmitWriter taskSubmitWriter(BatchSettings batch, ProviderRegistry providers, TaskLedger ledger,
            JobProperties properties, ExecutorService imagebatchWorkers, Clock clock, CallbackUrls callbackUrls,
            PollSchedule pollSchedule, TaskIdJournal taskIdJournal, PriceTable priceTable) {
        return new TaskSubmitWriter(batch.batchId(), providers, ledger, properties, imagebatchWorkers, clock,
                callbackUrls, pollSchedule, taskIdJournal).pricedWith(priceTable).fallbacksOf(batch);
    }

    // 2. poll: the ledger's in-flight rows -> TaskPoller, while submit may still add rows

    @Bean
    Step pollStep(JobRepository jobRepository, PlatformTransactionManager transactionManager,
            @Qualifier("pollTasklet") LedgerPassTasklet pollTasklet, PipelineState pipelineState,
            JobScopeOnStepThreads jobScope) {
        // runs again on every start of the job instance, also after it completed: a row left in flight (the
        // report step found one) is then polled to its end, so the same command always finishes the batch
        return ledgerPassStep(PipelineSteps.POLL, jobRepository, transactionManager, pollTasklet, pipelineState,
                jobScope);
    }

    /** The poll or download step, or a partition's ({@link PartitionWorkerStep}), by its name. */
    private static Step ledgerPassStep(String name, JobRepository jobRepository,
            PlatformTransactionManager transactionManager, LedgerPassTasklet tasklet, PipelineState pipelineState,
            JobScopeOnStepThreads jobScope) {
        return new StepBuilder(name, jobRepository).tasklet(tasklet, transactionManager)
                .allowStartIfComplete(true).listener(jobScope).listener(pipelineState).build();
    }

    /** The poll step's tasklet; a callback that makes a task due ends its idle wait. */
    @Bean
    @StepScope
    LedgerPassTasklet pollTasklet(BatchSettings batch, ProviderRegistry providers, TaskLedger ledger,
            JobProperties properties, ExecutorService imagebatchWorkers, Clock clock, CallbackSignal callbackSignal,
            PipelineState pipelineState, PollSchedule pollSchedule, CallbackProperties callbackProperties,
            ObjectProvider<MeterRegistry> meters, @Value("#{stepExecution}") StepExecution step) {
        // a partition's poll step follows the partition's rows, after the partition's submit step
        TaskPoller poller = new TaskPoller(batch.batchId(), providers, ledger, properties, clock, pollSchedule,
                callbackProperties, ImageBatchMetrics.registry(meters))
                .rows(PartitionRows.of(step.getExecutionContext()).orElse(null));
        return new LedgerPassTasklet(PipelineSteps.SUBMIT + PartitionWorkerStep.partitionSuffix(step.getStepName()),
                poller, pipelineState, callbackSignal::await, clock,
                properties.pollBatch(), imagebatchWorkers);
    }

    // 3. download: the ledger's generated rows -> ResultDownloader, while poll may still add rows

    @Bean
    Step downloadStep(JobRepository jobRepository, PlatformTransactionManager transactionManager,
            @Qualifier("downloadTasklet") LedgerPassTasklet downloadTasklet, PipelineState pipelineState,
            JobScopeOnStepThreads jobScope) {
        // runs again on every start, as the poll step does: a result left unstored is then stored
        return ledgerPassStep(PipelineSteps.DOWNLOAD, jobRepository, transactionManager, downloadTasklet,
                pipelineState, jobScope);
    }

    /**
     * The download step's tasklet. Its {@link ResultDownloader} owns a real output store (not a step-scoped
     * proxy, which worker threads could not use), closed when the step scope ends
     * ({@link LedgerPassTasklet#close()}); a poll pass that recorded results ends its idle wait.
     */
    @Bean
    @StepScope
    LedgerPassTasklet downloadTasklet(BatchSettings batch, StorageProperties storageSettings, TaskLedger ledger,
            ProviderRegistry providers, ImageDownloader imageDownloader, JobProperties properties,
            ExecutorService imagebatchWorkers, Clock clock, PipelineState pipelineState,
            @Value("#{stepExecution}") StepExecution step) {
        // read before the store is opened, so that a catalogue that cannot be read leaks no S3 client
        Set<String> caseCollisions = BatchOutputKeys.caseCollisions(batch);
        boolean namesVariants = BatchOutputKeys.namesVariants(batch);
        OutputStore store = OutputStores.open(OutputLocation.parse(batch.destination()), storageSettings);
        ResultDownloader downloader = new ResultDownloader(batch.batchId(), ledger, providers, imageDownloader, store,
                properties, clock).caseCollisions(caseCollisions).renditions(batch.renditions())
                .metadata(batch.metadata())
                .namesVariants(namesVariants).rows(PartitionRows.of(step.getExecutionContext()).orElse(null));
        return new LedgerPassTasklet(PipelineSteps.POLL + PartitionWorkerStep.partitionSuffix(step.getStepName()),
                downloader, pipelineState, pipelineState::awaitChange, clock,
                properties.pollBatch(), imagebatchWorkers);
    }

    // 4. report, once submit, poll and download completed

    @Bean
    Step reportStep(JobRepository jobRepository, PlatformTransactionManager transactionManager,
            ReportTasklet reportTasklet) {
        return new StepBuilder(PipelineSteps.REPORT, jobRepository).tasklet(reportTasklet, transactionManager)
                .build();
    }

    /** The report step's tasklet; owns its output store like {@link #downloadTasklet}. */
    @Bean
    @StepScope
    ReportTasklet reportTasklet(BatchSettings batch, StorageProperties storageSettings, TaskLedger ledger,
            ProviderRegistry providers, ManifestFactory manifestFactory,
            @Value(ContactSheet.PAGE_SIZE_SETTING)
            int contactSheetPageSize) {
        return new ReportTasklet(batch, ReportTasklet.facts(batch, providers), ledger,
                OutputStores.open(OutputLocation.parse(batch.destination()), storageSettings), manifestFactory)
                .contactSheetPageSize(contactSheetPageSize);
    }

    /**
     * The running batch's settings, read once per job execution from the ledger by the {@link #BATCH_ID} job
     * parameter ({@link BatchSettingsStore#get}); every step's beans take it from here. Job-scoped without a
     * proxy (a record cannot be subclassed): it is injected only into step-scoped beans, which are made while
     * their step runs, when the job scope is registered ({@link JobScopeOnStepThreads}).
     *
     * @throws IllegalArgumentException when the database holds no such batch
     */
    @Bean
    @Scope(scopeName = "job", proxyMode = ScopedProxyMode.NO)
    BatchSettings batchSettings(@Value("#{jobParameters['" + BATCH_ID + "']}") String batchId,
            BatchSettingsStore batches) {
        return batches.get(batchId);
    }

    /** Builds the batch manifest ({@code manifest.json}, and the webhook's body). */
    @Bean
    ManifestFactory manifestFactory(TaskLedger ledger, JobRepository jobRepository, ProviderRegistry providers,
            Clock clock, BatchRegistry registry, PriceTable priceTable) {
        // a provider's balance is a nicety: never worth holding the end of a batch longer than this
        return new ManifestFactory(ledger, jobRepository, new ProviderCredits(providers, Duration.ofSeconds(5)), clock,
                registry).spendFrom(registry, priceTable.currency());
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
