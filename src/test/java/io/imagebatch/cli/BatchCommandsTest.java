package io.imagebatch.cli;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.app.BatchSettingsResolver;
import io.imagebatch.app.RunOptions;
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
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code status}, {@code stop}, {@code restart} and {@code retry-failed}, through the real command line (on
 * PostgreSQL too: {@link BatchCommandsPostgresTest}).
 */
class BatchCommandsTest {

    @TempDir
    Path work;

    private List<String> args(SandboxProvider sandbox, String... extra) {
        List<String> args = new ArrayList<>(SampleCatalogue.options());
        args.addAll(List.of("--output", "file:" + work.resolve("out"),
                "--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                "--imagebatch.download.allow-private-networks=true"));
        args.addAll(List.of(extra));
        return args;
    }

    private CliRun command(SandboxProvider sandbox, String command, String batchId, String... extra) {
        List<String> args = new ArrayList<>(List.of(batchId));
        args.addAll(List.of(extra));
        args.add("--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl());
        args.add("--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY);
        args.add("--imagebatch.download.allow-private-networks=true");
        return CliRun.command(work, command, args.toArray(String[]::new));
    }

    @Test
    void retryFailedSendsOnlyTheFailedRowsAgainAndKeepsTheirEarlierAttempts() throws Exception {
        String batchId;
        Map<String, Integer> failedPrompts;
        try (SandboxProvider flaky = SandboxProvider.start(SandboxSettings.defaults().withFailureRate(0.3).withSeed(7)
                .withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(200)))) {
            CliRun first = CliRun.run(work, args(flaky).toArray(String[]::new));
            assertThat(first.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            batchId = first.batchId();
            failedPrompts = report(batchId).stream().filter(r -> r.get("status").equals("FAILED"))
                    .collect(Collectors.toMap(r -> r.get("prompt"), r -> 1));
            assertThat(failedPrompts).as("a seeded 30%% failure rate fails some rows").isNotEmpty();
        }

        try (SandboxProvider healthy = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(200)))) {
            CliRun retry = command(healthy, "retry-failed", batchId);

            assertThat(retry.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            assertThat(retry.output()).contains("Retrying " + failedPrompts.size() + " row(s)");
            // exactly the failed rows were sent again, once each
            assertThat(healthy.stats().createsByPrompt()).isEqualTo(failedPrompts);
            assertThat(report(batchId)).filteredOn(r -> r.get("status").equals("SUCCEEDED"))
                    .hasSize(SampleCatalogue.VALID);

            CliRun status = command(healthy, "status", batchId);
            assertThat(status.output()).contains("40 STORED").contains("5 REJECTED")
                    .contains("retry rounds: 1 (" + failedPrompts.size() + " earlier attempts kept)")
                    .contains("last run: COMPLETED");

            CliRun nothingLeft = command(healthy, "retry-failed", batchId);
            assertThat(nothingLeft.output()).contains("no FAILED rows");
            assertThat(healthy.stats().creates()).isEqualTo(failedPrompts.size());
        }
    }

    @Test
    void stopEndsARunningBatchStoppedAndRestartFinishesItWithoutResendingAnything() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(1500), Duration.ofMillis(2500)))) {
            List<String> args = args(sandbox, "--imagebatch.job.chunk-size=5", "--imagebatch.job.concurrency=2");
            String batchId = BatchSettingsResolver.resolve(RunOptions.parse(args), null).batchId();
            CompletableFuture<CliRun> running = CompletableFuture.supplyAsync(
                    () -> CliRun.run(work, args.toArray(String[]::new)));
            await("10 creates or the run's end").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(20))
                    .until(() -> sandbox.stats().creates() >= 10 || running.isDone());

            CliRun stop = command(sandbox, "stop", batchId);
            CliRun stopped = running.get();

            assertThat(stop.output()).contains("Stop requested for batch " + batchId);
            assertThat(stopped.exitCode()).isEqualTo(ImageBatchCli.FAILED);
            assertThat(stopped.output()).contains("Batch " + batchId + " STOPPED");
            assertThat(command(sandbox, "status", batchId).output()).contains("last run: STOPPED")
                    .contains("can be resumed: yes");

            CliRun restarted = command(sandbox, "restart", batchId);

