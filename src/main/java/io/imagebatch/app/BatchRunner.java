package io.imagebatch.app;

import io.imagebatch.FatalErrors;
import io.imagebatch.job.BatchPreflight;
import io.imagebatch.job.BatchSettings;
import io.imagebatch.job.BatchSettingsStore;
import io.imagebatch.job.BatchStoppedException;
import io.imagebatch.job.ImageProductionJobConfiguration;
import io.imagebatch.job.JobOperatorRequests;
import io.imagebatch.job.JobProperties;
import io.imagebatch.job.PipelineState;
import io.imagebatch.job.ReportTasklet;
import io.imagebatch.ledger.BatchRegistry;
import io.imagebatch.ledger.LockLostException;
import io.imagebatch.ledger.RowState;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.lock.BatchLocks;
import io.imagebatch.provider.ProviderRegistry;
import io.imagebatch.spend.SpendEstimate;
import io.imagebatch.storage.OutputStoreException;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryType;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobExecutionNotRunningException;
import org.springframework.batch.core.launch.JobInstanceAlreadyCompleteException;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.stereotype.Component;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Starts or resumes a batch through {@link JobOperator}, prints its progress while it runs, and a summary at the
 * end. One batch is one job instance ({@link ImageProductionJobConfiguration#BATCH_ID}): running the same
 * batch again restarts the instance where it stopped, and a completed batch is not run again. A batch runs
 * under its lock ({@link BatchLocks#batchKey}), so that two processes sharing the database never run it at once.
 */
@Component
public class BatchRunner {

    private final JobOperator jobOperator;
    private final JobRepository jobRepository;
    private final Job imageProductionJob;
    private final BatchSettingsStore batches;
    private final TaskLedger ledger;
    private final BatchRegistry registry;
    private final ProviderRegistry providers;
    private final JobProperties properties;
    private final BatchPreflight preflight;
    private final BatchLocks locks;
    /** Whether this process's providers all point at the sandbox ({@link BatchSettingsResolver#SANDBOX_ACTIVE}). */
    @Value("${" + BatchSettingsResolver.SANDBOX_ACTIVE + ":false}")
    private boolean sandboxActive;
    /** The batch's spend: budget, prices, estimate, balance before, HELD rows (README.md, Spend). */
    private final BatchSpendCheck spend;

    /**
     * A budget as the user gave it, before it is checked against the currency ({@link Budget#parse}).
     *
     * @param setting where it was given, for the message: {@code --budget}, {@code job file F: budget},
     *                {@code IMAGEBATCH_BUDGET}
     * @param text    the value as given, e.g. {@code 50} or {@code 50.00 USD}
     */
    public record BudgetText(String setting, String text) {
    }

    BatchRunner(JobOperator jobOperator, JobRepository jobRepository, Job imageProductionJob,
            BatchSettingsStore batches, TaskLedger ledger, ProviderRegistry providers, JobProperties properties,
            BatchPreflight preflight, BatchLocks locks, BatchRegistry registry, BatchSpendCheck spend) {
        this.jobOperator = jobOperator;
        this.jobRepository = jobRepository;
        this.imageProductionJob = imageProductionJob;
        this.batches = batches;
        this.ledger = ledger;
        this.registry = registry;
        this.providers = providers;
        this.properties = properties;
        this.preflight = preflight;
        this.locks = locks;
        this.spend = spend;
    }

    /**
     * Runs a batch to its end, or to the failure that stops it.
     *
     * @param settings the batch
     * @param out      where progress and the summary go
     * @return the exit code: 0 when the batch completed (now or before), 1 when it failed or stopped and can be
     *         resumed by running the same command again, or when another process is running it now (nothing
     *         is started)
     * @throws UsageException when the batch's provider is unknown or not configured, its output cannot be
     *                        written, or a sandbox batch is run without the sandbox (exit code 2)
     */
    public int run(BatchSettings settings, PrintStream out) {
        return run(settings, null, out);
    }

    /**
     * Runs a batch to its end, or to the failure that stops it, with a batch budget (docs/design.md, Spend): the
     * budget is stored with the batch ({@link BatchRegistry#recordBudget}) and is not part of its identity. A
     * batch that completed with HELD rows, run again with a budget that leaves room, starts a budget round that
     * sends the HELD rows and nothing else.
     *
     * @param settings the batch
     * @param budget   the budget as given, or null to keep the batch's stored budget (none for a new batch)
     * @param out      where progress and the summary go
     * @return the exit code as {@link #run(BatchSettings, PrintStream)}, and {@link ExitCodes#HELD} (3) when the
     *         batch completed with HELD rows
     * @throws UsageException as {@link #run(BatchSettings, PrintStream)}, and when the budget is not a positive
     *                        amount in {@code imagebatch.spend.currency}, or a batch with a budget has rows whose
     *                        price is not configured (naming the provider/model/resolution groups); nothing is
     *                        sent then
     */
    public int run(BatchSettings settings, BudgetText budget, PrintStream out) {
        return run(settings, budget, null, false, out);
    }

    /** The proof run (README.md, Spend, "The proof run"); none until {@link #proofWith}. */
    private BatchProofCheck proofs;

    /** @param proofs the proof run's part of a run; set by Spring */
    @org.springframework.beans.factory.annotation.Autowired
    void proofWith(BatchProofCheck proofs) {
        this.proofs = proofs;
    }

    /**
     * Runs a batch as {@link #run(BatchSettings, BudgetText, PrintStream)}, as a proof run (README.md, Spend, "The
     * proof run"): the batch's first run with {@code proof} sends only that many valid rows, chosen to cover the
     * catalogue, holds the others and ends awaiting approval; a run with {@code approve} sends the held rows (within
     * the budget), and a run of a batch awaiting approval without it sends nothing.
     *
     * @param settings the batch
     * @param budget   the budget as given, or null to keep the batch's stored budget
     * @param proof    N, the rows of the batch's first run ({@code --proof N}, a job file's {@code proof:}), or null
     * @param approve  whether this run approves the batch's proof run ({@code --approve}, {@code approve BATCH})
     * @param out      where progress and the summary go
     * @return the exit code as {@link #run(BatchSettings, BudgetText, PrintStream)}, and
     *         {@link ExitCodes#AWAITING_APPROVAL} (4) when the batch awaits approval of its proof run
     * @throws UsageException as {@link #run(BatchSettings, BudgetText, PrintStream)}, and when {@code proof} is
     *                        less than 1
     */
    public int run(BatchSettings settings, BudgetText budget, Integer proof, boolean approve, PrintStream out) {
        return run(settings, budget, proof, approve, null, out);
    }

    /**
     * Runs a batch as {@link #run(BatchSettings, BudgetText, Integer, boolean, PrintStream)}, split into
     * partitions that run at the same time (README.md, "More than one machine"). The number is not part of the
     * batch's identity: a resume keeps the split of the batch's first run, whatever it is given
     * ({@link io.imagebatch.job.PartitionManagerStep#decider}), and a new round run without it
     * ({@code retry-failed}, {@code redo}, a budget round) is split as the batch's latest run
     * ({@link #lastPartitions}).
     *
     * @param settings   the batch
     * @param budget     the budget as given, or null to keep the batch's stored budget
     * @param proof      N, the rows of the batch's first run, or null
     * @param approve    whether this run approves the batch's proof run
     * @param partitions how many partitions a new batch is split into ({@code --partitions N}, a job file's
     *                   {@code partitions:}), 1 or more; 1: the batch runs as one pipeline; null: as the batch's
     *                   latest run was split, or as one pipeline
     * @param out        where progress and the summary go
     * @return the exit code as {@link #run(BatchSettings, BudgetText, Integer, boolean, PrintStream)}
     * @throws UsageException as {@link #run(BatchSettings, BudgetText, Integer, boolean, PrintStream)}, and when
     *                        {@code partitions} is less than 1
     */
    public int run(BatchSettings settings, BudgetText budget, Integer proof, boolean approve, Integer partitions,
            PrintStream out) {
        if (partitions != null && partitions < 1) {
            throw new UsageException("partitions: " + partitions + " is not a whole number of at least 1");
        }
        BigDecimal amount = spend.parse(budget);
        if (sandboxActive && !settings.sandbox()) {
            // serve --sandbox runs every job file against the sandbox: never the real batch of that file
            settings = settings.asSandbox();
        } else if (!sandboxActive && settings.sandbox()) {
            throw new UsageException("batch " + settings.batchId() + " is a sandbox batch (placeholder images);"
                    + " it runs only against the sandbox: run its catalogue again with --sandbox (or the job file"
                    + " that asks for it)");
        }
        if (providers.find(settings.provider()).isEmpty()) {
            throw new UsageException("unknown provider \"" + settings.provider() + "\" (supported: "
                    + String.join(", ", providers.names()) + ")");
        }
        if (!providers.isConfigured(settings.provider())) {
            String env = "IMAGEBATCH_PROVIDERS_" + settings.provider().toUpperCase(Locale.ROOT);
            throw new UsageException("provider " + settings.provider() + " is not configured: set " + env
                    + "_BASEURL and " + env + "_APIKEY (or imagebatch.providers." + settings.provider()
                    + ".base-url and .api-key), or run with --sandbox");
        }
        String batchId = batches.save(settings);
        // the steps read the catalogue whose content was just hashed, not a path stored by an earlier run
        String storedPath = batches.get(batchId).catalogue();
        settings = batches.readCatalogueFrom(batchId, settings.catalogue());
        if (!storedPath.equals(settings.catalogue())) {
            out.printf("Batch %s: reading its catalogue from %s (the same content as %s, where it started).%n",
                    batchId, settings.catalogue(), storedPath);
        }
        Optional<BatchLocks.Held> lock = locks.tryLock(BatchLocks.batchKey(batchId));
        if (lock.isEmpty()) {
            // another process runs it, or ran it and died: a dead one's lock expires within the lock's ttl
            Duration wait = locks.ttl().plusSeconds(2);
            out.printf("Batch %s is held by another process (running it, or killed while running it); waiting up to"
                    + " %d s for it.%n", batchId, wait.toSeconds());
            lock = locks.tryLock(BatchLocks.batchKey(batchId), wait);
        }
        if (lock.isEmpty()) {
            out.println(runningElsewhere(batchId));
            return 1;
        }
        try (BatchLocks.Held held = lock.get()) {
            // fencing: every ledger write of this run carries the lock's new generation, and none is made once
            // the lock is lost (README.md, Running nightly)
            registry.takeFence(batchId, thisProcess());
            held.onLost(reason -> registry.revokeFence(batchId, "batch " + batchId + ": " + reason + "; this process"
                    + " sends nothing more for it and stops (run the same command again to resume it)"));
            try {
                return runLocked(settings, batchId, amount, proof, approve, partitions, out);
            } finally {
                registry.releaseFence(batchId);
                ledger.budget().removeGauges(batchId); // serve keeps no gauge of a batch that ended
            }
        }
    }

    /**
     * The one line a {@code run} prints when another process holds the batch's lock, from what that process
     * recorded when it took it ({@link BatchRegistry#lockHolder}).
     *
     * @param batchId the batch
     * @return {@code Batch X is running in pid P on HOST since T (UTC); nothing was started here. ...}
     */
    String runningElsewhere(String batchId) {
        String who = registry.lockHolder(batchId)
                .map(h -> "in " + h.process() + " since " + Instant.ofEpochMilli(h.sinceMillis())
                        .truncatedTo(ChronoUnit.SECONDS))
                .orElse("in another process");
        return "Batch " + batchId + " is running " + who + "; nothing was started here. Run the same command again"
                + " once it has ended.";
    }

    /** @return this process, as the batch lock's holder: {@code pid 1234 on host} */
    static String thisProcess() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = "this machine";
            }
        }
        return "pid " + ProcessHandle.current().pid() + " on " + host;
    }

    /** {@link #run} under the batch's lock. */
    private int runLocked(BatchSettings settings, String batchId, BigDecimal budget, Integer proof, boolean approve,
            Integer partitions, PrintStream out) {
        spend.applyBudget(settings, batchId, budget);
        Optional<Integer> awaiting = proofs.beforeRun(batchId, approve, out);
        if (awaiting.isPresent()) {
            return awaiting.get();
        }
        JobExecution last = lastExecution(batchId);
        if (last != null && last.getStatus() == BatchStatus.COMPLETED && spend.heldRoomFor(batchId)) {
            // a budget round: the HELD rows become PENDING in a new job instance, whose submit step sends them
            int held = spend.startHeldRound(batchId);
            out.printf("Batch %s: sending its %d HELD row(s) within the budget (round %d); no other row is sent"
                    + " again.%n", batchId, held, registry.retryRounds(batchId));
            last = lastExecution(batchId);
        }
        // not given (retry-failed, redo, a budget round, resume, the console's actions): the batch's own split
        Integer split = partitions != null ? partitions : lastPartitions(batchId);
        JobParameters parameters = split == null ? parameters(batchId) : new JobParametersBuilder(
                parameters(batchId)).addLong(ImageProductionJobConfiguration.PARTITIONS, (long) split, false)
                .toJobParameters();
        if (last != null && last.getStatus() == BatchStatus.COMPLETED) {
            out.printf("Batch %s already completed on %s; nothing was sent.%n", batchId, last.getEndTime());
            printSandbox(out, settings);
            out.printf("  (retry-failed %s sends its FAILED rows again; status %s shows it)%n", batchId, batchId);
            printSummary(out, batchId, last);
            return spend.heldExit(batchId, out, ExitCodes.COMPLETED);
        }
        BatchPreflight.Result checked = dryRun(settings, true, proof != null);
        spend.checkBeforeSending(settings, checked, out);
        proofs.choose(batchId, proof, checked, out);
        try {
            preflight.checkOutput(settings);
        } catch (OutputStoreException | IllegalArgumentException e) {
            throw new UsageException("output " + settings.destination() + " cannot be written, so nothing was sent: "
                    + e.getMessage() + "; fix the output (folder permissions, bucket, credentials) and run the same"
                    + " command again");
        }
        if (last != null && last.getStatus().isRunning()) {
            // the run that owned it died without a word (killed, machine lost): mark it failed so it can restart
            out.printf("Batch %s: the previous run (execution %d) did not finish; resuming it.%n", batchId,
                    last.getId());
            recoverAbandoned(batchId, last);
        } else if (last != null) {
            out.printf("Resuming batch %s (previous run %s).%n", batchId, last.getStatus());
        } else {
            out.printf("Starting batch %s: %d rows from %s, provider %s, output %s%n", batchId,
                    settings.catalogueRows(), settings.catalogue(), settings.provider(), settings.output());
        }
        long started = System.nanoTime();
        ScheduledExecutorService progress =
                Executors.newSingleThreadScheduledExecutor(FatalErrors.threads("imagebatch-progress"));
        long every = Math.max(100, properties.progressInterval().toMillis());
        // the count reads the whole ledger: paced by its own cost, so that a large batch does not slow down as it grows
        ProgressPacing pacing = new ProgressPacing(every, System::nanoTime);
        progress.scheduleAtFixedRate(FatalErrors.guard(() -> pacing.runIfDue(
                        () -> printProgress(out, batchId, settings.catalogueRows(), started))),
                every, every, TimeUnit.MILLISECONDS);
        JobExecution execution;
        try {
            execution = jobOperator.start(imageProductionJob, parameters);
        } catch (JobInstanceAlreadyCompleteException e) {
            out.printf("Batch %s already completed; nothing was sent.%n", batchId);
            return 0;
        } catch (Exception e) {
            out.printf("Batch %s could not start: %s%n", batchId, e.getMessage());
            return 1;
        } finally {
            progress.shutdownNow();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        out.printf("Batch %s %s in %.1f s%n", batchId, execution.getStatus(), took.toMillis() / 1000.0);
        printSandbox(out, settings);
        printSummary(out, batchId, execution);
        if (properties.printMemory()) {
            long peak = ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(pool -> pool.getType() == MemoryType.HEAP)
                    .mapToLong(pool -> pool.getPeakUsage().getUsed()).sum();
            out.printf("  peak heap used: %d MB%n", peak / (1024 * 1024));
        }
        if (execution.getStatus() == BatchStatus.COMPLETED) {
            return proofs.exit(batchId, out, () -> spend.heldExit(batchId, out, ExitCodes.COMPLETED));
        }
        // the cause, not the downstream steps that ended because of it
        List<Throwable> failures = execution.getAllFailureExceptions().stream()
                .filter(f -> !(Causes.innermost(f) instanceof PipelineState.UpstreamStepEndedException)).toList();
        String reason = failures.stream().anyMatch(LockLostException::isCauseOf)
                ? Causes.ownMessage(failures.stream().filter(LockLostException::isCauseOf)
                        .findFirst().orElseThrow())
                : execution.getStatus() == BatchStatus.STOPPED ? "a stop was requested (stop command or SIGTERM)"
                : failures.isEmpty() ? execution.getExitStatus().getExitDescription()
                : Causes.ownMessage(failures.get(0));
        out.printf("  stopped because: %s%n  Run the same command again to resume the batch where it stopped.%n",
                reason);
        return 1;
    }

    /**
     * {@code validate}: reads and checks every row as the submit step would, and sends nothing.
     *
     * @param settings the batch
     * @param out      where the findings go
     * @return 0
     */
    public int validate(BatchSettings settings, PrintStream out) {
        return validate(settings, null, out, false);
    }

    /**
     * {@code validate [--budget AMOUNT] [--format json]}: reads and checks every row as the submit step would,
     * sends nothing, and prints the findings with the spend estimate (README.md, Spend); with a budget, also how
     * many of the rows not yet sent the budget would send and how many it would hold (docs/design.md, Spend).
     *
     * @param settings the batch
     * @param budget   the budget as given, or null for none
     * @param out      where the findings go
     * @param json     true for one JSON document and nothing else ({@link #validationJson}), false for text
     * @return 0
     * @throws UsageException when the catalogue cannot be read or a row's provider is unknown, the budget is not a
     *                        positive amount in {@code imagebatch.spend.currency}, or rows have no configured price
     *                        while a budget is given (naming the provider/model/resolution groups)
     */
    public int validate(BatchSettings settings, BudgetText budget, PrintStream out, boolean json) {
        return validate(spend, preflight, settings, budget, out, json);
    }

    /**
     * {@link #validate(BatchSettings, BudgetText, PrintStream, boolean)} without a {@link BatchRunner}, for the
     * {@code validate} command, whose Spring context has no batch infrastructure (README.md, Performance).
     *
     * @param spend     the batch's spend: budget, prices, estimate
     * @param preflight the dry run of the submit step's reading and validation
     * @param settings  the batch
     * @param budget    the budget as given, or null for none
     * @param out       where the findings go
     * @param json      true for one JSON document and nothing else, false for text
     * @return 0
     * @throws UsageException as {@link #validate(BatchSettings, BudgetText, PrintStream, boolean)}
     */
    public static int validate(BatchSpendCheck spend, BatchPreflight preflight, BatchSettings settings,
            BudgetText budget, PrintStream out, boolean json) {
        BigDecimal amount = spend.parse(budget);
        ObjectNode budgetJson = amount == null ? null : spend.budgetReport(settings, amount, out, json);
        BatchPreflight.Result result = dryRun(preflight, settings, false, false);
        SpendEstimate estimate = spend.estimate(result);
        if (json) {
            ObjectNode node = validationJson(settings, result, estimate);
            if (budgetJson != null) {
                node.set("budget", budgetJson);
            }
            out.println(node);
            return ExitCodes.COMPLETED;
        }
        printValidation(settings, result, out);
        out.println("Estimate (" + estimate.currency() + "):");
        estimate.describe().forEach(out::println);
        return ExitCodes.COMPLETED;
    }

    /**
     * {@code validate --format json}: {@code {"catalogue":..,"rows":n,"valid":n,"rejected":n,"rejections":[..],
     * "estimate":{..}}}, the estimate as {@link SpendEstimate#toJson}.
     */
    private static ObjectNode validationJson(BatchSettings settings, BatchPreflight.Result result,
            SpendEstimate estimate) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("catalogue", settings.catalogue());
        node.put("rows", result.rows());
        node.put("valid", result.rows() - result.rejected());
        node.put("rejected", result.rejected());
        ArrayNode rejections = node.putArray("rejections");
        result.rejections().forEach(rejections::add);
        node.set("estimate", estimate.toJson());
        return node;
    }

    private static void printValidation(BatchSettings settings, BatchPreflight.Result result, PrintStream out) {
        out.printf("Catalogue %s: %d rows, %d would be sent, %d rejected%n", settings.catalogue(), result.rows(),
                result.rows() - result.rejected(), result.rejected());
        result.validByProvider().forEach((providerModel, n) -> out.printf("  %6d  %s%n", n, providerModel));
        result.creditsByProvider().forEach((provider, credits) ->
                out.printf("  %s: %.1f credits needed%n", provider, credits));
        result.rejections().forEach(reason -> out.println("  REJECTED " + reason));
        if (result.rejected() > result.rejections().size()) {
            out.printf("  ... and %d more rejections%n", result.rejected() - result.rejections().size());
        }
    }

    private BatchPreflight.Result dryRun(BatchSettings settings, boolean requireConfigured, boolean proofCandidates) {
        return dryRun(preflight, settings, requireConfigured, proofCandidates);
    }

    private static BatchPreflight.Result dryRun(BatchPreflight preflight, BatchSettings settings,
            boolean requireConfigured, boolean proofCandidates) {
        try {
            return preflight.check(settings, requireConfigured, proofCandidates);
        } catch (BatchStoppedException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** @return the identifying parameters of the batch's current job instance (its latest retry round) */
    JobParameters parameters(String batchId) {
        return parameters(batchId, registry.retryRounds(batchId));
    }

    /**
     * The identifying parameters of one of a batch's job instances, for a reader of Spring Batch's tables that has
     * no {@link BatchRunner} ({@code status}, README.md, Performance).
     *
     * @param batchId     the batch
     * @param retryRounds the instance: 0 for the first run, n for the n-th {@code retry-failed} (or budget, redo)
     *                    round ({@link BatchRegistry#retryRounds})
     * @return {@link ImageProductionJobConfiguration#BATCH_ID} and {@link ImageProductionJobConfiguration#RETRY_ROUND},
     *         both identifying
     */
    public static JobParameters parameters(String batchId, int retryRounds) {
        return new JobParametersBuilder()
                .addString(ImageProductionJobConfiguration.BATCH_ID, batchId, true)
                .addLong(ImageProductionJobConfiguration.RETRY_ROUND, (long) retryRounds, true)
                .toJobParameters();
    }

    /**
     * Asks a running execution to stop after its current chunk or poll pass
     * ({@link JobOperatorRequests#stop}); it then ends STOPPED and can be resumed.
     *
     * @param execution the running execution
     * @throws JobExecutionNotRunningException when it is not running
     * @throws InterruptedException            when interrupted while the request is made
     */
    public void requestStop(JobExecution execution) throws JobExecutionNotRunningException, InterruptedException {
        JobOperatorRequests.stop(jobRepository, execution);
    }

    /**
     * Marks the abandoned execution FAILED so that the batch can be resumed. A process that lost the batch's lock
     * may still be ending its steps (its ledger writes are refused, but Spring Batch still updates its step
     * executions until they stop): a recover that meets such an update (optimistic locking) reads the execution
     * again and tries again, for up to three lock ttls, unless that process ends the execution itself meanwhile.
     */
    private void recoverAbandoned(String batchId, JobExecution abandoned) {
        long giveUp = System.nanoTime() + locks.ttl().multipliedBy(3).toNanos();
        JobExecution current = abandoned;
        while (true) {
            try {
                JobOperatorRequests.recover(jobOperator, current);
                return;
            } catch (OptimisticLockingFailureException stillWriting) {
                if (System.nanoTime() - giveUp > 0) {
                    throw stillWriting;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while recovering execution " + current.getId(), e);
            }
            try {
                Thread.sleep(200); // the other process's next step update; a loop bounded by giveUp
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while recovering execution " + current.getId(), e);
            }
            current = lastExecution(batchId);
            if (current == null || !current.getStatus().isRunning()) {
                return; // that process ended it (STOPPED or FAILED): it can be resumed as it is
            }
        }
    }

    /**
     * @param batchId a batch id
     * @return the last execution of the batch's current job instance (its latest retry round), or null before
     *         its first run
     */
    public JobExecution lastExecution(String batchId) {
        return jobRepository.getLastJobExecution(ImageProductionJobConfiguration.JOB_NAME, parameters(batchId));
    }

    /**
     * How many partitions the batch's latest run was split into (README.md, "More than one machine"), for a run
     * not given {@code --partitions}: a new round ({@code retry-failed}, {@code redo}, a budget round, the
     * console's Retry) is then split as the batch was, and run by the workers when a broker is configured, instead
     * of as one pipeline. Read from the job parameter {@link ImageProductionJobConfiguration#PARTITIONS}
     * (non-identifying) of the executions of the batch's latest job instance that has any, newest first.
     *
     * @param batchId the batch
     * @return the number, or null when the batch never ran or its latest run was not split
     */
    Integer lastPartitions(String batchId) {
        for (int round = registry.retryRounds(batchId); round >= 0; round--) {
            JobExecution last = jobRepository.getLastJobExecution(ImageProductionJobConfiguration.JOB_NAME,
                    parameters(batchId, round));
            if (last == null) {
                continue; // a round not run yet: the one just started
            }
            return jobRepository.getJobExecutions(last.getJobInstance()).stream()
                    .sorted(java.util.Comparator.comparingLong(JobExecution::getId).reversed())
                    .map(e -> e.getJobParameters().getLong(ImageProductionJobConfiguration.PARTITIONS))
                    .filter(java.util.Objects::nonNull).findFirst().map(Long::intValue).orElse(null);
        }
        return null;
    }

    private void printProgress(PrintStream out, String batchId, long total, long started) {
        try {
            Map<RowState, Long> c = ledger.report().countByState(batchId);
            long read = c.values().stream().mapToLong(Long::longValue).sum();
            long rejected = get(c, RowState.REJECTED);
            long submitted = read - rejected - get(c, RowState.SUBMITTING) - get(c, RowState.UNCERTAIN);
            long finished = get(c, RowState.GENERATED) + get(c, RowState.STORED) + get(c, RowState.FAILED);
            out.printf("[%s] %ds  read %d/%d  submitted %d  finished %d  stored %d  (rejected %d, failed %d,"
                            + " uncertain %d)%n", batchId, (System.nanoTime() - started) / 1_000_000_000L, read, total,
                    submitted, finished, get(c, RowState.STORED), rejected, get(c, RowState.FAILED),
                    get(c, RowState.UNCERTAIN));
        } catch (RuntimeException e) {
            // progress is best effort; the job's own errors are reported at the end
        }
    }

    private void printSummary(PrintStream out, String batchId, JobExecution execution) {
        Map<RowState, Long> c = ledger.report().countByState(batchId);
        long total = c.values().stream().mapToLong(Long::longValue).sum();
        long pending = total - get(c, RowState.STORED) - get(c, RowState.REJECTED) - get(c, RowState.FAILED)
                - get(c, RowState.UNCERTAIN) - get(c, RowState.HELD);
        out.printf("  %d rows: %d SUCCEEDED, %d REJECTED, %d FAILED, %d UNCERTAIN%s%s%n", total,
                get(c, RowState.STORED), get(c, RowState.REJECTED), get(c, RowState.FAILED),
                get(c, RowState.UNCERTAIN), get(c, RowState.HELD) > 0 ? ", " + get(c, RowState.HELD) + " HELD" : "",
                pending > 0 ? ", " + pending + " not finished yet" : "");
        printProvidersAndRefusals(out, batchId);
        String report = execution.getExecutionContext().getString(ReportTasklet.REPORT_URI, null);
        if (report != null) {
            out.printf("  report: %s%n", report);
        }
        String contactSheet = execution.getExecutionContext().getString(ReportTasklet.CONTACT_SHEET_URI, null);
        if (contactSheet != null) {
            out.printf("  contact sheet: %s%n", contactSheet);
        }
    }

    /**
     * The summary's lines on who made the images (when more than one provider or model did, as after a fallback
     * move; README, "A fallback provider"), why rows moved, and how many FAILED rows were refused for content
     * policy (README, "Content refusals").
     */
    private void printProvidersAndRefusals(PrintStream out, String batchId) {
        Map<String, Long> made = ledger.report().storedByProvider(batchId);
        List<String> moves = ledger.fallbacks().summary(batchId);
        if (made.size() > 1 || !moves.isEmpty()) {
            out.printf("  made by: %s%n", made.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                    .collect(java.util.stream.Collectors.joining(", ")));
        }
        moves.forEach(line -> out.printf("  %s%n", line));
        long refused = ledger.report().refusedForContent(batchId);
        if (refused > 0) {
            out.printf("  %d FAILED row(s) refused for content policy (content_policy); retry-failed leaves them"
                    + " unless --include-content-policy%n", refused);
        }
    }

    /** The summary of a sandbox batch says so, so that nobody takes its placeholder images for real ones. */
    private static void printSandbox(PrintStream out, BatchSettings settings) {
        if (settings.sandbox()) {
            out.println("  SANDBOX: placeholder images from the built-in sandbox provider; nothing was sent to a real"
                    + " provider (a run without --sandbox is another batch)");
        }
    }

    private static long get(Map<RowState, Long> counts, RowState state) {
        return counts.getOrDefault(state, 0L);
    }
}
