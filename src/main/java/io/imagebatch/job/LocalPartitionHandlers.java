package io.imagebatch.job;

import org.springframework.batch.core.partition.PartitionHandler;
import org.springframework.batch.core.partition.support.TaskExecutorPartitionHandler;
import org.springframework.batch.core.step.Step;
import org.springframework.core.task.SimpleAsyncTaskExecutor;

/**
 * The partitions of a batch as threads of this process (README.md, "More than one machine"): Spring Batch's
 * {@link TaskExecutorPartitionHandler}, one thread per partition, all under the batch lock this process holds. The
 * {@link PartitionHandlers} used when no other is configured ({@link ImageProductionJobConfiguration}).
 */
public class LocalPartitionHandlers implements PartitionHandlers {

    /**
     * @param batchId    the batch, named in the partitions' thread names
     * @param partitions how many partitions, 1 or more; all run at once
     * @param workerStep the {@link PipelineSteps#PARTITION} step
     * @return a handler that returns once every partition's step execution has ended
     * @throws IllegalArgumentException when {@code partitions} is less than 1
     */
    @Override
    public PartitionHandler handlerFor(String batchId, int partitions, Step workerStep) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions: " + partitions + " is not 1 or more");
        }
        TaskExecutorPartitionHandler handler = new TaskExecutorPartitionHandler();
        handler.setStep(workerStep);
        handler.setGridSize(partitions);
        SimpleAsyncTaskExecutor threads = new SimpleAsyncTaskExecutor("imagebatch-partition-");
        threads.setConcurrencyLimit(partitions);
        handler.setTaskExecutor(threads);
        return handler;
    }
}
