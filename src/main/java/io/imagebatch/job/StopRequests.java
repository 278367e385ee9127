package io.imagebatch.job;

import java.util.concurrent.atomic.AtomicReference;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.launch.JobExecutionNotRunningException;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.scope.context.StepSynchronizationManager;

/**
 * Asks a running job execution to stop ({@link JobOperator#stop(JobExecution)}) from a short-lived thread of its
 * own, never from the caller's.
 *
 * <p>Why: Spring Batch 6.0's {@code SimpleJobOperator.stop} registers each running step's context
 * ({@code StepSynchronizationManager.register}: a thread-local stack, and a JVM-wide map of contexts counted by
 * step execution) and releases it only when the step's update succeeds. A stop that loses the optimistic-locking
 * race against a step committing a chunk ("Attempt to update step execution ... with wrong version") leaves both
 * behind: the calling thread keeps a stale current step, and the map a stale context that a later step execution
 * equal to it (same ids, as in another database of the same process) is handed, with that stale execution in
 * it. Here the request runs on a thread of its own, which releases whatever the request left registered on it.
 */
public final class StopRequests {

    private StopRequests() {
    }

    /**
     * Requests the stop and waits for the request (not for the job to stop: it stops after its current chunk or
     * poll pass).
     *
     * @param operator  the job operator of the execution's context
     * @param execution a running job execution
     * @throws JobExecutionNotRunningException when the execution is not running
     * @throws InterruptedException            when the caller is interrupted while the request is made
     * @throws RuntimeException                whatever else {@link JobOperator#stop(JobExecution)} threw, for example
     *                                         Spring's {@code OptimisticLockingFailureException} when a step
     *                                         committed at the same moment (the request may be made again)
     */
    public static void stop(JobOperator operator, JobExecution execution)
            throws JobExecutionNotRunningException, InterruptedException {
        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread request = new Thread(() -> {
            try {
                operator.stop(execution);
            } catch (Exception e) {
                failure.set(e);
            } finally {
                // what stop registered on this (fresh) thread and did not release: a step running elsewhere keeps
                // its own registration, the count only goes back down to it
                while (StepSynchronizationManager.getContext() != null) {
                    StepSynchronizationManager.release();
                }
            }
        }, "imagebatch-stop-request");
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
