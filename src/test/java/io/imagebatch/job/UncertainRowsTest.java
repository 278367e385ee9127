package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.SampleCatalogue;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A create call whose answer is lost after the provider made the task. The row is UNCERTAIN and never
 * resent; where the provider can list its tasks (HiAPI), the row is reconciled with the task it made.
 */
class UncertainRowsTest {

    @TempDir
    Path work;

    private CliRun run(SandboxProvider sandbox, String provider) {
        List<String> args = new ArrayList<>(SampleCatalogue.options());
        args.addAll(List.of("--provider", provider, "--output", "file:" + work.resolve("out"),
                "--imagebatch.providers." + provider + ".base-url=" + sandbox.baseUrl(),
                "--imagebatch.providers." + provider + ".api-key=" + SandboxProvider.API_KEY,
                "--imagebatch.download.allow-private-networks=true"));
        return CliRun.run(work, args.toArray(String[]::new));
    }

    private List<CSVRecord> report(String batchId) throws Exception {
        try (Reader in = Files.newBufferedReader(work.resolve("out").resolve(batchId).resolve("report.csv"))) {
            return CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(in).getRecords();
        }
    }

    @Test
    void aDroppedCreateIsUncertainAndNeverResent() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults().withCreateDropRate(0.25)
                .withSeed(11).withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(200)))) {
            CliRun run = run(sandbox, "liangxin");

            assertThat(run.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            int dropped = sandbox.stats().droppedCreates();
            assertThat(dropped).as("the seeded drop rate drops some creates").isPositive();
            List<CSVRecord> uncertain = report(run.batchId()).stream()
                    .filter(r -> r.get("status").equals("UNCERTAIN")).toList();
            assertThat(uncertain).hasSize(dropped);
            assertThat(uncertain).extracting(r -> r.get("prompt"))
                    .containsExactlyInAnyOrderElementsOf(sandbox.stats().droppedCreatesByPrompt().keySet());
            assertThat(sandbox.stats().createsByPrompt()).allSatisfy((p, n) -> assertThat(n).isEqualTo(1));

            CliRun again = run(sandbox, "liangxin");
            assertThat(again.output()).contains("already completed");
            assertThat(sandbox.stats().createsByPrompt()).allSatisfy((p, n) -> assertThat(n).isEqualTo(1));
        }
    }

    @Test
    void atHiApiADroppedCreateIsReconciledWithTheTaskItMade() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults().withCreateDropRate(0.25)
                .withSeed(11).withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(200)))) {
            CliRun run = run(sandbox, "hiapi");

            assertThat(run.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            assertThat(sandbox.stats().droppedCreates()).isPositive();
            List<CSVRecord> report = report(run.batchId());
            assertThat(report).noneMatch(r -> r.get("status").equals("UNCERTAIN"));
            long succeeded = report.stream().filter(r -> r.get("status").equals("SUCCEEDED")).count();
            // every task made, dropped answers included, became exactly one row's image
            assertThat(succeeded).isEqualTo(sandbox.stats().creates());
            assertThat(sandbox.stats().createsByPrompt()).allSatisfy((p, n) -> assertThat(n).isEqualTo(1));
        }
    }
}
