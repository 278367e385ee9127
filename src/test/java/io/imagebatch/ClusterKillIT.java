package io.imagebatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.testsupport.EnabledIfPostgres;
import io.imagebatch.testsupport.PostgresTestDatabase;
import java.io.IOException;
import java.io.Reader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One batch spread over several machines, proved on the real jar (README.md, "More than one machine"): a manager
 * ({@code run --partitions 4} with the embedded Artemis broker on loopback TCP) and two {@code worker} processes,
 * all on one PostgreSQL schema, against a {@link SandboxProvider} in this JVM with failed generations. One worker is
 * killed with SIGKILL while it runs a partition: its partition makes no progress, the manager sends it again, the
 * other worker resumes it from its checkpoint and the ledger. The batch completes (exit 0) with every catalogue row
 * once in the report with a final status (0 lost) and no prompt created twice at the provider (0 duplicate
 * creates). The sandbox limits the key to {@code RATE} requests a second, without rate-limit headers, and every
 * process is configured with that rate: the processes share one budget for the key, so none is answered 429.
 * The children's output is kept in {@code target/cluster-it}.
 */
@EnabledIfPostgres
class ClusterKillIT {

    private static final Path JAR = Path.of("target", "imagebatch.jar").toAbsolutePath();
    private static final Path WORK = Path.of("target", "cluster-it").toAbsolutePath();
    private static final int VALID_ROWS = 60;
    /** The provider key's limit in the sandbox and its configured rate in every process, requests a second. */
    private static final int RATE = 20;
    private static final Set<String> FINAL_STATUSES = Set.of("SUCCEEDED", "REJECTED", "FAILED", "UNCERTAIN");
    private static final Pattern BATCH_ID = Pattern.compile("Starting batch ([a-z0-9._-]+-[0-9a-f]{12}):");

    @BeforeAll
    static void jarIsBuilt() {
        assertTrue(Files.isRegularFile(JAR), JAR + " is missing: run through Maven (verify), which packages first");
    }

    @Test
    void aWorkerKilledMidRunLosesNoRowAndNoRowIsCreatedTwice() throws Exception {
        cluster("worker-killed", false);
    }

    @Test
    void theManagerKilledMidRunIsReattachedByRunningTheSameCommandAgain() throws Exception {
        cluster("manager-killed", true);
    }

    /**
     * {@code stop BATCH} while the workers run its partitions: every worker's partition stops after its current
     * chunk or pass (the workers' steps see the job execution STOPPING in the shared job repository), no partition
     * is left running or sent again, the manager ends STOPPED (exit 1), and the same command run again completes
     * the batch with 0 rows lost and 0 duplicate creates.
     */
    @Test
    void aStopReachesEveryWorkersPartitionAndTheSameCommandCompletesTheBatch() throws Exception {
        cluster("stopped", null);
    }

