package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.S3ProxyServer;
import io.imagebatch.testsupport.SampleCatalogue;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The whole job, end to end, as a user runs it: the real command line, HTTP to the sandbox provider, images
 * into a real S3-compatible server (S3Proxy), the job repository and ledger in a real H2 file database
 * ({@link ImageProductionJobPostgresEndToEndTest} runs every test here again on PostgreSQL).
 */
class ImageProductionJobEndToEndTest {

    private static final String BUCKET = "marketing-images";
    private static S3ProxyServer s3;

    @TempDir
    Path work;
    private SandboxProvider sandbox;

    @BeforeAll
    static void startS3() {
        s3 = S3ProxyServer.start();
        s3.createBucket(BUCKET);
        // the standard AWS SDK credentials and region chains read these, as they would read the environment
        System.setProperty("aws.accessKeyId", S3ProxyServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", S3ProxyServer.SECRET_KEY);
        System.setProperty("aws.region", S3ProxyServer.REGION);
    }

    @AfterAll
    static void stopS3() {
        s3.close();
    }

    @BeforeEach
    void startSandbox() {
        sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(100), Duration.ofMillis(600)));
    }

    @AfterEach
    void stopSandbox() {
        sandbox.close();
    }

    CliRun run(String output, String... extra) {
        return runWithStore(output, s3.endpoint().toString(), extra);
    }

    private CliRun runWithStore(String output, String s3Endpoint, String... extra) {
        List<String> args = new ArrayList<>(SampleCatalogue.options());
        args.addAll(List.of("--output", output,
                "--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                "--imagebatch.download.allow-private-networks=true",
                "--imagebatch.s3.endpoint=" + s3Endpoint,
                "--imagebatch.s3.path-style=true",
                "--imagebatch.job.create-attempts=2"));
        args.addAll(List.of(extra));
        return CliRun.run(work, args.toArray(String[]::new));
    }

    @Test
    void everyValidRowBecomesExactlyOneImageOfTheRequestedProportionsAndTheReportSaysSo() throws Exception {
        CliRun first = run("s3://" + BUCKET + "/nightly");

        assertThat(first.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
        String batchId = first.batchId();
        assertThat(first.output()).contains("45 rows: 40 SUCCEEDED, 5 REJECTED, 0 FAILED, 0 UNCERTAIN")
                .contains("report: s3://" + BUCKET + "/nightly/" + batchId + "/report.csv")
                .contains("contact sheet: s3://" + BUCKET + "/nightly/" + batchId + "/report.html");

        List<CSVRecord> report = readReport("nightly/" + batchId + "/report.csv");
        assertThat(report).extracting(r -> r.get("row_number"))
                .containsExactlyElementsOf(numbers(1, SampleCatalogue.ROWS));
        for (CSVRecord line : report) {
            long rowNumber = Long.parseLong(line.get("row_number"));
            if (SampleCatalogue.REJECTED.containsKey(rowNumber)) {
                assertThat(line.get("status")).isEqualTo("REJECTED");
                assertThat(line.get("error")).contains(SampleCatalogue.REJECTED.get(rowNumber));
                assertThat(line.get("task_id")).isEmpty();
                continue;
            }
            assertThat(line.get("status")).as("row %d", rowNumber).isEqualTo("SUCCEEDED");
            String key = "nightly/" + batchId + "/" + line.get("row_id") + ".png";
            assertThat(line.get("output_uri")).isEqualTo("s3://" + BUCKET + "/" + key);
            byte[] image = s3.client().getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asByteArray();
            assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(image)))
                    .isEqualTo(line.get("sha256"));
            assertThat(Long.parseLong(line.get("bytes"))).isEqualTo(image.length);
            assertProportions(image, catalogueAspectRatio(rowNumber), catalogueResolution(rowNumber));
        }

        List<String> keys = s3.client().listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix("nightly/" + batchId))
                .contents().stream().map(S3Object::key).toList();
        assertThat(keys).hasSize(SampleCatalogue.VALID + 3).contains("nightly/" + batchId + "/report.csv",
                "nightly/" + batchId + "/report.html", "nightly/" + batchId + "/manifest.json");
        // the contact sheet in the bucket links its images relatively, so a static S3 website serves it as it is
        String page = s3.client().getObjectAsBytes(b -> b.bucket(BUCKET).key("nightly/" + batchId + "/report.html"))
                .asString(StandardCharsets.UTF_8);
        assertThat(page).contains("<img src=\"./NB-1001.png\"").doesNotContain("s3://" + BUCKET + "/nightly/"
                + batchId + "/NB-1001.png");

        // exactly one create per valid row, none for a rejected one
        assertThat(sandbox.stats().creates()).isEqualTo(SampleCatalogue.VALID);
        assertThat(sandbox.stats().createsByPrompt()).hasSize(SampleCatalogue.VALID).allSatisfy((p, n) -> assertThat(n).isEqualTo(1));

        // the same command again: the batch is complete, nothing is sent
        CliRun again = run("s3://" + BUCKET + "/nightly");
        assertThat(again.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
        assertThat(again.output()).contains("already completed");
        assertThat(sandbox.stats().creates()).isEqualTo(SampleCatalogue.VALID);
    }

    @Test
    void aProviderOutagePartWayFailsTheRunAndTheSameCommandResumesWithoutCreatingAnyTaskTwice() {
        // the provider starts answering 500 to everything once 12 tasks exist
        ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor();
        watcher.scheduleAtFixedRate(() -> {
            if (sandbox.stats().creates() >= 12) {
                sandbox.failEveryRequestWith(500);
            }
        }, 0, 2, TimeUnit.MILLISECONDS);
        CliRun failed;
        try {
            failed = run("s3://" + BUCKET + "/outage", "--imagebatch.job.chunk-size=5",
                    "--imagebatch.job.concurrency=2");
        } finally {
            watcher.shutdownNow();
        }
        assertThat(failed.exitCode()).isEqualTo(ImageBatchCli.FAILED);
        assertThat(failed.output()).contains("HTTP 500").contains("Run the same command again to resume");
        int createdBeforeResume = sandbox.stats().creates();
        assertThat(createdBeforeResume).isBetween(12, SampleCatalogue.VALID - 1);

        sandbox.failEveryRequestWith(0);
        CliRun resumed = run("s3://" + BUCKET + "/outage", "--imagebatch.job.chunk-size=5",
                "--imagebatch.job.concurrency=2");

        assertThat(resumed.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
        assertThat(resumed.batchId()).isEqualTo(failed.batchId());
        assertThat(resumed.output()).contains("Resuming batch " + failed.batchId())
                .contains("45 rows: 40 SUCCEEDED, 5 REJECTED, 0 FAILED, 0 UNCERTAIN");
        assertThat(sandbox.stats().creates()).isEqualTo(SampleCatalogue.VALID);
        assertThat(sandbox.stats().createsByPrompt()).allSatisfy((p, n) -> assertThat(n).isEqualTo(1));
    }

    @Test
    void anUnreachableOutputStoreIsRefusedBeforeAnythingIsPaidAndTheSameCommandRunsOnceItIsBack() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        CliRun failed = runWithStore("s3://" + BUCKET + "/store-down", "http://127.0.0.1:" + closedPort);
        // the preflight finds the store down before the first create (README, "Output and the report")
        assertThat(failed.exitCode()).isEqualTo(ImageBatchCli.USAGE);
        assertThat(failed.output()).contains("output s3://" + BUCKET + "/store-down cannot be written");
        assertThat(sandbox.stats().creates()).isZero();

        CliRun resumed = run("s3://" + BUCKET + "/store-down");
        assertThat(resumed.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
        assertThat(resumed.output()).contains("40 SUCCEEDED");
        assertThat(sandbox.stats().creates()).isEqualTo(SampleCatalogue.VALID);
        assertThat(readReport("store-down/" + resumed.batchId() + "/report.csv"))
                .filteredOn(r -> r.get("status").equals("SUCCEEDED")).hasSize(SampleCatalogue.VALID);
    }

    @Test
    void aCatalogueWithoutAPromptColumnIsRefusedBeforeAnythingIsSent() throws IOException {
        Path catalogue = work.resolve("products.csv");
        java.nio.file.Files.writeString(catalogue, "sku,title\nA1,Red chair\n");
        CliRun run = CliRun.run(work, "--catalogue", catalogue.toString(), "--output", "file:" + work.resolve("out"),
                "--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY);
        assertThat(run.exitCode()).isEqualTo(ImageBatchCli.USAGE);
        assertThat(run.output()).contains("products.csv").contains("prompt").contains("sku, title");
        assertThat(sandbox.stats().creates()).isZero();
    }

    @Test
    void aProviderWithoutAKeyIsAConfigurationError() {
        CliRun run = CliRun.run(work, "--catalogue", SampleCatalogue.FILE.toString(), "--column", "id=sku",
                "--prompt-template", SampleCatalogue.TEMPLATE, "--output", "file:" + work.resolve("out"));
        assertThat(run.exitCode()).isEqualTo(ImageBatchCli.USAGE);
        assertThat(run.output()).contains("IMAGEBATCH_PROVIDERS_LIANGXIN_APIKEY");
    }

    private List<CSVRecord> readReport(String key) {
        String csv = s3.client().getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asString(StandardCharsets.UTF_8);
        try {
            return CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get()
                    .parse(new StringReader(csv)).getRecords();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The aspect ratio and resolution of a catalogue row, as the sample catalogue gives them. */
    private static String catalogueAspectRatio(long rowNumber) {
        return catalogueCell(rowNumber, "aspect_ratio");
    }

    private static String catalogueResolution(long rowNumber) {
        return catalogueCell(rowNumber, "resolution");
    }

    private static String catalogueCell(long rowNumber, String column) {
        try (var reader = java.nio.file.Files.newBufferedReader(SampleCatalogue.FILE)) {
            return CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(reader)
                    .getRecords().get((int) rowNumber - 1).get(column);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void assertProportions(byte[] png, String aspectRatio, String resolution) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(image).as("a decodable PNG").isNotNull();
        String[] parts = aspectRatio.split(":");
        double wanted = Double.parseDouble(parts[0]) / Double.parseDouble(parts[1]);
        assertThat((double) image.getWidth() / image.getHeight()).as("proportions of %s", aspectRatio)
                .isCloseTo(wanted, org.assertj.core.data.Percentage.withPercentage(3));
        int longSide = Math.max(image.getWidth(), image.getHeight());
        int base = Map.of("1K", 1024, "2K", 2048, "4K", 4096).get(resolution);
        assertThat(longSide).as("long side for %s", resolution).isBetween(base, (int) (base * 1.6));
    }

    private static List<String> numbers(int from, int to) {
        List<String> result = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            result.add(String.valueOf(i));
        }
        return result;
    }
}
