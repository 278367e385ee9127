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
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job file's {@code fallback:} list end to end on the sandbox (README, "A fallback provider"): a refused account
 * moves the batch to the fallback, which makes every row exactly once; a row whose create may have made a task
 * (UNCERTAIN) never moves.
 */
class FallbackEndToEndTest {

    private static final int ROWS = 6;

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

    @Test
    void aRefusedAccountMovesTheBatchToItsFallbackWhichMakesEveryRowOnce() throws IOException {
        sandbox.refuseAccount("liangxin", 401);

        CliRun run = CliRun.run(work, args(jobFile("- { provider: hiapi, model: Nano-Banana-Pro }")));

        assertThat(run.exitCode()).as(run.output()).isEqualTo(ImageBatchCli.COMPLETED);
        assertThat(run.output()).contains(ROWS + " rows: " + ROWS + " SUCCEEDED")
                .contains("batch moved to hiapi Nano-Banana-Pro: the account was refused at liangxin")
                .contains("made by: hiapi Nano-Banana-Pro " + ROWS);
        List<CSVRecord> report = report(run.batchId());
        assertThat(report).hasSize(ROWS).allSatisfy(line -> {
            assertThat(line.get("status")).isEqualTo("SUCCEEDED");
            assertThat(line.get("provider")).isEqualTo("hiapi");
            assertThat(line.get("model")).isEqualTo("Nano-Banana-Pro");
        });
        assertThat(sandbox.createsBy("liangxin")).isZero();
        assertThat(sandbox.createsBy("hiapi")).isEqualTo(ROWS);
        assertThat(sandbox.stats().createsByPrompt()).hasSize(ROWS).allSatisfy((p, n) -> assertThat(n).isEqualTo(1));
    }

    @Test
    void withVariantsEveryVariantOfEveryRowIsMadeOnceAtTheFallbackWhenTheAccountIsRefused() throws IOException {
        sandbox.refuseAccount("liangxin", 401);
        Path job = jobFile("- { provider: hiapi, model: Nano-Banana-Pro }");
        Files.writeString(job, Files.readString(job) + "variants: 2\n");

        CliRun run = CliRun.run(work, args(job));

        assertThat(run.exitCode()).as(run.output()).isEqualTo(ImageBatchCli.COMPLETED);
        List<CSVRecord> report = report(run.batchId());
        assertThat(report).hasSize(ROWS * 2).allSatisfy(line -> {
            assertThat(line.get("status")).isEqualTo("SUCCEEDED");
            assertThat(line.get("provider")).isEqualTo("hiapi");
            assertThat(line.get("output_uri")).endsWith(line.get("row_id") + "-" + line.get("variant") + ".png");
        });
        assertThat(report.stream().map(line -> line.get("task_id")).distinct()).hasSize(ROWS * 2);
        // each prompt twice (its two variants), each variant once: no create of the first provider made a task
        assertThat(sandbox.createsBy("liangxin")).isZero();
        assertThat(sandbox.createsBy("hiapi")).isEqualTo(ROWS * 2);
        assertThat(sandbox.stats().createsByPrompt()).hasSize(ROWS).allSatisfy((p, n) -> assertThat(n).isEqualTo(2));
    }

    @Test
    void theSwitchToTheFallbackIsDurableSoAResumeContinuesThereAndNoRowIsCreatedTwice() throws IOException {
        sandbox.refuseAccount("liangxin", 401);
        sandbox.refuseAccount("hiapi", 402);
        Path job = jobFile("- { provider: hiapi }");

        CliRun first = CliRun.run(work, args(job));

        // the batch moved to hiapi, whose account was refused too: the last entry, so the job stops, resumable
        assertThat(first.exitCode()).as(first.output()).isEqualTo(ImageBatchCli.FAILED);
        assertThat(sandbox.stats().creates()).isZero();

        sandbox.refuseAccount("liangxin", 0);
        sandbox.refuseAccount("hiapi", 0);
        CliRun resumed = CliRun.run(work, args(job));

        assertThat(resumed.exitCode()).as(resumed.output()).isEqualTo(ImageBatchCli.COMPLETED);
        assertThat(report(resumed.batchId())).hasSize(ROWS).allSatisfy(line -> {
            assertThat(line.get("status")).isEqualTo("SUCCEEDED");
            assertThat(line.get("provider")).isEqualTo("hiapi");
        });
        // liangxin takes creates again, but the batch stays where it moved
        assertThat(sandbox.createsBy("liangxin")).isZero();
        assertThat(sandbox.createsBy("hiapi")).isEqualTo(ROWS);
        assertThat(sandbox.stats().createsByPrompt()).hasSize(ROWS).allSatisfy((p, n) -> assertThat(n).isEqualTo(1));
    }

