package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.testsupport.CliRun;
import java.io.IOException;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Content refusals end to end on the sandbox, for each provider's protocol (README, "Content refusals";
 * docs/providers/content-policy.md): a prompt refused at create and one whose generation fails for content policy
 * both end FAILED with the category {@code content_policy}, apart from technical failures; {@code retry-failed}
 * leaves them; {@code retry-failed --include-content-policy} sends them again.
 */
class ContentRefusalsEndToEndTest {

    @TempDir
    Path work;
    private SandboxProvider sandbox;

    @BeforeEach
    void startSandbox() {
        sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(200)));
    }

    @AfterEach
    void stopSandbox() {
        sandbox.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"liangxin", "mingyan", "hiapi", "crun"})
    void promptsRefusedForContentEndFailedContentPolicyAndOnlyIncludeContentPolicySendsThemAgain(String provider)
            throws IOException {
        sandbox.refuseContent("forbiddenword", "blockedword");
        Path catalogue = work.resolve("catalogue.csv");
        Files.writeString(catalogue, "id,prompt\n"
                + "ok-1,A studio photo of a teapot\n"
                + "at-create,A studio photo of a forbiddenword teapot\n"
                + "in-generation,A studio photo of a blockedword teapot\n"
                + "ok-2,A studio photo of a kettle\n");

        CliRun run = CliRun.run(work, args("--catalogue", catalogue.toString(), "--provider", provider, "--output",
                "file:" + work.resolve("out")));

        String batch = run.batchId();
        Map<String, CSVRecord> report = report(batch);
        assertThat(report.get("ok-1").get("status")).as(run.output()).isEqualTo("SUCCEEDED");
        assertThat(report.get("ok-2").get("status")).isEqualTo("SUCCEEDED");
        for (String refused : List.of("at-create", "in-generation")) {
            assertThat(report.get(refused).get("status")).as(refused).isEqualTo("FAILED");
            assertThat(report.get(refused).get("failure")).as(refused).isEqualTo("content_policy");
            assertThat(report.get(refused).get("error")).as(refused).contains("content policy");
        }
        assertThat(run.output()).contains("2 FAILED row(s) refused for content policy (content_policy)");
        String sheet = Files.readString(work.resolve("out").resolve(batch).resolve("report.html"));
        assertThat(sheet).contains("id=\"content-policy\"").contains("Refused for content policy");
        // the refusal at create made no task; the one in generation did
        assertThat(sandbox.stats().creates()).isEqualTo(3);

        CliRun retry = CliRun.command(work, "retry-failed", args(batch));

        assertThat(retry.output()).contains("2 row(s) refused for content policy are left FAILED");
        assertThat(report(batch).get("at-create").get("status")).isEqualTo("FAILED");
        assertThat(sandbox.stats().creates()).isEqualTo(3);

        sandbox.refuseContent(null, null);
        CliRun again = CliRun.command(work, "retry-failed", args(batch, "--include-content-policy"));

        assertThat(again.exitCode()).as(again.output()).isEqualTo(ImageBatchCli.COMPLETED);
        assertThat(report(batch).values()).extracting(r -> r.get("status")).containsOnly("SUCCEEDED");
        assertThat(sandbox.stats().creates()).isEqualTo(5);
    }

    private String[] args(String... own) {
        List<String> args = new ArrayList<>(List.of(own));
        for (String provider : List.of("liangxin", "mingyan", "hiapi", "crun")) {
            args.add("--imagebatch.providers." + provider + ".base-url=" + sandbox.baseUrl());
            args.add("--imagebatch.providers." + provider + ".api-key=" + SandboxProvider.API_KEY);
        }
        args.add("--imagebatch.download.allow-private-networks=true");
        return args.toArray(String[]::new);
    }

    private Map<String, CSVRecord> report(String batchId) throws IOException {
        try (Reader in = Files.newBufferedReader(work.resolve("out").resolve(batchId).resolve("report.csv"))) {
            return CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(in).getRecords()
                    .stream().collect(Collectors.toMap(r -> r.get("row_id"), r -> r));
        }
    }
}
