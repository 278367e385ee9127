package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.testsupport.CliRun;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Google's 1632 PartiPrompts (src/test/resources/catalogue/PartiPrompts.tsv, Apache 2.0) through the sandbox provider: one image per
 * valid row, one REJECTED line for each prompt shorter than LiangXin's 2 characters.
 */
class PartiPromptsBatchTest {

    private static final Path PARTI = Path.of("src/test/resources/catalogue/PartiPrompts.tsv");

    @TempDir
    Path work;

    @Test
    void everyValidPromptBecomesOneImageAndEveryTooShortPromptIsRejected() throws Exception {
        // the expectation, computed from the file independently of the job's reader (the file has no quoted
        // fields, so plain tab splitting reads it)
        List<CSVRecord> prompts;
        try (Reader in = Files.newBufferedReader(PARTI)) {
            prompts = CSVFormat.TDF.builder().setQuote(null).setHeader().setSkipHeaderRecord(true).get()
                    .parse(in).getRecords();
        }
        long tooShort = prompts.stream().filter(r -> r.get("Prompt").trim().codePointCount(0,
                r.get("Prompt").trim().length()) < 2).count();
        long valid = prompts.size() - tooShort;

        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ZERO, Duration.ofMillis(50)))) {
            Path output = work.resolve("output");
            long started = System.nanoTime();
            CliRun run = CliRun.run(work, "--catalogue", PARTI.toString(), "--output", "file:" + output,
                    "--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                    "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                    "--imagebatch.download.allow-private-networks=true",
                    "--imagebatch.job.poll-early=50ms", "--imagebatch.job.chunk-size=50");
            System.out.printf("PartiPrompts: %d rows in %.1f s%n", prompts.size(),
                    (System.nanoTime() - started) / 1e9);

            assertThat(run.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            String batchId = run.batchId();
            assertThat(run.output()).contains(prompts.size() + " rows: " + valid + " SUCCEEDED, " + tooShort
                    + " REJECTED, 0 FAILED, 0 UNCERTAIN");
            try (var files = Files.list(output.resolve(batchId))) {
                assertThat(files.filter(f -> f.toString().endsWith(".png")).count()).isEqualTo(valid);
            }
            assertThat(sandbox.stats().creates()).isEqualTo((int) valid);
            List<CSVRecord> report;
            try (Reader in = Files.newBufferedReader(output.resolve(batchId).resolve("report.csv"))) {
                report = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(in)
                        .getRecords();
            }
            assertThat(report).hasSize(prompts.size());
            assertThat(report).filteredOn(r -> r.get("status").equals("REJECTED"))
                    .hasSize((int) tooShort)
                    .allSatisfy(r -> assertThat(r.get("error")).contains("column prompt")
                            .contains("2 to 3000 characters"));
        }
    }
}
