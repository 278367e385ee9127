package io.imagebatch.job;

import java.util.concurrent.atomic.AtomicReference;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.launch.JobExecutionNotRunningException;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.scope.context.StepSynchronizationManager;

/**
 * Stop and recover requests to a job execution, each made from a short-lived thread of its own, never from the
 * caller's.
 *
 * <p>Why: Spring Batch 6.0's {@code SimpleJobOperator.stop} registers each running step's context
 * ({@code StepSynchronizationManager.register}: a thread-local stack, and a JVM-wide map of contexts counted by
 * step execution) and releases it only when the step's update succeeds. A stop that loses the optimistic-locking
 * race against a step committing a chunk ("Attempt to update step execution ... with wrong version") leaves both
 * behind: the calling thread keeps a stale current step, and the map a stale context that a later step execution
 * equal to it (same ids, as in another database of the same process) is handed, with that stale execution in
 * it. Here the request runs on a thread of its own, which releases whatever the request left registered on it.
 */
public final class JobOperatorRequests {

    private JobOperatorRequests() {
    }

    /**
     * Requests the stop of a running job execution and waits for the request (not for the job to stop: it stops
     * after its current chunk or poll pass). The request is what Spring Batch's steps look for: the execution's
     * status STOPPING, written to the job repository from a freshly read copy of the execution. Each step reads it
     * back at its next commit ({@code JobRepository.update(StepExecution)} synchronizes the job's status and marks
     * the step terminate-only) and ends STOPPED. Unlike {@link JobOperator#stop(JobExecution)} of Spring Batch 6.0,
     * this never updates a step execution from a second thread, so it cannot race a step's own commit (a race that
     * left the step UNKNOWN, which Spring Batch then refuses to restart).
     *
     * @param repository the job repository of the execution's context
     * @param execution  a job execution (its id is what counts)
     * @throws JobExecutionNotRunningException when the execution is not running
     * @throws InterruptedException            when the caller is interrupted while the request is made
     * @throws RuntimeException                a database error, or Spring's {@code OptimisticLockingFailureException}
     *                                         when the job execution itself changed meanwhile (ask again)
     */
    public static void stop(JobRepository repository, JobExecution execution)
            throws JobExecutionNotRunningException, InterruptedException {
        isolated("imagebatch-stop-request", () -> {
            JobExecution current = repository.getJobExecution(execution.getId());
            if (current == null || !current.isRunning()) {
                throw new JobExecutionNotRunningException("job execution " + execution.getId() + " is not running"
                        + (current == null ? "" : " (" + current.getStatus() + ")"));
            }
            if (current.getStatus() != BatchStatus.STOPPING) {
                current.setStatus(BatchStatus.STOPPING);
                repository.update(current);
            }
        });
    }

    /**
     * Marks an abandoned execution (its process died, or lost the batch's lock) and its running steps FAILED, so
     * that the job instance can be started again; made on a thread of its own, as {@link #stop}.
     *
     * @param operator  the job operator of the execution's context
     * @param execution the abandoned execution, as read from the job repository
     * @throws InterruptedException when the caller is interrupted while the request is made
     * @throws RuntimeException     whatever {@link JobOperator#recover(JobExecution)} threw, for example Spring's
     *                              {@code OptimisticLockingFailureException} when the process that lost the lock
     *                              still updated one of its steps (read the execution again and retry)
     */
    public static void recover(JobOperator operator, JobExecution execution) throws InterruptedException {
        try {
            isolated("imagebatch-recover-request", () -> operator.recover(execution));
        } catch (JobExecutionNotRunningException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** A call that may throw anything. */
    private interface Request {
        void run() throws Exception;
    }

    private static void isolated(String threadName, Request call)
            throws JobExecutionNotRunningException, InterruptedException {
        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread request = new Thread(() -> {
            try {
                call.run();
            } catch (Exception e) {
                failure.set(e);
            } finally {
                // what stop registered on this (fresh) thread and did not release: a step running elsewhere keeps
                // its own registration, the count only goes back down to it
                while (StepSynchronizationManager.getContext() != null) {
                    StepSynchronizationManager.release();
                }
            }
        }, threadName);
        request.setDaemon(true);
        request.start();
        request.join();
        Exception e = failure.get();
        if (e instanceof JobExecutionNotRunningException notRunning) {
            throw notRunning;
        }
        if (e instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (e != null) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
