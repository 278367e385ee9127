package io.imagebatch.cluster;

import io.imagebatch.job.ImageProductionJobConfiguration;
import io.imagebatch.ledger.BatchRegistry;
import io.imagebatch.lock.BatchLocks;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.StepLocator;
import org.springframework.batch.integration.partition.StepExecutionRequest;
import org.springframework.batch.integration.partition.StepExecutionRequestHandler;

/**
 * The worker side of remote partitioning (README.md, "More than one machine"): runs the partition of one
 * {@link StepExecutionRequest} taken from the broker, with Spring Batch's {@link StepExecutionRequestHandler}
 * (the step found by a {@link StepLocator}, its step execution read from the shared job repository), under the
 * partition's lock and fence.
 *
 * <p>The partition's lock ({@link #lockKey}) is taken first, waiting as long as another process holds it (a worker
 * that died holds it for {@code imagebatch.lock.ttl} at most; a stale worker still running its partition gives it
 * up at its next chunk, its step execution having been ended by the manager); then its fence
 * ({@link BatchRegistry#takePartitionFence}): from then on this process's ledger writes for the batch are refused
 * once another worker took the partition, and at once when the lock is lost. A request whose step execution has
 * ended already (the manager sent the partition again, or the batch was stopped) is acknowledged and skipped.
 */
public class PartitionWorker {

    private static final Logger log = LoggerFactory.getLogger(PartitionWorker.class);

    private final JobRepository jobRepository;
    private final BatchLocks locks;
    private final BatchRegistry registry;
    private final StepExecutionRequestHandler handler;
    private final String holder;
    private volatile boolean stopping;
    /** The partitions this process runs now, by step execution id. */
    private final java.util.Map<Long, StepExecution> running = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param jobRepository the job repository every process shares
     * @param stepLocator   finds the worker step by the request's step name
     * @param locks         the locks every process shares
     * @param registry      the batch registry whose partition fences guard this process's ledger writes
     * @param holder        who this process is, for the fence, e.g. {@code pid 1234 on host}; never a secret
     */
    public PartitionWorker(JobRepository jobRepository, StepLocator stepLocator, BatchLocks locks,
            BatchRegistry registry, String holder) {
        this.jobRepository = jobRepository;
        this.locks = locks;
        this.registry = registry;
        this.holder = holder;
        this.handler = new StepExecutionRequestHandler();
        this.handler.setJobRepository(jobRepository);
        this.handler.setStepLocator(stepLocator);
    }

    /**
     * @param batchId   the batch
     * @param partition the partition's name, e.g. {@code partition3}
     * @return the key of the partition's lock: the batch's lock key ({@link BatchLocks#batchKey}) and
     *         {@code #partition}
     */
    public static String lockKey(String batchId, String partition) {
        return BatchLocks.batchKey(batchId) + "#" + partition;
    }

    /**
     * Runs the partition of the request; returns when its step execution has ended.
     *
     * @param request the request from the manager
     * @return the partition's step execution as it ended, or null when the request names none
     * @throws IllegalStateException when this worker is stopping before it got the partition's lock (the message
     *                               is then left to another worker: the session rolls back)
     * @throws org.springframework.dao.DataAccessException when the database cannot be reached (redelivered)
     */
    public StepExecution handle(StepExecutionRequest request) {
        StepExecution stepExecution = jobRepository.getStepExecution(request.getStepExecutionId());
        if (stepExecution == null || !stepExecution.getStatus().isRunning()
                || !stepExecution.getJobExecution().isRunning()) {
            // ended, or its job execution ended (a manager that died and was run again: its request, kept by the
            // broker, is stale; the new run sent the partition again)
            log.info("Partition request {}: its step execution {}; skipped", request,
                    stepExecution == null ? "is not in the job repository" : "or its job execution ended already");
            return stepExecution;
        }
        String batchId = stepExecution.getJobExecution().getJobParameters()
                .getString(ImageProductionJobConfiguration.BATCH_ID);
        String partition = ClusterPartitionHandler.partitionName(stepExecution.getStepName());
        String key = lockKey(batchId, partition);
        Optional<BatchLocks.Held> lock = Optional.empty();
        while (lock.isEmpty()) {
            if (stopping) {
                throw new IllegalStateException("worker stopping: " + partition + " of batch " + batchId
                        + " left to another worker");
            }
            lock = locks.tryLock(key, locks.ttl());
            if (lock.isEmpty()) {
                StepExecution now = jobRepository.getStepExecution(request.getStepExecutionId());
                if (now == null || !now.getStatus().isRunning()) {
                    log.info("Batch {}: {} ended while waiting for its lock; skipped", batchId, partition);
                    return now;
                }
                log.info("Batch {}: {} is still held by another process; waiting for it", batchId, partition);
            }
        }
        try (BatchLocks.Held held = lock.get()) {
            StepExecution now = jobRepository.getStepExecution(request.getStepExecutionId());
            if (now == null || !now.getStatus().isRunning()) {
                log.info("Batch {}: {} ended while waiting for its lock; skipped", batchId, partition);
                return now;
            }
            registry.takePartitionFence(batchId, partition, holder);
            held.onLost(reason -> registry.revokePartitionFence(batchId, partition, reason));
            log.info("Batch {}: running {} (step execution {})", batchId, partition, request.getStepExecutionId());
            running.put(now.getId(), now);
            StepExecution ended;
            try {
                ended = handler.handle(request);
            } finally {
                running.remove(now.getId());
            }
            log.info("Batch {}: {} ended {}", batchId, partition, ended.getStatus());
            return ended;
        } finally {
            registry.releasePartitionFence(batchId, partition);
        }
    }

    /**
     * Takes no partition any more (one waiting for its lock is given back to the broker), and asks the partitions
     * running here to stop after their current chunk or pass: every running step execution of their job execution
     * in this process is marked terminate-only (Spring Batch's stop of a step). They end STOPPED while their batch
     * is not stopping, and the manager sends them again to another worker ({@link ClusterPartitionHandler}).
     *
     * @return how many partitions were running here
     */
    public int stop() {
        stopping = true;
        for (StepExecution partition : running.values()) {
            partition.setTerminateOnly();
            for (StepExecution inner : partition.getJobExecution().getStepExecutions()) {
                if (inner.getStatus().isRunning()) {
                    inner.setTerminateOnly();
                }
            }
        }
        return running.size();
    }
}