    @Test
    void aRowTheFallbacksOwnRulesRejectIsRejectedWithThatProvidersReason() throws IOException {
        sandbox.refuseAccount("liangxin", 403);

        // crun.ai's v2 fixes the resolution at 1K (docs/providers/crun.md): the batch default 2K, which LiangXin
        // takes, is refused by the fallback's own rule
        Path job = jobFile("- { provider: crun, model: google/nano-banana-v2 }");
        Files.writeString(job, Files.readString(job) + "defaults: { resolution: 2K }\n");

        CliRun run = CliRun.run(work, args(job));

        List<CSVRecord> report = report(run.batchId());
        assertThat(report).hasSize(ROWS).allSatisfy(line -> {
            assertThat(line.get("status")).isEqualTo("REJECTED");
            assertThat(line.get("provider")).isEqualTo("crun");
            assertThat(line.get("error")).contains("column resolution").contains("fallback provider crun");
        });
        assertThat(sandbox.stats().creates()).isZero();
    }

    @Test
    void aRowWhoseProviderStaysBusyPastEveryAttemptMovesAloneToTheFallback() throws IOException {
        sandbox.failCreatesOf("liangxin", 503);
        List<String> args = new ArrayList<>(List.of(args(jobFile("- { provider: hiapi }"))));
        args.add("--imagebatch.job.create-attempts=2");

        CliRun run = CliRun.run(work, args.toArray(String[]::new));

        assertThat(run.exitCode()).as(run.output()).isEqualTo(ImageBatchCli.COMPLETED);
        assertThat(report(run.batchId())).hasSize(ROWS).allSatisfy(line -> {
            assertThat(line.get("status")).isEqualTo("SUCCEEDED");
            assertThat(line.get("provider")).isEqualTo("hiapi");
        });
        assertThat(run.output()).contains("6 row(s) moved to hiapi: still busy after 2 attempts at liangxin")
                .contains("made by: hiapi Nano-Banana-Pro 6");
        assertThat(sandbox.createsBy("liangxin")).isZero();
        assertThat(sandbox.stats().createsByPrompt()).hasSize(ROWS).allSatisfy((p, n) -> assertThat(n).isEqualTo(1));
    }

    @Test
    void rowsPastTheProvidersDailyBudgetMoveToTheFallbackInsteadOfBeingHeld() throws IOException {
        List<String> args = new ArrayList<>(List.of(args(jobFile("- { provider: hiapi }"))));
        // liangxin's key may spend 0.08 USD a day at 0.04 an image: two rows; hiapi has no price, so no budget
        args.add("--imagebatch.providers.liangxin.price-per-image=0.04");
        args.add("--imagebatch.providers.liangxin.daily-budget=0.08");

        CliRun run = CliRun.run(work, args.toArray(String[]::new));

        assertThat(run.exitCode()).as(run.output()).isEqualTo(ImageBatchCli.COMPLETED);
        List<CSVRecord> report = report(run.batchId());
        assertThat(report).extracting(r -> r.get("status")).containsOnly("SUCCEEDED");
        assertThat(report).filteredOn(r -> r.get("provider").equals("liangxin")).hasSize(2);
        assertThat(report).filteredOn(r -> r.get("provider").equals("hiapi")).hasSize(ROWS - 2);
        assertThat(run.output()).contains((ROWS - 2) + " row(s) moved to hiapi: the daily budget of liangxin has no"
                + " room for the row");
        assertThat(sandbox.createsBy("liangxin")).isEqualTo(2);
        assertThat(sandbox.createsBy("hiapi")).isEqualTo(ROWS - 2);
        assertThat(sandbox.stats().createsByPrompt()).hasSize(ROWS).allSatisfy((p, n) -> assertThat(n).isEqualTo(1));
    }

