package io.imagebatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.sandbox.SandboxStats;
import io.imagebatch.testsupport.S3FaultProxy;
import io.imagebatch.testsupport.S3ProxyServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Crash-safe resume, "kill it anywhere, lose no row, pay for no row twice" (docs/design.md), proved on the real jar.
 *
 * <p>For each seed: a {@link SandboxProvider} in this JVM (it outlives the children) with every fault on (500s,
 * 429s, create answers dropped after the task was made, failed generations, downloads cut short), a small
 * catalogue with a few invalid rows, and {@code java -jar target/imagebatch.jar run ...} started as a child
 * process and killed with SIGKILL a few times, at seeded moments in each step (submit, poll, download, report,
 * and JVM start-up), then run until it exits 0. Then what a user would check: every catalogue row exactly once
 * in {@code report.csv} with a final status, no entry (row, variant) created twice at the provider, every stored
 * image whole and the provider's, nothing else in the output folder, and every create whose answer was lost
 * reported UNCERTAIN, never resent.
 *
 * <p>Odd seeds store into S3 instead of a folder: an S3Proxy in this JVM behind an {@link S3FaultProxy} that
 * answers 10% of writes {@code 503 SlowDown}, the children pointed at it through the standard AWS environment
 * variables; the same checks then read the bucket (every stored object whole, nothing else, no multipart upload
 * left open).
 *
 * <p>Seeds 3, 6, 9, ... make 2 variants of each row, and 1 or 3 of some rows through a {@code variants} column
 * (README.md, Variants): every variant its own report line and ledger entry, created at most once ({@link Creates}),
 * stored as {@code <row id>-<k>.<ext>}; after the other rounds, {@code choose} is killed once and run again.
 *
 * <p>Seeds 2, 5, 8, ... run with callbacks: the children serve the callback endpoint, an authenticated callback
 * records its task's end without a status query, and a killed child's callbacks are lost, so the next run polls
 * those tasks (README.md, Callbacks).
 *
 * <p>Also the graceful stop: SIGTERM while polling ends the run with exit code 1 and the batch STOPPED, and
 * {@code restart <batch>} finishes it.
 *
 * <p>Seeds 1, 4, 7, ... split their batch into 3 partitions ({@code --partitions 3}, README.md, "More than one
 * machine"); {@code kill.partitions} sets the partitions of every seed.
 *
 * <p>System properties: {@code kill.seeds} (default 3) runs seeds 1..n; {@code kill.seed} replays one seed. For
 * example {@code ./mvnw verify -Dit.test=ImageBatchKillIT -Dkill.seeds=20 -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false}. Each seed's folder (catalogue, database, output, the children's
 * output) is kept in {@code target/kill-it/seed-<n>} for a post-mortem.
 */
class ImageBatchKillIT {

    /** The jar under test, built by {@code package} before failsafe runs. */
    private static final Path JAR = Path.of("target", "imagebatch.jar").toAbsolutePath();
    /** Where each seed's files are kept. */
    private static final Path WORK = Path.of("target", "kill-it").toAbsolutePath();
    /** Valid catalogue rows per seed. */
    private static final int VALID_ROWS = 25;
    /** Runs per seed before giving up. */
    private static final int MAX_RUNS = 15;
    /** Longest a child may run before the test gives up on it. */
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(4);
    /** The statuses a report line may end in. */
    private static final Set<String> FINAL_STATUSES = Set.of("SUCCEEDED", "REJECTED", "FAILED", "UNCERTAIN",
            "HELD");
    /** The price of one image in the budgeted runs (imagebatch.providers.liangxin.price-per-image). */
    private static final BigDecimal PRICE = new BigDecimal("0.04");
    private static final Pattern STEP_START = Pattern.compile("Executing step: \\[(\\w+)]");
    private static final Pattern STEP_END = Pattern.compile("Step: \\[(\\w+)] executed");
    private static final Pattern BATCH_ID = Pattern.compile("Starting batch ([a-z0-9._-]+-[0-9a-f]{12}):");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** One summary line per seed, printed at the end. */
    private static final List<String> SUMMARIES = new ArrayList<>();

    @BeforeAll
    static void jarIsBuilt() {
        assertTrue(Files.isRegularFile(JAR), JAR + " is missing: run through Maven (verify), which packages first");
    }

    @AfterAll
    static void printSummaries() {
        System.out.println("ImageBatchKillIT summary:");
        SUMMARIES.forEach(line -> System.out.println("  " + line));
    }

    /** @return one test per seed: {@code kill.seed} alone, else 1..{@code kill.seeds} (default 3) */
    @TestFactory
    Stream<DynamicTest> killedAnywhereItLosesNoRowAndPaysForNoRowTwice() {
        String one = System.getProperty("kill.seed");
        LongStream seeds = one != null && !one.isBlank() ? LongStream.of(Long.parseLong(one.trim()))
                : LongStream.rangeClosed(1, Integer.getInteger("kill.seeds", 3));
        return seeds.boxed().map(seed -> DynamicTest.dynamicTest("seed " + seed, () -> killAndResume(seed)));
    }

    /**
     * Where a seed's children keep the batch (the job repository, the ledger, the locks), and how the test reads
     * it once they have exited.
     *
     * @param springArgs the children's datasource settings, as command-line arguments
     * @param url        the JDBC URL the test reads the batch's spend with
     * @param user       its user name
     * @param password   its password
     */
    record Database(List<String> springArgs, String url, String user, String password) {

        /** @return H2 in the seed's folder, {@code db/imagebatch} */
        static Database h2(Path dir) {
            String url = "jdbc:h2:file:" + dir.resolve("db").resolve("imagebatch");
            return new Database(List.of("--spring.datasource.url=" + url), url, "sa", "");
        }

        java.sql.Connection connect() throws java.sql.SQLException {
            return java.sql.DriverManager.getConnection(url, user, password);
        }
    }

    private static void killAndResume(long seed) throws Exception {
        killAndResume(seed, "seed-", Database::h2);
    }

    // ---- the kill test ----