            assertThat(restarted.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            assertThat(restarted.output()).contains("40 SUCCEEDED, 5 REJECTED, 0 FAILED, 0 UNCERTAIN");
            assertThat(sandbox.stats().creates()).isEqualTo(SampleCatalogue.VALID);
            assertThat(sandbox.stats().createsByPrompt()).allSatisfy((p, n) -> assertThat(n).isEqualTo(1));
        }
    }

    /** A catalogue of four rows, and the run arguments for it (the sandbox's loopback result URLs refused). */
    private List<String> fourRows(SandboxProvider sandbox, String... extra) throws Exception {
        Path catalogue = Files.writeString(work.resolve("four.csv"),
                "id,prompt\nP1,a red chair\nP2,a blue lamp\nP3,a green door\nP4,a white cup\n");
        List<String> args = new ArrayList<>(List.of("--catalogue", catalogue.toString(),
                "--output", "file:" + work.resolve("out"),
                "--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY));
        args.addAll(List.of(extra));
        return args;
    }

    @Test
    void retryFailedFetchesAPaidResultThatWasNotStoredAgainAndNeverCreatesItsRowAgain() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(150)))) {
            // every task succeeds, but its result URL cannot be fetched: the downloader refuses the sandbox's
            // loopback address (as it would a result URL answering 403)
            CliRun first = CliRun.run(work, fourRows(sandbox).toArray(String[]::new));
            assertThat(first.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            String batchId = first.batchId();
            assertThat(report(batchId)).hasSize(4).allSatisfy(r -> {
                assertThat(r.get("status")).isEqualTo("FAILED");
                assertThat(r.get("failure")).isEqualTo("paid, result not stored");
            });
            assertThat(Files.readString(work.resolve("out").resolve(batchId).resolve("report.html")))
                    .contains("paid, result not stored");
            assertThat(command(sandbox, "status", batchId).output())
                    .contains("failed rows: 4 paid, result not stored (retry-failed fetches them again);"
                            + " 0 generation failed");
            assertThat(sandbox.stats().creates()).isEqualTo(4);

            // the result URLs can be fetched now (command() allows the loopback address)
            CliRun retry = command(sandbox, "retry-failed", batchId);

            assertThat(retry.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            assertThat(retry.output()).contains("Retrying 4 row(s)").contains("4 paid, result not stored");
            assertThat(sandbox.stats().creates()).as("no row was paid for twice").isEqualTo(4);
            assertThat(report(batchId)).hasSize(4).allSatisfy(r -> {
                assertThat(r.get("status")).isEqualTo("SUCCEEDED");
                assertThat(r.get("failure")).isEmpty();
                assertThat(r.get("output_uri")).isNotEmpty();
            });
            assertThat(command(sandbox, "status", batchId).output()).contains("4 STORED")
                    .doesNotContain("failed rows");
        }
    }

    @Test
    void retryFailedQueriesADeadlineFailedTaskAgainAndStoresItOnceItFinished() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(1500), Duration.ofMillis(2000)))) {
            CliRun first = CliRun.run(work, fourRows(sandbox, "--imagebatch.download.allow-private-networks=true",
                    "--imagebatch.job.task-deadline=200ms").toArray(String[]::new));
            assertThat(first.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            String batchId = first.batchId();
            assertThat(report(batchId)).hasSize(4).allSatisfy(r -> {
                assertThat(r.get("status")).isEqualTo("FAILED");
                assertThat(r.get("error")).contains("was not finished");
                assertThat(r.get("failure")).isEqualTo("paid, result not stored");
            });

            // the default deadline now: the tasks are queried again and stored once they finish
            CliRun retry = command(sandbox, "retry-failed", batchId);

            assertThat(retry.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            assertThat(sandbox.stats().creates()).as("no row was paid for twice").isEqualTo(4);
            assertThat(report(batchId)).hasSize(4)
                    .allSatisfy(r -> assertThat(r.get("status")).isEqualTo("SUCCEEDED"));
        }
    }

    @Test
    void commandsOnAnUnknownBatchAreUsageErrors() {
        CliRun run = CliRun.command(work, "restart", "no-such-batch-000000000000");
        assertThat(run.exitCode()).isEqualTo(ImageBatchCli.USAGE);
        assertThat(run.output()).contains("no batch no-such-batch-000000000000");
        assertThat(CliRun.command(work, "retry-failed").exitCode()).isEqualTo(ImageBatchCli.USAGE);
    }

    private List<CSVRecord> report(String batchId) throws Exception {
        try (Reader in = Files.newBufferedReader(work.resolve("out").resolve(batchId).resolve("report.csv"))) {
            return CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(in).getRecords();
        }
    }
}
