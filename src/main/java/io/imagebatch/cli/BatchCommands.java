package io.imagebatch.cli;

import io.imagebatch.app.BatchRunner;
import io.imagebatch.app.UsageException;
import io.imagebatch.catalogue.CatalogueException;
import io.imagebatch.catalogue.CatalogueInspector;
import io.imagebatch.catalogue.CatalogueSummary;
import io.imagebatch.job.BatchSettings;
import io.imagebatch.job.BatchSettingsStore;
import io.imagebatch.job.JobProperties;
import io.imagebatch.ledger.BatchRegistry;
import io.imagebatch.ledger.FailureKind;
import io.imagebatch.ledger.LedgerRetries;
import io.imagebatch.ledger.RowState;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.spend.PriceTable;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.launch.JobExecutionNotRunningException;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The commands that act on a batch by its id: {@code status}, {@code restart}, {@code retry-failed} and
 * {@code stop}. Each reads the batch's settings from the ledger, so they need only the batch id.
 */
@Component
public class BatchCommands {

    private final BatchRunner runner;
    private final BatchSettingsStore batches;
    private final TaskLedger ledger;
    private final BatchRegistry registry;
    private final LedgerRetries retries;
    private final JobOperator jobOperator;
    private final JobProperties properties;

    /** The currency of the spend line of {@code status}; set by {@link #spendWith}. */
    private PriceTable prices = PriceTable.none();

    /** @param prices the price table, whose currency {@code status} prints the batch's spend in; set by Spring */
    @Autowired
    void spendWith(PriceTable prices) {
        this.prices = prices;
    }

    BatchCommands(BatchRunner runner, BatchSettingsStore batches, TaskLedger ledger, JobOperator jobOperator,
            JobProperties properties, BatchRegistry registry, LedgerRetries retries) {
        this.properties = properties;
        this.runner = runner;
        this.batches = batches;
        this.ledger = ledger;
        this.registry = registry;
        this.retries = retries;
        this.jobOperator = jobOperator;
    }

    /**
     * {@code restart BATCH}: resumes a failed or stopped batch where it stopped (the same as running its
     * command again).
     *
     * @param batchId the batch
     * @param out     where progress and the summary go
     * @return the exit code of {@link BatchRunner#run}
     * @throws UsageException when the batch is unknown, or its catalogue is gone or changed
     */
    public int restart(String batchId, PrintStream out) {
        return runner.run(checkedSettings(batchId), out);
    }

    /**
     * {@code approve BATCH} (README.md, Spend, "The proof run"): approves the batch's proof run and sends the rows
     * it held, within the batch budget (the same as running its command again with {@code --approve}).
     *
     * @param batchId the batch
     * @param out     where progress and the summary go
     * @return the exit code of {@link BatchRunner#run(BatchSettings, BatchRunner.BudgetText, Integer, boolean,
     *         PrintStream)}: 0, or 3 when the budget holds rows
     * @throws UsageException when the batch is unknown, or its catalogue is gone or changed
     */
    public int approve(String batchId, PrintStream out) {
        return runner.run(checkedSettings(batchId), null, null, true, out);
    }

    /**
     * {@code reject BATCH} (README.md, Spend, "The proof run"): rejects the batch's proof run; nothing more is
     * sent, its held rows stay HELD with the reason {@code proof: rejected}.
     *
     * @param batchId the batch
     * @param out     where the outcome goes
     * @return 0; 1 when another process holds the batch's lock (nothing is changed) or the report could not be
     *         written again ({@link io.imagebatch.app.BatchProofCheck#reject})
     * @throws UsageException when the batch is unknown or has no proof run awaiting approval
     */
    public int reject(String batchId, PrintStream out) {
        return proofs.reject(batchIdKnown(batchId), runner::lastExecution, out);
    }

    /** The proof run's {@code reject}; set by Spring. */
    private io.imagebatch.app.BatchProofCheck proofs;

    /** @param proofs the proof run's part, for {@code reject}; set by Spring */
    @Autowired
    void proofWith(io.imagebatch.app.BatchProofCheck proofs) {
        this.proofs = proofs;
    }

