package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.S3FaultProxy;
import io.imagebatch.testsupport.S3ProxyServer;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transient faults of the output store: an S3 server that answers a share of writes {@code 503 SlowDown} or
 * {@code 500 InternalError}, as S3 does under load (a real S3Proxy behind {@link S3FaultProxy}), does not stop a
 * batch; the store retries those writes with backoff and jitter.
 */
class StoreFaultsTest {

    private static final String BUCKET = "flaky-images";
    private static final int ROWS = 104;

    @TempDir
    Path work;

    private S3ProxyServer s3;
    private final java.util.Map<String, String> saved = new java.util.HashMap<>();

    @BeforeEach
    void start() {
        s3 = S3ProxyServer.start();
        s3.createBucket(BUCKET);
        // the standard AWS SDK credentials and region chains read these, as they would read the environment
        set("aws.accessKeyId", S3ProxyServer.ACCESS_KEY);
        set("aws.secretAccessKey", S3ProxyServer.SECRET_KEY);
        set("aws.region", S3ProxyServer.REGION);
    }

    @AfterEach
    void stop() {
        s3.close();
        saved.forEach((k, v) -> {
            if (v == null) {
                System.clearProperty(k);
            } else {
                System.setProperty(k, v);
            }
        });
    }

    @Test
    void withTenPercentSlowDownAndThreePercent500OnWritesABatchCompletesInOneRunEveryImageStoredNonePaidTwice()
            throws Exception {
        StringBuilder csv = new StringBuilder("id,prompt\n");
        for (int n = 1; n <= ROWS; n++) {
            csv.append("sku-").append(n).append(",a studio photo of product number ").append(n).append('\n');
        }
        Path catalogue = Files.writeString(work.resolve("catalogue.csv"), csv);
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults().withSeed(16)
                .withFailureRate(0).withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(300)));
                S3FaultProxy faults = S3FaultProxy.start(s3.endpoint(), 0.10, 0.03, 16)) {
            CliRun run = CliRun.run(work, "--catalogue", catalogue.toString(),
                    "--output", "s3://" + BUCKET + "/nightly",
                    "--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                    "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                    "--imagebatch.download.allow-private-networks=true",
                    "--imagebatch.s3.endpoint=" + faults.endpoint(),
                    "--imagebatch.s3.path-style=true");

            assertThat(run.exitCode()).as(run.output()).isEqualTo(ImageBatchCli.COMPLETED);
            assertThat(run.output()).contains(ROWS + " rows: " + ROWS + " SUCCEEDED, 0 REJECTED, 0 FAILED, 0 UNCERTAIN");
            assertThat(faults.slowDowns()).as("SlowDown answers injected").isPositive();
            assertThat(faults.internalErrors()).as("500 answers injected").isPositive();

            String prefix = "nightly/" + run.batchId() + "/";
            String report = s3.client().getObjectAsBytes(b -> b.bucket(BUCKET).key(prefix + "report.csv"))
                    .asString(StandardCharsets.UTF_8);
            List<CSVRecord> lines = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get()
                    .parse(new StringReader(report)).getRecords();
            assertThat(lines).hasSize(ROWS);
            for (CSVRecord line : lines) {
                assertThat(line.get("status")).isEqualTo("SUCCEEDED");
                String key = prefix + line.get("row_id") + ".png";
                byte[] image = s3.client().getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asByteArray();
                assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(image)))
                        .as("row %s stored whole", line.get("row_id")).isEqualTo(line.get("sha256"));
                assertThat((long) image.length).isEqualTo(Long.parseLong(line.get("bytes")));
            }
            assertThat(sandbox.stats().creates()).as("nothing paid twice").isEqualTo(ROWS);
            assertThat(sandbox.stats().createsByPrompt().values()).allMatch(n -> n == 1);
        }
    }

    @Test
    void aReportWriteAnsweredSlowDownIsSentAgainFromItsSpoolAndTheRunCompletes() throws Exception {
        StringBuilder csv = new StringBuilder("id,prompt\n");
        for (int n = 1; n <= 5; n++) {
            csv.append("sku-").append(n).append(",a studio photo of product number ").append(n).append('\n');
        }
        Path catalogue = Files.writeString(work.resolve("catalogue.csv"), csv);
        // every other write answered SlowDown: the images' writes are retried; so must the report's three be,
        // which are written from a spooled file (the write order, so the faulted writes, follow from the seed)
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults().withSeed(16)
                .withFailureRate(0).withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(300)));
                S3FaultProxy faults = S3FaultProxy.start(s3.endpoint(), 0.5, 0, 3)) {
            CliRun run = CliRun.run(work, "--catalogue", catalogue.toString(),
                    "--output", "s3://" + BUCKET + "/spooled",
                    "--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                    "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                    "--imagebatch.download.allow-private-networks=true",
                    "--imagebatch.s3.endpoint=" + faults.endpoint(),
                    "--imagebatch.s3.path-style=true",
                    "--imagebatch.s3.max-attempts=20");

            assertThat(run.exitCode()).as(run.output()).isEqualTo(ImageBatchCli.COMPLETED);
            assertThat(faults.slowDowns()).as("SlowDown answers injected").isPositive();
            String prefix = "spooled/" + run.batchId() + "/";
            for (String file : List.of("report.csv", "report.html", "manifest.json")) {
                assertThat(s3.client().getObjectAsBytes(b -> b.bucket(BUCKET).key(prefix + file)).asByteArray())
                        .as(file).isNotEmpty();
            }
        }
    }

    private void set(String name, String value) {
        saved.putIfAbsent(name, System.getProperty(name));
        System.setProperty(name, value);
    }
}
