package io.imagebatch.job;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.ExitStatus;
import org.springframework.stereotype.Component;

/**
 * How the submit, poll and download steps have ended in each running job execution. They run at the same time
 * (a split), and each downstream step finishes only once the step upstream of it has ended and nothing is left
 * for it: poll waits for submit, download waits for poll.
 *
 * <p>On a restart the submit step, when it completed in an earlier execution of the same job instance, is
 * skipped; it counts as ended COMPLETED from the start. The poll and download steps run again on every start
 * (allowStartIfComplete, so that rows left in flight are finished), so they count as running until they end.
 */
@Component
public class PipelineState implements StepExecutionListener, JobExecutionListener {

    private final JobRepository jobRepository;
    private final Map<Long, Map<String, BatchStatus>> ended = new ConcurrentHashMap<>();

    /** @param jobRepository where earlier executions of a restarted job instance are looked up */
    public PipelineState(JobRepository jobRepository) {
        this.jobRepository = jobRepository;
    }

    @Override
    public void beforeJob(JobExecution jobExecution) {
        Map<String, BatchStatus> steps = ended.computeIfAbsent(jobExecution.getId(), id -> new ConcurrentHashMap<>());
        // only the submit step is skipped once completed: poll and download run again, and must not count as
        // ended before they have (a downstream step would finish while its upstream step still finds work)
        for (String step : new String[] {ImageProductionJobConfiguration.SUBMIT_STEP}) {
            StepExecution earlier = jobRepository.getLastStepExecution(jobExecution.getJobInstance(), step);
            if (earlier != null && earlier.getStatus() == BatchStatus.COMPLETED) {
                steps.put(step, BatchStatus.COMPLETED);
            }
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
        return null;
    }

    /**
     * @param jobExecutionId the running job execution
     * @param step           a step name
     * @return how the step ended in this execution, or null while it runs
     */
    public BatchStatus endOf(long jobExecutionId, String step) {
        Map<String, BatchStatus> steps = ended.get(jobExecutionId);
        return steps == null ? null : steps.get(step);
    }

    /**
     * Decides whether a downstream step with nothing left to do may finish.
     *
     * @param jobExecutionId the running job execution
     * @param upstream       the step it waits for
     * @return true when the upstream step completed: the downstream step is done
     * @throws UpstreamStepEndedException when the upstream step ended without completing: the downstream step
     *                                    must end too, not complete, so that a restart runs it again
     */
    public boolean upstreamCompleted(long jobExecutionId, String upstream) {
        BatchStatus status = endOf(jobExecutionId, upstream);
        if (status == null) {
            return false;
        }
        if (status == BatchStatus.COMPLETED) {
            return true;
        }
        if (status == BatchStatus.STOPPED) {
            return false; // the step stops itself gracefully: see upstreamStopped
        }
        throw new UpstreamStepEndedException("the " + upstream + " step ended " + status
                + "; this step ends too, and resumes with the batch");
    }

    /**
     * Ends a downstream step at once when its upstream step ended without completing: the job fails (or stops)
     * anyway, and a restart runs both again, so waiting out the in-flight work would only delay the user.
     *
     * @param jobExecutionId the running job execution
     * @param upstream       the step it waits for
     * @throws UpstreamStepEndedException when the upstream step ended without completing
     */
    public void checkUpstream(long jobExecutionId, String upstream) {
        BatchStatus status = endOf(jobExecutionId, upstream);
        if (status != null && status != BatchStatus.COMPLETED && status != BatchStatus.STOPPED) {
            throw new UpstreamStepEndedException("the " + upstream + " step ended " + status
                    + "; this step ends too, and resumes with the batch");
        }
    }

    /**
     * Whether a downstream step should stop because its upstream step was stopped (a stop request or SIGTERM):
     * it then stops too, gracefully, as STOPPED, and resumes with the batch.
     *
     * @param jobExecutionId the running job execution
     * @param upstream       the step it waits for
     * @return true when the upstream step ended STOPPED
     */
    public boolean upstreamStopped(long jobExecutionId, String upstream) {
        return endOf(jobExecutionId, upstream) == BatchStatus.STOPPED;
    }

    /** An upstream step ended without completing (see {@link #upstreamCompleted}). */
    public static class UpstreamStepEndedException extends RuntimeException {

        /** @param message which step ended, and how */
        public UpstreamStepEndedException(String message) {
            super(message);
        }
    }
}
