package io.imagebatch.cluster;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.partition.support.AbstractPartitionHandler;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.integration.partition.StepExecutionRequest;
import org.springframework.core.retry.RetryException;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.jms.JmsException;
import org.springframework.messaging.MessagingException;
import org.springframework.integration.core.MessagingTemplate;
import org.springframework.messaging.support.MessageBuilder;

/**
 * The manager side of remote partitioning (README.md, "More than one machine"): sends one
 * {@link StepExecutionRequest} per partition through the broker (a JMS queue, Spring Integration's JMS outbound
 * adapter behind {@code requests}) and waits by polling the job repository, as Spring Batch's
 * {@code MessageChannelPartitionHandler} does with {@code pollRepositoryForResults}, never by aggregating replies
 * (a reply sent while the manager is down would be lost; the repository is not).
 *
 * <p>Worker death: a partition whose step execution a worker started (STARTED) and that makes no progress for
 * {@link ClusterProperties#partitionTimeout()} (no step execution of the partition, its own or one of its inner
 * steps {@code NAME@partitionN}, changed its version or last-updated time, as read by this manager; time measured on
 * this manager's clock, so the workers' clocks do not matter) is marked FAILED in the job repository, with its
 * running inner step executions, and a new step execution of the same name, in the same job execution, with the
 * same {@link ExecutionContext} (its range and its checkpoint), is created and sent again: the next worker resumes
 * it from its checkpoints and the ledger. The stale worker's next repository update fails on the changed version
 * (Spring Batch's optimistic locking) and its ledger writes are refused by the partition fence
 * ({@code BatchRegistry#takePartitionFence}). A partition still waiting in the queue (STARTING) is never re-sent:
 * its message is persistent and is taken when a worker is there.
 *
 * <p>A broker that is down or restarting when a request is sent: the send is tried again (1 s, 2 s, ... then once
 * a minute, each failure logged) until the broker takes it; the workers' listeners reconnect on their own
 * ({@code ClusterConfiguration}), and requests already sent are kept in the broker's persistent journal.
 *
 * <p>A stop ({@code stop}, SIGTERM of the manager: the job execution STOPPING) is passed on by Spring Batch to the
 * workers' steps; partitions that no worker took yet are marked STOPPED here, so that the wait ends.
 */
public class ClusterPartitionHandler extends AbstractPartitionHandler {

    private static final Logger log = LoggerFactory.getLogger(ClusterPartitionHandler.class);

    private final JobRepository jobRepository;
    private final MessagingTemplate requests;
    private final String workerStepName;
    private final String batchId;
    private final Duration partitionTimeout;
    private final Duration pollInterval;
    private final Clock clock;

    /**
     * @param jobRepository  the job repository every process shares
     * @param requests       sends to the channel of the JMS outbound adapter (its default destination set)
     * @param workerStepName the name of the step the workers run ({@code io.imagebatch.job.PipelineSteps#PARTITION})
     * @param batchId        the batch, for log lines
     * @param partitions     how many partitions (the grid size)
     * @param properties     the partition timeout and the poll interval
     * @param clock          the clock the partition timeout is measured on
     */
    public ClusterPartitionHandler(JobRepository jobRepository, MessagingTemplate requests, String workerStepName,
            String batchId, int partitions, ClusterProperties properties, Clock clock) {
        this.jobRepository = jobRepository;
        this.requests = requests;
        this.workerStepName = workerStepName;
        this.batchId = batchId;
        this.partitionTimeout = properties.partitionTimeout();
        this.pollInterval = properties.pollInterval();
        this.clock = clock;
        setGridSize(partitions);
    }

    /**
     * Sends the partitions and waits until every one has ended (COMPLETED, FAILED, STOPPED or ABANDONED), sending
     * again those whose worker died.
     *
     * @param managerStepExecution    the manager step's execution
     * @param partitionStepExecutions the partitions' step executions, made by the splitter
     * @return the partitions' last step executions, one per partition name
     * @throws InterruptedException when the waiting thread is interrupted
     */
    @Override
    protected Set<StepExecution> doHandle(StepExecution managerStepExecution,
            Set<StepExecution> partitionStepExecutions) throws InterruptedException {
        Map<String, Watch> watches = new LinkedHashMap<>();
        for (StepExecution partition : partitionStepExecutions) {
            send(partition);
            watches.put(partition.getStepName(), new Watch(partition.getId(), clock.instant()));
        }
        log.info("Batch {}: {} partitions sent to the workers", batchId, watches.size());
        Set<StepExecution> ended = new HashSet<>();
        while (true) {
            JobExecution jobExecution = jobRepository.getJobExecution(managerStepExecution.getJobExecutionId());
            for (Watch watch : watches.values()) {
                if (watch.ended != null) {
                    continue;
                }
                StepExecution current = find(jobExecution, watch.stepExecutionId);
                if (current == null) {
                    continue;
                }
                if (current.getStatus() == BatchStatus.STOPPED && !jobExecution.isStopping()) {
                    // its worker was stopped (SIGTERM), not the batch: another worker carries on
                    sendAgain(jobExecution, current, watch, "its worker stopped: sent again");
                    continue;
                }
                if (!current.getStatus().isRunning()) {
                    watch.ended = current;
                    ended.add(current);
                    continue;
                }
                watch(jobExecution, current, watch);
            }
            if (ended.size() == watches.size()) {
                return ended;
            }
            Thread.sleep(pollInterval.toMillis());
        }
    }

