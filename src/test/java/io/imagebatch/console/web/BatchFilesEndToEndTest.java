package io.imagebatch.console.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import io.imagebatch.app.ExitCodes;
import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.serve.JobLastBatches;
import io.imagebatch.serve.RunningServe;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.S3FaultProxy;
import io.imagebatch.testsupport.S3ProxyServer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * A batch's files served by the console, end to end: {@code serve --sandbox} started as the command starts it,
 * two job files run against the sandbox provider (one into a folder, one into a real S3-compatible server,
 * S3Proxy, behind a proxy that counts and can hold back reads), the ledger in a real H2 file database, and real
 * HTTP with HTTP Basic (the console's own security chain). What the console serves is compared with what the
 * store holds, read directly.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BatchFilesEndToEndTest {

    private static final String BUCKET = "images";
    private static final int ROWS = 5;
    private static final String PASSWORD = "files-pass";
    /** The serve's async request timeout, ms: an archive must outlast it. */
    private static final long ASYNC_TIMEOUT_MILLIS = 500;

    @TempDir
    static Path work;
    private S3ProxyServer s3;
    private S3FaultProxy proxy;
    private RunningServe serve;
    private final Map<String, String> savedProperties = new HashMap<>();
    private final HttpClient http = HttpClient.newHttpClient();
    /** "folder" and "s3": the batch id of each. */
    private final Map<String, String> batches = new LinkedHashMap<>();

    @BeforeAll
    void runBothBatches() throws Exception {
        s3 = S3ProxyServer.start();
        s3.createBucket(BUCKET);
        proxy = S3FaultProxy.start(s3.endpoint(), 0, 0, 1);
        set("aws.accessKeyId", S3ProxyServer.ACCESS_KEY);
        set("aws.secretAccessKey", S3ProxyServer.SECRET_KEY);
        set("aws.region", S3ProxyServer.REGION);

        Path jobs = Files.createDirectories(work.resolve("jobs"));
        StringBuilder csv = new StringBuilder("id,prompt\n");
        for (int n = 1; n <= ROWS; n++) {
            csv.append("row-").append(n).append(",a studio photo of product ").append(n).append('\n');
        }
        Path catalogue = Files.writeString(work.resolve("catalogue.csv"), csv);
        Path folderJob = writeJob(jobs, "shop", catalogue, "file:" + work.resolve("out"));
        Path bucketJob = writeJob(jobs, "bucket", catalogue, "s3://" + BUCKET + "/console");
        Path channelsJob = Files.writeString(jobs.resolve("channels.yml"), channelsJob(catalogue, "red"));

        BCryptPasswordEncoder bcrypt = new BCryptPasswordEncoder(4);
        List<String> args = new ArrayList<>(List.of("--jobs", jobs.toString(), "--sandbox", "--server.port=0",
                "--imagebatch.job.poll-early=100ms", "--imagebatch.job.poll-middle=200ms",
                "--imagebatch.job.retry-initial-delay=50ms", "--imagebatch.job.retry-max-delay=200ms",
                "--imagebatch.serve.stop-timeout=15s",
                "--imagebatch.s3.endpoint=" + proxy.endpoint(), "--imagebatch.s3.path-style=true",
                "--imagebatch.console.thumbnail-dir=" + work.resolve("thumbnails"),
                "--imagebatch.console.upload-dir=" + work.resolve("uploads"),
                "--spring.mvc.async.request-timeout=" + ASYNC_TIMEOUT_MILLIS + "ms"));
        String[][] users = {{"viewer", "VIEWER", "red"}, {"alice", "SUBMITTER", "red"}, {"carol", "SUBMITTER", "blue"}};
        for (int i = 0; i < users.length; i++) {
            args.add("--imagebatch.console.users[" + i + "].name=" + users[i][0]);
            args.add("--imagebatch.console.users[" + i + "].password-hash=" + bcrypt.encode(PASSWORD));
            args.add("--imagebatch.console.users[" + i + "].roles=" + users[i][1]);
            args.add("--imagebatch.console.users[" + i + "].team=" + users[i][2]);
        }
        args.addAll(CliRun.database(work));
        serve = ImageBatchCli.startServe(args, System.out);

        assertThat(serve.scheduler().runJob("shop", folderJob)).isEqualTo(ExitCodes.COMPLETED);
        assertThat(serve.scheduler().runJob("bucket", bucketJob)).isEqualTo(ExitCodes.COMPLETED);
        JobLastBatches last = serve.context().getBean(JobLastBatches.class);
        batches.put("folder", last.get("shop").orElseThrow());
        batches.put("s3", last.get("bucket").orElseThrow());
        assertThat(serve.scheduler().runJob("channels", channelsJob)).isEqualTo(ExitCodes.COMPLETED);
        batches.put("channels", last.get("channels").orElseThrow());
    }

    @AfterAll
    void stopEverything() throws IOException {
        if (serve != null) {
            serve.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (s3 != null) {
            s3.close();
        }
        savedProperties.forEach((name, value) -> {
            if (value == null) {
                System.clearProperty(name);
            } else {
                System.setProperty(name, value);
            }
        });
    }

    static Stream<String> stores() {
        return Stream.of("folder", "s3");
    }

    @ParameterizedTest
    @MethodSource("stores")
    void aRowsImageIsServedAsStoredWithItsTypeAndItsSha256AsETag(String store) throws Exception {
        String batch = batches.get(store);
        byte[] stored = stored(store, batch + "/row-3.png");

        HttpResponse<byte[]> image = get("viewer", "/batches/" + batch + "/images/3");

        assertThat(image.statusCode()).isEqualTo(200);
        assertThat(image.body()).isEqualTo(stored);
        assertThat(image.headers().firstValue("Content-Type")).contains("image/png");
        assertThat(image.headers().firstValueAsLong("Content-Length")).hasValue(stored.length);
        String etag = image.headers().firstValue("ETag").orElseThrow();
        assertThat(etag).isEqualTo("\"" + sha256(stored) + "\"");
        assertThat(image.headers().firstValue("Cache-Control").orElseThrow()).contains("private").contains("max-age");

        HttpResponse<byte[]> again = send("viewer", HttpRequest.newBuilder(uri("/batches/" + batch + "/images/3"))
                .header("If-None-Match", etag));
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("stores")
    void aThumbnailIsAJpegOfAtMost320PixelsMadeOnceAndServedFromTheCacheOnceTheSourceIsGone(String store)
            throws Exception {
        String batch = batches.get(store);
        String key = batch + "/row-2.png";
        byte[] source = stored(store, key);
        BufferedImage original = ImageIO.read(new ByteArrayInputStream(source));

        HttpResponse<byte[]> first = get("viewer", "/batches/" + batch + "/thumbnails/2");

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("Content-Type")).contains("image/jpeg");
        assertThat(first.headers().firstValue("Cache-Control").orElseThrow()).contains("private").contains("max-age");
        assertThat(first.body()).startsWith(0xFF, 0xD8, 0xFF); // a JPEG's start of image
        BufferedImage thumbnail = ImageIO.read(new ByteArrayInputStream(first.body()));
        assertThat(Math.max(thumbnail.getWidth(), thumbnail.getHeight())).isEqualTo(320);
        assertThat((double) thumbnail.getWidth() / thumbnail.getHeight())
                .isCloseTo((double) original.getWidth() / original.getHeight(), within(0.02));

        delete(store, key);
        try {
            assertThat(get("viewer", "/batches/" + batch + "/images/2").statusCode()).as("the source is gone")
                    .isEqualTo(404);
            HttpResponse<byte[]> second = get("viewer", "/batches/" + batch + "/thumbnails/2");
            assertThat(second.statusCode()).as("served from the cache").isEqualTo(200);
            assertThat(second.body()).isEqualTo(first.body());
        } finally {
            put(store, key, source);
        }
    }

    @Test
    void aCorruptImageHasNoThumbnailAndIsNotReadAgainAtEveryRequest() throws Exception {
        String batch = batches.get("folder");
        Path image = work.resolve("out").resolve(batch).resolve("row-4.png");
        byte[] good = Files.readAllBytes(image);
        Files.write(image, "not an image at all".getBytes(StandardCharsets.UTF_8));
        try {
            HttpResponse<byte[]> first = get("viewer", "/batches/" + batch + "/thumbnails/4");
            assertThat(first.statusCode()).isEqualTo(404);
            assertThat(new String(first.body(), StandardCharsets.UTF_8)).contains("cannot be read as an image");
        } finally {
            Files.write(image, good);
        }
        // remembered: the (now good) source is not read again for this attempt of the row
        assertThat(get("viewer", "/batches/" + batch + "/thumbnails/4").statusCode()).isEqualTo(404);
        assertThat(get("viewer", "/batches/" + batch + "/images/4").statusCode()).isEqualTo(200);
    }

    @ParameterizedTest
    @MethodSource("stores")
    void theReportFilesAreServedAsTheReportStepStoredThem(String store) throws Exception {
        String batch = batches.get(store);
        for (String name : List.of("report.csv", "report.html", "manifest.json")) {
            HttpResponse<byte[]> file = get("viewer", "/batches/" + batch + "/files/" + name);
            assertThat(file.statusCode()).as(name).isEqualTo(200);
            assertThat(file.body()).as(name).isEqualTo(stored(store, batch + "/" + name));
        }
        HttpResponse<byte[]> csv = get("viewer", "/batches/" + batch + "/files/report.csv");
        assertThat(csv.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/csv");
        assertThat(new String(csv.body(), StandardCharsets.UTF_8).lines()).hasSize(ROWS + 1);
        assertThat(get("viewer", "/batches/" + batch + "/files/manifest.json").headers().firstValue("Content-Type"))
                .contains("application/json");
        assertThat(get("viewer", "/batches/" + batch + "/files/report.html").headers()
                .firstValue("Content-Disposition").orElseThrow()).startsWith("attachment");

        assertThat(get("viewer", "/batches/" + batch + "/files/catalogue.csv").statusCode()).isEqualTo(404);
        assertThat(get("viewer", "/batches/" + batch + "/files/..%2F..%2Fjobs%2Fshop.yml").statusCode())
                .isIn(400, 404);
    }

    @Test
    void rowsAreNumbersAndAnUnknownRowOrBatchIsNotFound() throws Exception {
        String batch = batches.get("folder");
        assertThat(get("viewer", "/batches/" + batch + "/images/row-1").statusCode()).isEqualTo(400);
        assertThat(get("viewer", "/batches/" + batch + "/images/0").statusCode()).isEqualTo(404);
        assertThat(get("viewer", "/batches/" + batch + "/images/" + (ROWS + 1)).statusCode()).isEqualTo(404);
        assertThat(get("viewer", "/batches/" + batch + "/thumbnails/-1").statusCode()).isEqualTo(404);
        assertThat(get("viewer", "/batches/shop-000000000000/images/1").statusCode()).isEqualTo(404);
        assertThat(get("viewer", "/batches/..%2F..%2Fetc/images/1").statusCode()).isIn(400, 404);
        assertThat(get("viewer", "/api/batches/shop-000000000000/archive.zip").statusCode()).isEqualTo(404);
        assertThat(Files.exists(work.resolve("thumbnails").resolve("shop-000000000000"))).isFalse();
    }

    @ParameterizedTest
    @MethodSource("stores")
    void theArchiveHoldsEveryStoredImageAsStoredAndTheReportAndManifest(String store) throws Exception {
        String batch = batches.get(store);
        HttpResponse<InputStream> response = http.send(request("viewer", "/api/batches/" + batch + "/archive.zip")
                .build(), HttpResponse.BodyHandlers.ofInputStream());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/zip");
        assertThat(response.headers().firstValue("Content-Disposition"))
                .contains("attachment; filename=\"" + batch + ".zip\"");
        Map<String, byte[]> entries = new LinkedHashMap<>();
        Map<String, Integer> methods = new HashMap<>();
        try (ZipInputStream zip = new ZipInputStream(response.body())) {
            for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                entries.put(entry.getName(), zip.readAllBytes());
                methods.put(entry.getName(), entry.getMethod());
            }
        }
        List<String> expected = new ArrayList<>();
        for (int n = 1; n <= ROWS; n++) {
            expected.add("images/row-" + n + ".png");
        }
        expected.addAll(List.of("report.csv", "manifest.json"));
        assertThat(entries.keySet()).containsExactlyElementsOf(expected);
        for (int n = 1; n <= ROWS; n++) {
            String name = "images/row-" + n + ".png";
            assertThat(entries.get(name)).as(name).isEqualTo(stored(store, batch + "/row-" + n + ".png"));
            // level 0: not compressed again, and its CRC-32 follows its bytes (one read of the store)
            assertThat(methods.get(name)).as("images are deflated at level 0").isEqualTo(ZipEntry.DEFLATED);
        }
        assertThat(entries.get("report.csv")).isEqualTo(stored(store, batch + "/report.csv"));
        assertThat(entries.get("manifest.json")).isEqualTo(stored(store, batch + "/manifest.json"));
        assertThat(methods.get("report.csv")).isEqualTo(ZipEntry.DEFLATED);

        // HEAD: the headers, without reading the store
        int reads = proxy.reads();
        HttpResponse<byte[]> head = send("viewer", HttpRequest.newBuilder(uri("/batches/" + batch + "/archive.zip"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Content-Disposition")).contains("attachment; filename=\"" + batch
                + ".zip\"");
        assertThat(proxy.reads()).isEqualTo(reads);

        // the page's path gives the same archive
        HttpResponse<byte[]> page = get("viewer", "/batches/" + batch + "/archive.zip");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Disposition"))
                .contains("attachment; filename=\"" + batch + ".zip\"");
    }

    @Test
    void theArchiveIsSentWhileTheStoreIsStillBeingRead() throws Exception {
        String batch = batches.get("s3");
        // the first read of the last image waits until released
        S3FaultProxy.Hold hold = proxy.hold("/" + batch + "/row-" + ROWS + ".png", 1);
        int readsBefore = proxy.reads();
        try {
            HttpResponse<InputStream> response = http.send(request("viewer", "/api/batches/" + batch
                    + "/archive.zip").build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            ZipInputStream zip = new ZipInputStream(response.body());
            for (int n = 1; n < ROWS; n++) {
                ZipEntry entry = zip.getNextEntry();
                assertThat(entry.getName()).isEqualTo("images/row-" + n + ".png");
                assertThat(zip.readAllBytes()).isEqualTo(stored("s3", batch + "/row-" + n + ".png"));
            }
            // the client has the first images while the server still waits for the last one from the store
            await().atMost(Duration.ofSeconds(30)).until(() -> hold.arrived() == 1);
            assertThat(hold.waiting()).as("the last image's read is still held").isEqualTo(1);
            // the store read counter: the first images arrived before the last image was read
            assertThat(proxy.reads() - readsBefore).as("store reads when the first images arrived")
                    .isLessThan(ROWS + 2);
            hold.release();
            assertThat(zip.getNextEntry().getName()).isEqualTo("images/row-" + ROWS + ".png");
            assertThat(zip.readAllBytes()).isEqualTo(stored("s3", batch + "/row-" + ROWS + ".png"));
            while (zip.getNextEntry() != null) {
                zip.readAllBytes();
            }
            zip.close();
            // the whole archive: one read an image, and one each for the report and the manifest
            assertThat(proxy.reads() - readsBefore).as("store reads of the whole archive").isEqualTo(ROWS + 2);
        } finally {
            hold.release();
            proxy.hold("-", 0);
        }
    }

    @Test
    void anArchiveTakingLongerThanTheAsyncRequestTimeoutIsNotCutShort() throws Exception {
        String batch = batches.get("s3");
        S3FaultProxy.Hold hold = proxy.hold("/" + batch + "/row-2.png", 1);
        try {
            long start = System.nanoTime();
            HttpResponse<InputStream> response = http.send(request("viewer", "/api/batches/" + batch
                    + "/archive.zip").build(), HttpResponse.BodyHandlers.ofInputStream());
            // held past the serve's async request timeout (a lower bound: a slower machine only waits longer)
            await().atMost(Duration.ofSeconds(30)).until(() -> hold.arrived() == 1
                    && System.nanoTime() - start > 3 * ASYNC_TIMEOUT_MILLIS * 1_000_000);
            hold.release();
            List<String> names = new ArrayList<>();
            try (ZipInputStream zip = new ZipInputStream(response.body())) {
                for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                    names.add(entry.getName());
                    byte[] bytes = zip.readAllBytes();
                    if (entry.getName().startsWith("images/")) {
                        assertThat(bytes).isEqualTo(stored("s3", batch + "/" + entry.getName().substring(7)));
                    }
                }
            }
            assertThat(names).hasSize(ROWS + 2).contains("images/row-" + ROWS + ".png", "manifest.json");
        } finally {
            hold.release();
            proxy.hold("-", 0);
        }
    }

    @Test
    void anotherTeamsBatchHasNoFilesForANonAdmin() throws Exception {
        // a console batch of team red, created and started through the API
        String boundary = "----files-test";
        byte[] csv = "id,prompt\nteam-1,a red chair\nteam-2,a blue lamp\n".getBytes(StandardCharsets.UTF_8);
        String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"job\"\r\n\r\nshop\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"start\"\r\n\r\ntrue\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"catalogue\"; filename=\"team.csv\"\r\n"
                + "Content-Type: text/csv\r\n\r\n" + new String(csv, StandardCharsets.UTF_8) + "\r\n--" + boundary
                + "--\r\n";
        HttpResponse<byte[]> created = send("alice", request("alice", "/api/batches")
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(created.statusCode()).as(new String(created.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        String id = JsonPath.read(new String(created.body(), StandardCharsets.UTF_8), "$.id");
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
            HttpResponse<byte[]> status = get("alice", "/api/batches/" + id);
            return JsonPath.<String>read(new String(status.body(), StandardCharsets.UTF_8), "$.status")
                    .equals("COMPLETED");
        });

        assertThat(get("alice", "/batches/" + id + "/images/1").statusCode()).isEqualTo(200);
        assertThat(get("viewer", "/batches/" + id + "/thumbnails/1").statusCode()).as("same team").isEqualTo(200);
        for (String path : List.of("/images/1", "/thumbnails/1", "/files/report.csv", "/archive.zip")) {
            assertThat(get("carol", "/batches/" + id + path).statusCode()).as("team blue: " + path).isEqualTo(404);
        }
        assertThat(get("carol", "/api/batches/" + id + "/archive.zip").statusCode()).isEqualTo(404);
        assertThat(send(null, HttpRequest.newBuilder(uri("/api/batches/" + id + "/archive.zip"))).statusCode())
                .as("not signed in").isEqualTo(401);
        assertThat(send(null, HttpRequest.newBuilder(uri("/batches/" + id + "/images/1"))).statusCode())
                .as("not signed in").isNotEqualTo(200);
    }

    @Test
    void aRowsRenditionsAreLinkedFromItsPageAndTheContactSheetAndOpenForItsTeamOnly() throws Exception {
        String batch = batches.get("channels");
        String row = new String(get("viewer", "/batches/" + batch + "/rows/2").body(), StandardCharsets.UTF_8);
        String sheet = new String(get("viewer", "/batches/" + batch + "/contact-sheet").body(),
                StandardCharsets.UTF_8);
        Map<String, int[]> sizes = Map.of("pad", new int[] {120, 80}, "crop", new int[] {60, 90});
        Map<String, String> types = Map.of("pad", "image/jpeg", "crop", "image/png");
        Map<String, String> files = Map.of("pad", "pad/row-2.jpg", "crop", "crop/row-2.png");
        for (String name : List.of("pad", "crop")) {
            String link = "/batches/" + batch + "/rows/2/renditions/" + name;
            assertThat(row).as("the row page links " + name).contains("href=\"" + link + "\"");
            assertThat(sheet).as("the contact sheet links " + name).contains("href=\"" + link + "\"");

            HttpResponse<byte[]> rendition = get("viewer", link);
            assertThat(rendition.statusCode()).as(name).isEqualTo(200);
            assertThat(rendition.headers().firstValue("Content-Type")).as(name).contains(types.get(name));
            assertThat(rendition.body()).as(name).isEqualTo(stored("folder", batch + "/" + files.get(name)));
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(rendition.body()));
            assertThat(new int[] {image.getWidth(), image.getHeight()}).as(name).isEqualTo(sizes.get(name));

            assertThat(get("carol", link).statusCode()).as("team blue: " + name).isEqualTo(404);
        }
        assertThat(get("viewer", "/batches/" + batch + "/rows/2/renditions/story").statusCode())
                .as("no such rendition").isEqualTo(404);
        assertThat(get("viewer", "/batches/" + batch + "/rows/2/renditions/..%2Frow-2.png").statusCode())
                .isIn(400, 404);
        assertThat(get("viewer", "/batches/" + batches.get("folder") + "/rows/2/renditions/pad").statusCode())
                .as("a batch without renditions").isEqualTo(404);
        assertThat(new String(get("viewer", "/batches/" + batches.get("folder") + "/rows/2").body(),
                StandardCharsets.UTF_8)).doesNotContain("/renditions/");
    }

    @Test
    void aBatchIsHiddenAtOnceFromATeamItsJobFileNoLongerNames() throws Exception {
        String batch = batches.get("channels");
        Path job = work.resolve("jobs").resolve("channels.yml");
        Path catalogue = work.resolve("catalogue.csv");
        assertThat(get("viewer", "/batches/" + batch + "/files/report.csv").statusCode()).as("team red")
                .isEqualTo(200);
        assertThat(get("viewer", "/batches/" + batch + "/images/1").statusCode()).isEqualTo(200);
        try {
            Files.writeString(job, channelsJob(catalogue, "blue"));

            for (String path : List.of("/files/report.csv", "/images/1", "/thumbnails/1",
                    "/rows/1/renditions/pad", "/archive.zip")) {
                assertThat(get("viewer", "/batches/" + batch + path).statusCode()).as("red, now: " + path)
                        .isEqualTo(404);
                assertThat(get("carol", "/batches/" + batch + path).statusCode()).as("blue, now: " + path)
                        .isEqualTo(200);
            }
        } finally {
            Files.writeString(job, channelsJob(catalogue, "red"));
        }
    }

    // ---- helpers ----

    /** A job file of team {@code team} with two renditions (README.md, "Renditions"), into the test's folder. */
    private static String channelsJob(Path catalogue, String team) {
        return """
                name: channels
                catalogue: %s
                output: file:%s
                team: %s
                defaults: { aspect-ratio: "16:9", resolution: 1K }
                schedule: "0 0 0 1 1 *"
                sandbox: { min-generation-time: 50ms, max-generation-time: 200ms, failure-rate: 0 }
                renditions:
                  - { name: pad, width: 120, height: 80, fit: pad, format: jpg }
                  - { name: crop, width: 60, height: 90, fit: crop, format: png }
                """.formatted(catalogue, work.resolve("out"), team);
    }


    private static Path writeJob(Path jobs, String name, Path catalogue, String output) throws IOException {
        return Files.writeString(jobs.resolve(name + ".yml"), """
                name: %s
                catalogue: %s
                output: %s
                defaults: { aspect-ratio: "16:9", resolution: 1K }
                schedule: "0 0 0 1 1 *"
                sandbox: { min-generation-time: 50ms, max-generation-time: 200ms, failure-rate: 0 }
                """.formatted(name, catalogue, output));
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + serve.port() + path);
    }

    private HttpRequest.Builder request(String user, String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri(path));
        if (user != null) {
            builder.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)));
        }
        return builder;
    }

    private HttpResponse<byte[]> get(String user, String path) throws Exception {
        return send(user, HttpRequest.newBuilder(uri(path)));
    }

    private HttpResponse<byte[]> send(String user, HttpRequest.Builder builder) throws Exception {
        if (user != null) {
            builder.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** @return the object as the store holds it, read directly (the folder, or S3 without the console) */
    private byte[] stored(String store, String key) throws IOException {
        if (store.equals("folder")) {
            return Files.readAllBytes(work.resolve("out").resolve(key));
        }
        return s3.client().getObjectAsBytes(b -> b.bucket(BUCKET).key("console/" + key)).asByteArray();
    }

    private void delete(String store, String key) throws IOException {
        if (store.equals("folder")) {
            Files.delete(work.resolve("out").resolve(key));
        } else {
            s3.client().deleteObject(b -> b.bucket(BUCKET).key("console/" + key));
        }
    }

    private void put(String store, String key, byte[] content) throws IOException {
        if (store.equals("folder")) {
            Files.write(work.resolve("out").resolve(key), content);
        } else {
            s3.client().putObject(b -> b.bucket(BUCKET).key("console/" + key), RequestBody.fromBytes(content));
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private void set(String name, String value) {
        savedProperties.putIfAbsent(name, System.getProperty(name));
        System.setProperty(name, value);
    }
}
