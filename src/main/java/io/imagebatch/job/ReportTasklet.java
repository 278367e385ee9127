package io.imagebatch.job;

import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.report.ReportStatus;
import io.imagebatch.report.ResultsReport;
import io.imagebatch.storage.OutputStore;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * The report step: writes {@code report.csv} ({@link ResultsReport}) to {@code <output>/<batch id>/report.csv}
 * and leaves its URI in the job's {@code ExecutionContext} under {@link #REPORT_URI}. The CSV is spooled to a
 * local temporary file first, so memory does not grow with the catalogue.
 */
public class ReportTasklet implements Tasklet, AutoCloseable {

    /** Job execution context key of the report's URI. */
    public static final String REPORT_URI = "report.uri";

    private final BatchSettings batch;
    private final TaskLedger ledger;
    private final OutputStore store;

    /**
     * @param batch  the batch's settings
     * @param ledger the ledger
     * @param store  the batch's output store (owned by this tasklet: closed by {@link #close()})
     */
    public ReportTasklet(BatchSettings batch, TaskLedger ledger, OutputStore store) {
        this.batch = batch;
        this.ledger = ledger;
        this.store = store;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws IOException {
        String batchId = batch.batchId();
        Path spool = Files.createTempFile("imagebatch-report-", ".csv");
        try {
            Map<ReportStatus, Long> counts;
            try (BufferedWriter out = Files.newBufferedWriter(spool, StandardCharsets.UTF_8)) {
                counts = ResultsReport.write(ledger, batchId, batch.catalogueRows(), out);
            }
            URI uri;
            try (InputStream in = Files.newInputStream(spool)) {
                uri = store.put(ObjectKeys.report(batchId), in, Files.size(spool), "text/csv; charset=utf-8");
            }
            contribution.incrementWriteCount(counts.values().stream().mapToLong(Long::longValue).sum());
            chunkContext.getStepContext().getStepExecution().getJobExecution().getExecutionContext()
                    .putString(REPORT_URI, uri.toString());
            return RepeatStatus.FINISHED;
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } finally {
            Files.deleteIfExists(spool);
        }
    }

    /** Closes the output store; called by the step scope when the step ends. */
    @Override
    public void close() {
        store.close();
    }
}
