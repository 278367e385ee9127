package io.imagebatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.testsupport.EnabledIfPostgres;
import io.imagebatch.testsupport.PostgresTestDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The cluster benchmark (README.md, "More than one machine"): one batch of {@code bench.rows} rows (default 20,000)
 * run by the real jar as a manager ({@code run --partitions 6}, embedded Artemis broker on loopback TCP) and 1, 2
 * and 3 {@code worker} processes on one PostgreSQL schema, against a sandbox in this JVM whose results are 8 to 9 MB
 * PNGs ({@link SandboxSettings#withResultBytes}) sent at most {@code bench.bandwidth} bytes per second per
 * connection ({@link SandboxSettings#withBandwidthPerConnection}, default 4,000,000), so that transfer, not the
 * provider's rate, is the bottleneck. Each worker runs 2 partitions at once with at most 4 provider calls and
 * downloads in flight ({@code imagebatch.job.concurrency=4}): one worker can move about 4 x the bandwidth. Prints,
 * per number of workers, the wall time of the manager's {@code run} (from its start to its exit, JVM start
 * included), the ratio to one worker and the MB/s (10^6 bytes per second) stored, with the machine's CPU count and
 * its load average before and after. Nothing is asserted about speed; every run must complete (exit 0).
 *
 * <p>Skipped unless {@code -Dbench.cluster=true} (and PostgreSQL is configured, {@link EnabledIfPostgres}); needs
 * the jar, so it runs through {@code verify}:
 * <pre>./mvnw -o verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ClusterBenchmarkIT \
 *     -Dbench.cluster=true -Dbench.rows=300</pre>
 * The output and the children's logs are under {@code target/cluster-bench}; each run's images are deleted after
 * it (a run of 20,000 rows writes about 170 GB).
 */
@EnabledIfPostgres
class ClusterBenchmarkIT {

    private static final Path JAR = Path.of("target", "imagebatch.jar").toAbsolutePath();
    private static final Path WORK = Path.of("target", "cluster-bench").toAbsolutePath();
    private static final long MIB = 1024 * 1024;

    @Test
    void benchmark() throws Exception {
        assumeTrue(Boolean.getBoolean("bench.cluster"), "benchmark skipped: give -Dbench.cluster=true to run it");
        assertTrue(Files.isRegularFile(JAR), JAR + " is missing: run through Maven (verify), which packages first");
        int rows = Integer.getInteger("bench.rows", 20_000);
        long bandwidth = Long.getLong("bench.bandwidth", 4_000_000L);
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
        Map<Integer, Double> seconds = new LinkedHashMap<>();
        Map<Integer, Long> bytes = new LinkedHashMap<>();
        SandboxSettings settings = SandboxSettings.defaults().withSeed(16)
                .withGenerationTime(Duration.ofMillis(500), Duration.ofMillis(1000))
                .withResultBytes(8 * MIB, 9 * MIB).withBandwidthPerConnection(bandwidth);
        try (SandboxProvider sandbox = SandboxProvider.start(settings)) {
            for (int workers = 1; workers <= 3; workers++) {
                Path dir = fresh(WORK.resolve(workers + "-workers"));
                ImageBatchKillIT.Catalogue catalogue = ImageBatchKillIT.Catalogue.write(dir.resolve("catalogue.csv"),
                        rows, new Random(16 + workers));
                PostgresTestDatabase.Schema schema = PostgresTestDatabase.newSchema();
                double took = run(sandbox, schema, catalogue.path(), dir, workers);
                seconds.put(workers, took);
                Path out = dir.resolve("out");
                try (Stream<Path> files = Files.walk(out)) {
                    bytes.put(workers, files.filter(p -> p.toString().endsWith(".png")).mapToLong(p -> {
                        try {
                            return Files.size(p);
                        } catch (IOException e) {
                            return 0;
                        }
                    }).sum());
                }
                deleteImages(out);
                schema.drop();
            }
        }
        String loadAfter = Files.readString(Path.of("/proc/loadavg")).trim();
        System.out.printf("ClusterBenchmarkIT: %d rows, 8-9 MB results at %,d bytes/s per connection, 6 partitions,"
                + " 2 per worker, 4 transfers per worker; %d CPUs; load average before %s, after %s%n", rows,
                bandwidth, Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter);
        for (Map.Entry<Integer, Double> e : seconds.entrySet()) {
            System.out.printf("  %d worker(s): %.1f s wall, %.2f x the time of one worker, %.1f MB/s stored%n",
                    e.getKey(), e.getValue(), e.getValue() / seconds.get(1), bytes.get(e.getKey()) / 1e6
                            / e.getValue());
        }
    }

    /** @return the manager's wall time in seconds, from its start to its exit */
    private static double run(SandboxProvider sandbox, PostgresTestDatabase.Schema schema, Path catalogue, Path dir,
            int workers) throws Exception {
        int brokerPort;
        try (ServerSocket free = new ServerSocket(0)) {
            brokerPort = free.getLocalPort();
        }
        List<String> settings = new ArrayList<>(schema.springArgs());
        settings.addAll(List.of(
                "--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                "--imagebatch.download.allow-private-networks=true",
                "--imagebatch.job.poll-early=200ms",
                "--imagebatch.job.concurrency=4",
                "--imagebatch.lock.ttl=10s",
                "--spring.datasource.hikari.maximum-pool-size=8",
                "--imagebatch.cluster.broker-url=tcp://127.0.0.1:" + brokerPort,
                "--imagebatch.cluster.worker-threads=2",
                "--imagebatch.cluster.poll-interval=500ms"));
        List<String> run = java("run");
        run.addAll(List.of("--catalogue", catalogue.toString(), "--output",
                "file:" + dir.resolve("out"), "--partitions", "6", "--imagebatch.cluster.embedded-broker=true",
                "--imagebatch.cluster.journal-dir=" + dir.resolve("broker")));
        run.addAll(settings);
        List<String> worker = java("worker");
        worker.addAll(settings);
        List<ImageBatchKillIT.Child> children = new ArrayList<>();
        try {
            // one after the other, each once it is ready: processes starting together on a fresh schema race
            // creating its tables
            for (int i = 0; i < workers; i++) {
                ImageBatchKillIT.Child child = ImageBatchKillIT.Child.start(worker, dir);
                children.add(child);
                assertTrue(child.awaitLine(l -> l.contains("Worker taking partitions"), Duration.ofMinutes(3)),
                        "the worker did not start:\n" + child.output());
            }
            long started = System.nanoTime();
            try (ImageBatchKillIT.Child manager = ImageBatchKillIT.Child.start(run, dir)) {
                Integer exit = manager.awaitExit(Duration.ofHours(12));
                double took = (System.nanoTime() - started) / 1e9;
                Files.writeString(dir.resolve("manager.log"), manager.output());
                assertEquals(0, exit, "the manager did not complete the batch:\n" + manager.output());
                return took;
            }
        } finally {
            for (int i = 0; i < children.size(); i++) {
                ImageBatchKillIT.Child child = children.get(i);
                child.signal(false);
                child.awaitExit(Duration.ofMinutes(1));
                Files.writeString(dir.resolve("worker" + i + ".log"), child.output());
                child.close();
            }
        }
    }

    private static List<String> java(String command) {
        List<String> java = new ArrayList<>();
        java.add(ProcessHandle.current().info().command().orElse("java"));
        java.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx384m", "-jar", JAR.toString(),
                command));
        return java;
    }

    private static void deleteImages(Path out) throws IOException {
        try (Stream<Path> files = Files.walk(out)) {
            for (Path p : files.filter(p -> p.toString().endsWith(".png")).toList()) {
                Files.delete(p);
            }
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