    /**
     * @param name        the test's folder under {@code target/cluster-it}
     * @param killManager true: the manager is SIGKILLed mid-run and the same command run again (its embedded
     *                    broker, with the partition requests in its journal, restarts with it); false: one
     *                    worker is; null: nobody is killed, the batch is stopped with {@code stop BATCH} mid-run
     *                    and the same command run again
     */
    private static void cluster(String name, Boolean kill) throws Exception {
        boolean stop = kill == null;
        boolean killManager = stop || kill;
        long started = System.nanoTime();
        Path dir = fresh(WORK.resolve(name));
        PostgresTestDatabase.Schema schema = PostgresTestDatabase.newSchema();
        ImageBatchKillIT.Catalogue catalogue = ImageBatchKillIT.Catalogue.write(dir.resolve("catalogue.csv"),
                VALID_ROWS, new Random(16));
        // one budget per key: the workers share the configured rate, so the sandbox's limit (at that rate, without
        // rate-limit headers that would tell each worker what is left) answers no 429
        SandboxSettings faults = SandboxSettings.defaults().withSeed(16).withFailureRate(0.05)
                .withRateLimitPerSecond(RATE).withRateLimitHeaders(false)
                // stopped: generations long enough that the batch is still running when the stop arrives
                .withGenerationTime(stop ? Duration.ofSeconds(20) : Duration.ofMillis(300),
                        stop ? Duration.ofSeconds(30) : Duration.ofMillis(1500));
        int brokerPort;
        try (ServerSocket free = new ServerSocket(0)) {
            brokerPort = free.getLocalPort();
        }
        try (SandboxProvider sandbox = SandboxProvider.start(faults)) {
            List<String> settings = new ArrayList<>(schema.springArgs());
            settings.addAll(List.of(
                    "--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                    "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                    "--imagebatch.providers.liangxin.requests-per-second=" + RATE,
                    "--imagebatch.download.allow-private-networks=true",
                    "--imagebatch.job.poll-early=200ms",
                    "--imagebatch.job.retry-initial-delay=100ms",
                    "--imagebatch.job.retry-max-delay=500ms",
                    "--imagebatch.job.chunk-size=5",
                    "--imagebatch.lock.ttl=3s",
                    // three processes on the test server, which other tests share: a small pool each
                    "--spring.datasource.hikari.maximum-pool-size=12",
                    "--imagebatch.cluster.broker-url=tcp://127.0.0.1:" + brokerPort,
                    "--imagebatch.cluster.partition-timeout=15s",
                    "--imagebatch.cluster.poll-interval=500ms"));
            List<String> run = java("run");
            run.addAll(List.of("--catalogue", catalogue.path().toString(), "--output", "file:" + dir.resolve("out"),
                    "--partitions", "4", "--imagebatch.cluster.embedded-broker=true",
                    "--imagebatch.cluster.journal-dir=" + dir.resolve("broker")));
            run.addAll(settings);
            List<String> worker = java("worker");
            worker.addAll(settings);
            ImageBatchKillIT.Child first = null;
            if (killManager) {
                first = ImageBatchKillIT.Child.start(run, dir);
                assertTrue(first.awaitLine(l -> l.contains("Embedded Artemis broker listening"),
                        Duration.ofMinutes(2)), "the manager's broker did not start:\n" + first.output());
            }
            try (ImageBatchKillIT.Child firstManager = first;
                    ImageBatchKillIT.Child victim = ImageBatchKillIT.Child.start(worker, dir);
                    ImageBatchKillIT.Child survivor = ImageBatchKillIT.Child.start(worker, dir)) {
                if (stop) {
                    // the batch is stopped once the workers have made some creates; run again, it completes
                    assertTrue(victim.awaitLine(l -> l.contains(": running partition"), Duration.ofMinutes(2)),
                            "the worker took no partition:\n" + victim.output());
                    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                    while (sandbox.stats().creates() < 10 && System.nanoTime() < deadline) {
                        Thread.sleep(50);
                    }
                    Matcher running = BATCH_ID.matcher(firstManager.output());
                    assertTrue(running.find(), "no batch id in the manager's output:\n" + firstManager.output());
                    List<String> stopCommand = java("stop");
                    stopCommand.add(running.group(1));
                    stopCommand.addAll(schema.springArgs());
                    try (ImageBatchKillIT.Child stopper = ImageBatchKillIT.Child.start(stopCommand, dir)) {
                        assertEquals(0, stopper.awaitExit(Duration.ofMinutes(2)), "stop:\n" + stopper.output());
                    }
                    Integer stopped = firstManager.awaitExit(Duration.ofMinutes(3));
                    Files.writeString(dir.resolve("manager-killed.log"), firstManager.output());
                    assertEquals(1, stopped, "the stopped manager exits 1:\n" + firstManager.output()
                            + "\nworker:\n" + victim.output() + "\nworker:\n" + survivor.output());
                    assertEveryPartitionStopped(schema, running.group(1));
                } else if (killManager) {
                    // the manager dies once the workers have made some creates; run again, it re-attaches
                    assertTrue(victim.awaitLine(l -> l.contains(": running partition"), Duration.ofMinutes(2)),
                            "the worker took no partition:\n" + victim.output());
                    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                    while (sandbox.stats().creates() < 10 && System.nanoTime() < deadline) {
                        Thread.sleep(50);
                    }
                    firstManager.signal(true);
                    firstManager.awaitExit(Duration.ofMinutes(1));
                    Files.writeString(dir.resolve("manager-killed.log"), firstManager.output());
                }
                try (ImageBatchKillIT.Child manager = ImageBatchKillIT.Child.start(run, dir)) {
                    if (kill != null && !kill) {
                        // the victim is killed once it has taken a partition and the batch has made some creates
                        assertTrue(victim.awaitLine(l -> l.contains(": running partition"), Duration.ofMinutes(2)),
                                "the worker took no partition:\n" + victim.output() + "\nmanager:\n" + manager.output());
                        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                        while (sandbox.stats().creates() < 10 && System.nanoTime() < deadline) {
                            Thread.sleep(50);
                        }
                        victim.signal(true);
                    }
                    Integer exit = manager.awaitExit(Duration.ofMinutes(4));
                    Files.writeString(dir.resolve("manager.log"), manager.output());
                    Files.writeString(dir.resolve("victim.log"), victim.output());
                    Files.writeString(dir.resolve("survivor.log"), survivor.output());
                    assertEquals(0, exit, "the manager did not complete the batch:\n" + manager.output()
                            + "\nsurvivor:\n" + survivor.output());
                    survivor.signal(false);
                    assertEquals(0, survivor.awaitExit(Duration.ofMinutes(1)), "SIGTERM: the worker exits 0");
                }
            }
            Matcher id = BATCH_ID.matcher(Files.readString(dir.resolve("manager.log"))
                    + (killManager ? Files.readString(dir.resolve("manager-killed.log")) : ""));
            assertTrue(id.find(), "no batch id in the manager's output");
            List<CSVRecord> report = readReport(dir.resolve("out").resolve(id.group(1)).resolve("report.csv"));
            Map<String, Long> byRow = report.stream().collect(Collectors.groupingBy(r -> r.get("row_number"),
                    Collectors.counting()));
            Set<String> lost = new TreeSet<>();
            for (ImageBatchKillIT.Catalogue.Row row : catalogue.rows()) {
                if (!byRow.containsKey(String.valueOf(row.number()))) {
                    lost.add(String.valueOf(row.number()));
                }
            }
            assertEquals(Set.of(), lost, "rows missing from the report");
            assertTrue(byRow.values().stream().allMatch(n -> n == 1), "a row twice in the report: " + byRow);
            assertTrue(report.stream().allMatch(r -> FINAL_STATUSES.contains(r.get("status"))),
                    "a row without a final status");
            Map<String, Integer> twice = sandbox.stats().createsByPrompt().entrySet().stream()
                    .filter(e -> e.getValue() > 1).collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
            assertEquals(Map.of(), twice, "prompts created more than once");
            assertEquals(0, sandbox.rateLimitAnswers(), "requests answered 429: the workers went over the key's"
                    + " shared budget of " + RATE + " requests a second");
            System.out.printf("ClusterKillIT %s: %d rows (%s), 0 lost, 0 duplicate creates of %d creates, %s"
                            + " SIGKILLed, %.1f s%n", name, report.size(),
                    report.stream().collect(Collectors.groupingBy(r -> r.get("status"), Collectors.counting())),
                    sandbox.stats().creates(), stop ? "none (stopped)" : kill ? "the manager" : "one worker",
                    (System.nanoTime() - started) / 1e9);
        }
        schema.drop(); // only once it passed: a failed run's schema stays for a post-mortem
    }

