package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.scope.context.JobContext;
import org.springframework.batch.core.scope.context.JobSynchronizationManager;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.test.MetaDataInstanceFactory;

/**
 * The job scope (the running batch's {@code BatchSettings} bean) on the threads of the split's steps, where
 * Spring Batch registers none: registered for the step, released after it, and a thread that has a job context
 * of its own (the job's thread) is left alone.
 */
class JobScopeOnStepThreadsTest {

    private final JobScopeOnStepThreads listener = new JobScopeOnStepThreads();
    private final JobExecution job = MetaDataInstanceFactory.createJobExecution(21L);
    private final ExecutorService stepThread = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() {
        stepThread.shutdownNow();
    }

    @Test
    void aSplitStepsThreadHasItsJobsScopeWhileTheStepRunsAndNoneAfter() throws Exception {
        StepExecution step = new StepExecution(4L, PipelineSteps.DOWNLOAD, job);
        CompletableFuture<Object[]> seen = CompletableFuture.supplyAsync(() -> {
            JobContext before = JobSynchronizationManager.getContext();
            listener.beforeStep(step);
            JobContext during = JobSynchronizationManager.getContext();
            listener.afterStep(step);
            return new Object[] {before, during == null ? null : during.getJobExecution(),
                    JobSynchronizationManager.getContext()};
        }, stepThread);

        Object[] contexts = seen.get(60, TimeUnit.SECONDS);
        assertThat(contexts[0]).as("none before the step").isNull();
        assertThat(contexts[1]).as("the step's job execution while it runs").isSameAs(job);
        assertThat(contexts[2]).as("none after the step").isNull();
    }

    @Test
    void aThreadWithAJobContextOfItsOwnKeepsIt() {
        JobContext own = JobSynchronizationManager.register(job);
        try {
            StepExecution step = new StepExecution(5L, PipelineSteps.REPORT, job);
            listener.beforeStep(step);
            listener.afterStep(step);
            assertThat(JobSynchronizationManager.getContext()).as("the job thread's own context").isSameAs(own);
        } finally {
            JobSynchronizationManager.release();
        }
        assertThat(JobSynchronizationManager.getContext()).isNull();
    }
}
