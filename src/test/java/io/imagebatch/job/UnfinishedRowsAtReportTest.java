package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.app.BatchSettingsResolver;
import io.imagebatch.app.RunOptions;
import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.testsupport.CliRun;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.FileSystemUtils;

/**
 * Every row ends in a state the report knows. A row still in flight when the report is due (what the finish race between the steps left behind, see
 * {@link PipelineFinishRaceTest}) never stops a batch for good: the same command polls it to its end, stores its
 * image and writes the report. A row that {@code retry-failed} made PENDING and that is rejected when read again
 * ends REJECTED, so the retry round completes.
 */
class UnfinishedRowsAtReportTest {

    @TempDir
    Path work;

    @Test
    void aRowLeftInFlightWhenTheReportIsDueIsFinishedByRunningTheSameCommandAgain() throws Exception {
        Path catalogue = Files.writeString(work.resolve("c.csv"), "id,prompt\nA1,a red chair\nA2,a blue lamp\n");
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(100)))) {
            List<String> args = List.of("--catalogue", catalogue.toString(), "--output", "file:" + work.resolve("out"),
                    "--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                    "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                    "--imagebatch.download.allow-private-networks=true");
            String batchId = BatchSettingsResolver.resolve(RunOptions.parse(args), null).batchId();
            // the first run's report cannot be written (a folder holds its name), so the run ends after its
            // poll and download steps completed
            Path blocker = Files.createDirectories(work.resolve("out").resolve(batchId).resolve("report.csv"));
            Files.writeString(blocker.resolve("keep"), "x");
            CliRun first = CliRun.run(work, args.toArray(String[]::new));
            assertThat(first.exitCode()).isEqualTo(ImageBatchCli.FAILED);
            FileSystemUtils.deleteRecursively(blocker);
            // the state the finish race leaves: poll and download completed, a row's task still in flight
            inLedger("UPDATE IB_TASK_LEDGER SET STATE = 'SUBMITTED', RESULT_URL = NULL, OUTPUT_URI = NULL,"
                    + " SHA256 = NULL, BYTES = NULL, NEXT_CHECK_AT = 0 WHERE BATCH_ID = ? AND ROW_NUM = 2", batchId);

            CliRun again = CliRun.run(work, args.toArray(String[]::new));

            assertThat(again.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            assertThat(sandbox.stats().creates()).as("nothing was created again").isEqualTo(2);
            List<CSVRecord> report;
            try (Reader in = Files.newBufferedReader(work.resolve("out").resolve(batchId).resolve("report.csv"))) {
                report = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(in)
                        .getRecords();
            }
            assertThat(report).hasSize(2).allSatisfy(r -> {
                assertThat(r.get("status")).isEqualTo("SUCCEEDED");
                assertThat(Path.of(java.net.URI.create(r.get("output_uri")))).exists();
            });
        }
    }

    @Test
    void aPendingRowThatIsRejectedWhenReadAgainEndsRejectedAndTheRetryRoundCompletes() throws Exception {
        // row 2 has no prompt: today's rules reject it
        Path catalogue = Files.writeString(work.resolve("c.csv"), "id,prompt\nA1,a red chair\nA2,\n");
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults().withFailureRate(1.0)
                .withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(100)))) {
            List<String> provider = List.of("--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                    "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                    "--imagebatch.download.allow-private-networks=true");
            List<String> args = new java.util.ArrayList<>(List.of("--catalogue", catalogue.toString(),
                    "--output", "file:" + work.resolve("out")));
            args.addAll(provider);
            CliRun first = CliRun.run(work, args.toArray(String[]::new));
            assertThat(first.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            String batchId = first.batchId();
            // as if the rules of the first run had accepted row 2 and its generation had failed
            inLedger("UPDATE IB_TASK_LEDGER SET STATE = 'FAILED', FAILURE_KIND = 'GENERATION_FAILED',"
                    + " ERROR_CODE = 'fail', PROVIDER = 'liangxin' WHERE BATCH_ID = ? AND ROW_NUM = 2", batchId);

            List<String> retryArgs = new java.util.ArrayList<>(List.of(batchId));
            retryArgs.addAll(provider);
            CliRun retry = CliRun.command(work, "retry-failed", retryArgs.toArray(String[]::new));

            assertThat(retry.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            List<CSVRecord> report;
            try (Reader in = Files.newBufferedReader(work.resolve("out").resolve(batchId).resolve("report.csv"))) {
                report = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(in)
                        .getRecords();
            }
            assertThat(report).extracting(r -> r.get("status")).containsExactly("FAILED", "REJECTED");
            assertThat(report.get(1).get("error")).contains("row 2, column prompt");
        }
    }

    private void inLedger(String sql, String batchId) throws Exception {
        String url = CliRun.database(work).get(0).substring("--spring.datasource.url=".length());
        try (Connection c = DriverManager.getConnection(url, "sa", "");
                PreparedStatement update = c.prepareStatement(sql)) {
            update.setString(1, batchId);
            assertThat(update.executeUpdate()).isEqualTo(1);
        }
    }
}