    /**
     * The job repository after a stop: the batch's last job execution STOPPED, and no step execution of it still
     * running (no worker's partition left STARTED, none sent again to run after the stop).
     */
    private static void assertEveryPartitionStopped(PostgresTestDatabase.Schema schema, String batchId)
            throws Exception {
        try (com.zaxxer.hikari.HikariDataSource db = schema.dataSource(1);
                java.sql.Connection c = db.getConnection();
                java.sql.PreparedStatement q = c.prepareStatement("""
                        SELECT e.JOB_EXECUTION_ID, e.STATUS FROM BATCH_JOB_EXECUTION e
                        JOIN BATCH_JOB_EXECUTION_PARAMS p ON p.JOB_EXECUTION_ID = e.JOB_EXECUTION_ID
                        WHERE p.PARAMETER_NAME = 'batch.id' AND p.PARAMETER_VALUE = ?
                        ORDER BY e.JOB_EXECUTION_ID DESC""")) {
            q.setString(1, batchId);
            long execution;
            try (java.sql.ResultSet r = q.executeQuery()) {
                assertTrue(r.next(), "no job execution of batch " + batchId);
                execution = r.getLong(1);
                assertEquals("STOPPED", r.getString(2), "the job execution after the stop");
            }
            Map<String, String> running = new java.util.TreeMap<>();
            int partitions = 0;
            try (java.sql.PreparedStatement steps = c.prepareStatement(
                    "SELECT STEP_NAME, STATUS FROM BATCH_STEP_EXECUTION WHERE JOB_EXECUTION_ID = ?")) {
                steps.setLong(1, execution);
                try (java.sql.ResultSet r = steps.executeQuery()) {
                    while (r.next()) {
                        partitions += r.getString(1).startsWith("partition:") ? 1 : 0;
                        if (!Set.of("COMPLETED", "STOPPED").contains(r.getString(2))) {
                            running.put(r.getString(1), r.getString(2));
                        }
                    }
                }
            }
            assertTrue(partitions > 0, "no partition step executions in job execution " + execution);
            assertEquals(Map.of(), running, "step executions not stopped after the stop");
        }
    }

    private static List<String> java(String command) {
        List<String> java = new ArrayList<>();
        java.add(ProcessHandle.current().info().command().orElse("java"));
        java.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx384m", "-jar", JAR.toString(),
                command));
        return java;
    }

    private static List<CSVRecord> readReport(Path report) throws IOException {
        assertTrue(Files.isRegularFile(report), "no report at " + report);
        try (Reader in = Files.newBufferedReader(report, StandardCharsets.UTF_8);
                CSVParser parser = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get()
                        .parse(in)) {
            return parser.getRecords();
        }
    }

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
