package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.SampleCatalogue;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch split into partitions ({@code run --partitions N}, README.md, "More than one machine"), end to end: the
 * real command line, HTTP to the sandbox provider, the images into a folder, the job repository and the ledger in a
 * real H2 file database.
 */
class PartitionedBatchEndToEndTest {

    @TempDir
    Path work;
    private SandboxProvider sandbox;

    @BeforeEach
    void startSandbox() {
        sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(300)));
        // a provider failure: the generation of the shirt rows fails (content policy), a mug is refused at create
        sandbox.refuseContent("mug", "shirt");
    }

    @AfterEach
    void stopSandbox() {
        sandbox.close();
    }

    @Test
    void aMixedCatalogueInThreePartitionsGivesTheSameReportRowsAsOnePipeline() {
        CliRun single = run("single");
        assertThat(single.exitCode()).as(single.output()).isEqualTo(ImageBatchCli.COMPLETED);
        int createsOfOnePipeline = sandbox.stats().creates();

        CliRun partitioned = run("partitioned", "--partitions", "3");

        assertThat(partitioned.exitCode()).as(partitioned.output()).isEqualTo(ImageBatchCli.COMPLETED);
        assertThat(rows(report("partitioned", partitioned.batchId())))
                .containsExactlyElementsOf(rows(report("single", single.batchId())));
        assertThat(report("partitioned", partitioned.batchId())).extracting(r -> r.get("status"))
                .contains("SUCCEEDED", "REJECTED", "FAILED");
        // one create per row sent, in both
        assertThat(sandbox.stats().creates()).isEqualTo(2 * createsOfOnePipeline);
        assertThat(sandbox.stats().createsByPrompt()).allSatisfy((prompt, n) -> assertThat(n).isEqualTo(2));
        // the partitions ran as Spring Batch partitions, each with its own inner steps
        assertThat(stepNames()).contains("partitions", "partition:partition0", "partition:partition1",
                "partition:partition2", "submit@partition0", "poll@partition1", "download@partition2", "report");
    }

    @Test
    void aPartitionedBatchStoppedByAnOutageResumesWithTheSameCommandWithoutCreatingAnyTaskTwice() {
        // the provider starts answering 500 to everything once 12 tasks exist
        ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor();
        watcher.scheduleAtFixedRate(() -> {
            if (sandbox.stats().creates() >= 12) {
                sandbox.failEveryRequestWith(500);
            }
        }, 0, 2, TimeUnit.MILLISECONDS);
        CliRun failed;
        try {
            failed = run("outage", "--partitions", "3", "--imagebatch.job.chunk-size=3",
                    "--imagebatch.job.concurrency=2");
        } finally {
            watcher.shutdownNow();
        }
        assertThat(failed.exitCode()).as(failed.output()).isEqualTo(ImageBatchCli.FAILED);
        assertThat(sandbox.stats().creates()).isLessThan(SampleCatalogue.VALID - 1);

        sandbox.failEveryRequestWith(0);
        // resumed without --partitions: the first run's split is kept
        CliRun resumed = run("outage", "--imagebatch.job.chunk-size=3", "--imagebatch.job.concurrency=2");

        assertThat(resumed.exitCode()).as(resumed.output()).isEqualTo(ImageBatchCli.COMPLETED);
        assertThat(resumed.batchId()).isEqualTo(failed.batchId());
        List<CSVRecord> report = report("outage", resumed.batchId());
        assertThat(report).extracting(r -> r.get("row_number")).containsExactlyElementsOf(
                java.util.stream.LongStream.rangeClosed(1, SampleCatalogue.ROWS).mapToObj(Long::toString).toList());
        assertThat(report).extracting(r -> r.get("status")).doesNotContain("UNCERTAIN", "PENDING", "SUBMITTED");
        // every prompt sent was created exactly once: no task was paid twice
        assertThat(sandbox.stats().createsByPrompt()).allSatisfy((prompt, n) -> assertThat(n).isEqualTo(1));
        assertThat(stepNames()).contains("partition:partition2").doesNotContain("submit", "poll", "download");
    }

    @Test
    void stopEndsEveryPartitionAndTheSameCommandResumesTheBatchWithoutCreatingAnyTaskTwice() throws Exception {
        sandbox.close();
        // slow enough to be stopped mid-way: 4 creates a second
        sandbox = SandboxProvider.start(SandboxSettings.defaults().withRateLimitPerSecond(4)
                .withGenerationTime(Duration.ofMillis(200), Duration.ofMillis(600)));
        String[] args = args("stopped", "--partitions", "3", "--imagebatch.providers.liangxin.requests-per-second=4",
                "--imagebatch.job.chunk-size=2");
        java.util.concurrent.CompletableFuture<CliRun> first = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> CliRun.run(work, args));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50))
                .until(() -> sandbox.stats().creates() >= 6 || first.isDone());
        assertThat(first).isNotDone();
        String batchId = io.imagebatch.app.BatchSettingsResolver.resolve(
                io.imagebatch.app.RunOptions.parse(List.of(args)), null).batchId();

        CliRun status = CliRun.command(work, "status", batchId);
        assertThat(status.exitCode()).as(status.output()).isEqualTo(ImageBatchCli.COMPLETED);
        assertThat(status.output()).contains("Batch " + batchId).contains("last run: STARTED");
        CliRun stop = CliRun.command(work, "stop", batchId);
        assertThat(stop.output()).contains("Stop requested for batch " + batchId);

        CliRun stopped = first.get(120, TimeUnit.SECONDS);
        assertThat(stopped.exitCode()).as(stopped.output()).isEqualTo(ImageBatchCli.FAILED);
        assertThat(stopped.output()).contains("Batch " + batchId + " STOPPED");
        // every partition ended (none is left running), and the batch did not finish
        assertThat(stepStatuses("partition:partition%")).doesNotContain("STARTED", "STARTING", "UNKNOWN")
                .contains("STOPPED");
        assertThat(sandbox.stats().creates()).isLessThan(SampleCatalogue.VALID);

        CliRun resumed = CliRun.run(work, args);

        assertThat(resumed.exitCode()).as(resumed.output()).isEqualTo(ImageBatchCli.COMPLETED);
        assertThat(report("stopped", batchId)).hasSize(SampleCatalogue.ROWS);
        assertThat(sandbox.stats().createsByPrompt()).allSatisfy((prompt, n) -> assertThat(n).isEqualTo(1));
    }

    @Test
    void retryFailedSendsAPartitionedBatchsFailedRowsAgainInItsPartitionsAndNoOtherRow() {
        CliRun run = run("retried", "--partitions", "3");
        assertThat(run.exitCode()).as(run.output()).isEqualTo(ImageBatchCli.COMPLETED);
        String batchId = run.batchId();
        List<String> failed = report("retried", batchId).stream().filter(r -> r.get("status").equals("FAILED"))
                .map(r -> r.get("row_id")).toList();
        assertThat(failed).isNotEmpty();
        int creates = sandbox.stats().creates();

        sandbox.refuseContent(null, null);
        List<String> retryArgs = new ArrayList<>(List.of(batchId, "--include-content-policy"));
        retryArgs.addAll(providerArgs());
        CliRun retry = CliRun.command(work, "retry-failed", retryArgs.toArray(String[]::new));

        assertThat(retry.exitCode()).as(retry.output()).isEqualTo(ImageBatchCli.COMPLETED);
        // the retry round is a job execution of its own, split as the batch's first run was (not one pipeline)
        assertThat(query("SELECT PARAMETER_VALUE FROM BATCH_JOB_EXECUTION_PARAMS WHERE PARAMETER_NAME = '"
                + ImageProductionJobConfiguration.PARTITIONS + "' AND JOB_EXECUTION_ID = " + LAST_EXECUTION))
                .containsExactly("3");
        assertThat(query("SELECT STEP_NAME FROM BATCH_STEP_EXECUTION WHERE JOB_EXECUTION_ID = " + LAST_EXECUTION))
                .contains("partitions", "submit@partition0", "submit@partition1", "submit@partition2",
                        "download@partition2", "report")
                .doesNotContain("submit", "poll", "download");
        // one more create for each FAILED row, none for any other row
        assertThat(report("retried", batchId)).extracting(r -> r.get("status")).containsOnly("SUCCEEDED", "REJECTED");
        assertThat(sandbox.stats().creates()).isEqualTo(creates + failed.size());
        CliRun status = CliRun.command(work, "status", batchId);
        assertThat(status.output()).contains("rows by state: 5 REJECTED, 40 STORED");
    }

    /** The id of the job repository's last job execution, as SQL. */
    private static final String LAST_EXECUTION = "(SELECT MAX(JOB_EXECUTION_ID) FROM BATCH_JOB_EXECUTION)";

    @Test
    void aJobFilesPartitionsMustBeAWholeNumberOfAtLeastOne() throws IOException {
        Path job = Files.writeString(work.resolve("job.yml"), "partitions: 0\n");
        List<String> all = new ArrayList<>(List.of(job.toString()));
        all.addAll(List.of(args("job")));
        CliRun run = CliRun.run(work, all.toArray(String[]::new));

        assertThat(run.exitCode()).as(run.output()).isEqualTo(ImageBatchCli.USAGE);
        assertThat(run.output()).contains("job file " + job + ": partitions: '0' is not a whole number of partitions"
                + " of at least 1");
        assertThat(sandbox.stats().creates()).isZero();
    }

    @Test
    void partitionsThatAreNotAWholeNumberOfAtLeastOneAreAUsageError() {
        for (String bad : List.of("0", "-2", "three")) {
            CliRun run = run("bad", "--partitions", bad);
            assertThat(run.exitCode()).as(run.output()).isEqualTo(ImageBatchCli.USAGE);
            assertThat(run.output()).contains("--partitions: '" + bad + "' is not a whole number of partitions");
        }
        assertThat(sandbox.stats().creates()).isZero();
    }

    private CliRun run(String output, String... extra) {
        return CliRun.run(work, args(output, extra));
    }

    private String[] args(String output, String... extra) {
        List<String> args = new ArrayList<>(SampleCatalogue.options());
        args.addAll(List.of("--output", "file:" + work.resolve(output)));
        args.addAll(providerArgs());
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    private List<String> providerArgs() {
        return List.of("--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                "--imagebatch.download.allow-private-networks=true",
                "--imagebatch.job.create-attempts=2");
    }

    private List<CSVRecord> report(String output, String batchId) {
        try (Reader in = Files.newBufferedReader(work.resolve(output).resolve(batchId).resolve("report.csv"))) {
            return CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(in).getRecords();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What a report row says of its row, without what differs from run to run (task ids, times, bytes). */
    private static List<String> rows(List<CSVRecord> report) {
        return report.stream().map(r -> String.join("|", r.get("row_number"), r.get("row_id"), r.get("status"),
                r.get("failure"), r.get("status").equals("REJECTED") ? r.get("error") : "")).toList();
    }

    /**
     * @param stepName a step name pattern (SQL {@code LIKE})
     * @return the statuses of its step executions in the last job execution
     */
    private List<String> stepStatuses(String stepName) {
        return query("SELECT STATUS FROM BATCH_STEP_EXECUTION WHERE STEP_NAME LIKE '" + stepName + "'"
                + " AND JOB_EXECUTION_ID = (SELECT MAX(JOB_EXECUTION_ID) FROM BATCH_JOB_EXECUTION)");
    }

    /** @return the names of every step execution in the test's job repository */
    private List<String> stepNames() {
        return query("SELECT DISTINCT STEP_NAME FROM BATCH_STEP_EXECUTION");
    }

    private List<String> query(String sql) {
        String url = "jdbc:h2:file:" + work.resolve("db/imagebatch").toAbsolutePath();
        try (Connection c = DriverManager.getConnection(url, "sa", "");
                ResultSet rs = c.createStatement().executeQuery(sql)) {
            List<String> names = new ArrayList<>();
            while (rs.next()) {
                names.add(rs.getString(1));
            }
            return names;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
