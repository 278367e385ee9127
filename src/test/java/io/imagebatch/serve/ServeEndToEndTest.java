package io.imagebatch.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import io.imagebatch.app.ExitCodes;
import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.job.ImageProductionJobConfiguration;
import io.imagebatch.metrics.ImageBatchMetrics;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.SampleCatalogue;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * {@code serve} end to end, as a user runs it: job files in a folder, real cron triggers, HTTP to the sandbox
 * provider, images into a folder, the job repository and ledger in a real H2 file database, and Actuator over
 * real HTTP. Two {@code serve} processes are two Spring contexts in this JVM on the same database file (or the
 * same PostgreSQL schema, {@link ServePostgresEndToEndTest}).
 */
@ExtendWith(OutputCaptureExtension.class)
class ServeEndToEndTest {

    private static final String EVERY_TWO_SECONDS = "*/2 * * * * *";
    /** A schedule that does not fall due during a test: the test runs the job itself. */
    private static final String NEVER_DURING_THE_TEST = "0 0 0 1 1 *";
    /** The ADMIN user that reads Actuator (every endpoint but health needs one). */
    private static final String MONITOR = "monitor";
    private static final String MONITOR_PASSWORD = "monitor-pass";
    private static final String MONITOR_HASH =
            new org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder(4).encode(MONITOR_PASSWORD);

    @TempDir
    Path work;
    private SandboxProvider sandbox;
    private final List<RunningServe> serves = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stopEverything() {
        serves.forEach(RunningServe::close);
        if (sandbox != null) {
            sandbox.close();
        }
    }

    @Test
    void aScheduledJobRunsToCompletionAndASecondServeOnTheSameDatabaseNeverRunsItAtTheSameTime(CapturedOutput output)
            throws Exception {
        startSandbox(Duration.ofMillis(200), Duration.ofMillis(800));
        Path jobs = Files.createDirectories(work.resolve("jobs"));
        writeSampleJob(jobs.resolve("nightly.yml"), "nightly", EVERY_TWO_SECONDS);

        RunningServe first = serve(jobs);
        // the first serve's run has created every task; hold it in its poll step while the second serve starts
        await().atMost(Duration.ofSeconds(30)).until(() -> sandbox.stats().creates() == SampleCatalogue.VALID);
        sandbox.failEveryRequestWith(503);
        RunningServe second = serve(jobs);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> output.getOut().contains("Job nightly: skipped this time: another process is running it"));
        sandbox.failEveryRequestWith(0);

        Path report = await().atMost(Duration.ofSeconds(60)).until(() -> findReport(work.resolve("out")),
                p -> p != null);
        String batchId = report.getParent().getFileName().toString();
        assertThat(batchId).startsWith("nightly-");
        try (Stream<Path> files = Files.list(report.getParent())) {
            assertThat(files.filter(p -> p.toString().endsWith(".png")).count()).isEqualTo(SampleCatalogue.VALID);
        }
        assertThat(Files.readAllLines(report)).hasSize(SampleCatalogue.ROWS + 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> first.scheduler().lastExitCode("nightly").orElse(-1) == 0);

        // exactly one task per valid row, across both processes
        assertThat(sandbox.stats().creates()).isEqualTo(SampleCatalogue.VALID);
        assertThat(sandbox.stats().createsByPrompt()).hasSize(SampleCatalogue.VALID)
                .allSatisfy((prompt, n) -> assertThat(n).isEqualTo(1));

        // Actuator over HTTP, on the serve that ran the batch
        String health = get(first, "/actuator/health", 200);
        assertThat(JsonPath.<String>read(health, "$.status")).isEqualTo("UP");
        assertThat(JsonPath.<String>read(health, "$.components.db.status")).isEqualTo("UP");
        assertThat(JsonPath.<String>read(health, "$.components.outputStores.status")).isEqualTo("UP");
        assertThat(JsonPath.<String>read(health, "$.components.outputStores.details['file:" + work.resolve("out")
                + "']")).isEqualTo("reachable");

