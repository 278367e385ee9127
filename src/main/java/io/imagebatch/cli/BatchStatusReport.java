package io.imagebatch.cli;

import io.imagebatch.app.BatchSpendCheck;
import io.imagebatch.app.UsageException;
import io.imagebatch.job.BatchSettings;
import io.imagebatch.job.BatchSettingsStore;
import io.imagebatch.job.ReportTasklet;
import io.imagebatch.ledger.BatchRegistry;
import io.imagebatch.ledger.FailureKind;
import io.imagebatch.ledger.LedgerRetries;
import io.imagebatch.ledger.RowState;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.spend.PriceTable;
import java.io.PrintStream;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.springframework.batch.core.job.JobExecution;

/**
 * What {@code status} prints (README.md, "Other commands"), from the ledger's reads and the batch's last job
 * execution: the same in the full application ({@link BatchCommands#status}) and in the commands that answer at
 * once ({@link FastCommandConfiguration}), which read the last execution without a job repository bean.
 */
final class BatchStatusReport {

    private final BatchSettingsStore batches;
    private final TaskLedger ledger;
    private final BatchRegistry registry;
    private final LedgerRetries retries;
    private final PriceTable prices;
    private final Function<String, JobExecution> lastExecution;

    /**
     * @param batches       the batches' settings
     * @param ledger        the ledger, for the rows by state
     * @param registry      the batches, their spend, proof run, retry rounds and lock holder
     * @param retries       the failed rows by kind and the earlier attempts
     * @param prices        the price table, whose currency the spend line is printed in
     * @param lastExecution a batch id to the last execution of its current job instance, or null before its first
     *                      run
     */
    BatchStatusReport(BatchSettingsStore batches, TaskLedger ledger, BatchRegistry registry, LedgerRetries retries,
            PriceTable prices, Function<String, JobExecution> lastExecution) {
        this.batches = batches;
        this.ledger = ledger;
        this.registry = registry;
        this.retries = retries;
        this.prices = prices;
        this.lastExecution = lastExecution;
    }

