package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.scope.context.StepSynchronizationManager;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.dao.OptimisticLockingFailureException;

/**
 * A request that loses Spring Batch 6.0's optimistic-locking race halfway (its {@code SimpleJobOperator.recover}, like
 * its {@code stop},
 * registers the running step's context, then fails updating the step, and never releases it) leaves nothing
 * behind: no current step on the caller's thread, no stale context that a later, equal step execution would be
 * handed. The operator below
 * does exactly what Spring Batch's does on that path; the real race cannot be timed in a test.
 */
class JobOperatorRequestsTest {

    private final JobExecution execution = new JobExecution(1L, new JobInstance(1L, "imageProductionJob"),
            new JobParameters());

    @AfterEach
    void cleanUp() {
        while (StepSynchronizationManager.getContext() != null) {
            StepSynchronizationManager.release();
        }
    }

    @Test
    void aRequestThatFailsHalfwayLeavesNoStepContextOnTheCallersThread() {
        JobOperator losesTheRace = (JobOperator) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {JobOperator.class}, (proxy, method, args) -> {
                    if (method.getName().equals("recover")) {
                        StepSynchronizationManager.register(new StepExecution(3L, "poll", execution));
                        throw new OptimisticLockingFailureException(
                                "Attempt to update step execution id=3 with wrong version (6), where current version is 6");
                    }
                    throw new UnsupportedOperationException(method.getName());
                });

        assertThatThrownBy(() -> JobOperatorRequests.recover(losesTheRace, execution))
                .isInstanceOf(OptimisticLockingFailureException.class);

        assertThat(StepSynchronizationManager.getContext()).isNull();
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
        // and no stale context in the JVM-wide map: an equal step execution of a later run gets a context of its own
        StepExecution later = new StepExecution(3L, "poll", new JobExecution(1L,
                new JobInstance(1L, "imageProductionJob"), new JobParameters()));
        assertThat(StepSynchronizationManager.register(later).getStepExecution()).isSameAs(later);
    }

    @Test
    void theSameOperatorCalledDirectlyLeavesTheContextBehindWhichIsWhyJobOperatorRequestsExists() {
        JobOperator losesTheRace = (JobOperator) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {JobOperator.class}, (proxy, method, args) -> {
                    StepSynchronizationManager.register(new StepExecution(3L, "poll", execution));
                    throw new OptimisticLockingFailureException("wrong version");
                });

        assertThatThrownBy(() -> losesTheRace.recover(execution)).isInstanceOf(OptimisticLockingFailureException.class);

        assertThat(StepSynchronizationManager.getContext()).isNotNull();
    }
}