    /**
     * {@code retry-failed BATCH [--include-uncertain]}: retries the batch's FAILED rows. A row whose generation
     * failed (or that was never created) is sent again, as a new attempt (and so are its UNCERTAIN rows, when
     * asked, with a warning: their first task may exist and be paid for); the ledger keeps every earlier attempt.
     * A row whose task was paid but whose image is not stored (download failed, deadline passed) is never created
     * again: its task is queried again for a fresh result URL, and the image stored ({@link FailureKind}). Rows
     * that succeeded or were rejected are not touched.
     *
     * @param batchId          the batch
     * @param includeUncertain also resend UNCERTAIN rows
     * @param out              where progress and the summary go
     * @return the exit code of {@link BatchRunner#run}; 0 with nothing to do when no row qualifies
     * @throws UsageException when the batch is unknown or not finished
     */
    public int retryFailed(String batchId, boolean includeUncertain, PrintStream out) {
        return retryFailed(batchId, includeUncertain, false, out);
    }

    /** The option of {@code retry-failed} that also resends rows a provider's answer REJECTED. */
    public static final String INCLUDE_REJECTED = "--include-rejected";

    /**
     * {@code retry-failed BATCH [--include-uncertain] [--include-rejected]}: as
     * {@link #retryFailed(String, boolean, PrintStream)}, and, when asked, also resends the rows a provider's
     * answer to their create call REJECTED (400, 413, 422: for example a provider that refused every row while
     * misconfigured); rows rejected by our own rules before sending are never resent (README, "Other commands").
     *
     * @param batchId          the batch
     * @param includeUncertain also resend UNCERTAIN rows
     * @param includeRejected  also resend rows REJECTED by a provider's answer
     * @param out              where progress and the summary go
     * @return the exit code of {@link BatchRunner#run}; 0 with nothing to do when no row qualifies
     * @throws UsageException when the batch is unknown or not finished
     */
    public int retryFailed(String batchId, boolean includeUncertain, boolean includeRejected, PrintStream out) {
        return retryFailed(batchId, includeUncertain, includeRejected, false, out);
    }

    /** The option of {@code retry-failed} that also resends rows a provider refused for its content policy. */
    public static final String INCLUDE_CONTENT_POLICY = "--include-content-policy";

    /**
     * {@code retry-failed BATCH [--include-uncertain] [--include-rejected] [--include-content-policy]}: as
     * {@link #retryFailed(String, boolean, boolean, PrintStream)}; FAILED rows a provider refused for its content
     * policy ({@link FailureKind#CONTENT_POLICY}) are sent again only with {@code includeContentPolicy} (README,
     * "Content refusals").
     *
     * @param batchId              the batch
     * @param includeUncertain     also resend UNCERTAIN rows
     * @param includeRejected      also resend rows REJECTED by a provider's answer
     * @param includeContentPolicy also resend rows refused for content policy
     * @param out                  where progress and the summary go
     * @return the exit code of {@link BatchRunner#run}; 0 with nothing to do when no row qualifies
     * @throws UsageException when the batch is unknown or not finished
     */
    public int retryFailed(String batchId, boolean includeUncertain, boolean includeRejected,
            boolean includeContentPolicy, PrintStream out) {
        BatchSettings settings = checkedSettings(batchId);
        JobExecution last = runner.lastExecution(batchId);
        if (last == null || last.getStatus() != BatchStatus.COMPLETED) {
            throw new UsageException("batch " + batchId + " is not finished (" + (last == null ? "never run"
                    : last.getStatus()) + "); resume it first with: restart " + batchId);
        }
        Map<RowState, Long> counts = ledger.report().countByState(batchId);
        long failed = counts.getOrDefault(RowState.FAILED, 0L);
        long uncertain = counts.getOrDefault(RowState.UNCERTAIN, 0L);
        long rejected = includeRejected ? retries.rejectedByProvider(batchId) : 0;
        long refused = retries.countFailedByKind(batchId).getOrDefault(FailureKind.CONTENT_POLICY, 0L);
        if (!includeContentPolicy && refused > 0) {
            failed -= refused;
            out.printf("%d row(s) refused for content policy are left FAILED (add %s to send them again).%n",
                    refused, INCLUDE_CONTENT_POLICY);
        }
        if (failed + (includeUncertain ? uncertain : 0) + rejected == 0) {
            out.printf("Batch %s has no %sFAILED rows%s; nothing to retry.%n", batchId,
                    !includeContentPolicy && refused > 0 ? "other " : "",
                    includeUncertain ? " and no UNCERTAIN rows" : uncertain > 0 ? " (" + uncertain
                            + " UNCERTAIN: add --include-uncertain to resend them)" : "");
            return ImageBatchCli.COMPLETED;
        }
        if (includeUncertain && uncertain > 0) {
            out.printf("WARNING: resending %d UNCERTAIN row(s): their first create call may have reached the"
                    + " provider, so they may be paid for twice.%n", uncertain);
        }
        Map<FailureKind, Long> kinds = retries.countFailedByKind(batchId);
        int reopened = rejected > 0 ? retries.reopenRejectedByProvider(batchId) : 0;
        int rows = reopened + retries.startRetryRound(batchId, includeUncertain, properties.taskDeadline().toMillis(),
                includeContentPolicy);
        out.printf("Retrying %d row(s) of batch %s (round %d).%n", rows, batchId, registry.retryRounds(batchId));
        out.printf("  %d paid, result not stored: their tasks are queried again for the image, not created again;"
                + " %d generation failed%s: created again.%n", kinds.getOrDefault(FailureKind.RESULT_NOT_STORED, 0L),
                kinds.getOrDefault(FailureKind.GENERATION_FAILED, 0L),
                includeUncertain && uncertain > 0 ? " (and " + uncertain + " UNCERTAIN)" : "");
        return runner.run(settings, out);
    }

