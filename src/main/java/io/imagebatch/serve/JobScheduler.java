package io.imagebatch.serve;

import io.imagebatch.app.BatchRunner;
import io.imagebatch.app.BatchSettingsResolver;
import io.imagebatch.app.ExitCodes;
import io.imagebatch.app.JobFile;
import java.util.ArrayList;
import io.imagebatch.provider.liangxin.LiangXinAdapter;
import io.imagebatch.provider.ProviderRegistry;
import io.imagebatch.app.FallbackCheck;
import io.imagebatch.app.RunOptions;
import io.imagebatch.app.UsageException;
import io.imagebatch.catalogue.CatalogueException;
import io.imagebatch.catalogue.CatalogueInspector;
import io.imagebatch.job.BatchSettings;
import io.imagebatch.job.BatchSettingsStore;
import io.imagebatch.job.ImageProductionJobConfiguration;
import io.imagebatch.lock.BatchLocks;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.AbstractJob;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.AbstractStep;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.annotation.Profile;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.scheduling.support.CronTrigger;
import org.springframework.stereotype.Component;

/**
 * The heart of {@code serve}: runs each scheduled job file when its {@code schedule} falls due, with Spring's
 * {@link ThreadPoolTaskScheduler} and a {@link CronTrigger} per job.
 *
 * <p>One run of a job: take the job's lock ({@link BatchLocks#jobKey}; when another process holds it, the run is
 * skipped with a log line), read the job file again (its settings may have changed; the schedule is the one read
 * at start), turn it into {@link BatchSettings} exactly as {@code run} does
 * ({@link BatchSettingsResolver#resolve(RunOptions, JobFile)}), and run the batch with {@link BatchRunner#run}, which
 * takes the batch's own lock, resumes a failed or stopped batch, and skips a completed one. When the catalogue
 * changed (a new batch) and the job's previous batch ({@link JobLastBatches}) did not complete, the previous one
 * is resumed first; the new one starts only once it has completed (or when it cannot be resumed because its
 * catalogue is gone or changed, which is logged).
 *
 * <p>Runs of different jobs may overlap ({@link ServeProperties#poolSize()} threads); runs of one job never do:
 * the trigger computes a job's next run only after its current one ended, and the job's lock keeps other
 * processes out. {@link #shutdown} (SIGTERM) stops the running batches after their current chunk or poll pass
 * ({@link JobOperator#stop}), so they end STOPPED and resumable, and waits for them.
 *
 * <p>While a batch runs, its id is in the logging MDC under {@value #MDC_BATCH} on the threads that run it and
 * its steps, and the job's name under {@value #MDC_JOB}.
 */
@Component
@Profile(ServeProperties.PROFILE)
public class JobScheduler implements DisposableBean {

    /** MDC key of the batch id, on the threads running a batch. */
    public static final String MDC_BATCH = "batch";
    /** MDC key of the job name, on the thread running a job. */
    public static final String MDC_JOB = "job";

    private static final Logger log = LoggerFactory.getLogger(JobScheduler.class);
    /**
     * Longest wait between two passes of {@link #shutdown} over the running executions, ms: a stop request that
     * failed (a step committed at that moment) is asked again after it.
     */
    private static final long STOP_RETRY_MILLIS = 50;

    private final ServeJobs jobs;
    private final BatchRunner runner;
    private final BatchLocks locks;
    private final JobLastBatches lastBatches;
    private final BatchSettingsStore batches;
    private final JobOperator jobOperator;
    private final ServeProperties properties;
    private final ThreadPoolTaskScheduler taskScheduler = new ThreadPoolTaskScheduler();
    /** The executions running in this context (not those of other processes on the same database). */
    private final Set<JobExecution> running = ConcurrentHashMap.newKeySet();
    private final AtomicInteger jobsInFlight = new AtomicInteger();
    private final List<ScheduledFuture<?>> schedules = new CopyOnWriteArrayList<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicBoolean shuttingDown = new AtomicBoolean();
    private volatile boolean runningAtStop;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Map<String, Integer> lastExitCodes = new ConcurrentHashMap<>();
    private volatile int exitCode = ExitCodes.COMPLETED;
    /** Notified when a run ends or an execution starts, so that {@link #shutdown} wakes for it at once. */
    private final Object runsChanged = new Object();

    /** The providers, to check job files' {@code fallback:} lists at start ({@link FallbackCheck}). */
    private ProviderRegistry providers;

    /** @param providers the adapters and their settings; set by Spring */
    @org.springframework.beans.factory.annotation.Autowired(required = false)
    void checkFallbacksWith(ProviderRegistry providers) {
        this.providers = providers;
    }

