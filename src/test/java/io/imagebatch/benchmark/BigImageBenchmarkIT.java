package io.imagebatch.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.imagebatch.label.ImageLabel;
import io.imagebatch.label.MetadataLevel;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.storage.DownloadProperties;
import io.imagebatch.storage.ImageDownloader;
import io.imagebatch.storage.OutputLocation;
import io.imagebatch.storage.OutputStore;
import io.imagebatch.storage.OutputStores;
import io.imagebatch.storage.StorageProperties;
import io.imagebatch.storage.StoredImage;
import io.imagebatch.testsupport.S3ProxyServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The big-image benchmark (README, "Performance", "Big images"; target 4 of the performance targets): 4K results
 * of 8 to 20 MB from the sandbox ({@link SandboxSettings#withResultBytes}), downloaded and stored by the job's own
 * pieces in this JVM ({@link ImageDownloader} with the AI-generated label, into the folder store and the S3 store
 * on an S3Proxy, {@link S3ProxyServer}), side by side with a plain copy of the same bytes over the same loopback
 * link: an HTTP GET streamed into a file through a 64 KiB buffer, and an HTTP GET streamed into one S3 PutObject
 * of the AWS SDK ({@code RequestBody.fromInputStream}). One image at a time in every way unless
 * {@code bench.big.parallel} says more (the job's download step runs up to {@code imagebatch.job.concurrency} at
 * once); one at a time, each image goes the four ways in turn (with more at once, each round runs the four ways in
 * turn), so a change of the machine's load falls on all of them. Prints MB/s (10^6 bytes per second) of each, the ratio of the job to the plain copy, and the target
 * (80%), with the load average before and after. Nothing is asserted about speed.
 *
 * <p>Skipped unless {@code -Dbench.big=true}. Settings: {@code bench.big.images} (results per round, default 8),
 * {@code bench.big.rounds} (default 3, after one warm-up round not counted), {@code bench.big.parallel}
 * (transfers at once, default 1). Example:
 * <pre>./mvnw -o test -Dtest=BigImageBenchmarkIT -Dsurefire.failIfNoSpecifiedTests=false -Dbench.big=true</pre>
 */
class BigImageBenchmarkIT {

    private static final long MIB = 1024 * 1024;
    private static final String BUCKET = "bench";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /** Transfers at once in every way ({@code bench.big.parallel}, default 1). */
    private static final int PARALLEL = Integer.getInteger("bench.big.parallel", 1);

    @TempDir
    Path work;

    @Test
    void benchmark() throws Exception {
        assumeTrue(Boolean.getBoolean("bench.big"), "benchmark skipped: give -Dbench.big=true to run it");
        int images = Integer.getInteger("bench.big.images", 8);
        int rounds = Integer.getInteger("bench.big.rounds", 3);
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
        SandboxSettings settings = SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(10), Duration.ofMillis(20)).withResultBytes(8 * MIB, 20 * MIB);
        try (SandboxProvider sandbox = SandboxProvider.start(settings); S3ProxyServer s3 = S3ProxyServer.start()) {
            s3.createBucket(BUCKET);
            List<URI> urls = new ArrayList<>();
            for (int i = 0; i < images; i++) {
                urls.add(resultUrl(sandbox.baseUrl(), "Benchmark 4K product photo number " + i));
            }
            DownloadProperties download = new DownloadProperties(true, null, null, DownloadProperties.DEFAULT_MAX_BYTES,
                    5, null, DownloadProperties.DEFAULT_MIN_RATE, null, DownloadProperties.DEFAULT_MAX_PIXELS,
                    Files.createDirectories(work.resolve("spool")));
            ImageDownloader downloader = new ImageDownloader(download);
            System.setProperty("aws.accessKeyId", S3ProxyServer.ACCESS_KEY);
            System.setProperty("aws.secretAccessKey", S3ProxyServer.SECRET_KEY);
            StorageProperties storage = new StorageProperties(true, s3.endpoint(), S3ProxyServer.REGION,
                    StorageProperties.DEFAULT_PART_SIZE, StorageProperties.DEFAULT_MAX_ATTEMPTS);
            Path plainFolder = Files.createDirectories(work.resolve("plain"));
            S3Client plainS3 = s3.client();
            Map<String, long[]> totals = new LinkedHashMap<>(); // way -> {bytes, nanos}
            try (OutputStore folder = OutputStores.open(OutputLocation.parse("file:" + work.resolve("job")), storage);
                    OutputStore bucket = OutputStores.open(OutputLocation.parse("s3://" + BUCKET + "/job"), storage)) {
                for (int round = 0; round <= rounds; round++) {
                    boolean counted = round > 0; // round 0 warms the JIT and the connections up
                    int r = round;
                    Map<String, Transfer> ways = new LinkedHashMap<>();
                    ways.put("plain copy to a folder", (url, i) -> {
                        try (InputStream in = get(url); OutputStream out = Files.newOutputStream(
                                plainFolder.resolve("r" + r + "-" + i + ".png"))) {
                            return copy(in, out);
                        }
                    });
                    ways.put("job to a folder", (url, i) -> stored(downloader.download(url,
                            folder, "r" + r + "/row-" + i, null, label(i))));
                    ways.put("plain copy to S3", (url, i) -> {
                        HttpResponse<InputStream> response = HTTP.send(HttpRequest.newBuilder(url).build(),
                                HttpResponse.BodyHandlers.ofInputStream());
                        long length = response.headers().firstValueAsLong("content-length").orElseThrow();
                        try (InputStream in = response.body()) {
                            plainS3.putObject(b -> b.bucket(BUCKET).key("plain/r" + r + "-" + i + ".png")
                                    .contentLength(length).contentType("image/png"),
                                    RequestBody.fromInputStream(in, length));
                        }
                        return length;
                    });
                    ways.put("job to S3", (url, i) -> stored(downloader.download(url, bucket,
                            "r" + r + "/row-" + i, null, label(i))));
                    if (PARALLEL == 1) { // image by image, the four ways in turn: a load swing falls on all four
                        for (int i = 0; i < urls.size(); i++) {
                            for (Map.Entry<String, Transfer> way : ways.entrySet()) {
                                measure(totals, counted, way.getKey(), urls, i, i + 1, way.getValue());
                            }
                        }
                    } else {
                        for (Map.Entry<String, Transfer> way : ways.entrySet()) {
                            measure(totals, counted, way.getKey(), urls, 0, urls.size(), way.getValue());
                        }
                    }
                    // what a round stored is deleted, outside the timings: the S3Proxy keeps objects in memory
                    deleteFiles(plainFolder);
                    deleteFiles(work.resolve("job"));
                    plainS3.listObjectsV2Paginator(b -> b.bucket(BUCKET)).contents().forEach(o ->
                            plainS3.deleteObject(b -> b.bucket(BUCKET).key(o.key())));
                }
            }
            String loadAfter = Files.readString(Path.of("/proc/loadavg")).trim();
            long bytesPerRound = totals.get("plain copy to a folder")[0] / rounds;
            System.out.printf("""

                    ===== ImageBatch big-image benchmark =====
                    %d results of 4096 x 4096 PNG per round, %.1f MB per round (%.1f MB mean), %d rounds after a warm-up
                    %d transfer(s) at a time in every way; the job's downloader and stores in this JVM (label on), S3 = S3Proxy
                    load average before: %s
                    load average after:  %s
                    """, images, bytesPerRound / 1e6, bytesPerRound / 1e6 / images, rounds, PARALLEL, loadBefore,
                    loadAfter);
            for (Map.Entry<String, long[]> e : totals.entrySet()) {
                System.out.printf("%-24s %8.1f MB/s   %6.2f CPU ms/MB (this JVM: sandbox and S3Proxy too)%n",
                        e.getKey(), mbps(e.getValue()), cpuPerMb(e.getValue()));
            }
            double folderRatio = mbps(totals.get("job to a folder")) / mbps(totals.get("plain copy to a folder"));
            double s3Ratio = mbps(totals.get("job to S3")) / mbps(totals.get("plain copy to S3"));
            System.out.printf("""
                    job / plain copy, folder %8.0f %%   (target: at least 80 %%)
                    job / plain copy, S3     %8.0f %%   (target: at least 80 %%)
                    CPU per MB, plain / job: folder %.0f %%, S3 %.0f %% (less sensitive to the machine's load)
                    ==========================================
                    """, folderRatio * 100, s3Ratio * 100,
                    100 * cpuPerMb(totals.get("plain copy to a folder")) / cpuPerMb(totals.get("job to a folder")),
                    100 * cpuPerMb(totals.get("plain copy to S3")) / cpuPerMb(totals.get("job to S3")));
        }
    }

    @FunctionalInterface
    private interface Transfer {
        /** @return the bytes transferred */
        long run(URI url, int index) throws Exception;
    }

    /** Runs {@code transfer} on {@code urls[from..to)} and adds its bytes, wall time and CPU time to {@code way}. */
    private static void measure(Map<String, long[]> totals, boolean counted, String way, List<URI> urls, int from,
            int to, Transfer transfer) throws Exception {
        long bytes = 0;
        long cpuBefore = processCpuNanos();
        long started = System.nanoTime();
        if (PARALLEL == 1) {
            for (int i = from; i < to; i++) {
                bytes += transfer.run(urls.get(i), i);
            }
        } else {
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(PARALLEL);
            try {
                List<java.util.concurrent.Future<Long>> done = new ArrayList<>();
                for (int i = from; i < to; i++) {
                    int index = i;
                    done.add(pool.submit(() -> transfer.run(urls.get(index), index)));
                }
                for (java.util.concurrent.Future<Long> one : done) {
                    bytes += one.get();
                }
            } finally {
                pool.shutdown();
            }
        }
        long nanos = System.nanoTime() - started;
        long cpu = processCpuNanos() - cpuBefore;
        if (counted) {
            long[] total = totals.computeIfAbsent(way, k -> new long[3]);
            total[0] += bytes;
            total[1] += nanos;
            total[2] += cpu;
        }
    }

    private static void deleteFiles(Path folder) throws java.io.IOException {
        try (var files = Files.walk(folder)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.delete(file);
            }
        }
    }

    /** CPU time of this whole JVM (job or plain copy, sandbox, S3Proxy), nanoseconds. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** @return CPU milliseconds per MB (10^6 bytes) */
    private static double cpuPerMb(long[] total) {
        return total[2] / 1e6 / (total[0] / 1e6);
    }

    private static double mbps(long[] total) {
        return total[0] / 1e6 / (total[1] / 1e9);
    }

    private static ImageLabel label(int i) {
        return new ImageLabel("row-" + i, "Benchmark 4K product photo number " + i, "nano-banana-pro-flash",
                MetadataLevel.FULL);
    }

    private static long stored(StoredImage image) {
        return image.bytes();
    }

    private static InputStream get(URI url) throws Exception {
        HttpResponse<InputStream> response = HTTP.send(HttpRequest.newBuilder(url).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        return response.body();
    }

    private static long copy(InputStream in, OutputStream out) throws Exception {
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            out.write(buffer, 0, n);
            total += n;
        }
        return total;
    }

    /** Creates a LiangXin task in the sandbox and waits for its result URL. */
    private static URI resultUrl(URI base, String prompt) throws Exception {
        String body = "{\"model\":\"nano-banana-pro-flash\",\"input\":{\"prompt\":\"" + prompt
                + "\",\"resolution\":\"4K\"}}";
        JsonNode created = JSON.readTree(HTTP.send(HttpRequest.newBuilder(base.resolve("/api/v1/jobs/createTask"))
                .header("Authorization", "Bearer " + SandboxProvider.API_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()).body());
        String taskId = created.path("data").path("taskId").asString();
        long giveUp = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < giveUp) {
            JsonNode data = JSON.readTree(HTTP.send(HttpRequest.newBuilder(base.resolve(
                    "/api/v1/jobs/recordInfo?taskId=" + taskId)).header("Authorization", "Bearer "
                    + SandboxProvider.API_KEY).build(), HttpResponse.BodyHandlers.ofString()).body()).path("data");
            if (data.path("state").asString().equals("success")) {
                return URI.create(JSON.readTree(data.path("resultJson").asString()).path("resultUrls").get(0)
                        .asString());
            }
            Thread.sleep(20); // polling a task that ends within 20 ms
        }
        throw new AssertionError("task " + taskId + " did not succeed within 60 s");
    }
}
