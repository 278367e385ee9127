package io.imagebatch.job;

import java.util.concurrent.atomic.AtomicReference;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.stereotype.Component;

/**
 * Remembers the job execution this process is running, so that a SIGTERM can ask it to stop
 * ({@link org.springframework.batch.core.launch.JobOperator#stop(JobExecution)}) and wait for it.
 */
@Component
public class RunningExecution implements JobExecutionListener {

    private final AtomicReference<JobExecution> current = new AtomicReference<>();

    @Override
    public void beforeJob(JobExecution jobExecution) {
        current.set(jobExecution);
    }

    @Override
    public void afterJob(JobExecution jobExecution) {
        current.compareAndSet(jobExecution, null);
    }

    /** @return the execution running in this process, or null */
    public JobExecution get() {
        return current.get();
    }
}