    /**
     * @param jobs               the job files read at start
     * @param runner             runs one batch, as {@code run} does
     * @param locks              the job locks
     * @param lastBatches        each job's last batch
     * @param batches            batch settings by id, for resuming a previous batch
     * @param jobOperator        stops running executions on shutdown
     * @param imageProductionJob the job, whose executions in this context are tracked
     * @param steps              the job's steps, whose threads get the batch id in the MDC
     * @param properties         pool size and stop timeout
     */
    public JobScheduler(ServeJobs jobs, BatchRunner runner, BatchLocks locks, JobLastBatches lastBatches,
            BatchSettingsStore batches, JobOperator jobOperator, Job imageProductionJob, List<Step> steps,
            ServeProperties properties) {
        this.jobs = jobs;
        this.runner = runner;
        this.locks = locks;
        this.lastBatches = lastBatches;
        this.batches = batches;
        this.jobOperator = jobOperator;
        this.properties = properties;
        // the job and steps are this context's own beans: listening to them sees exactly this process's executions
        if (imageProductionJob instanceof AbstractJob job) {
            job.registerJobExecutionListener(new JobExecutionListener() {
                @Override
                public void beforeJob(JobExecution execution) {
                    running.add(execution);
                    runsChanged();
                }

                @Override
                public void afterJob(JobExecution execution) {
                    running.remove(execution);
                }
            });
        }
        for (Step step : steps) {
            if (step instanceof AbstractStep s) {
                s.registerStepExecutionListener(new StepExecutionListener() {
                    @Override
                    public void beforeStep(StepExecution execution) {
                        MDC.put(MDC_BATCH, execution.getJobParameters()
                                .getString(ImageProductionJobConfiguration.BATCH_ID));
                    }

                    @Override
                    public ExitStatus afterStep(StepExecution execution) {
                        MDC.remove(MDC_BATCH);
                        return null;
                    }
                });
            }
        }
        taskScheduler.setPoolSize(properties.poolSize());
        taskScheduler.setThreadNamePrefix("imagebatch-serve-");
        taskScheduler.setWaitForTasksToCompleteOnShutdown(false);
        taskScheduler.setErrorHandler(e -> log.error("A scheduled job failed unexpectedly: {}", e.toString(), e));
    }