    /** The redo of one row; set by Spring. */
    private io.imagebatch.app.RowRedo rowRedo;

    /** @param rowRedo the redo of one row, for {@code redo}; set by Spring */
    @Autowired
    void redoWith(io.imagebatch.app.RowRedo rowRedo) {
        this.rowRedo = rowRedo;
    }

    /**
     * {@code redo BATCH ROW_NUM --prompt TEXT} (README, "Redo a row"): makes the row a new attempt with the new
     * prompt ({@link io.imagebatch.app.RowRedo#redo}: its earlier attempt archived, its image kept in the row's
     * history), then runs the batch, whose new round sends exactly that row.
     *
     * @param batchId the batch
     * @param rowNum  the row's number (1 = first data row)
     * @param prompt  the new prompt
     * @param out     where the outcome, progress and summary go
     * @return the exit code of {@link BatchRunner#run}; 1 when the batch is running elsewhere (nothing changed)
     * @throws UsageException when the batch or row is unknown, the row cannot be redone now, or the prompt
     *                        breaks a rule (exit code 2; nothing changed)
     */
    public int redo(String batchId, long rowNum, String prompt, PrintStream out) {
        return redo(batchId, rowNum, 1, prompt, out);
    }

    /**
     * {@code redo BATCH ROW_NUM --variant K --prompt TEXT} (README.md, Variants): as
     * {@link #redo(String, long, String, PrintStream)}, for one variant of the row (its own ledger entry).
     *
     * @param batchId the batch
     * @param rowNum  the row's number (1 = first data row)
     * @param variant the row's variant, 1 to 8
     * @param prompt  the new prompt
     * @param out     where the outcome, progress and summary go
     * @return the exit code of {@link BatchRunner#run}; 1 when the batch is running elsewhere (nothing changed)
     * @throws UsageException when the batch, row or variant is unknown, it cannot be redone now, or the prompt
     *                        breaks a rule (exit code 2; nothing changed)
     */
    public int redo(String batchId, long rowNum, int variant, String prompt, PrintStream out) {
        BatchSettings settings = checkedSettings(batchId);
        io.imagebatch.app.RowRedo.Redone redone;
        try {
            redone = rowRedo.redo(batchId, rowNum, variant, prompt);
        } catch (io.imagebatch.app.RedoRefusedException e) {
            if (e.reason() == io.imagebatch.app.RedoRefusedException.Reason.BATCH_RUNNING) {
                out.println(e.getMessage());
                return ImageBatchCli.FAILED;
            }
            throw new UsageException(e.getMessage());
        }
        out.printf("Redoing row %d (%s) of batch %s as attempt %d%s%s.%n", rowNum, redone.rowId(), batchId,
                redone.attempt(), redone.replaced() ? ", replacing the prompt of the redo not sent yet" : "",
                redone.historyUri() == null ? "" : "; its earlier image is kept at " + redone.historyUri());
        return runner.run(settings, out);
    }

