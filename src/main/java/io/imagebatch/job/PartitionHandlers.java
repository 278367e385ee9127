package io.imagebatch.job;

import org.springframework.batch.core.partition.PartitionHandler;
import org.springframework.batch.core.step.Step;

/**
 * Where the partitions of a partitioned batch run: the one choice between one process and several machines
 * (README.md, "More than one machine"). Without cluster settings the partitions run as threads of this process;
 * with {@code imagebatch.cluster.broker-url} set they are sent to {@code worker} processes through the broker.
 */
public interface PartitionHandlers {

    /**
     * A handler for one execution of the {@link PipelineSteps#PARTITIONS} step.
     *
     * @param batchId    the batch being run (for log lines and the partitions' names)
     * @param partitions how many partitions the catalogue is split into, 1 or more
     * @param workerStep the {@link PipelineSteps#PARTITION} step each partition runs
     * @return a handler that returns once every partition's step execution has ended
     */
    PartitionHandler handlerFor(String batchId, int partitions, Step workerStep);
}
