package io.imagebatch.job;

import io.imagebatch.Signal;
import io.imagebatch.callback.TaskEndedByCallback;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.ExitStatus;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * How the submit, poll and download steps have ended in each running job execution. They run at the same time
 * (a split), and each downstream step finishes only once the step upstream of it has ended and nothing is left
 * for it: poll waits for submit, download waits for poll.
 *
 * <p>On a restart the submit step, when it completed in an earlier execution of the same job instance, is
 * skipped; it counts as ended COMPLETED from the start. The poll and download steps run again on every start
 * (allowStartIfComplete, so that rows left in flight are finished), so they count as running until they end.
 *
 * <p>It also wakes a downstream step's idle wait ({@link #awaitChange}) when a step recorded rows for it or
 * ended, so that the download step stores an image as soon as the poll step recorded it.
 */
@Component
public class PipelineState implements StepExecutionListener, JobExecutionListener {

    private final JobRepository jobRepository;
    private final Map<Long, Map<String, BatchStatus>> ended = new ConcurrentHashMap<>();
    private final Signal change = new Signal();

    /** @param jobRepository where earlier executions of a restarted job instance are looked up */
    public PipelineState(JobRepository jobRepository) {
        this.jobRepository = jobRepository;
    }

    @Override
    public void beforeJob(JobExecution jobExecution) {
        Map<String, BatchStatus> steps = ended.computeIfAbsent(jobExecution.getId(), id -> new ConcurrentHashMap<>());
        // only the submit step is skipped once completed: poll and download run again, and must not count as
        // ended before they have (a downstream step would finish while its upstream step still finds work)
        for (String step : new String[] {PipelineSteps.SUBMIT}) {
            StepExecution earlier = jobRepository.getLastStepExecution(jobExecution.getJobInstance(), step);
            if (earlier != null && earlier.getStatus() == BatchStatus.COMPLETED) {
                steps.put(step, BatchStatus.COMPLETED);
            }
        }
    }

    /**
     * The submit step of one partition ({@link PartitionWorkerStep}), when it completed in an earlier execution of
     * the same job instance, is skipped as the batch's submit step is ({@link #beforeJob}): it counts as ended
     * COMPLETED from the start, so that the partition's poll step does not wait for it.
     *
     * @param jobExecution the running job execution
     * @param submitStep   the partition's submit step name ({@link PartitionWorkerStep#innerStepName})
     */
    public void partitionStarting(JobExecution jobExecution, String submitStep) {
        Map<String, BatchStatus> steps = ended.computeIfAbsent(jobExecution.getId(), id -> new ConcurrentHashMap<>());
        StepExecution earlier = jobRepository.getLastStepExecution(jobExecution.getJobInstance(), submitStep);
        if (earlier != null && earlier.getStatus() == BatchStatus.COMPLETED) {
            steps.put(submitStep, BatchStatus.COMPLETED);
        }
    }

    @Override
    public void afterJob(JobExecution jobExecution) {
        ended.remove(jobExecution.getId());
    }

    /**
     * Records how the step ended. A step that ended because its batch's lock was lost
     * ({@link io.imagebatch.ledger.LockLostException}: the ledger refused its writes) ends STOPPED, not FAILED:
     * the batch is not broken, another process runs it, and a later run resumes it (README.md, Running nightly).
     */
    @Override
    public ExitStatus afterStep(StepExecution stepExecution) {
        if (stepExecution.getStatus() == BatchStatus.FAILED && stepExecution.getFailureExceptions().stream()
                .anyMatch(io.imagebatch.ledger.LockLostException::isCauseOf)) {
            stepExecution.setStatus(BatchStatus.STOPPED);
        }
        ended.computeIfAbsent(stepExecution.getJobExecutionId(), id -> new ConcurrentHashMap<>())
                .put(stepExecution.getStepName(), stepExecution.getStatus());
        changed(); // its downstream step decides at once
        return null;
    }

    /**
     * The one question a downstream step asks: has my upstream step ended in this job execution, and how?
     *
     * @param jobExecutionId the running job execution
     * @param step           a step name ({@link PipelineSteps})
     * @return how the step ended (COMPLETED; STOPPED when it was stopped on request or lost the batch's lock; or
     *         FAILED and the like), or empty while it runs
     */
    public Optional<BatchStatus> ended(long jobExecutionId, String step) {
        Map<String, BatchStatus> steps = ended.get(jobExecutionId);
        return Optional.ofNullable(steps == null ? null : steps.get(step));
    }

    /** Wakes the steps waiting in {@link #awaitChange}: a step recorded rows in the ledger, or one ended. */
    public void changed() {
        change.signal();
    }

    /**
     * An authenticated callback recorded a task's end in the ledger ({@link TaskEndedByCallback}): wakes the
     * download step, whose image is due now.
     *
     * @param ended the callback's outcome
     */
    @EventListener
    public void taskEndedByCallback(TaskEndedByCallback ended) {
        changed();
    }

    /**
     * Waits until a step records rows or ends ({@link #changed()}) or the time is up: the idle wait of a
     * downstream step that found nothing due for it.
     *
     * @param millis the longest wait, ms
     * @throws InterruptedException when the thread is interrupted
     */
    public void awaitChange(long millis) throws InterruptedException {
        change.await(millis);
    }

    /**
     * An upstream step ended without completing (FAILED): its downstream step ends too, without completing, so
     * that a restart runs it again ({@link LedgerPassTasklet}).
     */
    public static class UpstreamStepEndedException extends RuntimeException {

        /** @param message which step ended, and how */
        public UpstreamStepEndedException(String message) {
            super(message);
        }
    }
}