    /** The choice among a row's variants; set by Spring. */
    private io.imagebatch.app.VariantChoice variantChoice;

    /** @param variantChoice the choice among a row's variants, for {@code choose}; set by Spring */
    @org.springframework.beans.factory.annotation.Autowired
    void chooseWith(io.imagebatch.app.VariantChoice variantChoice) {
        this.variantChoice = variantChoice;
    }

    /**
     * {@code choose BATCH ROW_NUM K} (README.md, Variants): copies the row's stored variant K to the row's own name
     * and records the choice in the report and manifest ({@link io.imagebatch.app.VariantChoice#choose}).
     *
     * @param batchId the batch
     * @param rowNum  the row's number (1 = first data row)
     * @param variant the variant to choose, 1 to 8
     * @param out     where the outcome goes
     * @return 0 when chosen; 1 when the variant is not stored, the batch is held by another process, or the report
     *         could not be written again
     * @throws UsageException when the batch, row or variant is unknown, or the batch has no variants (exit code 2)
     */
    public int choose(String batchId, long rowNum, int variant, PrintStream out) {
        return variantChoice.choose(batchIdKnown(batchId), rowNum, variant, runner::lastExecution, out);
    }

    /**
     * {@code stop BATCH}: asks the process running the batch to stop after its current chunk or poll pass; the
     * batch then ends STOPPED and can be resumed.
     *
     * @param batchId the batch
     * @param out     where the answer goes
     * @return 0 when a stop was requested or the batch was not running
     */
    public int stop(String batchId, PrintStream out) {
        batches.get(batchIdKnown(batchId));
        JobExecution last = runner.lastExecution(batchId);
        if (last == null || !last.getStatus().isRunning()) {
            out.printf("Batch %s is not running (%s).%n", batchId, last == null ? "never run" : last.getStatus());
            return ImageBatchCli.COMPLETED;
        }
        try {
            runner.requestStop(last);
            out.printf("Stop requested for batch %s (execution %d): it stops after its current chunk or pass;"
                    + " resume it with: restart %s%n", batchId, last.getId(), batchId);
        } catch (JobExecutionNotRunningException e) {
            out.printf("Batch %s is not running.%n", batchId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.printf("Interrupted before the stop of batch %s was requested.%n", batchId);
            return ImageBatchCli.FAILED;
        }
        return ImageBatchCli.COMPLETED;
    }

    /**
     * {@code status [BATCH]}: as {@link BatchStatusReport#print}, with the last executions read through this
     * process's job repository.
     *
     * @param batchId the batch, or null for the list
     * @param out     where it goes
     * @return 0
     * @throws UsageException when the batch is unknown (exit code 2)
     */
    public int status(String batchId, PrintStream out) {
        return new BatchStatusReport(batches, ledger, registry, retries, prices, runner::lastExecution)
                .print(batchId, out);
    }

    private String batchIdKnown(String batchId) {
        return BatchStatusReport.batchIdKnown(batches, batchId);
    }

    /** The batch's settings, after checking that its catalogue is still the one it started with. */
    private BatchSettings checkedSettings(String batchId) {
        BatchSettings settings = batches.get(batchIdKnown(batchId));
        CatalogueSummary now;
        try {
            now = CatalogueInspector.inspect(Path.of(settings.catalogue()), settings.format());
        } catch (CatalogueException e) {
            throw new UsageException("batch " + batchId + ": " + e.getMessage());
        }
        if (!now.sha256().equals(settings.catalogueSha256())) {
            throw new UsageException("batch " + batchId + ": the catalogue " + settings.catalogue()
                    + " changed since the batch started (then " + settings.catalogueRows() + " rows, SHA-256 "
                    + settings.catalogueSha256() + "; now " + now.rows() + " rows, SHA-256 " + now.sha256()
                    + "), so its unsent rows cannot be read from it; put the original file back at that path, or"
                    + " run the changed catalogue as a new batch (run)");
        }
        return settings;
    }
}
