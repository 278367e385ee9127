package io.imagebatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.app.BatchSettingsResolver;
import io.imagebatch.app.RunOptions;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.S3ProxyServer;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a catalogue, an output and a sandbox run can do to a batch, through the real command line: whatever a
 * cell holds is at worst its row's rejection; keys never collide ignoring case; a sandbox run is its own batch;
 * a resume reads the catalogue it hashed; an unwritable output is found before anything is paid for.
 */
class BatchInputTest {

    @TempDir
    Path work;

    private SandboxProvider sandbox;

    @BeforeEach
    void startSandbox() {
        sandbox = SandboxProvider.start(SandboxSettings.defaults().withFailureRate(0)
                .withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(200)));
    }

    @AfterEach
    void stopSandbox() {
        sandbox.close();
    }

    private List<String> real(String... extra) {
        List<String> args = new ArrayList<>(List.of(extra));
        args.addAll(List.of("--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                "--imagebatch.download.allow-private-networks=true"));
        return args;
    }

    private CliRun run(String... args) {
        return CliRun.run(work, real(args).toArray(String[]::new));
    }

    private Path catalogue(String name, String text) throws Exception {
        return Files.writeString(work.resolve(name), text);
    }

    private List<CSVRecord> report(Path out, String batchId) throws Exception {
        try (Reader in = Files.newBufferedReader(out.resolve(batchId).resolve("report.csv"))) {
            return CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(in).getRecords();
        }
    }

    @Test
    void cellsTheLedgerCannotHoldRejectTheirRowAndTheBatchCompletes() throws Exception {
        Path file = catalogue("cells.csv", "id,prompt,model\n"
                + "A1,a red chair,\n"
                + "L" + "x".repeat(599) + ",a lamp,\n"
                + "\"bell\u0007id\",a table,\n"
                + "A4,a sofa," + "m".repeat(200) + "\n"
                + "A5," + "p".repeat(70_000) + ",\n"
                + "A6,a rug,\n");
        Path out = work.resolve("out");

        CliRun first = run("--catalogue", file.toString(), "--output", "file:" + out);

        assertThat(first.exitCode()).as(first.output()).isEqualTo(ImageBatchCli.COMPLETED);
        Map<String, String> byRow = report(out, first.batchId()).stream()
                .collect(Collectors.toMap(r -> r.get("row_number"), r -> r.get("status") + " " + r.get("error")));
        assertThat(byRow.get("1")).startsWith("SUCCEEDED");
        assertThat(byRow.get("2")).startsWith("REJECTED row 2, column id: 600 characters long");
        assertThat(byRow.get("3")).startsWith("REJECTED row 3, column id: holds the control character U+0007");
        assertThat(byRow.get("4")).startsWith("REJECTED row 4, column model: 200 characters long");
        assertThat(byRow.get("5")).startsWith("REJECTED row 5, column prompt: longer than 65536 characters");
        assertThat(byRow.get("6")).startsWith("SUCCEEDED");
        assertThat(sandbox.stats().creates()).isEqualTo(2);

        CliRun again = run("--catalogue", file.toString(), "--output", "file:" + out);
        assertThat(again.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
        assertThat(again.output()).contains("already completed");
    }

    @Test
    void idsThatDifferOnlyInCaseAreStoredUnderKeysThatDifferIgnoringCase() throws Exception {
        Path file = catalogue("case.csv", "id,prompt\nNB-1,a red chair\nnb-1,a blue chair\nNB-2,a lamp\n");
        Path out = work.resolve("out");

        CliRun first = run("--catalogue", file.toString(), "--output", "file:" + out);

        assertThat(first.exitCode()).as(first.output()).isEqualTo(ImageBatchCli.COMPLETED);
        List<CSVRecord> rows = report(out, first.batchId());
        assertThat(rows).extracting(r -> r.get("status")).containsOnly("SUCCEEDED");
        Set<String> folded = new HashSet<>();
        for (CSVRecord row : rows) {
            assertThat(folded.add(row.get("output_uri").toLowerCase(Locale.ROOT)))
                    .as("%s is unique ignoring case", row.get("output_uri")).isTrue();
        }
        try (Stream<Path> images = Files.list(out.resolve(first.batchId()))) {
            assertThat(images.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".png")))
                    .hasSize(3).contains("NB-2.png");
        }
    }

    @Test
    void aSandboxRunIsAnotherBatchThanTheRealRunAndSaysSandboxEverywhere() throws Exception {
        Path file = catalogue("trial.csv", "id,prompt\nT1,a red chair\nT2,a lamp\n");
        Path out = work.resolve("out");
        String common = "name: trial\ncatalogue: " + file + "\noutput: file:" + out + "\n";
        Path sandboxJob = Files.writeString(work.resolve("try.yml"), common
                + "sandbox: { min-generation-time: 50ms, max-generation-time: 200ms, failure-rate: 0 }\n");
        Path realJob = Files.writeString(work.resolve("real.yml"), common);

        CliRun trial = CliRun.run(work, sandboxJob.toString());

        assertThat(trial.exitCode()).as(trial.output()).isEqualTo(ImageBatchCli.COMPLETED);
        assertThat(trial.output()).contains("SANDBOX: placeholder images");
        String trialBatch = trial.batchId();
        assertThat(Files.readString(out.resolve(trialBatch).resolve("manifest.json"))).contains("\"sandbox\":true");
        assertThat(Files.readString(out.resolve(trialBatch).resolve("report.html")))
                .contains("<title>SANDBOX").contains("<b>SANDBOX</b>");

        CliRun production = run(realJob.toString());

        assertThat(production.exitCode()).as(production.output()).isEqualTo(ImageBatchCli.COMPLETED);
        assertThat(production.batchId()).isNotEqualTo(trialBatch);
        assertThat(production.output()).doesNotContain("already completed").doesNotContain("SANDBOX");
        assertThat(sandbox.stats().creates()).as("the real run sent its rows").isEqualTo(2);
        assertThat(Files.readString(out.resolve(production.batchId()).resolve("manifest.json")))
                .contains("\"sandbox\":false");

        assertThat(CliRun.command(work, "status", trialBatch).output()).contains("SANDBOX batch");
        CliRun restartWithoutSandbox = CliRun.command(work, "restart", trialBatch);
        assertThat(restartWithoutSandbox.exitCode()).isEqualTo(ImageBatchCli.USAGE);
        assertThat(restartWithoutSandbox.output()).contains("is a sandbox batch");
    }

    @Test
    void aResumeReadsTheCatalogueItHashedNeverAChangedFileAtTheFirstRunsPath() throws Exception {
        String original = "id,prompt\nR1,a red chair\nR2,a blue lamp\nR3,a green rug\n";
        Path first = catalogue("first.csv", original);
        Path out = work.resolve("out");
        sandbox.failEveryRequestWith(401);
        CliRun refused = run("--catalogue", first.toString(), "--output", "file:" + out, "--name", "resume");
        assertThat(refused.exitCode()).as(refused.output()).isEqualTo(ImageBatchCli.FAILED);
        String batchId = refused.batchId();
        sandbox.failEveryRequestWith(0);

        Path copy = catalogue("copy.csv", original);
        Files.writeString(first, "id,prompt\nR1,something else entirely\nR2,not this\nR3,nor this\n");
        CliRun resumed = run("--catalogue", copy.toString(), "--output", "file:" + out, "--name", "resume");

        assertThat(resumed.exitCode()).as(resumed.output()).isEqualTo(ImageBatchCli.COMPLETED);
        assertThat(resumed.batchId()).isEqualTo(batchId);
        assertThat(sandbox.stats().createsByPrompt().keySet())
                .containsExactlyInAnyOrder("a red chair", "a blue lamp", "a green rug");

        // restart (and retry-failed) read the batch's own path: changed, so refused, saying what changed
        CliRun restart = CliRun.command(work, "restart", batchId);
        assertThat(restart.exitCode()).isEqualTo(ImageBatchCli.USAGE);
        assertThat(restart.output()).contains("changed since the batch started (then 3 rows, SHA-256");
    }

    @Test
    void aRelativeFileOutputIsResolvedOnceAtTheBatchsStart() throws Exception {
        Path file = catalogue("c.csv", "id,prompt\nU1,a red chair\n");
        RunOptions options = RunOptions.parse(List.of("--catalogue", file.toString(), "--output",
                "file:relative/out"));

        var settings = BatchSettingsResolver.resolve(options, null);

        assertThat(settings.output()).isEqualTo("file:relative/out");
        assertThat(settings.absoluteOutput()).isEqualTo("file:" + Path.of("relative/out").toAbsolutePath());
        assertThat(settings.destination()).isEqualTo(settings.absoluteOutput());
    }

    @Test
    void anUnwritableFolderOutputIsRefusedBeforeAnythingIsSent() throws Exception {
        Path file = catalogue("c.csv", "id,prompt\nU1,a red chair\nU2,a lamp\n");
        Path blocked = Files.writeString(work.resolve("blocked"), "a file where the folder should be");

        CliRun refused = run("--catalogue", file.toString(), "--output", "file:" + blocked.resolve("out"));

        assertThat(refused.exitCode()).as(refused.output()).isEqualTo(ImageBatchCli.USAGE);
        assertThat(refused.output()).contains("output file:" + blocked.resolve("out") + " cannot be written");
        assertThat(sandbox.stats().creates()).isZero();
    }

    @Test
    void aMissingBucketIsRefusedBeforeAnythingIsSent() throws Exception {
        Path file = catalogue("c.csv", "id,prompt\nU1,a red chair\n");
        try (S3ProxyServer s3 = S3ProxyServer.start()) {
            s3.createBucket("present");
            String[] s3Args = {"--imagebatch.s3.endpoint=" + s3.endpoint(), "--imagebatch.s3.path-style=true",
                "--imagebatch.s3.region=" + S3ProxyServer.REGION};
            System.setProperty("aws.accessKeyId", S3ProxyServer.ACCESS_KEY);
            System.setProperty("aws.secretAccessKey", S3ProxyServer.SECRET_KEY);
            List<String> args = new ArrayList<>(List.of("--catalogue", file.toString(), "--output",
                    "s3://absent-bucket/images"));
            args.addAll(List.of(s3Args));

            CliRun refused = run(args.toArray(String[]::new));

            assertThat(refused.exitCode()).as(refused.output()).isEqualTo(ImageBatchCli.USAGE);
            assertThat(refused.output()).contains("output s3://absent-bucket/images cannot be written")
                    .contains("HeadBucket absent-bucket");
            assertThat(sandbox.stats().creates()).isZero();

            args.set(3, "s3://present/images");
            CliRun stored = run(args.toArray(String[]::new));
            assertThat(stored.exitCode()).as(stored.output()).isEqualTo(ImageBatchCli.COMPLETED);
            assertThat(s3.client().listObjectsV2(b -> b.bucket("present")).contents())
                    .noneMatch(o -> o.key().contains(".imagebatch-probe-"));
        } finally {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
        }
    }

    @Test
    @EnabledOnOs({OS.LINUX, OS.MAC})
    void anEndlessCatalogueIsRefusedWithAMessageNotAStackTrace() {
        CliRun validate = CliRun.command(work, "validate", "--catalogue", "/dev/zero");

        assertThat(validate.exitCode()).isEqualTo(ImageBatchCli.USAGE);
        assertThat(validate.output()).contains("imagebatch: catalogue zero: the header row is longer than")
                .doesNotContain("Exception");
    }
}
