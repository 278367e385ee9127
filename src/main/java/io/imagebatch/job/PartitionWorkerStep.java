package io.imagebatch.job;

import org.springframework.batch.core.job.JobInterruptedException;
import org.springframework.batch.core.job.builder.FlowBuilder;
import org.springframework.batch.core.job.flow.Flow;
import org.springframework.batch.core.job.flow.support.SimpleFlow;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.core.task.SimpleAsyncTaskExecutor;

/**
 * The {@link PipelineSteps#PARTITION} step of a partitioned batch: submit, poll and download of one partition's
 * rows ({@link PartitionRows}), at the same time (a split), as the batch's own three steps run without partitions
 * (README.md, "More than one machine").
 *
 * <p>Each partition's inner steps have names of their own in the job repository, {@code submit@partition0},
 * {@code poll@partition0}, {@code download@partition0} ({@link #innerStepName}): with the plain names every
 * partition's submit step would be the same step of the job instance, and a restart, or {@link PipelineState},
 * would mix the partitions up. The submit step restarts from its own checkpoint, in its own execution context.
 *
 * <p>It runs from a {@link StepExecution} alone (its execution context holds the range; the job parameters name
 * the batch; the rest is in the job repository and the ledger), so that a partition can run in another process.
 * It is started again when the batch is run again after it completed, as the batch's poll and download steps are
 * ({@link ImageProductionJobConfiguration}): a partition's submit step that completed is then skipped, its poll and
 * download steps finish what is left in flight.
 */
public class PartitionWorkerStep implements Step {

    /** Builds the inner steps of a partition, by name; the names are {@link #innerStepName}s. */
    public interface InnerSteps {

        /**
         * @param name the step's name, e.g. {@code submit@partition0}
         * @return the partition's submit step: its reader, processor and writer are step-scoped and read the
         *         partition's rows from the step's execution context
         */
        Step submit(String name);

        /**
         * @param name the step's name, e.g. {@code poll@partition0}
         * @return the partition's poll step
         */
        Step poll(String name);

        /**
         * @param name the step's name, e.g. {@code download@partition0}
         * @return the partition's download step
         */
        Step download(String name);
    }

    private final JobRepository jobRepository;
    private final InnerSteps steps;
    private final PipelineState pipelineState;
    private final JobScopeOnStepThreads jobScope;

    /**
     * @param jobRepository where the partition's inner step executions are kept
     * @param steps         builds the inner steps
     * @param pipelineState how the inner steps have ended, for their downstream steps
     * @param jobScope      makes the batch's settings available on the partition's threads
     */
    public PartitionWorkerStep(JobRepository jobRepository, InnerSteps steps, PipelineState pipelineState,
            JobScopeOnStepThreads jobScope) {
        this.jobRepository = jobRepository;
        this.steps = steps;
        this.pipelineState = pipelineState;
        this.jobScope = jobScope;
    }

    /**
     * The name of one of a partition's inner steps.
     *
     * @param step              {@link PipelineSteps#SUBMIT}, {@link PipelineSteps#POLL} or {@link PipelineSteps#DOWNLOAD}
     * @param partitionStepName the partition's step name as Spring Batch's splitter makes it,
     *                          {@code partition:partition0}, or the partition's name {@code partition0}
     * @return e.g. {@code submit@partition0}
     */
    public static String innerStepName(String step, String partitionStepName) {
        return step + "@" + partitionStepName.substring(partitionStepName.lastIndexOf(':') + 1);
    }

    /**
     * @param innerStepName a step name, e.g. {@code poll@partition0} or {@code poll}
     * @return its partition suffix, e.g. {@code @partition0}; empty for a step of a batch without partitions
     */
    public static String partitionSuffix(String innerStepName) {
        int at = innerStepName.indexOf('@');
        return at < 0 ? "" : innerStepName.substring(at);
    }

    @Override
    public String getName() {
        return PipelineSteps.PARTITION;
    }

    /** @return true: a partition runs again when its batch is run again, see the class comment */
    @Override
    public boolean isAllowStartIfComplete() {
        return true;
    }

    /**
     * Runs the partition's submit, poll and download steps to their end, as one flow in this step execution.
     *
     * @param stepExecution the partition's step execution; its context holds its {@link PartitionRows}
     * @throws JobInterruptedException when the job is stopped
     * @throws IllegalStateException   when the context holds no range of rows
     */
    @Override
    public void execute(StepExecution stepExecution) throws JobInterruptedException {
        PartitionRows.of(stepExecution.getExecutionContext()).orElseThrow(() -> new IllegalStateException(
                "step " + stepExecution.getStepName() + " holds no range of rows: it is not a partition"));
        String name = stepExecution.getStepName();
        String submit = innerStepName(PipelineSteps.SUBMIT, name);
        pipelineState.partitionStarting(stepExecution.getJobExecution(), submit);
        Flow pipeline = new FlowBuilder<SimpleFlow>("pipeline" + partitionSuffix(submit))
                .split(new SimpleAsyncTaskExecutor("imagebatch-" + name.substring(name.lastIndexOf(':') + 1) + "-"))
                .add(flow(steps.submit(submit)), flow(steps.poll(innerStepName(PipelineSteps.POLL, name))),
                        flow(steps.download(innerStepName(PipelineSteps.DOWNLOAD, name))))
                .build();
        new StepBuilder(name, jobRepository).flow(pipeline).listener(jobScope).build().execute(stepExecution);
    }

    private static Flow flow(Step step) {
        return new FlowBuilder<SimpleFlow>(step.getName() + "Flow").start(step).build();
    }
}
