package io.imagebatch.job;

import io.imagebatch.ledger.LedgerReport;
import io.imagebatch.ledger.RowState;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.provider.ProviderAdapter;
import io.imagebatch.provider.ProviderRegistry;
import io.imagebatch.report.BatchEndNotifier;
import io.imagebatch.report.BatchFacts;
import io.imagebatch.report.BatchManifest;
import io.imagebatch.report.BatchTally;
import io.imagebatch.report.ContactSheet;
import io.imagebatch.report.DeliveredFiles;
import io.imagebatch.report.ManifestFactory;
import io.imagebatch.report.ResultsReport;
import io.imagebatch.storage.OutputStore;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * The report step. It first ends the rows the submit step left unsent ({@link LedgerReport#endRowsLeftBySubmit});
 * rows still in flight (a task not finished, an image not stored) end the run FAILED, resumable, without a report
 * ({@link RowsStillInFlightException}): a row's state never fails it for good. Then it writes, under
 * {@code <output>/<batch id>/},
 * <ul>
 * <li>{@code report.csv} ({@link ResultsReport}), its URI in the job's {@code ExecutionContext} under
 *     {@link #REPORT_URI};</li>
 * <li>{@code report.html}, the contact sheet ({@link ContactSheet}), its URI under {@link #CONTACT_SHEET_URI}; a
 *     batch of more entries than a page holds ({@link #contactSheetPageSize}) gets {@code report-2.html}, ...
 *     beside it, linked from every page;</li>
 * <li>{@code manifest.json} ({@link BatchManifest}), last, so that its presence means the other two are there;
 *     its JSON also goes under {@link BatchEndNotifier#MANIFEST_JSON} for the batch-end webhook (without the
 *     per-row {@code renditions} list when the file is over {@value #CONTEXT_MANIFEST_CHARS} bytes).</li>
 * </ul>
 * The CSV, the pages and the manifest are spooled to local temporary files first, each streamed from the ledger, so
 * memory does not grow with the catalogue (README.md, Performance, "A million rows").
 */
public class ReportTasklet implements Tasklet, AutoCloseable {

    /** Job execution context key of the report's ({@code report.csv}) URI. */
    public static final String REPORT_URI = "report.uri";
    /** Job execution context key of the contact sheet's ({@code report.html}) URI. */
    public static final String CONTACT_SHEET_URI = "report.html.uri";

    private final BatchSettings batch;
    private final BatchFacts facts;
    private final TaskLedger ledger;
    private final OutputStore store;
    private final ManifestFactory manifests;
    private int contactSheetPageSize = ContactSheet.DEFAULT_PAGE_SIZE;

    /**
     * The largest {@code manifest.json}, in bytes, whose whole text also goes into the job's
     * {@code ExecutionContext} (which the job repository stores) and the batch-end webhook; a larger one (a batch
     * with renditions of thousands of rows) goes there without its {@code renditions} list.
     */
    static final int CONTEXT_MANIFEST_CHARS = 256 * 1024;

    /**
     * @param batch     the batch's settings
     * @param facts     what the manifest says about the batch ({@link #facts(BatchSettings, ProviderRegistry)})
     * @param ledger    the ledger
     * @param store     the batch's output store (owned by this tasklet: closed by {@link #close()})
     * @param manifests builds the manifest
     */
    public ReportTasklet(BatchSettings batch, BatchFacts facts, TaskLedger ledger, OutputStore store,
            ManifestFactory manifests) {
        this.batch = batch;
        this.facts = facts;
        this.ledger = ledger;
        this.store = store;
        this.manifests = manifests;
    }

    /**
     * What the manifest and the contact sheet say about a batch: its stored settings, with the provider's
     * default model named when the batch names none. No secret is in them.
     *
     * @param batch     the batch's settings
     * @param providers the provider adapters, for the default model
     * @return the facts
     */
    public static BatchFacts facts(BatchSettings batch, ProviderRegistry providers) {
        String model = batch.model() != null ? batch.model()
                : providers.find(batch.provider()).map(ProviderAdapter::defaultModel).orElse(null);
        return new BatchFacts(batch.batchId(), batch.catalogue(), batch.catalogueSha256(), batch.catalogueRows(),
                batch.provider(), model, batch.destination(), batch.sandbox());
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws IOException {
        String batchId = batch.batchId();
        JobExecution job = chunkContext.getStepContext().getStepExecution().getJobExecution();
        ledger.report().endRowsLeftBySubmit(batchId);
        Map<RowState, Long> states = ledger.report().countByState(batchId);
        long inFlight = states.entrySet().stream().filter(e -> !e.getKey().isFinal()).mapToLong(Map.Entry::getValue)
                .sum();
        if (inFlight > 0) {
            // a task still running or an image not stored yet: the poll and download steps run again on every
            // start (allowStartIfComplete), so the same command finishes these rows, and then writes the report
            throw new RowsStillInFlightException(inFlight + " row(s) were still in flight when the report was due ("
                    + states.entrySet().stream().filter(e -> !e.getKey().isFinal())
                            .map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", "))
                    + "); the report is written once every row has ended: run the same command again to finish them");
        }
        contribution.incrementWriteCount(write(job));
        return RepeatStatus.FINISHED;
    }

    /**
     * Writes the batch's {@code report.csv}, {@code report.html} and {@code manifest.json} from the ledger as they
     * are now (see {@link ReportTasklet}), and puts their URIs and the manifest's JSON in the job execution's
     * {@code ExecutionContext} (in memory; the report step's own execution saves it). The report step calls it once
     * every row has ended; {@code reject BATCH} calls it again after the proof's rows became
     * {@code proof: rejected}, so that the three files say so (README.md, Spend, "The proof run").
     *
     * @param job the batch's job execution: the report step's, or the last one of the batch for a rewrite (its
     *            instance's first start is the manifest's {@code startTime})
     * @return the number of report lines written (the catalogue's rows)
     * @throws IOException when a file cannot be spooled or stored (the output store's errors come as their own
     *                     unchecked exceptions, e.g. {@code OutputStoreException})
     */
    public long write(JobExecution job) throws IOException {
        String batchId = batch.batchId();
        ExecutionContext context = job.getExecutionContext();
        try {
            boolean namesVariants = BatchOutputKeys.namesVariants(batch);
            Stored<BatchTally> csv = spoolAndPut(BatchOutputKeys.report(batchId), "text/csv; charset=utf-8",
                    out -> ResultsReport.write(ledger, batchId, batch.catalogueRows(), batch.renditions(),
                            namesVariants, out));
            context.putString(REPORT_URI, csv.uri().toString());
            // the page's header and the manifest give the CSV's counts, so the three always agree
            String pageKey = batchId + "/" + ContactSheet.FILE_NAME;
            URI page = store.uriOf(pageKey);
            // a proof run's manifest says where its contact sheet is, to look at before approving
            BatchManifest withProof = manifests.withProof(manifests.finished(facts, csv.result(), job), page);
            // a batch with variants lists them, and the chosen ones (README.md, Variants)
            BatchManifest manifest = !namesVariants ? withProof : withProof.withVariants(new BatchManifest.Variants(
                    batch.variants(), csv.result().counts().values().stream().mapToLong(Long::longValue).sum(),
                    ledger.report().chosen(batchId).stream().map(e -> new BatchManifest.Chosen(e.rowNum(), e.rowId(),
                            e.variant(), BatchOutputKeys.chosenUri(e.outputUri(), e.variant()))).toList()));

            URI html = writeContactSheet(manifest, page);
            context.putString(CONTACT_SHEET_URI, html.toString());

            context.putString(BatchEndNotifier.MANIFEST_JSON, writeManifest(manifest));

            return csv.result().counts().values().stream().mapToLong(Long::longValue).sum();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /**
     * Writes {@code manifest.json} through a local temporary file, each stored row's renditions streamed from the
     * ledger ({@link BatchManifest#writeJson}), so memory does not grow with the catalogue.
     *
     * @return the JSON for the batch-end webhook and the job's {@code ExecutionContext}: the file's own text when
     *         it is at most {@value #CONTEXT_MANIFEST_CHARS} characters; otherwise the manifest without its
     *         {@code renditions} list (one entry per stored row: for a large batch, read it from the file)
     */
    private String writeManifest(BatchManifest manifest) throws IOException {
        String batchId = batch.batchId();
        long unlabelled = DeliveredFiles.unlabelled(ledger, batchId);
        Path spool = Files.createTempFile("imagebatch-manifest-", ".part");
        try {
            try (BufferedWriter out = Files.newBufferedWriter(spool, StandardCharsets.UTF_8)) {
                manifest.writeJson(unlabelled, batch.renditions().isEmpty() ? null
                        : each -> DeliveredFiles.forEachRow(ledger, batchId, batch.renditions(), store, each), out);
            }
            store.putFile(batchId + "/" + BatchManifest.FILE_NAME, spool, "application/json");
            if (Files.size(spool) <= CONTEXT_MANIFEST_CHARS) { // bytes: at least as many as characters
                return Files.readString(spool, StandardCharsets.UTF_8);
            }
            return manifest.toJson(new DeliveredFiles(java.util.List.of(), unlabelled));
        } finally {
            Files.deleteIfExists(spool);
        }
    }

    /**
     * Sets the entries per page of the contact sheet ({@code imagebatch.report.contact-sheet-page-size}; README.md,
     * "Output and the report"): page 1 is {@code report.html}, page n {@code report-n.html}.
     *
     * @param entries entries per page, 1 or more (default {@value ContactSheet#DEFAULT_PAGE_SIZE})
     * @return this tasklet
     * @throws IllegalArgumentException when {@code entries} is less than 1
     */
    public ReportTasklet contactSheetPageSize(int entries) {
        if (entries < 1) {
            throw new IllegalArgumentException("imagebatch.report.contact-sheet-page-size=" + entries
                    + ": a contact sheet page has 1 entry or more");
        }
        this.contactSheetPageSize = entries;
        return this;
    }

    /**
     * Writes the contact sheet's pages, each spooled to a local temporary file and stored as soon as it is
     * complete (one page on disk at a time).
     *
     * @return the URI of page 1, {@code report.html}
     */
    private URI writeContactSheet(BatchManifest manifest, URI firstPage) throws IOException {
        String batchId = batch.batchId();
        URI[] first = {null};
        ContactSheet.writePages(ledger, manifest, firstPage, contactSheetPageSize,
                new ContactSheet.Pages() {
                    private Path spool;
                    private BufferedWriter out;

                    @Override
                    public Appendable open(int number) throws IOException {
                        spool = Files.createTempFile("imagebatch-report-", ".part");
                        out = Files.newBufferedWriter(spool, StandardCharsets.UTF_8);
                        return out;
                    }

                    @Override
                    public void close(int number) throws IOException {
                        try {
                            out.close();
                            URI uri = store.putFile(batchId + "/" + ContactSheet.fileName(number), spool,
                                    "text/html; charset=utf-8");
                            if (number == 1) {
                                first[0] = uri;
                            }
                        } finally {
                            Files.deleteIfExists(spool);
                        }
                    }
                });
        // a rewrite with fewer pages (a smaller page size set since) leaves the earlier extra pages in place, but
        // no page written now links to them
        return first[0];
    }

    /** Writes one object through a local temporary file, then stores it from the file ({@link OutputStore#putFile}). */
    private <T> Stored<T> spoolAndPut(String key, String contentType, SpoolWriter<T> writer) throws IOException {
        Path spool = Files.createTempFile("imagebatch-report-", ".part");
        try {
            T result;
            try (BufferedWriter out = Files.newBufferedWriter(spool, StandardCharsets.UTF_8)) {
                result = writer.write(out);
            }
            // from the file, which the store can send again when a write is answered SlowDown or 5xx (a one-shot
            // stream cannot be replayed; docs/design.md: transient store errors are retried)
            return new Stored<>(result, store.putFile(key, spool, contentType));
        } finally {
            Files.deleteIfExists(spool);
        }
    }

    /**
     * Rows of the batch were not in a final state when the report was due (a task still running, or an image
     * not stored yet). The report step then ends the run as FAILED, which is resumable: the same command runs the
     * poll and download steps again, which finish those rows, and then the report (README, "Other commands").
     */
    public static class RowsStillInFlightException extends RuntimeException {

        /** @param message how many rows, in which states, and what to do */
        public RowsStillInFlightException(String message) {
            super(message);
        }
    }

    @FunctionalInterface
    private interface SpoolWriter<T> {
        T write(Writer out) throws IOException;
    }

    private record Stored<T>(T result, URI uri) {
    }

    /** Closes the output store; called by the step scope when the step ends. */
    @Override
    public void close() {
        store.close();
    }
}
