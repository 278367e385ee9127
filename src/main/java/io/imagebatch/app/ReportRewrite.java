package io.imagebatch.app;

import io.imagebatch.job.BatchSettings;
import io.imagebatch.job.ReportTasklet;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.provider.ProviderRegistry;
import io.imagebatch.report.ManifestFactory;
import io.imagebatch.storage.OutputLocation;
import io.imagebatch.storage.OutputStores;
import io.imagebatch.storage.StorageProperties;
import java.io.IOException;
import java.io.PrintStream;
import org.springframework.batch.core.job.JobExecution;

/**
 * The report step's files (report.csv, the contact sheet, manifest.json) written again after a command changed
 * what they show ({@code reject}, {@code choose}), by the report step's own {@link ReportTasklet#write}.
 */
final class ReportRewrite {

    private ReportRewrite() {
    }

    /**
     * Writes the batch's report files again, or says why not.
     *
     * @param settings the batch
     * @param last     the batch's last job execution, whose context gets the files' URIs; null when the batch never
     *                 ran (nothing to write)
     * @param out      where the files' URIs, or the failure, are printed
     * @param done     what stands whatever happens to the report, for the failure line: "the proof is rejected"
     * @param again    the command that writes it when run again: "choose", "reject BATCH"
     * @param contactSheetPageSize entries per contact-sheet page, as the report step writes them
     *                 ({@code imagebatch.report.contact-sheet-page-size}), so the pages stay the ones the run wrote
     * @return {@link ExitCodes#COMPLETED} when written (or nothing to write), {@link ExitCodes#FAILED} when the
     *         store could not be written (the change stands)
     */
    static int rewrite(BatchSettings settings, JobExecution last, PrintStream out, String done, String again,
            ProviderRegistry providers, TaskLedger ledger, StorageProperties storage, ManifestFactory manifests,
            int contactSheetPageSize) {
        if (last == null) {
            return ExitCodes.COMPLETED;
        }
        try (ReportTasklet report = new ReportTasklet(settings, ReportTasklet.facts(settings, providers), ledger,
                OutputStores.open(OutputLocation.parse(settings.destination()), storage), manifests)
                .contactSheetPageSize(contactSheetPageSize)) {
            report.write(last);
            out.printf("  report: %s%n  contact sheet: %s%n", last.getExecutionContext().getString(
                    ReportTasklet.REPORT_URI), last.getExecutionContext().getString(ReportTasklet.CONTACT_SHEET_URI));
            return ExitCodes.COMPLETED;
        } catch (IOException | RuntimeException e) {
            out.printf("Batch %s: %s, but its report could not be written again (%s); run %s again to write it.%n",
                    settings.batchId(), done, Causes.ownMessage(e), again);
            return ExitCodes.FAILED;
        }
    }
}
