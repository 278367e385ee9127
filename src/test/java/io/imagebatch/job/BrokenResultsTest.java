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
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A result whose body ends early is retried, then the task's status is queried once more for a fresh
 * URL, then the row is FAILED with the reason; a partial file is never stored as the image.
 */
class BrokenResultsTest {

    @TempDir
    Path work;

    @Test
    void aResultThatIsAlwaysCutShortIsRetriedThenRefreshedThenFailedAndNothingPartialIsStored() throws Exception {
        Path catalogue = Files.writeString(work.resolve("c.csv"), "id,prompt\nA1,a red chair\nA2,a blue lamp\n");
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults().withDownloadCutRate(1.0)
                .withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(100)))) {
            CliRun run = CliRun.run(work, "--catalogue", catalogue.toString(),
                    "--output", "file:" + work.resolve("out"),
                    "--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                    "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                    "--imagebatch.download.allow-private-networks=true");

            assertThat(run.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            List<CSVRecord> report;
            try (Reader in = Files.newBufferedReader(work.resolve("out").resolve(run.batchId()).resolve("report.csv"))) {
                report = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(in)
                        .getRecords();
            }
            assertThat(report).hasSize(2).allSatisfy(r -> {
                assertThat(r.get("status")).isEqualTo("FAILED");
                assertThat(r.get("error")).contains("after 3 attempts (and a fresh result URL)");
                assertThat(r.get("output_uri")).isEmpty();
            });
            // per task: one poll that saw success, one more query for a fresh URL
            assertThat(sandbox.stats().statusQueries()).isGreaterThanOrEqualTo(4);
            // 3 attempts with the first URL and 3 with the fresh one, all cut short
            assertThat(sandbox.stats().cutDownloads()).isEqualTo(12);
            try (Stream<Path> files = Files.walk(work.resolve("out"))) {
                assertThat(files.filter(Files::isRegularFile).map(f -> f.getFileName().toString()))
                        .containsExactlyInAnyOrder("report.csv", "report.html", "manifest.json");
            }
        }
    }
}