    /**
     * One seed of the kill test (see {@link ImageBatchKillIT}), its children keeping the batch in {@code database}.
     *
     * @param seed     the seed of the faults, the catalogue, the budget and the kills
     * @param folder   the prefix of the seed's folder under {@code target/kill-it}, e.g. {@code seed-}
     * @param database the database of the seed's children, from the seed's (fresh) folder
     * @return the seed's summary line: kills, runs, rows, duplicate creates, lost rows, spend against the budget
     * @throws AssertionError naming the seed and what is wrong
     */
    static String killAndResume(long seed, String folder, java.util.function.Function<Path, Database> database)
            throws Exception {
        long started = System.nanoTime();
        Random random = new Random(seed);
        Path dir = fresh(WORK.resolve(folder + seed));
        Database db = database.apply(dir);
        SandboxSettings faults = SandboxSettings.defaults()
                .withSeed(seed)
                .withServerErrorRate(0.10)
                .withTooManyRequestsRate(0.05)
                .withCreateDropRate(0.02)
                .withFailureRate(0.05)
                .withDownloadCutRate(0.05)
                // results that are paid for but can never be fetched (an expired or revoked URL): those rows end
                // FAILED "paid, result not stored", and the retry-failed round below must not create them again
                .withForbiddenResultRate(0.08)
                .withGenerationTime(Duration.ofMillis(200), Duration.ofMillis(1500));
        int variants = variantsOf(seed);
        // a variants seed has about as many ledger entries (rows x variants), so as many creates, as the others
        // and a variants column in which some rows ask for 1 or 3 instead (README.md, Variants), drawn apart from
        // the seed's other draws
        Catalogue catalogue = variants > 1
                ? Catalogue.write(dir.resolve("catalogue.csv"), (VALID_ROWS + 1) / variants, random,
                        new java.util.SplittableRandom(seed * 31 + 7))
                : Catalogue.write(dir.resolve("catalogue.csv"), VALID_ROWS, random);
        boolean inS3 = seed % 2 == 1;
        boolean renditions = withRenditions(seed);
        try (SandboxProvider sandbox = SandboxProvider.start(faults);
                S3ProxyServer s3 = inS3 ? S3ProxyServer.start() : null;
                S3FaultProxy storeFaults = inS3 ? S3FaultProxy.start(s3.endpoint(), 0.10, 0, seed) : null) {
            S3Output bucket = null;
            Map<String, String> env = Map.of();
            String output = "file:" + dir.resolve("out");
            if (inS3) {
                s3.createBucket(S3Output.BUCKET);
                bucket = new S3Output(s3.client(), "seed-" + seed);
                output = "s3://" + S3Output.BUCKET + "/" + bucket.prefix();
                env = S3Output.environment(storeFaults.endpoint());
            }
            List<String> command = runCommand(dir, catalogue.path(), sandbox.baseUrl(), output, db);
            if (renditions || variants > 1) {
                // the job file goes right after "run"; retry-failed and redo take the batch's stored renditions
                // and variants
                command.add(command.indexOf("run") + 1, Files.writeString(dir.resolve(variants > 1 ? "job.yml"
                        : "renditions.yml"), (renditions ? KillRendition.JOB_FILE : "")
                        + (variants > 1 ? "variants: " + variants + "\n" : "")).toString());
            }
            // a budget smaller than the catalogue's cost (VALID_ROWS x PRICE), seeded apart from the kill plan: the
            // kills must never let the committed spend pass it (docs/design.md, Spend)
            // (SplittableRandom: java.util.Random's first draws of neighbouring seeds are alike)
            BigDecimal budget = PRICE.multiply(BigDecimal.valueOf(VALID_ROWS / 2 + new java.util.SplittableRandom(seed)
                    .nextInt(VALID_ROWS / 3))).add(new BigDecimal("0.01"));
            if (partitionsOf(seed) > 1) {
                // README.md, "More than one machine": the batch split into row ranges run at the same time
                command.addAll(List.of("--partitions", Integer.toString(partitionsOf(seed))));
            }
            command.addAll(List.of("--budget", budget.toPlainString(),
                    "--imagebatch.providers.liangxin.price-per-image=" + PRICE.toPlainString()));
            if (withCallbacks(seed)) {
                // the tasks call back to the running child, which records their end without a status query; the
                // callbacks of a killed child are lost, and the next run polls those tasks once they are overdue
                int port;
                try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
                    port = socket.getLocalPort();
                }
                command.addAll(List.of("--imagebatch.callback.base-url=http://127.0.0.1:" + port,
                        "--server.port=" + port, "--server.address=127.0.0.1",
                        "--imagebatch.job.poll-callback-fallback=2s"));
            }
            // 3..5 kills, aimed in pipeline order (a resumed run skips the steps already complete, so a kill
            // aimed at an earlier step than the last one would land late, or find the batch finished)
            List<Phase> plan = new ArrayList<>();
            for (int i = 3 + random.nextInt(3); i > 0; i--) {
                plan.add(Phase.TARGETS.get(random.nextInt(Phase.TARGETS.size())));
            }
            plan.sort(Comparator.naturalOrder());
            List<Kill> kills = new ArrayList<>();
            StringBuilder transcript = new StringBuilder();
            boolean completed = false;
            int runs = 0;
            while (!completed && runs < MAX_RUNS) {
                runs++;
                try (Child child = Child.start(command, dir, env)) {
                    Integer exit;
                    if (kills.size() < plan.size()) {
                        Phase target = plan.get(kills.size());
                        long delay = target.delayMillis(random);
                        Kill kill = child.killAt(target, delay);
                        exit = kill == null ? child.exitCode() : null;
                        if (kill != null) {
                            kills.add(kill);
                        }
                    } else {
                        exit = child.awaitExit(RUN_TIMEOUT);
                    }
                    transcript.append("---- run ").append(runs).append(exit == null ? " (killed)" : " exit " + exit)
                            .append(" ----\n").append(child.output());
                    Files.writeString(dir.resolve("run-" + runs + ".log"), child.output());
                    // 3: completed with rows HELD by the budget
                    if (exit != null && (exit == 0 || exit == 3)) {
                        completed = true;
                    } else if (exit != null && exit != 1) {
                        fail("seed " + seed + ": run " + runs + " exited " + exit + "\n" + transcript);
                    }
                }
            }
            if (!completed) {
                fail("seed " + seed + ": no run completed in " + MAX_RUNS + " runs\n" + transcript);
            }
            String batchId = batchId(transcript.toString());
            Outcome outcome = check(seed, dir, batchId, catalogue, sandbox, transcript.toString(), bucket,
                    renditions, db, variants);
            RetryOutcome retry = retryFailedRound(seed, dir, batchId, command, env, random, sandbox, bucket);
            String redo = redoRound(seed, dir, batchId, command, env, random, sandbox, bucket, variants);
            String spend = checkSpend(seed, db, dir, batchId, budget, sandbox, bucket);
            String choose = variants > 1 ? "; " + chooseRound(seed, dir, batchId, command, env, random, bucket) : "";
            String summary = String.format(
                    "seed %d: %d kills survived (%s), %d runs, %d rows (%s), %d duplicate creates, %d lost rows, "
                            + "%d UNCERTAIN rows (%d create answers dropped, %d never reached the provider), %.1f s"
                            + (inS3 ? ", S3 with " + storeFaults.slowDowns() + " SlowDown of " + storeFaults.writes()
                                    + " writes" : ", folder"),
                    seed, kills.size(), Kill.byPhase(kills), runs, outcome.rows(), outcome.statusCounts(),
                    outcome.duplicateCreates(), outcome.lostRows(), outcome.uncertainRows(),
                    outcome.droppedCreates(), outcome.uncertainWithoutTask(), (System.nanoTime() - started) / 1e9)
                    + "; " + retry + "; " + redo + "; " + spend + (renditions ? "; renditions pad jpg, crop png" : "")
                    + (variants > 1 ? "; variants " + variants : "") + choose
                    + (partitionsOf(seed) > 1 ? "; partitions " + partitionsOf(seed) : "");
            synchronized (SUMMARIES) {
                SUMMARIES.add(summary);
            }
            System.out.println(summary);
            return summary;
        }
    }

    /**
     * {@code retry-failed} on the finished batch, killed once at a seeded moment and then resumed by running the
     * batch's {@code run} command until it completes. What a user checks: no row whose task was paid for (a
     * SUCCEEDED row, or a FAILED row the report calls "paid, result not stored") is created again; a row whose
     * generation failed is created again at most once; UNCERTAIN and REJECTED rows are not sent; the report
     * still has every row once with a final status.
     *
     * @return the figures for the summary line
     * @throws AssertionError naming the seed and what is wrong, with the children's output
     */
    private static RetryOutcome retryFailedRound(long seed, Path dir, String batchId, List<String> run,
            Map<String, String> env, Random random, SandboxProvider sandbox, S3Output bucket) throws Exception {
        Path reportFile = dir.resolve("out").resolve(batchId).resolve("report.csv");
        List<CSVRecord> before = bucket != null ? bucket.report(batchId) : readReport(reportFile);
        Map<String, Integer> createsBefore = sandbox.stats().createsByPrompt();
        List<String> retryCommand = new ArrayList<>(run.subList(0, run.indexOf("run")));
        retryCommand.add("retry-failed");
        retryCommand.add(batchId);
        retryCommand.addAll(run.stream().filter(a -> a.startsWith("--") && a.contains(".") && a.contains("="))
                .toList());
        Phase target = List.of(Phase.STARTUP, Phase.SUBMIT, Phase.POLL, Phase.DOWNLOAD)
                .get(random.nextInt(4));
        long delay = target.delayMillis(random);
        StringBuilder transcript = new StringBuilder();
        boolean completed = false;
        boolean killed = false;
        int runs = 0;
        while (!completed && runs < MAX_RUNS) {
            runs++;
            // the first run is retry-failed; a killed round is resumed as any broken batch is: the same run command
            try (Child child = Child.start(runs == 1 ? retryCommand : run, dir, env)) {
                Integer exit;
                if (runs == 1) {
                    Kill kill = child.killAt(target, delay);
                    killed = kill != null;
                    exit = killed ? null : child.exitCode();
                } else {
                    exit = child.awaitExit(RUN_TIMEOUT);
                }
                transcript.append("---- retry run ").append(runs).append(exit == null ? " (killed)" : " exit " + exit)
                        .append(" ----\n").append(child.output());
                Files.writeString(dir.resolve("retry-run-" + runs + ".log"), child.output());
                if (exit != null && (exit == 0 || exit == 3)) {
                    completed = true;
                } else if (exit != null && exit != 1) {
                    fail("seed " + seed + ": retry run " + runs + " exited " + exit + "\n" + transcript);
                }
            }
        }
        if (!completed) {
            fail("seed " + seed + ": the retry round did not complete in " + MAX_RUNS + " runs\n" + transcript);
        }
        List<CSVRecord> after = bucket != null ? bucket.report(batchId) : readReport(reportFile);
        Map<String, Integer> createsAfter = sandbox.stats().createsByPrompt();
        List<String> problems = new ArrayList<>();
        if (after.size() != before.size()) {
            problems.add("the report has " + after.size() + " lines after the retry round, " + before.size()
                    + " before");
        }
        for (CSVRecord line : after) {
            if (!FINAL_STATUSES.contains(line.get("status"))) {
                problems.add("row " + line.get("row_number") + " lost in the retry round: " + line.toMap());
            }
        }
        int paidNotStored = 0;
        int generationFailed = 0;
        int createdAgain = 0;
        int paidCreatedAgain = 0;
        // the creates the round made are counted per prompt, which a row's variants share: a prompt may be created
        // again once per entry (row, variant) of it whose generation failed, never for a paid one; and every paid
        // entry keeps its task
        Map<String, List<CSVRecord>> beforeByPrompt = before.stream()
                .collect(Collectors.groupingBy(l -> l.get("prompt"), LinkedHashMap::new, Collectors.toList()));
        Map<String, CSVRecord> afterByEntry = after.stream().collect(Collectors.toMap(ImageBatchKillIT::entryOf,
                l -> l, (a, b) -> a));
        for (Map.Entry<String, List<CSVRecord>> group : beforeByPrompt.entrySet()) {
            String prompt = group.getKey();
            int added = createsAfter.getOrDefault(prompt, 0) - createsBefore.getOrDefault(prompt, 0);
            int failedHere = 0;
            for (CSVRecord line : group.getValue()) {
                String status = line.get("status");
                boolean paid = status.equals("SUCCEEDED")
                        || status.equals("FAILED") && line.get("failure").equals("paid, result not stored");
                if (status.equals("FAILED") && !paid) {
                    failedHere++;
                } else {
                    paidNotStored += status.equals("FAILED") ? 1 : 0;
                }
                CSVRecord now = afterByEntry.get(entryOf(line));
                if (paid && (now == null || !now.get("task_id").equals(line.get("task_id")))) {
                    problems.add(entryOf(line) + " (" + status + " " + line.get("failure") + ", task "
                            + line.get("task_id") + ") has task " + (now == null ? "none" : now.get("task_id"))
                            + " after retry-failed: a paid task was created again");
                }
            }
            generationFailed += failedHere;
            if (failedHere > 0) {
                createdAgain += Math.min(added, failedHere);
            }
            if (added > failedHere) {
                paidCreatedAgain += added - failedHere;
                problems.add("prompt of " + entryOf(group.getValue().get(0)) + " (" + group.getValue().size()
                        + " report line(s), " + failedHere + " whose generation failed) was created " + added
                        + " more time(s) by one retry round");
            }
        }
        if (!problems.isEmpty()) {
            fail("seed " + seed + ", batch " + batchId + ", retry round (files in " + dir + "):\n  "
                    + String.join("\n  ", problems) + "\n" + transcript);
        }
        return new RetryOutcome(killed ? target : null, paidNotStored, paidCreatedAgain, generationFailed,
                createdAgain);
    }

    /**
     * {@code redo} of one SUCCEEDED row with a new prompt (README, "Redo a row"), killed once at a seeded moment and
     * then resumed by running the batch's {@code run} command until it completes. What a user checks: the new
     * prompt is created at most once and the row's earlier prompt never again; a row whose redo was committed
     * shows the new prompt as its next attempt, and its earlier image is kept, byte for byte, under the row's
     * history (copied before the redo is committed, so also when the new attempt is HELD by the budget); a row
     * whose redo was killed before it was committed is as it was.
     *
     * @return the figures for the summary line
     * @throws AssertionError naming the seed and what is wrong, with the children's output
     */
    private static String redoRound(long seed, Path dir, String batchId, List<String> run, Map<String, String> env,
            Random random, SandboxProvider sandbox, S3Output bucket, int variants) throws Exception {
        Path batchDir = dir.resolve("out").resolve(batchId);
        List<CSVRecord> before = bucket != null ? bucket.report(batchId) : readReport(batchDir.resolve("report.csv"));
        List<CSVRecord> succeeded = before.stream().filter(l -> l.get("status").equals("SUCCEEDED")).toList();
        if (succeeded.isEmpty()) {
            return "redo: no SUCCEEDED row";
        }
        CSVRecord row = succeeded.get(random.nextInt(succeeded.size()));
        String rowNumber = row.get("row_number");
        String newPrompt = row.get("prompt") + " (redone)";
        Map<String, Integer> createsBefore = sandbox.stats().createsByPrompt();
        List<String> redoCommand = new ArrayList<>(run.subList(0, run.indexOf("run")));
        redoCommand.addAll(List.of("redo", batchId, rowNumber, "--prompt", newPrompt));
        if (variants > 1) {
            redoCommand.addAll(List.of("--variant", row.get("variant")));
        }
        redoCommand.addAll(run.stream().filter(a -> a.startsWith("--") && a.contains(".") && a.contains("="))
                .toList());
        Phase target = List.of(Phase.STARTUP, Phase.SUBMIT, Phase.POLL, Phase.DOWNLOAD).get(random.nextInt(4));
        long delay = target.delayMillis(random);
        StringBuilder transcript = new StringBuilder();
        boolean completed = false;
        boolean killed = false;
        int runs = 0;
        while (!completed && runs < MAX_RUNS) {
            runs++;
            // the first run is redo; a killed redo is resumed as any broken batch is: the same run command
            try (Child child = Child.start(runs == 1 ? redoCommand : run, dir, env)) {
                Integer exit;
                if (runs == 1) {
                    Kill kill = child.killAt(target, delay);
                    killed = kill != null;
                    exit = killed ? null : child.exitCode();
                } else {
                    exit = child.awaitExit(RUN_TIMEOUT);
                }
                transcript.append("---- redo run ").append(runs).append(exit == null ? " (killed)" : " exit " + exit)
                        .append(" ----\n").append(child.output());
                Files.writeString(dir.resolve("redo-run-" + runs + ".log"), child.output());
                if (exit != null && (exit == 0 || exit == 3)) {
                    completed = true;
                } else if (exit != null && exit != 1) {
                    fail("seed " + seed + ": redo run " + runs + " exited " + exit + "\n" + transcript);
                }
            }
        }
        if (!completed) {
            fail("seed " + seed + ": the redo did not complete in " + MAX_RUNS + " runs\n" + transcript);
        }
        List<CSVRecord> after = bucket != null ? bucket.report(batchId) : readReport(batchDir.resolve("report.csv"));
        CSVRecord line = after.stream().filter(l -> entryOf(l).equals(entryOf(row))).findFirst().orElseThrow();
        Map<String, Integer> createsAfter = sandbox.stats().createsByPrompt();
        List<String> problems = new ArrayList<>();
        int oldAgain = createsAfter.getOrDefault(row.get("prompt"), 0) - createsBefore.getOrDefault(row.get("prompt"), 0);
        int newCreates = createsAfter.getOrDefault(newPrompt, 0);
        if (oldAgain != 0) {
            problems.add("the row's earlier prompt was created " + oldAgain + " more time(s)");
        }
        if (newCreates > 1) {
            problems.add("the new prompt was created " + newCreates + " times");
        }
        String outcome;
        if (line.get("prompt").equals(newPrompt)) {
            int attempt = Integer.parseInt(row.get("attempt")) + 1;
            if (!line.get("attempt").equals(String.valueOf(attempt))) {
                problems.add("the redone row is attempt " + line.get("attempt") + ", not " + attempt);
            }
            if (!FINAL_STATUSES.contains(line.get("status"))) {
                problems.add("the redone row did not end: " + line.toMap());
            }
            String name = row.get("output_uri").substring(row.get("output_uri").lastIndexOf('/') + 1);
            int dot = name.lastIndexOf('.');
            String historyName = name.substring(0, dot) + "-attempt-" + (attempt - 1) + name.substring(dot);
            // copied before the redo was committed, whatever became of the new attempt (sent, held, ...)
            try {
                byte[] kept = bucket != null ? bucket.client().getObjectAsBytes(b -> b.bucket(S3Output.BUCKET)
                        .key(bucket.prefix() + "/" + batchId + "/history/" + historyName)).asByteArray()
                        : Files.readAllBytes(batchDir.resolve("history").resolve(historyName));
                if (!sha256(kept).equals(row.get("sha256"))) {
                    problems.add("the kept image " + historyName + " is not the row's earlier image");
                }
            } catch (IOException | software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
                problems.add("the row's earlier image is not kept under its history as " + historyName);
            }
            outcome = "redone, " + line.get("status") + ", " + newCreates + " create";
        } else {
            if (!line.get("status").equals("SUCCEEDED") || !line.get("sha256").equals(row.get("sha256"))
                    || !line.get("attempt").equals(row.get("attempt")) || newCreates != 0) {
                problems.add("a redo killed before it was committed changed the row: " + line.toMap() + ", "
                        + newCreates + " create(s) of the new prompt");
            }
            outcome = "killed before it was committed";
        }
        if (!problems.isEmpty()) {
            fail("seed " + seed + ", batch " + batchId + ", redo of row " + rowNumber + " (files in " + dir + "):\n  "
                    + String.join("\n  ", problems) + "\n" + transcript);
        }
        return "redo" + (killed ? " (killed in " + target + ")" : "") + (variants > 1 ? " of variant "
                + row.get("variant") : "") + ": " + outcome;
    }

    /**
     * After every round of a seed: the batch's committed spend never passed its budget, and it is what the sandbox
     * counted: every create it made times the price, plus the price of each UNCERTAIN row whose create never
     * reached it (killed between its intent and its request; such a row keeps its reservation, as it may have been
     * paid). Read from the batch's database once every child has exited.
     *
     * @return the spend, for the seed's summary line
     * @throws AssertionError naming the seed and the figures
     */
    private static String checkSpend(long seed, Database database, Path dir, String batchId, BigDecimal budget,
            SandboxProvider sandbox, S3Output bucket) throws Exception {
        BigDecimal committed;
        try (java.sql.Connection db = database.connect();
                java.sql.PreparedStatement query = db.prepareStatement(
                        "SELECT COMMITTED_SPEND, BUDGET FROM IB_BATCH WHERE BATCH_ID = ?")) {
            query.setString(1, batchId);
            try (java.sql.ResultSet rs = query.executeQuery()) {
                assertTrue(rs.next(), "seed " + seed + ": batch " + batchId + " is not in IB_BATCH");
                committed = rs.getBigDecimal(1);
                assertEquals(0, budget.compareTo(rs.getBigDecimal(2)), "seed " + seed + ": the budget in force");
            }
        }
        Path reportFile = dir.resolve("out").resolve(batchId).resolve("report.csv");
        List<CSVRecord> lines = bucket != null ? bucket.report(batchId) : readReport(reportFile);
        SandboxStats stats = sandbox.stats();
        long uncertainWithoutCreate = Creates.of(database, batchId, sandbox).uncertainWithoutTask();
        long held = lines.stream().filter(l -> l.get("status").equals("HELD")).count();
        BigDecimal counted = PRICE.multiply(BigDecimal.valueOf(stats.creates() + uncertainWithoutCreate));
        assertTrue(committed.compareTo(budget) <= 0, "seed " + seed + ": committed " + committed
                + " passed the budget " + budget);
        assertEquals(0, counted.compareTo(committed), "seed " + seed + ": committed " + committed + ", but the"
                + " sandbox counted " + stats.creates() + " creates (+ " + uncertainWithoutCreate + " UNCERTAIN rows"
                + " never sent) x " + PRICE + " = " + counted);
        return String.format(Locale.ROOT, "spend %s of a budget of %s (%d creates, %d rows HELD)",
                committed.stripTrailingZeros().toPlainString(), budget.toPlainString(), stats.creates(), held);
    }

    /**
     * Figures of one seed's retry-failed round.
     *
     * @param killedIn          the phase a SIGKILL was aimed at, or null when the round ended first
     * @param paidNotStored     FAILED rows "paid, result not stored" before the round
     * @param paidCreatedAgain  creates the round made for rows whose task was paid (always 0, or the test fails)
     * @param generationFailed  FAILED rows "generation failed" before the round
     * @param createdAgain      creates the round made for those
     */
    private record RetryOutcome(Phase killedIn, int paidNotStored, int paidCreatedAgain, int generationFailed,
            int createdAgain) {
        @Override
        public String toString() {
            return "retry-failed" + (killedIn != null ? " (killed in " + killedIn + ")" : "") + ": "
                    + paidNotStored + " paid not stored (" + paidCreatedAgain + " created again), "
                    + generationFailed + " generation failed (" + createdAgain + " created again)";
        }
    }

    /**
     * The crash-safe resume checks on a finished batch.
     *
     * @return the figures for the summary line
     * @throws AssertionError naming the seed and what is wrong, with the children's output
     */
    private static Outcome check(long seed, Path dir, String batchId, Catalogue catalogue, SandboxProvider sandbox,
            String transcript) throws Exception {
        return check(seed, dir, batchId, catalogue, sandbox, transcript, null, false, Database.h2(dir), 1);
    }

    /**
     * The checks on a batch stored in a folder ({@code bucket} null) or in an S3 bucket; with {@code renditions},
     * also those of {@link KillRendition#check}; with {@code variants} over 1, every valid row has that many
     * report lines and entries (README.md, Variants), each created at most once ({@link Creates}) and stored as
     * {@code <row id>-<k>.<ext>}. {@code database} is the batch's, read for its ledger's task ids.
     */
    private static Outcome check(long seed, Path dir, String batchId, Catalogue catalogue, SandboxProvider sandbox,
            String transcript, S3Output bucket, boolean renditions, Database database, int variants)
            throws Exception {
        List<String> problems = new ArrayList<>();
        Path batchDir = dir.resolve("out").resolve(batchId);
        List<CSVRecord> lines = bucket != null ? bucket.report(batchId) : readReport(batchDir.resolve("report.csv"));
        SandboxStats stats = sandbox.stats();

        // every catalogue row exactly once per variant, with its id and a final status: no row lost
        if (!lines.isEmpty() && lines.get(0).isMapped("variant") != variants > 1) {
            problems.add("a batch with " + variants + " variant(s) has " + (variants > 1 ? "no" : "a")
                    + " variant column in its report");
        }
        Map<Long, CSVRecord> byRow = new HashMap<>();
        Map<Long, Set<Integer>> variantsByRow = new HashMap<>();
        int lost = 0;
        for (CSVRecord line : lines) {
            long rowNumber = Long.parseLong(line.get("row_number"));
            int variant = variants > 1 ? Integer.parseInt(line.get("variant")) : 1;
            if (!variantsByRow.computeIfAbsent(rowNumber, r -> new TreeSet<>()).add(variant)) {
                problems.add(entryOf(line) + " is in the report twice");
            }
            if (variant == 1) {
                byRow.put(rowNumber, line);
            }
            if (variants > 1 && line.get("status").equals("SUCCEEDED")) {
                String uri = line.get("output_uri");
                String name = uri.substring(uri.lastIndexOf('/') + 1);
                if (!name.matches(Pattern.quote(line.get("row_id") + "-" + variant) + "\\.[a-z]+")) {
                    problems.add(entryOf(line) + " is stored as " + name + ", not " + line.get("row_id") + "-"
                            + variant + ".<ext>");
                }
            }
            if (!FINAL_STATUSES.contains(line.get("status")) || line.get("error").contains("has no ledger line")) {
                problems.add("row " + rowNumber + " lost: " + line.toMap());
                lost++;
            }
        }
        for (Catalogue.Row row : catalogue.rows()) {
            CSVRecord line = byRow.get(row.number());
            if (line == null) {
                problems.add("row " + row.number() + " is missing from the report");
                lost++;
                continue;
            }
            if (!row.id().equals(line.get("row_id"))) {
                problems.add("row " + row.number() + " has id " + line.get("row_id") + ", not " + row.id());
            }
            if (row.invalid() != line.get("status").equals("REJECTED")) {
                problems.add("row " + row.number() + " (" + (row.invalid() ? "invalid" : "valid") + ") is "
                        + line.get("status") + ": " + line.get("error"));
            }
            // a valid row: one line per variant, 1..n (its variants cell, else the batch's); a rejected row: its
            // variant 1, and none past n
            Set<Integer> got = variantsByRow.get(row.number());
            Set<Integer> want = new TreeSet<>();
            for (int k = 1; k <= (row.variants() != null ? row.variants() : variants); k++) {
                want.add(k);
            }
            if (row.invalid() ? !want.containsAll(got) : !got.equals(want)) {
                problems.add("row " + row.number() + " has report lines for variants " + got + ", expected "
                        + want);
            }
        }
        Set<Long> numbers = catalogue.rows().stream().map(Catalogue.Row::number).collect(Collectors.toSet());
        variantsByRow.keySet().stream().filter(n -> !numbers.contains(n))
                .forEach(n -> problems.add("the report has a row " + n + " the catalogue does not have"));

        // every entry (row, variant) created at most once at the provider, across every kill; no rejected row sent
        Creates creates = Creates.of(database, batchId, sandbox);
        problems.addAll(creates.problems());
        int duplicates = creates.duplicates();
        for (Catalogue.Row row : catalogue.rows()) {
            if (row.invalid() && stats.createsByPrompt().containsKey(row.prompt())) {
                problems.add("invalid row " + row.number() + " was sent");
            }
        }

        // every SUCCEEDED row: one image under out/<batch id>/, its SHA-256 and size as reported, the provider's
        // (with the AI-generated label written in)
        // the report step's three files: the CSV, the contact sheet and the manifest
        Set<Path> expectedFiles = new HashSet<>(Set.of(batchDir.resolve("report.csv"),
                batchDir.resolve("report.html"), batchDir.resolve("manifest.json")));
        if (bucket != null) {
            bucket.checkImagesAndNothingElse(batchId, lines, sandbox, renditions, problems);
        }
        for (CSVRecord line : lines) {
            if (bucket != null || !line.get("status").equals("SUCCEEDED")) {
                continue;
            }
            String rowNumber = line.get("row_number");
            Path image = Path.of(URI.create(line.get("output_uri")));
            if (!image.getParent().equals(batchDir) || !Files.isRegularFile(image)) {
                problems.add("row " + rowNumber + ": no image at " + image);
                continue;
            }
            expectedFiles.add(image);
            byte[] stored = Files.readAllBytes(image);
            if (!sha256(stored).equals(line.get("sha256")) || stored.length != Long.parseLong(line.get("bytes"))) {
                problems.add("row " + rowNumber + ": the file " + image + " (" + stored.length + " bytes, "
                        + sha256(stored) + ") is not what the report says (" + line.get("bytes") + " bytes, "
                        + line.get("sha256") + ")");
            }
            byte[] provider = providerImage(sandbox.baseUrl(), line.get("task_id"));
            if (!isLabelledCopyOf(stored, provider)) {
                problems.add("row " + rowNumber + ": the file " + image + " is not the provider's image of task "
                        + line.get("task_id"));
            }
            KillRendition.check(line, renditions, uri -> {
                Path file = Path.of(URI.create(uri));
                expectedFiles.add(file);
                return Files.isRegularFile(file) ? Files.readAllBytes(file) : null;
            }, problems);
        }
        if (!renditions) {
            KillRendition.checkNoColumn(lines, problems);
        }

        // nothing else in the output folder: no duplicate, no partial, no temporary file
        try (Stream<Path> files = bucket != null ? Stream.empty() : Files.walk(dir.resolve("out"))) {
            files.filter(Files::isRegularFile).filter(f -> !expectedFiles.contains(f)).sorted()
                    .forEach(f -> problems.add("unexpected file in the output: " + f + " (" + size(f) + " bytes)"));
        }

        // every create whose answer was dropped: an entry of its row is UNCERTAIN (one per dropped create) and was
        // never sent again
        Map<String, List<CSVRecord>> byPrompt = lines.stream()
                .collect(Collectors.groupingBy(l -> l.get("prompt")));
        for (Map.Entry<String, Integer> dropped : stats.droppedCreatesByPrompt().entrySet()) {
            List<CSVRecord> same = byPrompt.getOrDefault(dropped.getKey(), List.of());
            long uncertain = same.stream().filter(l -> l.get("status").equals("UNCERTAIN")).count();
            if (uncertain < dropped.getValue()) {
                problems.add("the create answer of \"" + dropped.getKey() + "\" was dropped " + dropped.getValue()
                        + " time(s), yet " + uncertain + " of its report lines are UNCERTAIN: "
                        + same.stream().map(l -> entryOf(l) + " " + l.get("status")).toList());
            }
        }

        Map<String, Long> counts = new LinkedHashMap<>();
        for (String status : List.of("SUCCEEDED", "REJECTED", "FAILED", "UNCERTAIN", "HELD")) {
            counts.put(status, lines.stream().filter(l -> l.get("status").equals(status)).count());
        }
        if (!problems.isEmpty()) {
            fail("seed " + seed + ", batch " + batchId + " (files in " + dir + "):\n  "
                    + String.join("\n  ", problems) + "\nsandbox stats: " + stats + "\n" + transcript);
        }
        // UNCERTAIN rows that certainly have no task: killed while their create waited to be retried
        int uncertainWithoutTask = creates.uncertainWithoutTask();
        return new Outcome(lines.size(), counts.entrySet().stream().map(e -> e.getValue() + " " + e.getKey())
                .collect(Collectors.joining(", ")), duplicates, lost, counts.get("UNCERTAIN").intValue(),
                stats.droppedCreates(), uncertainWithoutTask);
    }

    /**
     * Figures of one seed, for its summary line.
     *
     * @param rows                 report lines
     * @param statusCounts         for example {@code 22 SUCCEEDED, 3 REJECTED, 1 FAILED, 2 UNCERTAIN}
     * @param duplicateCreates     tasks created beyond one per ledger entry (row, variant) ({@link Creates})
     * @param lostRows             catalogue rows without a final line of their own
     * @param uncertainRows        UNCERTAIN lines
     * @param droppedCreates       creates whose answer the sandbox dropped
     * @param uncertainWithoutTask UNCERTAIN entries whose create never reached the sandbox ({@link Creates})
     */
    private record Outcome(int rows, String statusCounts, int duplicateCreates, int lostRows, int uncertainRows,
            int droppedCreates, int uncertainWithoutTask) {
    }

    // ---- graceful stop ----

    @Test
    void sigtermWhilePollingStopsTheBatchAndRestartFinishesIt() throws Exception {
        Path dir = fresh(WORK.resolve("sigterm"));
        Catalogue catalogue = Catalogue.write(dir.resolve("catalogue.csv"), 10, new Random(99));
        SandboxSettings settings = SandboxSettings.defaults().withSeed(99)
                .withGenerationTime(Duration.ofMillis(1500), Duration.ofMillis(3000));
        try (SandboxProvider sandbox = SandboxProvider.start(settings)) {
            List<String> run = runCommand(dir, catalogue.path(), sandbox.baseUrl());
            String firstOutput;
            try (Child child = Child.start(run, dir)) {
                assertTrue(child.awaitLine(line -> line.contains("Executing step: [poll]"), RUN_TIMEOUT),
                        () -> "the run never reached the poll step:\n" + child.output());
                child.signal(false); // SIGTERM
                Integer exit = child.awaitExit(Duration.ofSeconds(60));
                firstOutput = child.output();
                assertEquals(1, exit, firstOutput);
            }
            String batchId = batchId(firstOutput);
            assertTrue(firstOutput.contains("Batch " + batchId + " STOPPED"), firstOutput);
            assertTrue(firstOutput.contains("(SIGTERM)"), firstOutput);
            assertFalse(firstOutput.contains("Exception"), firstOutput);

            List<String> restart = new ArrayList<>(run.subList(0, run.indexOf("run")));
            restart.add("restart");
            restart.add(batchId);
            restart.addAll(run.stream().filter(a -> a.startsWith("--") && a.contains(".") && a.contains("="))
                    .toList());
            String secondOutput;
            try (Child child = Child.start(restart, dir)) {
                Integer exit = child.awaitExit(RUN_TIMEOUT);
                secondOutput = child.output();
                assertEquals(0, exit, secondOutput);
            }
            assertTrue(secondOutput.contains("Batch " + batchId + " COMPLETED"), secondOutput);
            Outcome outcome = check(0, dir, batchId, catalogue, sandbox, firstOutput + secondOutput);
            assertEquals(0, outcome.duplicateCreates());
            assertEquals(catalogue.rows().size(), outcome.rows());
            // no faults in this sandbox: every valid row succeeded, each created exactly once
            long valid = catalogue.rows().stream().filter(r -> !r.invalid()).count();
            assertEquals(valid, sandbox.stats().creates());
            assertTrue(outcome.statusCounts().startsWith(valid + " SUCCEEDED"), outcome::statusCounts);
        }
    }

    // ---- a lock lost mid-run ----

    /**
     * A run paused (SIGSTOP) past its lock's time to live while it submits: on the database's clock the lock
     * expired, so when it resumes it must notice, send nothing more, and end STOPPED (exit 1); the same command
     * then finishes the batch. (On H2 the paused process also serves the database, so no second process can run
     * the batch during the pause itself; the takeover during the pause is LockLossTest's, on H2 and PostgreSQL.)
     */
    @Test
    void aRunPausedPastItsLockTtlStopsOnResumingAndTheNextRunFinishesTheBatch() throws Exception {
        Path dir = fresh(WORK.resolve("lock-lost"));
        Catalogue catalogue = Catalogue.write(dir.resolve("catalogue.csv"), 24, new Random(7));
        SandboxSettings settings = SandboxSettings.defaults().withSeed(7).withFailureRate(0)
                .withGenerationTime(Duration.ofMillis(500), Duration.ofMillis(1500));
        try (SandboxProvider sandbox = SandboxProvider.start(settings)) {
            List<String> run = runCommand(dir, catalogue.path(), sandbox.baseUrl());
            List<String> slow = new ArrayList<>(run);
            slow.add("--imagebatch.providers.liangxin.requests-per-second=2");
            String firstOutput;
            try (Child child = Child.start(slow, dir)) {
                assertTrue(child.awaitLine(line -> line.contains("Executing step: [submit]"), RUN_TIMEOUT),
                        () -> "the run never reached the submit step:\n" + child.output());
                // held back twice the lock's ttl (3 s): its renewal cannot happen in time, whatever the load
                child.pause(Duration.ofSeconds(6));
                Integer exit = child.awaitExit(RUN_TIMEOUT);
                firstOutput = child.output();
                assertEquals(1, exit, firstOutput);
            }
            String batchId = batchId(firstOutput);
            assertTrue(firstOutput.contains("Batch " + batchId + " STOPPED"), firstOutput);
            assertTrue(firstOutput.contains("was lost"), firstOutput);

            String secondOutput;
            try (Child child = Child.start(run, dir)) {
                Integer exit = child.awaitExit(RUN_TIMEOUT);
                secondOutput = child.output();
                assertEquals(0, exit, secondOutput);
            }
            Outcome outcome = check(0, dir, batchId, catalogue, sandbox, firstOutput + secondOutput);
            assertEquals(0, outcome.duplicateCreates());
            assertEquals(0, outcome.lostRows());
            assertEquals(catalogue.rows().size(), outcome.rows());
            String summary = String.format("lock lost mid-run: 2 runs, %d rows (%s), %d duplicate creates, %d lost"
                    + " rows", outcome.rows(), outcome.statusCounts(), outcome.duplicateCreates(), outcome.lostRows());
            synchronized (SUMMARIES) {
                SUMMARIES.add(summary);
            }
        }
    }

    // ---- the child process ----

    /**
     * {@code java -jar target/imagebatch.jar run} with the batch's settings: the sandbox as LiangXin, a database
     * and output folder in {@code dir}, short waits and small chunks.
     */
    private static List<String> runCommand(Path dir, Path catalogue, URI sandbox) {
        return runCommand(dir, catalogue, sandbox, "file:" + dir.resolve("out"));
    }

    /** As {@link #runCommand(Path, Path, URI)}, into {@code output} ({@code file:...} or {@code s3://...}). */
    private static List<String> runCommand(Path dir, Path catalogue, URI sandbox, String output) {
        return runCommand(dir, catalogue, sandbox, output, Database.h2(dir));
    }

    /** As {@link #runCommand(Path, Path, URI, String)}, the batch kept in {@code database}. */
    private static List<String> runCommand(Path dir, Path catalogue, URI sandbox, String output, Database database) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        // a quicker start-up on a busy machine (C1 only); the jar and its settings are the user's
        command.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx384m"));
        command.addAll(List.of("-jar", JAR.toString(), "run",
                "--catalogue", catalogue.toString(),
                "--output", output));
        command.addAll(database.springArgs());
        command.addAll(List.of(
                "--imagebatch.providers.liangxin.base-url=" + sandbox,
                "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                "--imagebatch.download.allow-private-networks=true",
                "--imagebatch.job.poll-early=200ms",
                "--imagebatch.job.retry-initial-delay=100ms",
                "--imagebatch.job.retry-max-delay=500ms",
                "--imagebatch.job.chunk-size=5",
                // a killed run leaves its batch lock behind; the next run waits this long for it
                "--imagebatch.lock.ttl=3s",
                "--imagebatch.job.create-attempts=8",
                "--imagebatch.job.progress-interval=1s",
                // the step boundaries, so that kills can be aimed at each step
                "--logging.level.org.springframework.batch.core.step.AbstractStep=INFO"));
        return command;
    }

    /** Where a run is, as far as its output tells. */
    enum Phase {
        /** The JVM and Spring are starting, the previous execution is being recovered: before any step. */
        STARTUP("", 300, 3000),
        /** Reading the catalogue, recording intents, creating tasks. */
        SUBMIT("submit", 0, 700),
        /** Querying tasks. */
        POLL("poll", 0, 1500),
        /** Fetching and storing images. */
        DOWNLOAD("download", 0, 1000),
        /** Writing report.csv (a fraction of a second). */
        REPORT("report", 0, 100),
        /** After the last step: completing the job execution, printing the summary. */
        AFTER("", 0, 0);

        /** The phases a kill is aimed at, each as likely. */
        static final List<Phase> TARGETS = List.of(STARTUP, SUBMIT, POLL, DOWNLOAD, REPORT);

        private final String step;
        private final int minDelayMillis;
        private final int maxDelayMillis;

        Phase(String step, int minDelayMillis, int maxDelayMillis) {
            this.step = step;
            this.minDelayMillis = minDelayMillis;
            this.maxDelayMillis = maxDelayMillis;
        }

        /** @return a seeded wait, ms: from the process start for STARTUP, else from the step's first line */
        long delayMillis(Random random) {
            return minDelayMillis + random.nextInt(maxDelayMillis - minDelayMillis + 1);
        }

        static Phase ofStep(String step) {
            if (step.equals("partitions") || step.equals("partition")) {
                // a partitioned batch's manager step (its partitions' inner steps are submit@partition0, ...)
                return STARTUP;
            }
            return Arrays.stream(values()).filter(p -> p.step.equals(step)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown step " + step));
        }
    }

    /**
     * One SIGKILL.
     *
     * @param target    the phase it was aimed at
     * @param landed    the phase the run was in, by its output, just before the signal
     * @param afterMs   milliseconds from the process start
     */
    record Kill(Phase target, Phase landed, long afterMs) {

        /** @return for example {@code submit 2, poll 1, startup 1} */
        static String byPhase(List<Kill> kills) {
            Map<Phase, Integer> counts = new EnumMap<>(Phase.class);
            kills.forEach(k -> counts.merge(k.landed(), 1, Integer::sum));
            return counts.entrySet().stream().map(e -> e.getKey().name().toLowerCase(Locale.ROOT) + " " + e.getValue())
                    .collect(Collectors.joining(", "));
        }
    }

    /** A child JVM running the jar; its output (stdout and stderr) is read as it comes. */
    static final class Child implements AutoCloseable {

        private final Process process;
        private final long startedNanos = System.nanoTime();
        private final List<String> lines = new ArrayList<>(); // guarded by this
        private boolean ended;                                // guarded by this

        private Child(Process process) {
            this.process = process;
            Thread reader = new Thread(this::read, "child-" + process.pid() + "-output");
            reader.setDaemon(true);
            reader.start();
        }

        /** Starts the command in {@code dir}, without any IMAGEBATCH_* variable of this environment. */
        static Child start(List<String> command, Path dir) throws IOException {
            return start(command, dir, Map.of());
        }

        /** As {@link #start(List, Path)}, with {@code env} added to the environment. */
        static Child start(List<String> command, Path dir, Map<String, String> env) throws IOException {
            ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
            builder.environment().keySet().removeIf(name -> name.startsWith("IMAGEBATCH_"));
            builder.environment().putAll(env);
            return new Child(builder.start());
        }

        private void read() {
            try (BufferedReader in = new BufferedReader(process.inputReader(StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    synchronized (this) {
                        lines.add(line);
                        notifyAll();
                    }
                }
            } catch (IOException e) {
                // the process was killed mid-line
            } finally {
                synchronized (this) {
                    ended = true;
                    notifyAll();
                }
            }
        }

        /**
         * Waits until a line matches, the output ends or the timeout passes.
         *
         * @return true when a line matched
         */
        synchronized boolean awaitLine(Predicate<String> match, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            int checked = 0;
            while (true) {
                for (; checked < lines.size(); checked++) {
                    if (match.test(lines.get(checked))) {
                        return true;
                    }
                }
                long left = deadline - System.nanoTime();
                if (ended || left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }

        /**
         * Aims a SIGKILL at a phase: for STARTUP {@code delayMs} after the start; otherwise {@code delayMs} after
         * the first step at or after {@code target} begins (a step already complete is skipped by a resumed
         * run, so a later one takes its place).
         *
         * @return the kill, or null when the run ended first (see {@link #exitCode()})
         */
        Kill killAt(Phase target, long delayMs) throws InterruptedException {
            if (target != Phase.STARTUP) {
                boolean reached = awaitLine(line -> {
                    Matcher m = STEP_START.matcher(line);
                    return m.find() && Phase.ofStep(m.group(1)).compareTo(target) >= 0;
                }, RUN_TIMEOUT);
                if (!reached) {
                    // the output ends a moment before the process does
                    if (!process.waitFor(10, TimeUnit.SECONDS)) {
                        throw new AssertionError("the run did not reach " + target + " nor end in " + RUN_TIMEOUT
                                + ":\n" + output());
                    }
                    awaitEnd();
                    return null;
                }
            }
            if (process.waitFor(delayMs, TimeUnit.MILLISECONDS)) {
                awaitEnd();
                return null;
            }
            return killNow(target);
        }

        /**
         * Sends SIGKILL {@code delayMs} after {@code condition} (polled every 20 ms) first holds, if the process
         * is still running then.
         *
         * @return the kill, or null when the run ended first (see {@link #exitCode()})
         * @throws AssertionError when the condition did not hold nor the process end in {@link #RUN_TIMEOUT}
         */
        Kill killOnceTrue(java.util.function.BooleanSupplier condition, long delayMs) throws InterruptedException {
            long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
            while (!condition.getAsBoolean()) {
                if (process.waitFor(20, TimeUnit.MILLISECONDS)) {
                    awaitEnd();
                    return null;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the awaited moment did not come in " + RUN_TIMEOUT + ":\n" + output());
                }
            }
            if (process.waitFor(delayMs, TimeUnit.MILLISECONDS)) {
                awaitEnd();
                return null;
            }
            return killNow(Phase.AFTER);
        }

        private Kill killNow(Phase target) throws InterruptedException {
            Phase landed = phase();
            long afterMs = (System.nanoTime() - startedNanos) / 1_000_000;
            signal(true);
            process.waitFor();
            awaitEnd();
            synchronized (this) {
                lines.add("<<< SIGKILL after " + afterMs + " ms, aimed at " + target + ", in " + landed + " >>>");
            }
            return new Kill(target, landed, afterMs);
        }

        /**
         * Sends SIGTERM ({@code force} false) or SIGKILL ({@code force} true) through the process handle, which,
         * unlike {@link Process#destroy()}, leaves the pipes open: what the process prints while it stops is
         * still read.
         */
        void signal(boolean force) {
            if (force) {
                process.toHandle().destroyForcibly();
            } else {
                process.toHandle().destroy();
            }
        }

        /**
         * Stops the process (SIGSTOP) for {@code pause}, then lets it go on (SIGCONT): a process held back, as by
         * a long GC pause or a frozen VM.
         */
        void pause(Duration pause) throws IOException, InterruptedException {
            String pid = String.valueOf(process.pid());
            assertEquals(0, new ProcessBuilder("kill", "-STOP", pid).inheritIO().start().waitFor());
            try {
                Thread.sleep(pause.toMillis());
            } finally {
                assertEquals(0, new ProcessBuilder("kill", "-CONT", pid).inheritIO().start().waitFor());
            }
        }

        /** @return the phase the output shows now */
        synchronized Phase phase() {
            Phase phase = Phase.STARTUP;
            for (String line : lines) {
                Matcher start = STEP_START.matcher(line);
                Matcher end = STEP_END.matcher(line);
                if (start.find()) {
                    phase = Phase.ofStep(start.group(1));
                } else if (end.find() && Phase.ofStep(end.group(1)) == Phase.REPORT) {
                    phase = Phase.AFTER;
                }
            }
            return phase;
        }

        /** @return the exit code, or null (after killing it) when the timeout passed first */
        Integer awaitExit(Duration timeout) throws InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor();
                awaitEnd();
                synchronized (this) {
                    lines.add("<<< still running after " + timeout + ": killed by the test >>>");
                }
                return null;
            }
            awaitEnd();
            return process.exitValue();
        }

        /** @return the exit code of a process that has ended */
        int exitCode() {
            return process.exitValue();
        }

        private synchronized void awaitEnd() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!ended && System.nanoTime() < deadline) {
                TimeUnit.NANOSECONDS.timedWait(this, deadline - System.nanoTime());
            }
        }

        /** @return everything it printed so far, one line each */
        synchronized String output() {
            return String.join("\n", lines) + "\n";
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor();
            }
        }
    }

    // ---- the catalogue ----

    /**
     * A catalogue written for one seed: valid rows with distinct prompts, and three invalid rows at seeded
     * places (an aspect ratio LiangXin does not take, a one-character prompt, an id that repeats an earlier
     * row's).
     *
     * @param path the CSV file
     * @param rows its data rows, in order
     */
    record Catalogue(Path path, List<Row> rows) {

        /**
         * @param number  1-based row number
         * @param id      the id cell
         * @param prompt  the prompt cell
         * @param invalid  true when the row breaks a rule and must be REJECTED
         * @param variants its variants cell, or null when it has none (the batch's number applies)
         */
        record Row(long number, String id, String prompt, String aspectRatio, boolean invalid, Integer variants) {
        }

        private static final List<String> SUBJECTS = List.of("lighthouse", "fox", "teapot", "bicycle", "owl",
                "sailing boat", "cactus", "violin", "snow leopard", "windmill");
        private static final List<String> STYLES = List.of("watercolour", "linocut", "oil painting",
                "pencil sketch", "studio photo");
        private static final List<String> RATIOS = List.of("1:1", "16:9", "4:5", "3:2");

        static Catalogue write(Path path, int validRows, Random random) throws IOException {
            return write(path, validRows, random, null);
        }

        /**
         * As {@link #write(Path, int, Random)}; with {@code variantCells}, also a {@code variants} column (README.md,
         * Variants) in which a valid row asks for 1 (a quarter of them), 3 (a quarter) or nothing (the batch's
         * number), drawn from {@code variantCells} alone, so that the other draws are as without the column.
         */
        static Catalogue write(Path path, int validRows, Random random, java.util.SplittableRandom variantCells)
                throws IOException {
            int total = validRows + 3;
            Set<Integer> places = new TreeSet<>();
            while (places.size() < 3) {
                places.add(2 + random.nextInt(total - 1)); // 2..total: a repeated id needs an earlier row
            }
            List<Integer> invalidAt = new ArrayList<>(places);
            List<Row> rows = new ArrayList<>();
            StringBuilder csv = new StringBuilder("id,prompt,aspect_ratio" + (variantCells != null ? ",variants" : "")
                    + "\n");
            for (int n = 1; n <= total; n++) {
                String id = "sku-" + String.format("%03d", n);
                String prompt = STYLES.get(random.nextInt(STYLES.size())) + " of a "
                        + SUBJECTS.get(random.nextInt(SUBJECTS.size())) + " for catalogue row " + n;
                String ratio = RATIOS.get(random.nextInt(RATIOS.size()));
                boolean invalid = invalidAt.contains(n);
                if (invalid) {
                    switch (invalidAt.indexOf(n)) {
                        case 0 -> ratio = "7:3";
                        case 1 -> prompt = "x";
                        default -> id = rows.get(random.nextInt(rows.size())).id();
                    }
                }
                Integer cell = null;
                if (variantCells != null) {
                    int draw = variantCells.nextInt(4);
                    cell = invalid || draw > 1 ? null : draw == 0 ? 1 : 3;
                }
                rows.add(new Row(n, id, prompt, ratio, invalid, cell));
                csv.append(id).append(',').append(prompt).append(',').append(ratio);
                if (variantCells != null) {
                    csv.append(',').append(cell == null ? "" : cell.toString());
                }
                csv.append('\n');
            }
            Files.writeString(path, csv, StandardCharsets.UTF_8);
            return new Catalogue(path, List.copyOf(rows));
        }
    }

    // ---- a bucket as the output ----

    /**
     * A batch's output in the test's S3Proxy, read with its own client.
     *
     * @param client a client of the S3Proxy (not through the fault proxy)
     * @param prefix the key prefix of {@code --output}, for example {@code seed-3}
     */
    record S3Output(S3Client client, String prefix) {

        static final String BUCKET = "kill-images";

        /** @return the standard AWS variables that point a child's SDK at {@code endpoint}, path-style */
        static Map<String, String> environment(URI endpoint) {
            return Map.of("AWS_ACCESS_KEY_ID", S3ProxyServer.ACCESS_KEY,
                    "AWS_SECRET_ACCESS_KEY", S3ProxyServer.SECRET_KEY,
                    "AWS_REGION", S3ProxyServer.REGION,
                    "AWS_ENDPOINT_URL_S3", endpoint.toString(),
                    "IMAGEBATCH_S3_PATHSTYLE", "true",
                    // the fault proxy answers 10% of writes SlowDown: keep the retries' waits short
                    "IMAGEBATCH_S3_MAXATTEMPTS", "10");
        }

        List<CSVRecord> report(String batchId) throws IOException {
            String csv = client.getObjectAsBytes(b -> b.bucket(BUCKET).key(prefix + "/" + batchId + "/report.csv"))
                    .asUtf8String();
            try (CSVParser parser = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get()
                    .parse(new java.io.StringReader(csv))) {
                return parser.getRecords();
            }
        }

        /**
         * Every SUCCEEDED row: one object under {@code <prefix>/<batch id>/}, its SHA-256 and size as reported, the
         * provider's image; nothing else in the bucket but the report's three objects; no upload left open.
         */
        void checkImagesAndNothingElse(String batchId, List<CSVRecord> lines, SandboxProvider sandbox,
                boolean renditions, List<String> problems) throws Exception {
            String batchPrefix = prefix + "/" + batchId + "/";
            Set<String> expected = new HashSet<>(Set.of(batchPrefix + "report.csv", batchPrefix + "report.html",
                    batchPrefix + "manifest.json"));
            for (CSVRecord line : lines) {
                if (!line.get("status").equals("SUCCEEDED")) {
                    continue;
                }
                String rowNumber = line.get("row_number");
                String uri = line.get("output_uri");
                String key = uri.startsWith("s3://" + BUCKET + "/") ? uri.substring(("s3://" + BUCKET + "/").length())
                        : "";
                if (!key.startsWith(batchPrefix) || key.substring(batchPrefix.length()).contains("/")) {
                    problems.add("row " + rowNumber + ": its image is not in the batch's folder: " + uri);
                    continue;
                }
                expected.add(key);
                byte[] stored;
                try {
                    stored = client.getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asByteArray();
                } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
                    problems.add("row " + rowNumber + ": no object at " + uri);
                    continue;
                }
                if (!sha256(stored).equals(line.get("sha256")) || stored.length != Long.parseLong(line.get("bytes"))) {
                    problems.add("row " + rowNumber + ": the object " + uri + " (" + stored.length + " bytes) is not"
                            + " what the report says (" + line.get("bytes") + " bytes, " + line.get("sha256") + ")");
                }
                if (!isLabelledCopyOf(stored, providerImage(sandbox.baseUrl(), line.get("task_id")))) {
                    problems.add("row " + rowNumber + ": the object " + uri + " is not the provider's image of task "
                            + line.get("task_id"));
                }
                KillRendition.check(line, renditions, renditionUri -> {
                    String renditionKey = renditionUri.substring(("s3://" + BUCKET + "/").length());
                    expected.add(renditionKey);
                    try {
                        return client.getObjectAsBytes(b -> b.bucket(BUCKET).key(renditionKey)).asByteArray();
                    } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
                        return null;
                    }
                }, problems);
            }
            if (!renditions) {
                KillRendition.checkNoColumn(lines, problems);
            }
            // S3Proxy lists an object whose PUT is still in flight under a staging name, <key>-<UUID>; the PUT a
            // SIGKILL cut stays in flight until Jetty's idle timeout (30 s), as S3FaultProxy does not pass the cut
            // on, so it may still be listed after the last run. A real S3 never lists an unfinished PUT, and our
            // writer names no object so (S3ProxyServer.stagedKey; S3ProxyServerTest proves the shape)
            client.listObjectsV2Paginator(b -> b.bucket(BUCKET)).contents().stream().map(S3Object::key)
                    .filter(key -> !expected.contains(key))
                    .filter(key -> !S3ProxyServer.stagedKey(key).filter(k -> k.startsWith(batchPrefix)).isPresent())
                    .sorted()
                    .forEach(key -> problems.add("unexpected object in the bucket: " + key));
            client.listMultipartUploads(b -> b.bucket(BUCKET)).uploads()
                    .forEach(u -> problems.add("multipart upload left open: " + u.key()));
        }
    }

    /**
     * @return the variants of a seed's batch (README.md, Variants): 2 for seeds 3, 6, 9, ... (so the default seeds
     *         1..3 have one, in S3 with renditions; 6 in a folder with renditions; 9 in S3 without), else 1
     */
    /**
     * @param seed a seed of the kill test
     * @return the partitions its batch is split into ({@code --partitions}, README.md, "More than one machine"):
     *         {@code kill.partitions} when set, else 3 for seeds 1, 4, 7, ... and 1 (not split) for the others
     */
    static int partitionsOf(long seed) {
        Integer asked = Integer.getInteger("kill.partitions");
        return asked != null ? asked : seed % 3 == 1 ? 3 : 1;
    }

    static int variantsOf(long seed) {
        return seed % 3 == 0 ? 2 : 1;
    }

    /** @return a report line's entry, for messages: {@code row 4}, or {@code row 4 variant 2} in a variants batch */
    private static String entryOf(CSVRecord line) {
        return "row " + line.get("row_number") + (line.isMapped("variant") ? " variant " + line.get("variant") : "");
    }

    /**
     * Exactly once per entry (README.md, Variants: each (row, variant) its own ledger entry, created once): the
     * sandbox's tasks ({@link SandboxProvider#promptsByTaskId}) matched against the task ids the batch's ledger
     * holds, current ({@code IB_TASK_LEDGER}) and of earlier attempts ({@code IB_TASK_ATTEMPT}). A row's variants
     * send the same prompt, so the creates are counted per entry, not per prompt: every ledger task id is a task the
     * sandbox made for that entry's prompt and is held by that entry alone; a task no entry holds (its create answer
     * was lost: dropped, or the process killed before it was recorded) is allowed only for an UNCERTAIN entry of the
     * same prompt without a task id, one each. Any other task is a duplicate create.
     *
     * @param problems             what is wrong, one line each (empty when every entry was created at most once)
     * @param duplicates           tasks beyond one per entry
     * @param uncertainWithoutTask UNCERTAIN entries no unclaimed task can stand for: their create never reached
     *                             the provider (they still hold their reservation: docs/design.md, Spend)
     */
    record Creates(List<String> problems, int duplicates, int uncertainWithoutTask) {

        static Creates of(Database database, String batchId, SandboxProvider sandbox) throws java.sql.SQLException {
            Map<String, String> tasks = sandbox.promptsByTaskId();
            Map<String, String> claimedBy = new HashMap<>();
            Map<String, List<String>> entriesByPrompt = new HashMap<>();
            Map<String, Integer> uncertainNoTask = new HashMap<>();
            List<String> problems = new ArrayList<>();
            try (java.sql.Connection db = database.connect();
                    java.sql.PreparedStatement query = db.prepareStatement(
                            "SELECT ROW_NUM, VARIANT, ATTEMPT, STATE, TASK_ID, PROMPT FROM IB_TASK_LEDGER"
                                    + " WHERE BATCH_ID = ? UNION ALL SELECT ROW_NUM, VARIANT, ATTEMPT, STATE,"
                                    + " TASK_ID, PROMPT FROM IB_TASK_ATTEMPT WHERE BATCH_ID = ?")) {
                query.setString(1, batchId);
                query.setString(2, batchId);
                try (java.sql.ResultSet rs = query.executeQuery()) {
                    while (rs.next()) {
                        String entry = "row " + rs.getLong(1) + " variant " + rs.getInt(2);
                        String state = rs.getString(4);
                        String taskId = rs.getString(5);
                        String prompt = rs.getString(6);
                        if (prompt != null) {
                            entriesByPrompt.computeIfAbsent(prompt, p -> new ArrayList<>())
                                    .add(entry + " attempt " + rs.getInt(3) + " " + state + " task " + taskId);
                        }
                        if (taskId == null) {
                            if (state.equals("UNCERTAIN") && prompt != null) {
                                uncertainNoTask.merge(prompt, 1, Integer::sum);
                            }
                            continue;
                        }
                        String other = claimedBy.putIfAbsent(taskId, entry);
                        if (other != null && !other.equals(entry)) {
                            problems.add("task " + taskId + " is held by " + other + " and by " + entry);
                        }
                        if (!tasks.containsKey(taskId)) {
                            problems.add(entry + " holds task " + taskId + ", which the provider never made");
                        } else if (prompt != null && !tasks.get(taskId).equals(prompt)) {
                            problems.add(entry + " holds task " + taskId + ", made for another prompt: "
                                    + tasks.get(taskId));
                        }
                    }
                }
            }
            Map<String, List<String>> unclaimed = tasks.entrySet().stream()
                    .filter(t -> !claimedBy.containsKey(t.getKey())).collect(Collectors.groupingBy(
                            Map.Entry::getValue, Collectors.mapping(Map.Entry::getKey, Collectors.toList())));
            int duplicates = 0;
            int uncertainWithoutTask = 0;
            Set<String> prompts = new HashSet<>(unclaimed.keySet());
            prompts.addAll(uncertainNoTask.keySet());
            for (String prompt : prompts) {
                int orphans = unclaimed.getOrDefault(prompt, List.of()).size();
                int uncertain = uncertainNoTask.getOrDefault(prompt, 0);
                uncertainWithoutTask += Math.max(0, uncertain - orphans);
                if (orphans > uncertain) {
                    duplicates += orphans - uncertain;
                    problems.add((orphans - uncertain) + " create(s) beyond one per entry of \"" + prompt
                            + "\": tasks " + unclaimed.get(prompt) + " held by no entry, " + uncertain
                            + " UNCERTAIN entr(ies) without a task; its entries: "
                            + entriesByPrompt.getOrDefault(prompt, List.of()));
                }
            }
            return new Creates(List.copyOf(problems), duplicates, uncertainWithoutTask);
        }
    }

    /**
     * {@code choose BATCH ROW K} (README.md, Variants) on a finished variants batch: a seeded SUCCEEDED variant,
     * the command a real process killed once at a seeded moment (a seeded 0..300 ms after its copy
     * {@code <row id>.<ext>} appears in the store, so before or after the choice is recorded; or, when it ends
     * first, not at all), then run again until it exits 0
     * (one that finds the batch's lock still held by the killed one, exit 1 "held", is run again: the lock
     * expires after its ttl). What a user checks: the chosen copy {@code <row id>.<ext>} beside the variants is
     * byte for byte the chosen variant's image, and report.csv's {@code chosen} column says {@code yes} on that
     * variant's line alone.
     *
     * @return the outcome for the summary line
     * @throws AssertionError naming the seed and what is wrong, with the children's output
     */
    private static String chooseRound(long seed, Path dir, String batchId, List<String> run, Map<String, String> env,
            Random random, S3Output bucket) throws Exception {
        Path batchDir = dir.resolve("out").resolve(batchId);
        List<CSVRecord> before = bucket != null ? bucket.report(batchId) : readReport(batchDir.resolve("report.csv"));
        List<CSVRecord> succeeded = before.stream().filter(l -> l.get("status").equals("SUCCEEDED")).toList();
        if (succeeded.isEmpty()) {
            return "choose: no SUCCEEDED variant";
        }
        CSVRecord chosen = succeeded.get(random.nextInt(succeeded.size()));
        List<String> chooseCommand = new ArrayList<>(run.subList(0, run.indexOf("run")));
        chooseCommand.addAll(List.of("choose", batchId, chosen.get("row_number"), chosen.get("variant")));
        chooseCommand.addAll(run.stream().filter(a -> a.startsWith("--") && a.contains(".") && a.contains("="))
                .toList());
        long delay = random.nextInt(301);
        String uri = chosen.get("output_uri");
        String name = uri.substring(uri.lastIndexOf('/') + 1);
        String copyName = chosen.get("row_id") + name.substring(name.lastIndexOf('.'));
        java.util.function.BooleanSupplier copied = () -> {
            if (bucket == null) {
                return Files.isRegularFile(batchDir.resolve(copyName));
            }
            try {
                bucket.client().headObject(b -> b.bucket(S3Output.BUCKET).key(bucket.prefix() + "/" + batchId + "/"
                        + copyName));
                return true;
            } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
                if (e.statusCode() == 404) {
                    return false;
                }
                throw e;
            }
        };
        StringBuilder transcript = new StringBuilder();
        boolean killed = false;
        boolean completed = false;
        long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
        int runs = 0;
        while (!completed && System.nanoTime() < deadline) {
            runs++;
            try (Child child = Child.start(chooseCommand, dir, env)) {
                Integer exit;
                if (runs == 1) {
                    Kill kill = child.killOnceTrue(copied, delay);
                    killed = kill != null;
                    exit = killed ? null : child.exitCode();
                } else {
                    exit = child.awaitExit(RUN_TIMEOUT);
                }
                transcript.append("---- choose run ").append(runs).append(exit == null ? " (killed)" : " exit " + exit)
                        .append(" ----\n").append(child.output());
                Files.writeString(dir.resolve("choose-run-" + runs + ".log"), child.output());
                if (exit != null && exit == 0) {
                    completed = true;
                } else if (exit != null && !(exit == 1 && child.output().contains(" is held "))) {
                    fail("seed " + seed + ": choose run " + runs + " exited " + exit + "\n" + transcript);
                }
            }
        }
        if (!completed) {
            fail("seed " + seed + ": choose did not complete in " + RUN_TIMEOUT + "\n" + transcript);
        }
        List<String> problems = new ArrayList<>();
        List<CSVRecord> after = bucket != null ? bucket.report(batchId) : readReport(batchDir.resolve("report.csv"));
        for (CSVRecord line : after) {
            boolean isChosen = entryOf(line).equals(entryOf(chosen));
            if (!line.get("chosen").equals(isChosen ? "yes" : "")) {
                problems.add(entryOf(line) + " has chosen \"" + line.get("chosen") + "\" in report.csv"
                        + (isChosen ? ", but it was chosen" : ""));
            }
        }
        byte[] copy;
        try {
            copy = bucket != null ? bucket.client().getObjectAsBytes(b -> b.bucket(S3Output.BUCKET)
                    .key(bucket.prefix() + "/" + batchId + "/" + copyName)).asByteArray()
                    : Files.readAllBytes(batchDir.resolve(copyName));
            if (!sha256(copy).equals(chosen.get("sha256"))) {
                problems.add("the chosen copy " + copyName + " is not " + entryOf(chosen) + "'s image " + name);
            }
        } catch (IOException | software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
            problems.add("no chosen copy " + copyName + " beside " + name);
        }
        if (!problems.isEmpty()) {
            fail("seed " + seed + ", batch " + batchId + ", choose " + entryOf(chosen) + " (files in " + dir
                    + "):\n  " + String.join("\n  ", problems) + "\n" + transcript);
        }
        return "choose " + entryOf(chosen) + (killed ? " (killed " + delay + " ms after its copy appeared)" : "")
                + ": " + runs + " run(s)";
    }

    /** @return whether a seed's batch has renditions: seeds 2, 3, 6, 7, ... (so the default seeds 1..3 store them
     *  in a folder (2) and in S3 (3), and the PostgreSQL seeds 1..2 in a folder) */
    static boolean withRenditions(long seed) {
        return seed % 4 >= 2;
    }

    /**
     * @param seed a seed of the kill test
     * @return true for seeds 2, 5, 8, ...: the children serve the callback endpoint and the sandbox calls back
     *         (README.md, Callbacks)
     */
    static boolean withCallbacks(long seed) {
        return seed % 3 == 2;
    }

    /**
     * The two renditions of a kill-test batch with renditions (README.md, "Renditions"): small, so that they cost
     * the seed little time, one {@code pad} JPEG and one {@code crop} PNG.
     *
     * @param name   the rendition's name (its folder)
     * @param width  its width in pixels
     * @param height its height in pixels
     * @param ext    its file extension
     * @param format the format name ImageIO reads it as
     */
    record KillRendition(String name, int width, int height, String ext, String format) {

        static final List<KillRendition> ALL = List.of(new KillRendition("pad", 96, 64, "jpg", "jpeg"),
                new KillRendition("crop", 48, 80, "png", "png"));

        /** The job file that asks for {@link #ALL}. */
        static final String JOB_FILE = """
                renditions:
                  - { name: pad, width: 96, height: 64, fit: pad, background: black, format: jpg, quality: 80 }
                  - { name: crop, width: 48, height: 80, fit: crop, format: png }
                """;

        /** Reads one stored file, by its URI: its bytes, or null when nothing is stored there. */
        interface Reader {
            byte[] read(String uri) throws Exception;
        }

        /**
         * A SUCCEEDED row with renditions on: the report's {@code renditions} column names each rendition once, in
         * order, beside the image ({@code <batch>/<name>/<stem>.<ext>}), and each file there is an image of the
         * rendition's format and exact pixel size. {@code store} is called once per rendition URI; it also marks
         * the URI as expected, so that the caller's "nothing else" check finds a rendition of a row not stored.
         */
        static void check(CSVRecord line, boolean on, Reader store, List<String> problems) throws Exception {
            if (!on) {
                return;
            }
            String rowNumber = line.get("row_number");
            if (!line.isMapped("renditions")) {
                problems.add("row " + rowNumber + ": the report has no renditions column");
                return;
            }
            String image = line.get("output_uri");
            String folder = image.substring(0, image.lastIndexOf('/') + 1);
            String file = image.substring(folder.length());
            String stem = file.substring(0, file.lastIndexOf('.'));
            List<String> want = new ArrayList<>();
            for (KillRendition r : ALL) {
                want.add(r.name + "=" + folder + r.name + "/" + stem + "." + r.ext);
            }
            List<String> got = line.get("renditions").isEmpty() ? List.of()
                    : List.of(line.get("renditions").split(" "));
            if (!got.equals(want)) {
                problems.add("row " + rowNumber + ": renditions " + got + ", expected " + want);
            }
            for (KillRendition r : ALL) {
                String uri = folder + r.name + "/" + stem + "." + r.ext;
                byte[] bytes = store.read(uri);
                if (bytes == null) {
                    problems.add("row " + rowNumber + ": no rendition " + r.name + " at " + uri);
                    continue;
                }
                try (javax.imageio.stream.ImageInputStream in = javax.imageio.ImageIO.createImageInputStream(
                        new java.io.ByteArrayInputStream(bytes))) {
                    java.util.Iterator<javax.imageio.ImageReader> readers = javax.imageio.ImageIO.getImageReaders(in);
                    if (!readers.hasNext()) {
                        problems.add("row " + rowNumber + ": the rendition " + uri + " is no image");
                        continue;
                    }
                    javax.imageio.ImageReader reader = readers.next();
                    try {
                        reader.setInput(in);
                        String format = reader.getFormatName().toLowerCase(Locale.ROOT);
                        int width = reader.getWidth(0);
                        int height = reader.getHeight(0);
                        if (!format.equals(r.format) || width != r.width || height != r.height) {
                            problems.add("row " + rowNumber + ": the rendition " + uri + " is a " + format + " of "
                                    + width + "x" + height + ", not a " + r.format + " of " + r.width + "x"
                                    + r.height);
                        }
                    } finally {
                        reader.dispose();
                    }
                }
            }
        }

        /** Without renditions: the report has no {@code renditions} column. */
        static void checkNoColumn(List<CSVRecord> lines, List<String> problems) {
            if (!lines.isEmpty() && lines.get(0).isMapped("renditions")) {
                problems.add("a batch without renditions has a renditions column");
            }
        }
    }

    // ---- helpers ----

    private static List<CSVRecord> readReport(Path report) throws IOException {
        assertTrue(Files.isRegularFile(report), "no report at " + report);
        try (Reader in = Files.newBufferedReader(report, StandardCharsets.UTF_8);
                CSVParser parser = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get()
                        .parse(in)) {
            return parser.getRecords();
        }
    }

    /** The provider's bytes of a task's image, downloaded again (a cut answer is retried). */
    /**
     * Whether a stored image is the provider's image with the AI-generated label written in (README.md, "Labelled
     * as AI-generated"): its XMP packet names the digital source type, and writing that packet into the provider's
     * bytes gives exactly the stored bytes (nothing else changed, no pixel re-encoded).
     */
    private static boolean isLabelledCopyOf(byte[] stored, byte[] provider) throws IOException {
        String xmp = org.apache.commons.imaging.Imaging.getXmpXml(stored);
        if (xmp == null || !xmp.contains(io.imagebatch.label.ImageLabel.DIGITAL_SOURCE_TYPE)) {
            return false;
        }
        Path source = Files.createTempFile("kill-provider-", ".img");
        try {
            Files.write(source, provider);
            java.io.ByteArrayOutputStream labelled = new java.io.ByteArrayOutputStream(stored.length);
            io.imagebatch.label.ImageLabeller.label(source, xmp, labelled);
            return Arrays.equals(stored, labelled.toByteArray());
        } catch (io.imagebatch.label.UnlabellableImageException e) {
            return false;
        } finally {
            Files.deleteIfExists(source);
        }
    }

    private static byte[] providerImage(URI sandbox, String taskId) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(sandbox + "/files/" + taskId + ".png"))
                .timeout(Duration.ofSeconds(30)).GET().build();
        IOException last = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            try {
                HttpResponse<byte[]> response = HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(200, response.statusCode(), "the sandbox has no image for task " + taskId);
                return response.body();
            } catch (IOException cut) {
                last = cut;
            }
        }
        throw new UncheckedIOException("task " + taskId + ": every download was cut", last);
    }

    private static String batchId(String output) {
        Matcher m = BATCH_ID.matcher(output);
        if (!m.find()) {
            throw new AssertionError("no \"Starting batch <id>:\" line in the output:\n" + output);
        }
        return m.group(1);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;
        }
    }

    /** Deletes what an earlier run left in {@code dir} and creates it empty. */
    private static Path fresh(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        return Files.createDirectories(dir);
    }
}