        String creates = get(first, "/actuator/metrics/imagebatch.provider.requests?tag=call:create&tag=outcome:success",
                200);
        assertThat(JsonPath.<Double>read(creates, "$.measurements[0].value")).isEqualTo(SampleCatalogue.VALID);
        String statusQueries = get(first, "/actuator/metrics/imagebatch.provider.requests?tag=call:status", 200);
        assertThat(JsonPath.<Double>read(statusQueries, "$.measurements[0].value")).isGreaterThan(SampleCatalogue.VALID);
        // the 503s while the first serve was held back
        String busy = get(first, "/actuator/metrics/imagebatch.provider.requests?tag=outcome:busy", 200);
        assertThat(JsonPath.<Double>read(busy, "$.measurements[0].value")).isPositive();
        String stored = get(first, "/actuator/metrics/imagebatch.rows?tag=state:STORED", 200);
        assertThat(JsonPath.<Double>read(stored, "$.measurements[0].value")).isEqualTo(SampleCatalogue.VALID);
        String perTask = get(first, "/actuator/metrics/imagebatch.status.queries.per.task", 200);
        List<Double> tasksEnded = JsonPath.read(perTask, "$.measurements[?(@.statistic == 'COUNT')].value");
        assertThat(tasksEnded).containsExactly((double) SampleCatalogue.VALID);
        assertThat(JsonPath.<Double>read(get(first, "/actuator/metrics/imagebatch.bytes.stored", 200),
                "$.measurements[0].value")).isPositive();
        assertThat(get(first, "/actuator/prometheus", 200))
                .contains("imagebatch_provider_requests_total{call=\"create\",outcome=\"success\",provider=\"liangxin\"} 40.0");
        assertThat(get(first, "/actuator/info", 200)).contains("ImageBatch");
        // the second serve sent nothing
        get(second, "/actuator/metrics/imagebatch.provider.requests?tag=call:create", 404);