    @Test
    void anUncertainRowNeverMovesToTheFallback() throws IOException {
        sandbox.close();
        // every create's task is made but its answer is lost: each row may exist at liangxin
        sandbox = SandboxProvider.start(new SandboxSettings(0, Duration.ofMillis(50), Duration.ofMillis(200), 0.0,
                1L, 0.0, 0.0, null, 0.0, 1.0, 0.0, false));

        CliRun run = CliRun.run(work, args(jobFile("- { provider: hiapi }")));

        List<CSVRecord> report = report(run.batchId());
        assertThat(report).hasSize(ROWS).allSatisfy(line -> {
            assertThat(line.get("status")).isEqualTo("UNCERTAIN");
            assertThat(line.get("provider")).isEqualTo("liangxin");
        });
        assertThat(sandbox.createsBy("hiapi")).isZero();
        assertThat(sandbox.createsBy("liangxin")).isEqualTo(ROWS);
    }

    @Test
    void aRowMovedToTheFallbackHoldsItsIntentThereBeforeItsCreateLeavesSoALostAnswerIsReconciledThere()
            throws IOException {
        sandbox.close();
        // every successful create's answer is lost: only the fallback makes tasks (liangxin refuses the account)
        sandbox = SandboxProvider.start(new SandboxSettings(0, Duration.ofMillis(50), Duration.ofMillis(200), 0.0,
                1L, 0.0, 0.0, null, 0.0, 1.0, 0.0, false));
        sandbox.refuseAccount("liangxin", 401);

        CliRun run = CliRun.run(work, args(jobFile("- { provider: hiapi }")));

        // the rows' intents name hiapi, so their UNCERTAIN creates were reconciled from hiapi's task list
        assertThat(report(run.batchId())).as(run.output()).hasSize(ROWS).allSatisfy(line -> {
            assertThat(line.get("provider")).isEqualTo("hiapi");
            assertThat(line.get("status")).isEqualTo("SUCCEEDED");
        });
        assertThat(sandbox.createsBy("liangxin")).isZero();
        assertThat(sandbox.createsBy("hiapi")).isEqualTo(ROWS);
        assertThat(sandbox.stats().createsByPrompt()).hasSize(ROWS).allSatisfy((p, n) -> assertThat(n).isEqualTo(1));
    }

    private Path jobFile(String fallbackEntry) throws IOException {
        Path catalogue = work.resolve("catalogue.csv");
        StringBuilder csv = new StringBuilder("id,prompt\n");
        for (int i = 1; i <= ROWS; i++) {
            csv.append("sku-").append(i).append(",A studio photo of product number ").append(i).append('\n');
        }
        Files.writeString(catalogue, csv);
        Path job = work.resolve("night.yml");
        Files.writeString(job, "name: night\ncatalogue: " + catalogue + "\nprovider: liangxin\noutput: file:"
                + work.resolve("out") + "\nfallback:\n  " + fallbackEntry + "\n");
        return job;
    }

    private String[] args(Path job) {
        List<String> args = new ArrayList<>(List.of(job.toString()));
        for (String provider : List.of("liangxin", "mingyan", "hiapi", "crun")) {
            args.add("--imagebatch.providers." + provider + ".base-url=" + sandbox.baseUrl());
            args.add("--imagebatch.providers." + provider + ".api-key=" + SandboxProvider.API_KEY);
        }
        args.add("--imagebatch.download.allow-private-networks=true");
        return args.toArray(String[]::new);
    }

    private List<CSVRecord> report(String batchId) throws IOException {
        try (Reader in = Files.newBufferedReader(work.resolve("out").resolve(batchId).resolve("report.csv"))) {
            return CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(in).getRecords();
        }
    }
}