    /**
     * Prints {@code status [BATCH]}: with a batch, its counts per state, its last run, its last error and whether it
     * can be resumed; without, the most recent batches, one line each.
     *
     * @param batchId the batch, or null for the list
     * @param out     where it goes
     * @return 0
     * @throws UsageException when the batch is unknown (exit code 2)
     */
    int print(String batchId, PrintStream out) {
        if (batchId == null) {
            List<Map.Entry<String, Long>> recent = registry.batches(20);
            if (recent.isEmpty()) {
                out.println("No batches in this database yet.");
            }
            for (Map.Entry<String, Long> batch : recent) {
                JobExecution last = lastExecution.apply(batch.getKey());
                out.printf("%-40s %-10s %s  %s%n", batch.getKey(), last == null ? "NEW" : last.getStatus(),
                        Instant.ofEpochMilli(batch.getValue()), counts(ledger.report().countByState(batch.getKey())));
            }
            return ImageBatchCli.COMPLETED;
        }
        BatchSettings settings = batches.get(batchIdKnown(batchId));
        JobExecution last = lastExecution.apply(batchId);
        out.printf("Batch %s%n  catalogue %s (%d rows), provider %s%s, output %s%n", batchId, settings.catalogue(),
                settings.catalogueRows(), settings.provider(), settings.model() == null ? "" : " " + settings.model(),
                settings.output());
        if (settings.sandbox()) {
            out.println("  SANDBOX batch: placeholder images from the built-in sandbox provider");
        }
        out.printf("  rows by state: %s%n", counts(ledger.report().countByState(batchId)));
        registry.spend(batchId).map(spend -> BatchSpendCheck.spendLine(spend, prices.currency())).ifPresent(out::println);
        registry.proof(batchId).ifPresent(proof -> out.printf("  proof: %s (%d proof row(s))%s%n", proof.state(),
                proof.rows().size(), proof.state() == io.imagebatch.ledger.ProofState.AWAITING_APPROVAL
                        ? "; approve " + batchId + " sends the HELD rows, reject " + batchId + " sends nothing more"
                        : ""));
        Map<FailureKind, Long> failed = retries.countFailedByKind(batchId);
        if (!failed.isEmpty()) {
            out.printf("  failed rows: %d paid, result not stored (retry-failed fetches them again);"
                    + " %d generation failed (retry-failed creates them again)%n",
                    failed.getOrDefault(FailureKind.RESULT_NOT_STORED, 0L),
                    failed.getOrDefault(FailureKind.GENERATION_FAILED, 0L));
            if (failed.containsKey(FailureKind.CONTENT_POLICY)) {
                out.printf("  refused for content policy (content_policy): %d (retry-failed %s sends them again)%n",
                        failed.get(FailureKind.CONTENT_POLICY), BatchCommands.INCLUDE_CONTENT_POLICY);
            }
        }
        printSpend(batchId, out);
        int rounds = registry.retryRounds(batchId);
        if (rounds > 0) {
            out.printf("  retry rounds: %d (%d earlier attempts kept)%n", rounds, retries.archivedAttempts(batchId));
        }
        if (last == null) {
            out.println("  never run; start it with: run");
            return ImageBatchCli.COMPLETED;
        }
        out.printf("  last run: %s (execution %d, started %s%s)%n", last.getStatus(), last.getId(),
                last.getStartTime(), last.getEndTime() == null ? "" : ", ended " + last.getEndTime());
        last.getAllFailureExceptions().stream().findFirst()
                .ifPresent(e -> out.printf("  last error: %s%n", e.getMessage()));
        String report = last.getExecutionContext().getString(ReportTasklet.REPORT_URI, null);
        if (report != null) {
            out.printf("  report: %s%n", report);
        }
        String sheet = last.getExecutionContext().getString(ReportTasklet.CONTACT_SHEET_URI, null);
        if (sheet != null) {
            out.printf("  contact sheet: %s%n", sheet);
        }
        switch (last.getStatus()) {
            case COMPLETED -> out.println("  can be resumed: no, it is complete (retry-failed sends FAILED rows again)");
            case FAILED, STOPPED -> out.println("  can be resumed: yes, with: restart " + batchId);
            default -> out.println("  running" + registry.lockHolder(batchId)
                    .map(h -> " in " + h.process() + " since "
                            + Instant.ofEpochMilli(h.sinceMillis()).truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
                    .orElse("") + " (or its process died: restart " + batchId + " takes it over)");
        }
        return ImageBatchCli.COMPLETED;
    }

    /** The spend lines of {@code status}: "estimated" and "observed" (README.md, Spend). */
    private void printSpend(String batchId, PrintStream out) {
        java.util.Optional<io.imagebatch.ledger.BatchRegistry.Estimate> estimate = registry.estimate(batchId);
        estimate.ifPresent(e -> out.printf("  estimated: %s %s%s%n",
                io.imagebatch.spend.PriceTable.format(e.amount()), e.currency(),
                e.complete() ? "" : " (incomplete: some rows have no price)"));
        registry.observedSpend(batchId).ifPresent(credits -> out.printf("  observed: %s credits (the provider's"
                + " balance before the first create minus at the end)%s%n", io.imagebatch.spend.PriceTable.format(credits),
                estimate.isEmpty() || estimate.get().currency().equals("credits") ? ""
                        : "; in the provider's credits, not " + estimate.get().currency()));
    }


    private static String counts(Map<RowState, Long> counts) {
        StringBuilder text = new StringBuilder();
        counts.forEach((state, n) -> text.append(text.isEmpty() ? "" : ", ").append(n).append(' ').append(state));
        return text.isEmpty() ? "no rows yet" : text.toString();
    }

    private String batchIdKnown(String batchId) {
        return batchIdKnown(batches, batchId);
    }

    /**
     * @param batches the batches' stored settings
     * @param batchId a batch id given on the command line
     * @return {@code batchId}, when the database knows the batch
     * @throws UsageException when it does not (exit code 2), naming the batch and pointing at {@code status}
     */
    static String batchIdKnown(BatchSettingsStore batches, String batchId) {
        try {
            batches.get(batchId);
            return batchId;
        } catch (IllegalArgumentException e) {
            throw new UsageException("no batch " + batchId + " in this database (status lists the batches)");
        }
    }
}