        // once the first is gone, the second runs the job: the batch is complete, so it only says so
        assertThat(first.stop()).isEqualTo(ImageBatchCli.COMPLETED);
        await().atMost(Duration.ofSeconds(20)).until(() -> second.scheduler().lastExitCode("nightly").orElse(-1) == 0);
        assertThat(output.getOut()).contains("Batch " + batchId + " already completed");
        assertThat(sandbox.stats().creates()).isEqualTo(SampleCatalogue.VALID);
        assertThat(output.getOut()).doesNotContain(SandboxProvider.API_KEY);
        // the scheduled run's preflight printed the spend estimate in the log (README.md, Spend): no price is set
        assertThat(output.getOut()).contains("Estimate for batch " + batchId + " (USD):")
                .contains("total still to spend: 0.00 USD (incomplete: no price for liangxin/");
    }

    @Test
    void brokenJobFilesAreReportedByNameAndLineAndTheGoodOneStillRuns(CapturedOutput output) throws Exception {
        startSandbox(Duration.ofMillis(50), Duration.ofMillis(200));
        Path jobs = Files.createDirectories(work.resolve("jobs"));
        Path catalogue = writeCatalogue("small.csv", "a red chair", "a blue lamp", "a green sofa");
        writeJob(jobs.resolve("good.yml"), "good", catalogue, "\"" + EVERY_TWO_SECONDS + "\"");
        Files.writeString(jobs.resolve("broken.yml"), "name: broken\ncolumns: [a\n");
        Files.writeString(jobs.resolve("five-fields.yml"), "name: five\ncatalogue: x.csv\nschedule: \"0 2 * * *\"\n");
        Files.writeString(jobs.resolve("mars.yml"), "name: mars\ncatalogue: x.csv\n"
                + "schedule: { cron: \"0 0 2 * * *\", zone: Mars/Olympus_Mons }\n");
        Files.writeString(jobs.resolve("same-name.yml"), "name: good\ncatalogue: x.csv\nschedule: \"0 0 2 * * *\"\n");
        Files.writeString(jobs.resolve("by-hand.yml"), "name: by-hand\ncatalogue: x.csv\n");
        // a fallback provider this process has no key for (README, "A fallback provider")
        Files.writeString(jobs.resolve("fallback.yml"), "name: fb\ncatalogue: x.csv\nschedule: \"0 0 2 * * *\"\n"
                + "fallback:\n  - { provider: hiapi }\n");

        RunningServe serve = serve(jobs);

        assertThat(output.getOut())
                .contains("Serving 1 job(s)")
                .containsPattern("good\\s+\"\\*/2 \\* \\* \\* \\* \\*\" \\(")
                .containsPattern("NOT SCHEDULED: job file .*broken\\.yml, line \\d+: ")
                .contains("NOT SCHEDULED: job file " + jobs.resolve("five-fields.yml")
                        + ", line 3, key schedule: \"0 2 * * *\" is not a cron expression of six fields")
                .contains("NOT SCHEDULED: job file " + jobs.resolve("mars.yml")
                        + ", line 3, key schedule.zone: unknown time zone \"Mars/Olympus_Mons\"")
                .contains("NOT SCHEDULED: job file " + jobs.resolve("same-name.yml") + ": its job name \"good\" is also"
                        + " that of " + jobs.resolve("good.yml"))
                .contains("(by-hand.yml has no schedule: not run by serve)")
                .contains("NOT SCHEDULED: job file " + jobs.resolve("fallback.yml") + ", line 4: fallback entry 1"
                        + " (hiapi): provider hiapi is not configured");

        Path report = await().atMost(Duration.ofSeconds(60)).until(() -> findReport(work.resolve("out")),
                p -> p != null);
        assertThat(Files.readAllLines(report)).hasSize(4);
        assertThat(sandbox.stats().createsByPrompt()).containsOnlyKeys("a red chair", "a blue lamp", "a green sofa")
                .allSatisfy((prompt, n) -> assertThat(n).isEqualTo(1));
        await().atMost(Duration.ofSeconds(20)).until(() -> serve.scheduler().lastExitCode("good").orElse(-1) == 0);
        // every log line of the run says which job or batch it is about
        assertThat(output.getOut()).containsPattern("\\[job good\\] Starting batch good-[0-9a-f]{12}: 3 rows");
    }

    @Test
    void stoppingServeLeavesTheRunningBatchStoppedAndTheNextServeResumesItWithoutSendingARowTwice(
            CapturedOutput output) throws Exception {
        startSandbox(Duration.ofMillis(200), Duration.ofMillis(800));
        Path jobs = Files.createDirectories(work.resolve("jobs"));
        writeSampleJob(jobs.resolve("nightly.yml"), "nightly", EVERY_TWO_SECONDS);

        RunningServe first = serve(jobs);
        await().atMost(Duration.ofSeconds(30)).until(() -> sandbox.stats().creates() == SampleCatalogue.VALID);
        sandbox.failEveryRequestWith(503); // the batch is in its poll step, and stays there
        // a stop while the submit step commits its last chunk can fail that step instead (Spring Batch 6's
        // JobOperator.stop updates the running step execution from the stopping thread): stop in the poll step
        await().atMost(Duration.ofSeconds(30)).until(() -> submitStepCompleted(first));
        assertThat(first.stop()).isEqualTo(ImageBatchCli.FAILED);
        serves.remove(first);
        assertThat(output.getOut()).containsPattern("Stopping batch nightly-[0-9a-f]{12} after its current chunk");
        String batchId = output.getOut().replaceAll("(?s).*Stopping batch (nightly-[0-9a-f]{12}).*", "$1");
        CliRun status = CliRun.command(work, "status", batchId);
        assertThat(status.output()).contains("last run: " + BatchStatus.STOPPED).contains("can be resumed: yes");

        sandbox.failEveryRequestWith(0);
        RunningServe second = serve(jobs);
        Path report = await().atMost(Duration.ofSeconds(60)).until(() -> findReport(work.resolve("out")),
                p -> p != null);
        assertThat(report.getParent().getFileName().toString()).isEqualTo(batchId);
        await().atMost(Duration.ofSeconds(20)).until(() -> second.scheduler().lastExitCode("nightly").orElse(-1) == 0);
        assertThat(output.getOut()).contains("Resuming batch " + batchId + " (previous run STOPPED)");
        assertThat(sandbox.stats().creates()).isEqualTo(SampleCatalogue.VALID);
        assertThat(sandbox.stats().createsByPrompt()).allSatisfy((prompt, n) -> assertThat(n).isEqualTo(1));
    }

    @Test
    void aNewCatalogueWaitsUntilThePreviousFailedBatchOfTheJobWasResumed(CapturedOutput output) throws Exception {
        startSandbox(Duration.ofMillis(50), Duration.ofMillis(200));
        Path jobs = Files.createDirectories(work.resolve("jobs"));
        Path monday = writeCatalogue("monday.csv", "a red chair", "a blue lamp");
        Path tuesday = writeCatalogue("tuesday.csv", "a green sofa", "a yellow rug");
        Path jobFile = jobs.resolve("daily.yml");
        writeJob(jobFile, "daily", monday, "{ cron: \"" + NEVER_DURING_THE_TEST + "\", zone: Europe/Berlin }");
        RunningServe serve = serve(jobs);
        JobScheduler scheduler = serve.scheduler();

        // Monday: the provider refuses the account; the batch fails, resumable
        sandbox.failEveryRequestWith(401);
        assertThat(scheduler.runJob("daily", jobFile)).isEqualTo(ImageBatchCli.FAILED);
        String mondayBatch = output.getOut().replaceAll("(?s).*Starting batch (daily-[0-9a-f]{12}).*", "$1");
        assertThat(sandbox.stats().creates()).isZero();

        // Tuesday: a new catalogue is a new batch; Monday's is resumed first, then Tuesday's runs
        sandbox.failEveryRequestWith(0);
        writeJob(jobFile, "daily", tuesday, "{ cron: \"" + NEVER_DURING_THE_TEST + "\", zone: Europe/Berlin }");
        assertThat(scheduler.runJob("daily", jobFile)).isEqualTo(ImageBatchCli.COMPLETED);

        String log = output.getOut();
        assertThat(log).containsPattern("Job daily: resuming the previous batch " + mondayBatch
                + " \\(FAILED\\) before the new batch daily-[0-9a-f]{12}");
        int resumed = log.indexOf("Resuming batch " + mondayBatch);
        int tuesdayStarted = log.indexOf("Starting batch daily-", resumed);
        assertThat(resumed).isPositive();
        assertThat(tuesdayStarted).isGreaterThan(resumed);
        assertThat(log.substring(resumed, tuesdayStarted)).contains("Batch " + mondayBatch + " COMPLETED");
        assertThat(sandbox.stats().createsByPrompt())
                .containsOnlyKeys("a red chair", "a blue lamp", "a green sofa", "a yellow rug")
                .allSatisfy((prompt, n) -> assertThat(n).isEqualTo(1));
    }

    @Test
    void aJobFilesBudgetHoldsRowsUnderServeAndAHeldPreviousBatchDoesNotKeepTheNewOneWaiting(CapturedOutput output)
            throws Exception {
        startSandbox(Duration.ofMillis(50), Duration.ofMillis(200));
        Path jobs = Files.createDirectories(work.resolve("jobs"));
        Path monday = writeCatalogue("monday.csv", "a red chair", "a blue lamp");
        Path tuesday = writeCatalogue("tuesday.csv", "a green sofa", "a yellow rug");
        Path jobFile = jobs.resolve("daily.yml");
        String schedule = "{ cron: \"" + NEVER_DURING_THE_TEST + "\", zone: Europe/Berlin }";
        writeJob(jobFile, "daily", monday, schedule);
        RunningServe serve = serve(jobs, "--imagebatch.providers.liangxin.price-per-image=0.04");
        JobScheduler scheduler = serve.scheduler();

        // Monday: the provider refuses the account; the batch fails, resumable
        sandbox.failEveryRequestWith(401);
        assertThat(scheduler.runJob("daily", jobFile)).isEqualTo(ImageBatchCli.FAILED);
        sandbox.failEveryRequestWith(0);

        // Tuesday, with a budget of one row per batch: Monday's batch is resumed and holds a row, then Tuesday's
        // runs all the same, and holds a row too
        Files.writeString(jobFile, Files.readString(jobFile).replace("catalogue: " + monday,
                "catalogue: " + tuesday) + "budget: 0.04\n");
        assertThat(scheduler.runJob("daily", jobFile)).as("held: the budget is spent").isEqualTo(ExitCodes.HELD);

        String log = output.getOut();
        assertThat(log).containsPattern("Job daily: resuming the previous batch daily-[0-9a-f]{12} \\(FAILED\\)");
        assertThat(log).doesNotContain("waits for the next run");
        assertThat(sandbox.stats().creates()).isEqualTo(2);
        assertThat(sandbox.stats().createsByPrompt().keySet()).hasSize(2)
                .anyMatch(p -> p.equals("a red chair") || p.equals("a blue lamp"))
                .anyMatch(p -> p.equals("a green sofa") || p.equals("a yellow rug"));
        assertThat(Pattern.compile("1 row\\(s\\) HELD, the budget is spent").matcher(log).results().count())
                .as("both batches held one row").isEqualTo(2);
    }

    /** A long-lived serve must not keep a spend gauge per batch it ever ran: they go when the batch's run ends. */
    @Test
    void serveKeepsNoSpendGaugeOfABatchWhoseRunEnded() throws Exception {
        startSandbox(Duration.ofMillis(50), Duration.ofMillis(200));
        Path jobs = Files.createDirectories(work.resolve("jobs"));
        Path catalogue = writeCatalogue("gauges.csv", "a red chair", "a blue lamp");
        Path jobFile = jobs.resolve("daily.yml");
        writeJob(jobFile, "daily", catalogue, "{ cron: \"" + NEVER_DURING_THE_TEST + "\", zone: Europe/Berlin }");
        Files.writeString(jobFile, Files.readString(jobFile) + "budget: 1.00\n");
        RunningServe serve = serve(jobs, "--imagebatch.providers.liangxin.price-per-image=0.04");

        assertThat(serve.scheduler().runJob("daily", jobFile)).isEqualTo(ImageBatchCli.COMPLETED);
        assertThat(sandbox.stats().creates()).as("priced rows were reserved").isEqualTo(2);

        get(serve, "/actuator/metrics/" + ImageBatchMetrics.SPEND_COMMITTED, 404);
        get(serve, "/actuator/metrics/" + ImageBatchMetrics.SPEND_BUDGET_REMAINING, 404);
    }

    @Test
    void aJobFilesProofMakesTheScheduledFirstRunAProofRunAwaitingApproval(CapturedOutput output) throws Exception {
        startSandbox(Duration.ofMillis(50), Duration.ofMillis(200));
        Path jobs = Files.createDirectories(work.resolve("jobs"));
        Path catalogue = writeCatalogue("proof.csv", "a red chair", "a blue lamp", "a green sofa", "a yellow rug");
        Path jobFile = jobs.resolve("daily.yml");
        writeJob(jobFile, "daily", catalogue, "{ cron: \"" + NEVER_DURING_THE_TEST + "\", zone: Europe/Berlin }");
        Files.writeString(jobFile, Files.readString(jobFile) + "proof: 1\n");
        JobScheduler scheduler = serve(jobs).scheduler();

        assertThat(scheduler.runJob("daily", jobFile)).isEqualTo(ExitCodes.AWAITING_APPROVAL);
        assertThat(sandbox.stats().creates()).isEqualTo(1);
        assertThat(scheduler.runJob("daily", jobFile)).as("still awaiting approval")
                .isEqualTo(ExitCodes.AWAITING_APPROVAL);
        assertThat(sandbox.stats().creates()).isEqualTo(1);
        assertThat(output.getOut()).contains("3 row(s) HELD (proof: awaiting approval)");
    }

    // ---- helpers ----

    private void startSandbox(Duration min, Duration max) {
        sandbox = SandboxProvider.start(SandboxSettings.defaults().withGenerationTime(min, max));
    }

    private RunningServe serve(Path jobs, String... settings) {
        List<String> args = new ArrayList<>(List.of("--jobs", jobs.toString(),
                "--server.port=0",
                "--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                "--imagebatch.download.allow-private-networks=true",
                "--imagebatch.job.poll-early=100ms", "--imagebatch.job.poll-middle=200ms",
                "--imagebatch.job.retry-initial-delay=50ms", "--imagebatch.job.retry-max-delay=200ms",
                "--imagebatch.job.create-attempts=2", "--imagebatch.job.progress-interval=1s",
                "--imagebatch.serve.stop-timeout=15s"));
        // H2 in the test's folder, or the PostgreSQL schema of ServePostgresEndToEndTest
        args.addAll(CliRun.database(work));
        args.addAll(List.of("--imagebatch.console.users[0].name=" + MONITOR,
                "--imagebatch.console.users[0].password-hash=" + MONITOR_HASH,
                "--imagebatch.console.users[0].roles=ADMIN"));
        args.addAll(List.of(settings));
        RunningServe serve = ImageBatchCli.startServe(args, System.out);
        serves.add(serve);
        return serve;
    }

    /** The sample catalogue as jobs/demo.yml reads it, into {@code out/}. */
    private void writeSampleJob(Path file, String name, String cron) throws IOException {
        Files.writeString(file, """
                name: %s
                catalogue: %s
                provider: liangxin
                output: file:%s
                columns: { id: sku }
                prompt-template: "%s"
                defaults: { aspect-ratio: "1:1", resolution: 1K }
                schedule: "%s"
                """.formatted(name, SampleCatalogue.FILE.toAbsolutePath(), work.resolve("out"),
                SampleCatalogue.TEMPLATE, cron));
    }

    private void writeJob(Path file, String name, Path catalogue, String schedule) throws IOException {
        Files.writeString(file, """
                name: %s
                catalogue: %s
                output: file:%s
                schedule: %s
                """.formatted(name, catalogue, work.resolve("out"), schedule));
    }

    private Path writeCatalogue(String name, String... prompts) throws IOException {
        StringBuilder csv = new StringBuilder("id,prompt\n");
        for (int i = 0; i < prompts.length; i++) {
            csv.append(name.replace(".csv", "")).append('-').append(i + 1).append(',').append(prompts[i]).append('\n');
        }
        return Files.writeString(work.resolve(name), csv.toString());
    }

    /** @return true when the serve's running batch has completed its submit step */
    private static boolean submitStepCompleted(RunningServe serve) {
        return serve.context().getBean(JobRepository.class)
                .findRunningJobExecutions(ImageProductionJobConfiguration.JOB_NAME).stream()
                .flatMap(execution -> execution.getStepExecutions().stream())
                .anyMatch(step -> step.getStepName().equals(io.imagebatch.job.PipelineSteps.SUBMIT)
                        && step.getStatus() == BatchStatus.COMPLETED);
    }

    private static Path findReport(Path out) throws IOException {
        if (!Files.isDirectory(out)) {
            return null;
        }
        try (Stream<Path> files = Files.walk(out)) {
            return files.filter(p -> p.getFileName().toString().equals("report.csv")).findFirst().orElse(null);
        } catch (java.io.UncheckedIOException vanished) {
            return null; // an image's temp file was renamed while we walked: the caller looks again
        }
    }

    private String get(RunningServe serve, String path, int expectedStatus) throws Exception {
        // Actuator but health is for an ADMIN (docs/console.md): the serve's monitoring user, by HTTP Basic
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + serve.port() + path)).header("Authorization", "Basic "
                        + java.util.Base64.getEncoder().encodeToString((MONITOR + ":" + MONITOR_PASSWORD)
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(expectedStatus);
        return response.body();
    }
}