    /** Looks at one running partition: progress, a stop to pass on, or a worker that died. */
    private void watch(JobExecution jobExecution, StepExecution current, Watch watch) throws InterruptedException {
        Instant now = clock.instant();
        if (current.getStatus() == BatchStatus.STARTING) {
            if (jobExecution.getStatus() == BatchStatus.STOPPING) {
                end(current, BatchStatus.STOPPED, ExitStatus.STOPPED.addExitDescription(
                        "stopped before a worker took it"));
            }
            watch.since = now; // waiting in the queue is not a lack of progress
            return;
        }
        String progress = progress(jobExecution, current);
        if (!progress.equals(watch.progress)) {
            watch.progress = progress;
            watch.since = now;
            return;
        }
        if (Duration.between(watch.since, now).compareTo(partitionTimeout) < 0) {
            return;
        }
        String partition = partitionName(current.getStepName());
        String why = "no progress for " + partitionTimeout.toSeconds() + " s (its worker died or hangs): sent again";
        for (StepExecution inner : jobExecution.getStepExecutions()) {
            if (inner.getStatus().isRunning() && inner.getStepName().endsWith("@" + partition)) {
                end(inner, BatchStatus.FAILED, ExitStatus.FAILED.addExitDescription(why));
            }
        }
        if (!end(current, BatchStatus.FAILED, ExitStatus.FAILED.addExitDescription(why))) {
            watch.since = now; // its worker updated it just now: it lives
            return;
        }
        sendAgain(jobExecution, current, watch, "made " + why);
    }

    /**
     * Sends an ended partition again: a new step execution of the same name in the same job execution, with the
     * same execution context (its range and checkpoint).
     */
    private void sendAgain(JobExecution jobExecution, StepExecution ended, Watch watch, String why)
            throws InterruptedException {
        StepExecution again = jobRepository.createStepExecution(ended.getStepName(), jobExecution);
        again.setExecutionContext(new ExecutionContext(ended.getExecutionContext()));
        jobRepository.updateExecutionContext(again);
        log.warn("Batch {}: {} {}", batchId, partitionName(ended.getStepName()), why);
        send(again);
        watch.stepExecutionId = again.getId();
        watch.progress = null;
        watch.since = clock.instant();
    }

    /**
     * @return whether the step execution was ended with this status; false when its worker updated it since it
     *         was read (Spring Batch's optimistic locking: the partition is alive)
     */
    private boolean end(StepExecution stepExecution, BatchStatus status, ExitStatus exitStatus) {
        stepExecution.setStatus(status);
        stepExecution.setExitStatus(exitStatus);
        stepExecution.setEndTime(LocalDateTime.now(clock));
        try {
            jobRepository.update(stepExecution);
            return true;
        } catch (OptimisticLockingFailureException alive) {
            return false;
        }
    }

    /**
     * @return what changes while the partition makes progress: the versions and last-updated times of its step
     *         execution and of its inner steps' ({@code NAME@partitionN})
     */
    private static String progress(JobExecution jobExecution, StepExecution partition) {
        String suffix = "@" + partitionName(partition.getStepName());
        StringBuilder progress = new StringBuilder();
        for (StepExecution s : jobExecution.getStepExecutions()) {
            if (s.getId() == partition.getId() || s.getStepName().endsWith(suffix)) {
                progress.append(s.getId()).append(':').append(s.getVersion()).append(':')
                        .append(s.getLastUpdated()).append(';');
            }
        }
        return progress.toString();
    }

    /** @return {@code partition3} of the splitter's step name {@code partition:partition3} */
    static String partitionName(String stepName) {
        int colon = stepName.lastIndexOf(':');
        return colon < 0 ? stepName : stepName.substring(colon + 1);
    }

    private static StepExecution find(JobExecution jobExecution, long stepExecutionId) {
        for (StepExecution s : jobExecution.getStepExecutions()) {
            if (s.getId() == stepExecutionId) {
                return s;
            }
        }
        return null;
    }

    /**
     * Sends a partition's request; while the broker cannot take it (down, restarting: Spring's
     * {@code MessagingException} or {@code JmsException}), tries again after 1 s, 2 s, 4 s ... then once a minute,
     * logging each failure, until it is sent: a partition is never dropped and a broker restart does not fail the
     * batch (README.md, "More than one machine").
     */
    private void send(StepExecution partition) throws InterruptedException {
        String partitionName = partitionName(partition.getStepName());
        RetryTemplate retry = new RetryTemplate(RetryPolicy.builder().maxRetries(Long.MAX_VALUE)
                .delay(Duration.ofSeconds(1)).multiplier(2).maxDelay(Duration.ofMinutes(1))
                .includes(MessagingException.class, JmsException.class).build());
        try {
            retry.execute(() -> {
                try {
                    requests.send(MessageBuilder.withPayload(
                            new StepExecutionRequest(workerStepName, partition.getId())).build());
                } catch (MessagingException | JmsException refused) {
                    log.warn("Batch {}: {} could not be sent to the broker ({}); trying again", batchId,
                            partitionName, refused.getMessage());
                    throw refused;
                }
                return null;
            });
        } catch (RetryException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("interrupted while sending " + partitionName + " of batch " + batchId);
            }
            throw new IllegalStateException("batch " + batchId + ": " + partitionName + " could not be sent to the"
                    + " broker: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** What the manager knows of one partition. */
    private static final class Watch {
        long stepExecutionId;
        Instant since;
        String progress;
        StepExecution ended;

        Watch(long stepExecutionId, Instant since) {
            this.stepExecutionId = stepExecutionId;
            this.since = since;
        }
    }
}