    /**
     * Schedules every job, and prints the schedule and the job files that were not scheduled.
     *
     * @param out where the schedule goes
     * @throws IllegalStateException when called twice
     */
    public void start(PrintStream out) {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("already started");
        }
        taskScheduler.initialize();
        List<String> refused = new ArrayList<>();
        List<JobFile> schedulable = new ArrayList<>();
        for (JobFile job : jobs.scheduled()) {
            try {
                // a fallback that cannot take rows is refused before anything is sent (README, "Bad input")
                if (providers != null) {
                    FallbackCheck.check(job, job.provider() == null ? LiangXinAdapter.NAME
                            : job.provider().trim().toLowerCase(java.util.Locale.ROOT), job.model(), providers);
                }
                schedulable.add(job);
            } catch (UsageException e) {
                refused.add(e.getMessage());
            }
        }
        out.printf("Serving %d job(s) from %s%n", schedulable.size(),
                jobs.directory().toAbsolutePath().normalize());
        for (JobFile job : schedulable) {
            JobFile.Schedule schedule = job.schedule();
            ZonedDateTime next = schedule.expression().next(ZonedDateTime.now(schedule.zone()));
            out.printf("  %-24s %s, next run %s  (%s)%n", job.jobName(), schedule,
                    next == null ? "never" : next.toOffsetDateTime(), job.path().getFileName());
            schedules.add(taskScheduler.schedule(() -> runJob(job.jobName(), job.path()),
                    new CronTrigger(schedule.cron(), schedule.zone())));
        }
        jobs.unscheduled().forEach(path -> out.printf("  (%s has no schedule: not run by serve)%n",
                path.getFileName()));
        jobs.problems().forEach(problem -> out.println("  NOT SCHEDULED: " + problem));
        refused.forEach(problem -> out.println("  NOT SCHEDULED: " + problem));
        if (schedulable.isEmpty()) {
            out.println("No job is scheduled: add \"schedule:\" to a job file and start serve again.");
        }
    }

    /**
     * One run of a job, on a scheduler thread; also callable directly. Never throws: what went wrong is logged,
     * and the next run tries again.
     *
     * @param jobName the job's name
     * @param path    its job file, read again now
     * @return the exit code of the run: 0 completed (now or earlier), 1 failed, stopped or skipped (its lock is
     *         held elsewhere, or its previous batch did not complete), 2 a configuration error (the job file or
     *         its catalogue)
     */
    public int runJob(String jobName, Path path) {
        if (stopping.get()) {
            return ExitCodes.FAILED;
        }
        jobsInFlight.incrementAndGet();
        MDC.put(MDC_JOB, jobName);
        try {
            Optional<BatchLocks.Held> lock = locks.tryLock(BatchLocks.jobKey(jobName));
            if (lock.isEmpty()) {
                log.info("Job {}: skipped this time: another process is running it now", jobName);
                return record(jobName, ExitCodes.FAILED);
            }
            try (BatchLocks.Held held = lock.get()) {
                return record(jobName, runLocked(jobName, path));
            }
        } catch (RuntimeException e) {
            log.error("Job {}: the run failed: {}", jobName, e.toString(), e);
            return record(jobName, ExitCodes.FAILED);
        } finally {
            MDC.remove(MDC_JOB);
            jobsInFlight.decrementAndGet();
            runsChanged();
        }
    }

    private int runLocked(String jobName, Path path) {
        BatchSettings settings;
        BatchRunner.BudgetText budget;
        Integer proof;
        Integer partitions;
        try {
            JobFile file = JobFile.load(path);
            settings = BatchSettingsResolver.resolve(options(file), file);
            // the job file's budget: (docs/design.md, Spend), as run JOB_FILE reads it
            budget = file.budget() == null ? null
                    : new BatchRunner.BudgetText("job file " + file.path() + ": budget", file.budget());
            // the job file's proof: (README.md, Spend, "The proof run"), for the batch's first run
            proof = file.proof();
            // the job file's partitions: (README.md, "More than one machine"), for the batch's first run
            partitions = file.partitions();
        } catch (UsageException | CatalogueException e) {
            log.error("Job {}: not run: {}", jobName, e.getMessage());
            return ExitCodes.USAGE;
        }
        String batchId = settings.batchId();
        Optional<String> previous = lastBatches.get(jobName);
        if (previous.isPresent() && !previous.get().equals(batchId) && !resumePrevious(jobName, previous.get(),
                batchId, budget)) {
            return ExitCodes.FAILED;
        }
        lastBatches.set(jobName, batchId);
        return runBatch(jobName, settings, budget, proof, partitions);
    }

    /**
     * Resumes the job's previous batch when it did not complete.
     *
     * @return true when the new batch may start: the previous one completed (now or before), was never run, or
     *         cannot be resumed because its catalogue changed
     */
    private boolean resumePrevious(String jobName, String previousId, String newId, BatchRunner.BudgetText budget) {
        JobExecution last = runner.lastExecution(previousId);
        if (last == null || last.getStatus() == BatchStatus.COMPLETED || last.getStatus() == BatchStatus.ABANDONED) {
            return true;
        }
        BatchSettings previous;
        try {
            previous = batches.get(previousId);
        } catch (IllegalArgumentException gone) {
            return true;
        }
        if (!catalogueUnchanged(previous)) {
            // its unsent rows would be read from another catalogue: never mix two catalogues in one batch
            log.warn("Job {}: the previous batch {} ended {}, but its catalogue {} changed since, so it cannot be"
                    + " resumed; starting the new batch {} (put the old catalogue back and run: restart {})", jobName,
                    previousId, last.getStatus(), previous.catalogue(), newId, previousId);
            return true;
        }
        log.info("Job {}: resuming the previous batch {} ({}) before the new batch {}", jobName, previousId,
                last.getStatus(), newId);
        int exit = runBatch(jobName, previous, budget, null);
        // a batch that ended with rows held by its budget is finished for tonight: it waits for a larger budget,
        // and must not keep the new batch waiting; so is a proof run awaiting approval
        if (exit != ExitCodes.COMPLETED && exit != ExitCodes.HELD && exit != ExitCodes.AWAITING_APPROVAL) {
            log.warn("Job {}: the previous batch {} did not complete; the new batch {} waits for the next run",
                    jobName, previousId, newId);
            return false;
        }
        return true;
    }

    private static boolean catalogueUnchanged(BatchSettings settings) {
        try {
            return CatalogueInspector.inspect(Path.of(settings.catalogue()), settings.format()).sha256()
                    .equals(settings.catalogueSha256());
        } catch (CatalogueException e) {
            return false;
        }
    }

    private int runBatch(String jobName, BatchSettings settings, BatchRunner.BudgetText budget, Integer proof) {
        return runBatch(jobName, settings, budget, proof, null);
    }

    private int runBatch(String jobName, BatchSettings settings, BatchRunner.BudgetText budget, Integer proof,
            Integer partitions) {
        String batchId = settings.batchId();
        if (stopping.get()) {
            return ExitCodes.FAILED; // shutting down: the next run after the restart does it
        }
        MDC.put(MDC_BATCH, batchId);
        try (PrintStream out = LogLines.to(log, "job " + jobName)) {
            return runner.run(settings, budget, proof, false, partitions, out);
        } catch (UsageException e) {
            log.error("Job {}: batch {} not started: {}", jobName, batchId, e.getMessage());
            return ExitCodes.USAGE;
        } finally {
            MDC.remove(MDC_BATCH);
        }
    }

    /** The job file as {@code run JOB_FILE} would read it, with serve's own settings for an S3 catalogue. */
    private RunOptions options(JobFile file) {
        return new RunOptions(file.path().toString(), null, null, null, null, Map.of(), null, null, null, null, null,
                false, jobs.springArgs());
    }

    private int record(String jobName, int code) {
        lastExitCodes.put(jobName, code);
        return code;
    }

    /**
     * @param jobName a job name
     * @return the exit code of the job's last run in this process, if it ran
     */
    public Optional<Integer> lastExitCode(String jobName) {
        return Optional.ofNullable(lastExitCodes.get(jobName));
    }

    /** @return the job files scheduled at start */
    public ServeJobs jobs() {
        return jobs;
    }

    /**
     * Stops serving: no run starts any more, the running batches (the console's too) are asked to stop after
     * their current chunk or poll pass ({@link JobOperator#stop}: they end STOPPED and resumable), and this waits for them. Safe to call
     * more than once and from any thread (a SIGTERM hook); later calls wait for the first.
     *
     * @param timeout the longest wait for the running batches
     * @return 0 when no batch had to be stopped, 1 when one was (it is resumed by the next run)
     */
    public int shutdown(Duration timeout) {
        stopScheduling();
        if (!shuttingDown.compareAndSet(false, true)) {
            awaitShutdown();
            return exitCode;
        }
        try {
            long deadline = System.nanoTime() + timeout.toNanos();
            Set<Long> seen = new HashSet<>();
            // the console's batches (docs/console.md) run this job too, outside jobsInFlight: wait for them as well
            while ((jobsInFlight.get() > 0 || !running.isEmpty()) && System.nanoTime() < deadline) {
                // again on every pass: a run may have started its execution after the first pass
                for (JobExecution execution : List.copyOf(running)) {
                    BatchStatus status = execution.getStatus();
                    // one that is stopping already was asked by someone else (the SIGTERM hook of the command)
                    if (seen.add(execution.getId())
                            && (status == BatchStatus.STARTING || status == BatchStatus.STARTED)) {
                        log.info("Stopping batch {} after its current chunk or poll pass; it can be resumed",
                                execution.getJobParameters().getString(ImageProductionJobConfiguration.BATCH_ID));
                        try {
                            runner.requestStop(execution);
                        } catch (InterruptedException e) {
                            throw e;
                        } catch (Exception e) {
                            // for example a step committed at that moment (optimistic locking): ask again next pass
                            seen.remove(execution.getId());
                            log.warn("Could not request the stop of execution {} ({}); asking again",
                                    execution.getId(), e.getMessage());
                        }
                    }
                }
                synchronized (runsChanged) {
                    // woken when a run ends or an execution starts; else after STOP_RETRY_MILLIS, to ask again
                    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if ((jobsInFlight.get() > 0 || !running.isEmpty()) && left > 0) {
                        runsChanged.wait(Math.min(STOP_RETRY_MILLIS, left));
                    }
                }
            }
            if (jobsInFlight.get() > 0 || !running.isEmpty()) {
                log.warn("{} job run(s) did not stop within {} s; they resume from their last checkpoint",
                        Math.max(jobsInFlight.get(), running.size()), timeout.toSeconds());
            }
            exitCode = seen.isEmpty() && !runningAtStop ? ExitCodes.COMPLETED : ExitCodes.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exitCode = ExitCodes.FAILED;
        } finally {
            taskScheduler.shutdown();
            stopped.countDown();
        }
        return exitCode;
    }

    /**
     * The first step of {@link #shutdown}, on its own: no run starts any more (a run under way finishes its
     * current batch). Returns at once; safe to call more than once.
     */
    public void stopScheduling() {
        if (stopping.compareAndSet(false, true)) {
            runningAtStop = !running.isEmpty();
            schedules.forEach(s -> s.cancel(false));
        }
    }

    /**
     * Blocks until {@link #shutdown} has finished.
     *
     * @return the exit code {@link #shutdown} returned
     */
    public int awaitShutdown() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return exitCode;
    }

    private void runsChanged() {
        synchronized (runsChanged) {
            runsChanged.notifyAll();
        }
    }

    /** Stops serving when the context closes ({@link #shutdown} with the configured timeout). */
    @Override
    public void destroy() {
        shutdown(properties.stopTimeout());
    }
}
