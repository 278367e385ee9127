package io.imagebatch.job;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.scope.context.JobSynchronizationManager;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.stereotype.Component;

/**
 * Makes the job scope, and with it the running batch's {@link BatchSettings} bean, available to the steps that run
 * in the split (submit, poll, download: {@link ImageProductionJobConfiguration}). Spring Batch registers a job
 * execution's scope on the job's own thread only; a split runs each of its steps on a thread of its own, where a
 * job-scoped bean could not be resolved ("No context holder available for job scope"). This listener registers the
 * step's job execution on the step's thread before the step opens its reader or creates its tasklet, and releases
 * it when the step ends; a thread that already has a job context (the job's own) is left alone.
 */
@Component
public class JobScopeOnStepThreads implements StepExecutionListener {

    /** The step executions this listener registered a job context for, by id. */
    private final Set<Long> registered = ConcurrentHashMap.newKeySet();

    /** Registers the step's job execution on the step's thread, unless that thread has a job context. */
    @Override
    public void beforeStep(StepExecution stepExecution) {
        if (JobSynchronizationManager.getContext() == null) {
            JobSynchronizationManager.register(stepExecution.getJobExecution());
            registered.add(stepExecution.getId());
        }
    }

    /** Releases what {@link #beforeStep} registered; the job context closes once no thread holds it. */
    @Override
    public ExitStatus afterStep(StepExecution stepExecution) {
        if (registered.remove(stepExecution.getId())) {
            JobSynchronizationManager.release();
        }
        return null;
    }
}
