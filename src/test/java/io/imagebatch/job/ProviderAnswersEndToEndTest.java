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
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the command line treats a provider's answers to create calls, end to end against the sandbox (README,
 * failure table): a gateway error may hide a task, an address that answers 404 is a configuration problem (not 45
 * rejected rows), and rows a provider's answer rejected can be sent again.
 */
class ProviderAnswersEndToEndTest {

    @TempDir
    Path work;

    private SandboxProvider sandbox;

    @BeforeEach
    void start() {
        sandbox = SandboxProvider.start(SandboxSettings.defaults().withSeed(5)
                .withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(200)));
    }

    @AfterEach
    void stop() {
        sandbox.close();
    }

    private List<String> providerOptions(String baseUrl) {
        return List.of("--imagebatch.providers.liangxin.base-url=" + baseUrl,
                "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                "--imagebatch.download.allow-private-networks=true");
    }

    private CliRun run(String baseUrl) {
        List<String> args = new ArrayList<>(SampleCatalogue.options());
        args.addAll(List.of("--provider", "liangxin", "--output", "file:" + work.resolve("out")));
        args.addAll(providerOptions(baseUrl));
        return CliRun.run(work, args.toArray(String[]::new));
    }

    private Map<String, Long> reportCounts(String batchId) throws Exception {
        try (Reader in = Files.newBufferedReader(work.resolve("out").resolve(batchId).resolve("report.csv"))) {
            List<CSVRecord> lines = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get()
                    .parse(in).getRecords();
            return lines.stream().collect(Collectors.groupingBy(r -> r.get("status"), Collectors.counting()));
        }
    }

    @Test
    void aCreateAnsweredWithAGatewayErrorIsUncertainAndNeverSentAgain() throws Exception {
        sandbox.failEveryRequestWith(502);

        CliRun run = run(sandbox.baseUrl().toString());

        assertThat(run.exitCode()).as(run.output()).isEqualTo(ImageBatchCli.COMPLETED);
        assertThat(reportCounts(run.batchId())).containsEntry("UNCERTAIN", (long) SampleCatalogue.VALID)
                .containsEntry("REJECTED", (long) SampleCatalogue.REJECTED.size());
        assertThat(sandbox.stats().rejectedCreates()).as("each row's create sent once, not retried")
                .isEqualTo(SampleCatalogue.VALID);
    }

    @Test
    void aBaseUrlWithAWrongPathStopsTheJobNamingTheUrlAndRejectsNoRowThenTheFixedUrlSendsEveryRow()
            throws Exception {
        String wrong = sandbox.baseUrl() + "/wrong-prefix";

        CliRun broken = run(wrong);

        assertThat(broken.exitCode()).as(broken.output()).isEqualTo(ImageBatchCli.FAILED);
        assertThat(broken.output()).contains("stopped because: liangxin createTask answered HTTP 404 at " + wrong
                + "/api/v1/jobs/createTask").doesNotContain(SampleCatalogue.VALID + " REJECTED");
        assertThat(CliRun.command(work, "status", broken.batchId()).output()).doesNotContain("REJECTED")
                .contains("can be resumed: yes");
        assertThat(sandbox.stats().creates()).isZero();

        CliRun fixed = run(sandbox.baseUrl().toString());

        assertThat(fixed.exitCode()).as(fixed.output()).isEqualTo(ImageBatchCli.COMPLETED);
        assertThat(fixed.output()).doesNotContain("already completed");
        assertThat(reportCounts(fixed.batchId())).containsEntry("SUCCEEDED", (long) SampleCatalogue.VALID)
                .containsEntry("REJECTED", (long) SampleCatalogue.REJECTED.size());
        assertThat(sandbox.stats().createsByPrompt()).allSatisfy((p, n) -> assertThat(n).isEqualTo(1));
    }

    @Test
    void rowsAProviderAnswerRejectedAreSentAgainByRetryFailedIncludeRejected() throws Exception {
        sandbox.failEveryRequestWith(422);
        CliRun first = run(sandbox.baseUrl().toString());
        assertThat(first.exitCode()).as(first.output()).isEqualTo(ImageBatchCli.COMPLETED);
        assertThat(reportCounts(first.batchId())).containsEntry("REJECTED",
                (long) SampleCatalogue.ROWS);
        sandbox.failEveryRequestWith(0);

        List<String> args = new ArrayList<>(List.of(first.batchId(), "--include-rejected"));
        args.addAll(providerOptions(sandbox.baseUrl().toString()));
        CliRun retry = CliRun.command(work, "retry-failed", args.toArray(String[]::new));

        assertThat(retry.exitCode()).as(retry.output()).isEqualTo(ImageBatchCli.COMPLETED);
        // rows our own rules rejected are never sent; the rows the provider refused are, once each
        assertThat(reportCounts(first.batchId())).containsEntry("SUCCEEDED", (long) SampleCatalogue.VALID)
                .containsEntry("REJECTED", (long) SampleCatalogue.REJECTED.size());
        assertThat(sandbox.stats().creates()).isEqualTo(SampleCatalogue.VALID);
        assertThat(sandbox.stats().createsByPrompt()).allSatisfy((p, n) -> assertThat(n).isEqualTo(1));
    }
}
