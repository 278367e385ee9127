package io.imagebatch.job;

import io.imagebatch.catalogue.CatalogueItemReader;
import io.imagebatch.catalogue.CatalogueRow;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInterruptedException;
import org.springframework.batch.core.job.flow.FlowExecutionStatus;
import org.springframework.batch.core.job.flow.JobExecutionDecider;
import org.springframework.batch.core.partition.support.SimpleStepExecutionSplitter;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.builder.StepBuilder;

/**
 * The {@link PipelineSteps#PARTITIONS} step of a partitioned batch ({@code --partitions N}, README.md, "More than
 * one machine"): Spring Batch's partition step, which splits the catalogue into N row ranges
 * ({@link PartitionRows#split}) and has each run as a {@link PipelineSteps#PARTITION} step
 * ({@link PartitionWorkerStep}) by the configured {@link PartitionHandlers}, then ends as the worst of them ended.
 *
 * <p>How many partitions: the job parameter {@link ImageProductionJobConfiguration#PARTITIONS} of the batch's
 * first run. A resume keeps the first run's split whatever it is given: Spring Batch's splitter keeps the number in
 * the step's execution context, and {@link #decider} reads it from there (not part of the batch's identity). A
 * batch first run without partitions is resumed without them, and one first run with them is resumed with them.
 */
public class PartitionManagerStep implements Step {

    /** The {@link #decider}'s answer for a batch run as partitions. */
    public static final String PARTITIONED = "PARTITIONED";
    /** The {@link #decider}'s answer for a batch run as one pipeline (submit, poll, download). */
    public static final String ONE_PIPELINE = "ONE_PIPELINE";
    /** The job execution context key where {@link #decider} leaves the number of partitions (an {@code int}). */
    public static final String PARTITIONS_KEY = "batch.partitions";
    /** Where Spring Batch's {@link SimpleStepExecutionSplitter} keeps the number of partitions of a step. */
    static final String GRID_SIZE_KEY = SimpleStepExecutionSplitter.class.getSimpleName() + ".GRID_SIZE";

    private final JobRepository jobRepository;
    private final Step workerStep;
    private final Supplier<PartitionHandlers> handlers;
    private final BatchSettingsStore batches;

    /**
     * @param jobRepository the job repository
     * @param workerStep    the {@link PipelineSteps#PARTITION} step
     * @param handlers      where the partitions run (looked up when the step runs)
     * @param batches       the batch settings, for the number of catalogue rows
     */
    public PartitionManagerStep(JobRepository jobRepository, Step workerStep, Supplier<PartitionHandlers> handlers,
            BatchSettingsStore batches) {
        this.jobRepository = jobRepository;
        this.workerStep = workerStep;
        this.handlers = handlers;
        this.batches = batches;
    }

    @Override
    public String getName() {
        return PipelineSteps.PARTITIONS;
    }

    /** @return true: run again when the batch is, so that its partitions' poll and download steps run again */
    @Override
    public boolean isAllowStartIfComplete() {
        return true;
    }

    /**
     * Splits the catalogue and runs the partitions to their end.
     *
     * @param stepExecution the manager's step execution
     * @throws JobInterruptedException when the job is stopped
     */
    @Override
    public void execute(StepExecution stepExecution) throws JobInterruptedException {
        JobExecution job = stepExecution.getJobExecution();
        String batchId = job.getJobParameters().getString(ImageProductionJobConfiguration.BATCH_ID);
        int partitions = job.getExecutionContext().getInt(PARTITIONS_KEY, 1);
        BatchSettings batch = batches.get(batchId);
        new StepBuilder(PipelineSteps.PARTITIONS, jobRepository)
                .partitioner(PipelineSteps.PARTITION, gridSize -> partition(batch, gridSize))
                .partitionHandler(handlers.get().handlerFor(batchId, partitions, workerStep))
                .allowStartIfComplete(true)
                .build()
                .execute(stepExecution);
    }

    /**
     * The partitions' contexts: each one's rows ({@link PartitionRows#contexts}) and the ids its rows repeat from
     * rows before it ({@link PartitionRows#EARLIER_IDS_KEY}), read in one pass over the catalogue that keeps the
     * first row of each id (as the batch's preflight check does).
     */
    private static Map<String, ExecutionContext> partition(BatchSettings batch, int gridSize) {
        Map<String, ExecutionContext> contexts = PartitionRows.contexts(batch.catalogueRows(), gridSize);
        List<PartitionRows> ranges = new ArrayList<>();
        contexts.values().forEach(context -> ranges.add(PartitionRows.of(context).orElseThrow()));
        Map<String, Long> firstRowById = new HashMap<>();
        List<Map<String, Long>> earlier = new ArrayList<>();
        ranges.forEach(range -> earlier.add(new HashMap<>()));
        CatalogueItemReader reader = new CatalogueItemReader(Path.of(batch.catalogue()), batch.format());
        reader.open(new ExecutionContext());
        try {
            int partition = 0;
            for (CatalogueRow row = reader.read(); row != null; row = reader.read()) {
                while (partition < ranges.size() - 1 && row.rowNumber() > ranges.get(partition).to()) {
                    partition++;
                }
                if (row.id() == null) {
                    continue;
                }
                Long first = firstRowById.putIfAbsent(row.id(), row.rowNumber());
                if (first != null && first < ranges.get(partition).from()) {
                    earlier.get(partition).putIfAbsent(row.id(), first);
                }
            }
        } finally {
            reader.close();
        }
        int i = 0;
        for (ExecutionContext context : contexts.values()) {
            if (!earlier.get(i).isEmpty()) {
                context.put(PartitionRows.EARLIER_IDS_KEY, new HashMap<>(earlier.get(i)));
            }
            i++;
        }
        return contexts;
    }

    /**
     * The job's first decision: run the batch as partitions, or as one pipeline as it always did. A batch whose
     * job instance ran the {@link PipelineSteps#PARTITIONS} step before is partitioned again, into as many
     * partitions as then; one that ran the {@link PipelineSteps#SUBMIT} step is not; a new one is when the job
     * parameter {@link ImageProductionJobConfiguration#PARTITIONS} is more than 1. The number is left in the job
     * execution's context under {@link #PARTITIONS_KEY}.
     *
     * @param jobRepository where the earlier executions of the job instance are read
     * @return the decider; its answers are {@link #PARTITIONED} and {@link #ONE_PIPELINE}
     */
    public static JobExecutionDecider decider(JobRepository jobRepository) {
        return (job, step) -> {
            StepExecution earlier = jobRepository.getLastStepExecution(job.getJobInstance(), PipelineSteps.PARTITIONS);
            Long asked = job.getJobParameters().getLong(ImageProductionJobConfiguration.PARTITIONS);
            int partitions;
            if (earlier != null) {
                partitions = (int) earlier.getExecutionContext().getLong(GRID_SIZE_KEY, asked == null ? 1 : asked);
            } else if (jobRepository.getLastStepExecution(job.getJobInstance(), PipelineSteps.SUBMIT) != null) {
                partitions = 1;
            } else {
                partitions = asked == null ? 1 : asked.intValue();
            }
            boolean partitioned = earlier != null || partitions > 1;
            job.getExecutionContext().putInt(PARTITIONS_KEY, Math.max(1, partitions));
            return new FlowExecutionStatus(partitioned ? PARTITIONED : ONE_PIPELINE);
        };
    }
}
