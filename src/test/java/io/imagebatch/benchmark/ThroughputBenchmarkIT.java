package io.imagebatch.benchmark;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The throughput benchmark (README, Development): the real jar, as a child process, runs a generated catalogue against the
 * sandbox provider with a rate limit and a range of generation times, and this prints what it measures:
 * wall time, the lower bound {@code rows x 2 / rate + longest generation time} (one create and one status query
 * per task), their ratio, creates per second, status queries per task (mean and max, from the ledger), peak
 * heap and peak resident memory of the job's process.
 *
 * <p>Skipped unless {@code -Dbench.rows=N} is given. Settings (system properties): {@code bench.rows},
 * {@code bench.rate} (requests/s per key, 0 = no limit; default 100), {@code bench.gen} (generation time range,
 * default {@code 2s..8s}), {@code bench.configured} (true, the default: the job is told the rate with
 * {@code requests-per-second}; false: it is not, and its throttle must find the limit, README, Performance),
 * {@code bench.headers} (false, the default: the sandbox states its limit in no header, the unknown-limit case;
 * true: in rate-limit headers, {@link SandboxSettings#rateLimitHeaders()}),
 * {@code bench.callbacks} (true/false; with callbacks it also prints the status queries
 * per task counted by the sandbox and the ratio to the callback bound {@code rows / rate + longest generation}),
 * {@code bench.lostCallbacks} (0..1, the fraction of callbacks the sandbox never sends; default 0),
 * {@code bench.plain} (one plain image per size
 * from the sandbox, for runs of many rows), {@code bench.xmx} (the child's -Xmx, default
 * 512m), {@code bench.every} (print the rate of each slice of this many rows, default 100,000),
 * {@code bench.jvm} (more JVM options for the child, space-separated, e.g. {@code -XX:+UseSerialGC}). The sandbox runs in this JVM, so its own work does not count in the job's memory. Example:
 * <pre>./mvnw verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ThroughputBenchmarkIT \
 *     -Dbench.rows=5000 -Dbench.rate=100 -Dbench.gen=2s..8s</pre>
 */
class ThroughputBenchmarkIT {

    private static final Pattern JOB_TIME = Pattern.compile("COMPLETED in ([0-9.]+) s");
    private static final Pattern PEAK_HEAP = Pattern.compile("peak heap used: (\\d+) MB");

    @TempDir
    Path work;

    @Test
    void benchmark() throws Exception {
        assumeTrue(System.getProperty("bench.rows") != null, "benchmark skipped: give -Dbench.rows=N to run it");
        int rows = Integer.parseInt(System.getProperty("bench.rows"));
        double rate = Double.parseDouble(System.getProperty("bench.rate", "100"));
        String[] gen = System.getProperty("bench.gen", "2s..8s").split("\\.\\.");
        Duration minGen = parse(gen[0]);
        Duration maxGen = parse(gen[1]);
        boolean callbacks = Boolean.parseBoolean(System.getProperty("bench.callbacks", "false"));
        boolean configured = Boolean.parseBoolean(System.getProperty("bench.configured", "true"));
        boolean headers = Boolean.parseBoolean(System.getProperty("bench.headers", "false"));
        String xmx = System.getProperty("bench.xmx", "512m");
        double lostCallbacks = Double.parseDouble(System.getProperty("bench.lostCallbacks", "0"));

        Path catalogue = work.resolve("bench.csv");
        try (Writer out = Files.newBufferedWriter(catalogue)) {
            out.write("id,prompt\n");
            for (int i = 1; i <= rows; i++) {
                out.write("P" + i + ",Benchmark product photo number " + i + " on a seamless background\n");
            }
        }
        // plain images (one per size) when asked: at 100,000 rows, rendering would measure the sandbox, not the job
        SandboxSettings settings = SandboxSettings.defaults().withGenerationTime(minGen, maxGen)
                .withRateLimitPerSecond(rate).withPlainImages(Boolean.parseBoolean(System.getProperty("bench.plain",
                        "false"))).withRateLimitHeaders(headers);
        settings = settings.withLostCallbackRate(lostCallbacks); // bench.lostCallbacks: callbacks never sent
        try (SandboxProvider sandbox = SandboxProvider.start(settings)) {
            Path db = work.resolve("db/imagebatch");
            List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                    "-Xmx" + xmx));
            for (String option : System.getProperty("bench.jvm", "").trim().split("\\s+")) {
                if (!option.isEmpty()) {
                    command.add(option);
                }
            }
            command.addAll(List.of("-jar", Path.of("target/imagebatch.jar").toAbsolutePath().toString(), "run",
                    "--catalogue", catalogue.toString(), "--output", "file:" + work.resolve("out"),
                    "--spring.datasource.url=jdbc:h2:file:" + db.toAbsolutePath(),
                    "--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                    "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                    "--imagebatch.download.allow-private-networks=true",
                    "--imagebatch.job.chunk-size=100", "--imagebatch.job.print-memory=true",
                    "--logging.level.io.imagebatch=WARN"));
            if (rate > 0 && configured) {
                command.add("--imagebatch.providers.liangxin.requests-per-second=" + rate);
            }
            if (callbacks) {
                int port;
                try (ServerSocket socket = new ServerSocket(0)) {
                    port = socket.getLocalPort();
                }
                command.add("--imagebatch.callback.base-url=http://127.0.0.1:" + port);
                command.add("--server.port=" + port);
                command.add("--server.address=127.0.0.1");
            }
            long started = System.nanoTime();
            Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
            AtomicLong peakRssKb = new AtomicLong();
            AtomicLong cpuTicks = new AtomicLong();
            Thread rssWatcher = new Thread(() -> watchRss(child.pid(), peakRssKb, cpuTicks), "rss-watcher");
            rssWatcher.setDaemon(true);
            rssWatcher.start();
            StringBuilder output = new StringBuilder();
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    output.append(line).append('\n');
                    if (line.startsWith("[") || line.startsWith("Batch") || line.startsWith("  ")) {
                        System.out.println("  | " + line);
                    }
                }
            }
            int exit = child.waitFor();
            double wall = (System.nanoTime() - started) / 1e9;
            rssWatcher.join(1000);
            if (exit != 0) {
                throw new AssertionError("the job exited with " + exit + ":\n" + output);
            }
            double jobSeconds = find(JOB_TIME, output, 1);
            double bound = rows * 2.0 / (rate > 0 ? rate : Double.POSITIVE_INFINITY) + maxGen.toMillis() / 1000.0;
            double[] polls = pollsPerTask(db);
            long requests = sandbox.stats().creates() + sandbox.stats().statusQueries() + sandbox.stats()
                    .rejectedCreates() + sandbox.rateLimitAnswers();
            double createSpan = createSpanSeconds(db);
            System.out.printf("""

                    ===== ImageBatch throughput benchmark =====
                    rows %d, rate limit %s requests/s (%s), generation %s..%s, callbacks %s
                    rate-limit headers         %s
                    wall time (job)            %8.1f s   (process, with JVM start: %.1f s)
                    lower bound                %8.1f s   (rows x 2 / rate + longest generation)
                    ratio                      %8.2f     (target <= 1.10)
                    429 answers (rate limit)   %8d     %.2f%% of about %d API requests (target <= 1%%)
                    creates per second         %8.1f     (over the submit span %.1f s)
                    status queries per task    %8.2f mean, %.0f max
                    sandbox: creates %d, status queries %d, downloads %d, 429s answered %s
                    peak heap used             %8.0f MB  (sum of the heap pools' peaks)
                    peak resident memory       %8.0f MB  (VmHWM of the job's process; target <= 512 for a million rows)
                    throughput                 %8.1f rows/s (with the report; target >= 600 with no rate limit)
                    job CPU time               %8.1f s   (%.2f ms per row: user + system, less load-dependent)
                    load average               %s (1, 5, 15 min, at the end)
                    ===========================================
                    """, rows, rate > 0 ? String.valueOf(rate) : "no limit",
                    configured ? "configured" : "not configured: learned", gen[0], gen[1], callbacks,
                    headers ? "sent by the sandbox (the limit is stated)" : "none (the limit is unknown)", jobSeconds,
                    wall, bound, jobSeconds / bound, sandbox.rateLimitAnswers(),
                    100.0 * sandbox.rateLimitAnswers() / Math.max(1, requests), requests, rows / Math.max(0.001, createSpan), createSpan, polls[0],
                    polls[1], sandbox.stats().creates(), sandbox.stats().statusQueries(), sandbox.stats().downloads(),
                    sandbox.stats().rejectedCreates() > 0 ? "(see rejected creates: " + sandbox.stats().rejectedCreates()
                            + ")" : "0", find(PEAK_HEAP, output, 1), peakRssKb.get() / 1024.0, rows / jobSeconds,
                    cpuTicks.get() / 100.0, cpuTicks.get() * 10.0 / rows, loadAverage());
            if (callbacks) {
                // with callbacks a task costs one create and, ideally, no status query: the callback bound
                double callbackBound = rows / (rate > 0 ? rate : Double.POSITIVE_INFINITY) + maxGen.toMillis() / 1000.0;
                int creates = sandbox.stats().creates();
                System.out.printf("""
                        callbacks lost             %8d     of %d tasks (bench.lostCallbacks=%s)
                        status queries per task    %8.3f     (sandbox's status queries / creates; target <= 0.05)
                        callback bound             %8.1f s   (rows / rate + longest generation; rate: the configured %s)
                        ratio to callback bound    %8.2f     (target <= 1.25 with 2%% of callbacks lost)
                        ===========================================
                        """, sandbox.lostCallbacks(), creates, lostCallbacks,
                        sandbox.stats().statusQueries() / (double) Math.max(1, creates), callbackBound,
                        rate > 0 ? rate + " requests/s" : "no limit", jobSeconds / callbackBound);
            }
            printRatePerSlice(db, Integer.getInteger("bench.every", 100_000));
        }
    }

    /** @return /proc/loadavg's first three fields, or "unknown" */
    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /**
     * Watches the job's process until it ends: its peak resident memory (VmHWM, kB) and its CPU time (user +
     * system, in clock ticks of 1/100 s, from /proc/PID/stat; the last value seen).
     */
    private static void watchRss(long pid, AtomicLong peakKb, AtomicLong cpuTicks) {
        Path status = Path.of("/proc/" + pid + "/status");
        Path stat = Path.of("/proc/" + pid + "/stat");
        while (Files.exists(status)) {
            try {
                String statLine = Files.readString(stat);
                String[] fields = statLine.substring(statLine.lastIndexOf(')') + 2).split(" ");
                cpuTicks.set(Long.parseLong(fields[11]) + Long.parseLong(fields[12])); // utime, stime

                for (String line : Files.readAllLines(status)) {
                    if (line.startsWith("VmHWM:")) {
                        peakKb.accumulateAndGet(Long.parseLong(line.replaceAll("\\D+", "")), Math::max);
                    }
                }
                Thread.sleep(200);
            } catch (IOException | InterruptedException | RuntimeException gone) {
                return;
            }
        }
    }

    /** Mean and max status queries per task, from the ledger the job left behind. */
    private static double[] pollsPerTask(Path db) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + db.toAbsolutePath(), "sa", "");
                ResultSet rs = c.createStatement().executeQuery(
                        "SELECT AVG(CAST(POLLS AS DOUBLE)), MAX(POLLS) FROM IB_TASK_LEDGER WHERE TASK_ID IS NOT NULL")) {
            rs.next();
            return new double[] {rs.getDouble(1), rs.getDouble(2)};
        }
    }

    /**
     * Prints the rate of each slice of {@code every} rows (rows/s), from the ledger's timestamps: the rows stored,
     * ordered by the time each was stored (UPDATED_AT), the first slice timed from the first create
     * (SUBMITTED_AT). A run that slows down as the ledger grows shows falling rates ("flat": README, Performance).
     * Reads one timestamp at a time, so a million rows need no list.
     */
    private static void printRatePerSlice(Path db, int every) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + db.toAbsolutePath(), "sa", "")) {
            long previous;
            try (ResultSet first = c.createStatement().executeQuery("SELECT MIN(SUBMITTED_AT) FROM IB_TASK_LEDGER")) {
                first.next();
                previous = first.getLong(1);
            }
            System.out.printf("rate per %,d rows (by the time each row was stored; target >= 600 rows/s and flat with"
                    + " no rate limit; the first slice holds the JVM's warm-up):%n", every);
            try (java.sql.Statement st = c.createStatement()) {
                st.setFetchSize(1000);
                try (ResultSet rs = st.executeQuery(
                        "SELECT UPDATED_AT FROM IB_TASK_LEDGER WHERE STATE = 'STORED' ORDER BY UPDATED_AT")) {
                    long n = 0;
                    long last = previous;
                    while (rs.next()) {
                        n++;
                        last = rs.getLong(1);
                        if (n % every == 0) {
                            System.out.printf("  rows %,9d..%,9d  %8.1f rows/s%n", n - every + 1, n,
                                    every * 1000.0 / Math.max(1, last - previous));
                            previous = last;
                        }
                    }
                    if (n % every != 0) {
                        System.out.printf("  rows %,9d..%,9d  %8.1f rows/s%n", n - n % every + 1, n,
                                (n % every) * 1000.0 / Math.max(1, last - previous));
                    }
                }
            }
        }
    }

    /** Seconds from the first to the last taskId recorded. */
    private static double createSpanSeconds(Path db) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + db.toAbsolutePath(), "sa", "");
                ResultSet rs = c.createStatement().executeQuery(
                        "SELECT MAX(SUBMITTED_AT) - MIN(SUBMITTED_AT) FROM IB_TASK_LEDGER")) {
            rs.next();
            return rs.getLong(1) / 1000.0;
        }
    }

    private static double find(Pattern pattern, CharSequence text, int group) {
        Matcher m = pattern.matcher(text);
        if (!m.find()) {
            throw new AssertionError("not in the job's output: " + pattern);
        }
        return Double.parseDouble(m.group(group));
    }

    private static Duration parse(String text) {
        return org.springframework.boot.convert.DurationStyle.detectAndParse(text.trim());
    }
}
