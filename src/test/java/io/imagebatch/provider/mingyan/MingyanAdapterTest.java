package io.imagebatch.provider.mingyan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagebatch.catalogue.CatalogueRow;
import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.provider.FailureClass;
import io.imagebatch.provider.ImageRequest;
import io.imagebatch.provider.ProviderException;
import io.imagebatch.provider.ProviderSettings;
import io.imagebatch.provider.RequestDefaults;
import io.imagebatch.provider.RowRejectedException;
import io.imagebatch.provider.TaskState;
import io.imagebatch.provider.TaskStatus;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.SampleCatalogue;
import io.imagebatch.testsupport.ScriptedHttpServer;
import java.awt.image.BufferedImage;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The mingyan adapter against the documented request and answer shapes (mingyan-nano-banana-create-task.txt,
 * docs/providers/mingyan.md), served over real HTTP by a scripted server, and its input rules. Error bodies are not
 * documented for mingyan: the common shapes the adapter reads are scripted here.
 */
class MingyanAdapterTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String KEY = "secret-key-123";

    private final ScriptedHttpServer server = ScriptedHttpServer.start();
    private MingyanAdapter adapter;

    @BeforeEach
    void startServer() {
        // a base URL with a path, like the documented https://zcbservice.aizfw.cn/kyyReactApiServer
        adapter = new MingyanAdapter(ProviderSettings.of(
                URI.create(server.baseUrl() + "/kyyReactApiServer"), KEY));
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    private void answer(int status, String body) {
        server.answer(status, body);
    }

    private static CatalogueRow row(String prompt, String aspectRatio, String resolution, String format,
            List<String> references) {
        return new CatalogueRow(7, "sku-7", prompt, null, null, aspectRatio, resolution, format, references, null);
    }

    private ImageRequest prepare(CatalogueRow row, String model) throws RowRejectedException {
        return adapter.prepare(row, model, RequestDefaults.none());
    }

    private ImageRequest request() throws RowRejectedException {
        return prepare(row("A cute orange cat sitting on a windowsill looking at the scenery outside", "16:9", "2K",
                null, List.of("https://cdn.example.com/ref.png")), MingyanAdapter.NANO_BANANA_2);
    }

    private JsonNode sentBody() {
        return JSON.readTree(server.last().body());
    }

    @Test
    void theDefaultModelIsNanoBananaAndAllFiveDocumentedModelsAreKnown() {
        assertThat(adapter.name()).isEqualTo("mingyan");
        assertThat(adapter.defaultModel()).isEqualTo("nano-banana");
        assertThat(adapter.models()).containsExactly("nano-banana", "nano-banana-pro", "nano-banana-pro-stable",
                "nano-banana-2-stable", "nano-banana-2");
    }

    @Test
    void createPostsTheDocumentedFieldsWithTheBearerKeyAndReadsTheId() throws Exception {
        answer(200, """
                {"id": "img_8f2c1d", "object": "nanobanana", "created": 1765166238, "model": "nano-banana-2",
                 "status": "queued"}""");

        String id = adapter.createTask(request(), null);

        assertThat(id).isEqualTo("img_8f2c1d");
        assertThat(server.last().method()).isEqualTo("POST");
        assertThat(server.last().rawPath()).isEqualTo("/kyyReactApiServer/v1/banana/images");
        assertThat(server.last().header("Authorization")).isEqualTo("Bearer " + KEY);
        assertThat(server.last().header("Content-Type")).isEqualTo("application/json");
        assertThat(sentBody()).isEqualTo(JSON.readTree("""
                {"model": "nano-banana-2",
                 "prompt": "A cute orange cat sitting on a windowsill looking at the scenery outside",
                 "size": "16:9", "resolution": "2k", "image_urls": ["https://cdn.example.com/ref.png"]}"""));
    }

    @Test
    void createAcceptsTheOtherObjectNameSeenInTheDocs() throws Exception {
        answer(200, "{\"id\":\"abc\",\"object\":\"image\",\"created\":1765166238,\"model\":\"nano-banana-2\","
                + "\"status\":\"processing\"}");
        assertThat(adapter.createTask(request(), null)).isEqualTo("abc");
    }

    @Test
    void createNeverSendsACallbackUrlAsMingyanDocumentsNone() throws Exception {
        answer(200, "{\"id\":\"abc\",\"object\":\"nanobanana\",\"created\":1,\"model\":\"nano-banana\","
                + "\"status\":\"queued\"}");
        adapter.createTask(prepare(row("a red bicycle", null, null, null, List.of()), "nano-banana"),
                "https://hooks.example.com/cb");
        assertThat(server.last().body()).doesNotContain("hooks.example.com");
        // nothing the row leaves blank is sent: no size, no resolution, no image_urls
        assertThat(sentBody()).isEqualTo(JSON.readTree("{\"model\":\"nano-banana\",\"prompt\":\"a red bicycle\"}"));
    }

    @Test
    void createWithoutAnIdMayHaveMadeATaskSoTheRowIsNotResent() throws Exception {
        ImageRequest request = request();
        answer(200, "{\"object\":\"nanobanana\",\"status\":\"queued\"}");
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY);
                    assertThat(e.mayHaveReachedProvider()).isTrue();
                    assertThat(e.getMessage()).contains("without an id");
                });

        answer(200, "{\"error\":{\"message\":\"upstream hiccup\"}}");
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY);
                    assertThat(e.mayHaveReachedProvider()).isTrue();
                    assertThat(e.getMessage()).contains("upstream hiccup");
                });
    }

    @Test
    void errorBodiesOfEveryCommonShapeAreReadAndClassifiedByHttpStatus() throws Exception {
        ImageRequest request = request();
        answer(400, "{\"error\":{\"message\":\"size is invalid\",\"type\":\"invalid_request_error\"}}");
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.ROW_INVALID);
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("size is invalid").contains("invalid_request_error");
                    assertThat(e.mayHaveReachedProvider()).isFalse();
                });

        answer(401, "{\"error\":\"invalid api key " + KEY + "\"}");
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.ACCOUNT);
                    assertThat(e.getMessage()).contains("invalid api key").doesNotContain(KEY);
                });

        answer(403, "{\"message\":\"insufficient quota\"}");
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.ACCOUNT);
                    assertThat(e.getMessage()).contains("insufficient quota");
                });

        answer(429, "{\"msg\":\"too many requests\"}");
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY);
                    assertThat(e.retryAfter()).hasSeconds(7);
                    assertThat(e.getMessage()).contains("too many requests");
                });

        answer(502, "<html>bad gateway</html>");
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY);
                    assertThat(e.httpStatus()).isEqualTo(502);
                });
    }

    @Test
    void anErrorCodeInsideAnHttp200BodyIsTakenAsTheStatus() throws Exception {
        ImageRequest request = request();
        answer(200, "{\"code\":422,\"msg\":\"prompt rejected by upstream\",\"data\":null}");
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.ROW_INVALID);
                    assertThat(e.httpStatus()).isEqualTo(422);
                    assertThat(e.mayHaveReachedProvider()).isFalse();
                    assertThat(e.getMessage()).contains("prompt rejected by upstream");
                });
    }

    @Test
    void anAnswerWrappedInDataIsRead() throws Exception {
        answer(200, "{\"code\":200,\"msg\":\"success\",\"data\":{\"id\":\"wrapped-1\",\"object\":\"nanobanana\","
                + "\"status\":\"queued\"}}");
        assertThat(adapter.createTask(request(), null)).isEqualTo("wrapped-1");

        answer(200, "{\"code\":200,\"data\":{\"id\":\"wrapped-1\",\"status\":\"completed\","
                + "\"image_url\":\"https://cdn.example.com/w.png\"}}");
        assertThat(adapter.queryTask("wrapped-1").resultUrls()).containsExactly("https://cdn.example.com/w.png");
    }

    @Test
    void resultReadsEveryDocumentedStatus() {
        answer(200, result("queued", null, null));
        TaskStatus queued = adapter.queryTask("img_8f2c1d");
        assertThat(queued.state()).isEqualTo(TaskState.QUEUED);
        assertThat(queued.rawState()).isEqualTo("queued");
        assertThat(server.last().method()).isEqualTo("GET");
        assertThat(server.last().rawPath()).isEqualTo("/kyyReactApiServer/v1/result/img_8f2c1d");
        assertThat(server.last().header("Authorization")).isEqualTo("Bearer " + KEY);

        answer(200, result("processing", null, null));
        assertThat(adapter.queryTask("img_8f2c1d").state()).isEqualTo(TaskState.RUNNING);

        answer(200, result("completed", "\"https://cdn.example.com/out/8f2c1d.png\"", null));
        TaskStatus completed = adapter.queryTask("img_8f2c1d");
        assertThat(completed.state()).isEqualTo(TaskState.SUCCESS);
        assertThat(completed.taskId()).isEqualTo("img_8f2c1d");
        assertThat(completed.resultUrls()).containsExactly("https://cdn.example.com/out/8f2c1d.png");

        answer(200, result("failed", null, "\"content policy violation\""));
        TaskStatus failed = adapter.queryTask("img_8f2c1d");
        assertThat(failed.state()).isEqualTo(TaskState.FAIL);
        assertThat(failed.failMessage()).isEqualTo("content policy violation");
        assertThat(failed.resultUrls()).isEmpty();

        answer(200, result("failed", null, "{\"message\":\"upstream timeout\",\"code\":\"timeout\"}"));
        TaskStatus failedObject = adapter.queryTask("img_8f2c1d");
        assertThat(failedObject.failMessage()).isEqualTo("upstream timeout");
        assertThat(failedObject.failCode()).isEqualTo("timeout");

        answer(200, result("Completed", "\"https://cdn.example.com/x.png\"", null));
        assertThat(adapter.queryTask("img_8f2c1d").state()).as("case is ignored").isEqualTo(TaskState.SUCCESS);

        answer(200, result("moderating", null, null));
        TaskStatus unknown = adapter.queryTask("img_8f2c1d");
        assertThat(unknown.state()).isEqualTo(TaskState.UNKNOWN);
        assertThat(unknown.rawState()).isEqualTo("moderating");
    }

    @Test
    void aCompletedTaskWithoutAnImageUrlIsAFailedGeneration() {
        answer(200, result("completed", null, null));
        TaskStatus status = adapter.queryTask("img_1");
        assertThat(status.state()).isEqualTo(TaskState.FAIL);
        assertThat(status.failCode()).isEqualTo("no-result");
    }

    @Test
    void theTaskIdIsSentAsOneEncodedPathSegment() {
        answer(200, result("queued", null, null));
        adapter.queryTask("a/b c");
        assertThat(server.last().rawPath()).isEqualTo("/kyyReactApiServer/v1/result/a%2Fb%20c");
    }

    @Test
    void aStatusQueryForATaskNotFoundOrWithoutAStatusIsKeptInFlight() {
        answer(404, "{\"error\":{\"message\":\"task not found\",\"type\":\"invalid_request_error\"}}");
        assertThatThrownBy(() -> adapter.queryTask("img_x"))
                .isInstanceOfSatisfying(ProviderException.class,
                        e -> assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY));

        answer(200, "{\"id\":\"img_x\",\"object\":\"image.generation\"}");
        assertThatThrownBy(() -> adapter.queryTask("img_x"))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY);
                    assertThat(e.getMessage()).contains("without a status");
                });

        answer(401, "{\"error\":{\"message\":\"invalid api key\"}}");
        assertThatThrownBy(() -> adapter.queryTask("img_x"))
                .isInstanceOfSatisfying(ProviderException.class,
                        e -> assertThat(e.failureClass()).isEqualTo(FailureClass.ACCOUNT));
    }

    @Test
    void aCreateWhoseConnectionIsRefusedWasCertainlyNotSent() throws Exception {
        server.close();
        ImageRequest request = request();
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY);
                    assertThat(e.mayHaveReachedProvider()).isFalse();
                });
    }

    @Test
    void aCallbackShapedLikeTheStatusAnswerNamesItsTask() {
        assertThat(adapter.callbackTaskId(result("completed", "\"https://cdn.example.com/a.png\"", null)))
                .contains("img_8f2c1d");
        assertThat(adapter.callbackTaskId("{\"data\":{\"id\":\"img_2\",\"status\":\"failed\"}}")).contains("img_2");
        assertThat(adapter.callbackTaskId("{\"status\":\"completed\"}")).isEmpty();
        assertThat(adapter.callbackTaskId("not json")).isEmpty();
        assertThat(adapter.callbackTaskId("")).isEmpty();
    }

    @Test
    void resolutionIsSentInLowerCaseOnlyToTheModelsThatHonourIt() throws Exception {
        for (String model : List.of("nano-banana-2", "nano-banana-pro")) {
            assertThat(prepare(row("a red bicycle", null, "4K", null, List.of()), model).resolution())
                    .isEqualTo("4k");
            assertThat(prepare(row("a red bicycle", null, "1K", null, List.of()), model).resolution())
                    .isEqualTo("1k");
            assertThat(prepare(row("a red bicycle", null, null, null, List.of()), model).resolution())
                    .as("no default is documented: left to the provider").isNull();
        }
        for (String model : List.of("nano-banana", "nano-banana-pro-stable", "nano-banana-2-stable")) {
            assertThat(prepare(row("a red bicycle", null, "1K", null, List.of()), model).resolution())
                    .as("1K is what %s makes anyway: not sent", model).isNull();
            for (String asked : List.of("2K", "4k")) {
                assertThatThrownBy(() -> prepare(row("a red bicycle", null, asked, null, List.of()), model))
                        .isInstanceOf(RowRejectedException.class)
                        .hasMessageContaining("row 7, column resolution: \"" + asked + "\" is not available")
                        .hasMessageContaining("mingyan " + model + " ignores resolution")
                        .hasMessageContaining("nano-banana-2 and nano-banana-pro");
            }
        }
    }

    @Test
    void aBatchDefaultResolutionFollowsTheSameRule() throws Exception {
        CatalogueRow blank = row("a red bicycle", null, null, null, List.of());
        assertThatThrownBy(() -> adapter.prepare(blank, "nano-banana", new RequestDefaults(null, "2K", null)))
                .hasMessageContaining("column resolution: \"2K\" is not available");
        assertThat(adapter.prepare(blank, "nano-banana-pro", new RequestDefaults("4:5", "2K", null)))
                .satisfies(r -> {
                    assertThat(r.resolution()).isEqualTo("2k");
                    assertThat(r.aspectRatio()).isEqualTo("4:5");
                });
        ImageRequest rowWins = adapter.prepare(row("a red bicycle", "21:9", "1K", null, List.of()),
                "nano-banana-pro", new RequestDefaults("4:5", "2K", null));
        assertThat(rowWins.aspectRatio()).isEqualTo("21:9");
        assertThat(rowWins.resolution()).isEqualTo("1k");
    }

    @Test
    void everyDocumentedAspectRatioIsSentAsSizeAndNoneIsSentWhenBlank() throws Exception {
        for (String ratio : List.of("1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3", "5:4", "4:5", "21:9")) {
            assertThat(prepare(row("a red bicycle", ratio, null, null, List.of()), "nano-banana").aspectRatio())
                    .isEqualTo(ratio);
        }
        assertThat(prepare(row("a red bicycle", null, null, null, List.of()), "nano-banana").aspectRatio()).isNull();
    }

    @Test
    void rowsThatBreakTheDocumentedRulesAreRejectedNamingRowColumnAndRule() {
        assertRejected(row(null, null, null, null, List.of()), "row 7, column prompt: empty",
                "documents no maximum length");
        assertRejected(row("   ", null, null, null, List.of()), "row 7, column prompt: empty");
        assertRejected(row("a red bicycle", "7:3", null, null, List.of()), "column aspect_ratio: \"7:3\"",
                "1:1, 16:9, 9:16, 4:3, 3:4, 3:2, 2:3, 5:4, 4:5, 21:9");
        assertRejected(row("a red bicycle", null, "8K", null, List.of()), "column resolution: \"8K\"",
                "1k, 2k, 4k");
        assertRejected(row("a red bicycle", null, "high", null, List.of()), "column resolution: \"high\"");
        assertRejected(row("a red bicycle", null, null, "jpg", List.of()), "column output_format: \"jpg\"",
                "no output format");
        assertRejected(row("a red bicycle", null, null, null, List.of("https://a.example/1.png",
                "https://a.example/2.png", "https://a.example/3.png", "https://a.example/4.png",
                "https://a.example/5.png", "https://a.example/6.png", "https://a.example/7.png")),
                "column reference_images: 7 images", "at most 6");
        assertRejected(row("a red bicycle", null, null, null, List.of("data:image/png;base64,AAAA")),
                "column reference_images: a data URI", "http or https");
        assertRejected(row("a red bicycle", null, null, null, List.of("ftp://a.example/1.png")),
                "column reference_images", "not an http(s) URL");
        assertThatThrownBy(() -> prepare(row("a red bicycle", null, null, null, List.of()), "nano-banana-pro-flash"))
                .hasMessageContaining("row 7, column model: \"nano-banana-pro-flash\" is not a mingyan model")
                .hasMessageContaining("nano-banana, nano-banana-pro, nano-banana-pro-stable");
    }

    @Test
    void whatTheDocumentationAllowsIsAccepted() throws Exception {
        ImageRequest request = prepare(row("x".repeat(20_000), "9:16", "2k", "PNG", List.of(
                "https://a.example/1.png", "https://a.example/2", "https://a.example/3.gif?sig=1",
                "http://a.example/4.jpg", "https://a.example/5.webp", "https://a.example/6.jpeg")), "Nano-Banana-PRO");
        assertThat(request.provider()).isEqualTo("mingyan");
        assertThat(request.model()).as("sent in the documented spelling").isEqualTo("nano-banana-pro");
        assertThat(request.prompt()).hasSize(20_000);
        assertThat(request.aspectRatio()).isEqualTo("9:16");
        assertThat(request.resolution()).isEqualTo("2k");
        assertThat(request.outputFormat()).as("no output format field exists").isNull();
        assertThat(request.referenceImages()).hasSize(6);
    }

    /**
     * The sample catalogue through the whole job with {@code --provider mingyan} and its default model,
     * nano-banana, against the sandbox: the three rows asking for 2K are rejected (nano-banana ignores
     * resolution), the row with four reference images is sent (mingyan takes six), and every image is 1K.
     */
    @Test
    void theSampleCatalogueRunsThroughTheJobWithNanoBanana(@TempDir Path work) throws Exception {
        Map<Long, String> rejected = Map.of(
                7L, "row 7, column resolution: \"2K\" is not available: mingyan nano-banana ignores resolution",
                16L, "row 16, column resolution: \"2K\" is not available",
                34L, "row 34, column resolution: \"2K\" is not available",
                41L, "row 41, column aspect_ratio: \"7:3\" is not accepted",
                42L, "row 42, column resolution: \"8K\" is not accepted",
                43L, "row 43, column colour",
                45L, "row 45, column id: \"NB-1002\" repeats the id of row 2");
        Map<String, List<Integer>> sizes1k = Map.of("1:1", List.of(1024, 1024), "4:5", List.of(928, 1152),
                "3:2", List.of(1264, 848), "16:9", List.of(1376, 768), "9:16", List.of(768, 1376),
                "21:9", List.of(1584, 672));
        Path output = work.resolve("out");
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(100), Duration.ofMillis(400)))) {
            List<String> args = new java.util.ArrayList<>(SampleCatalogue.options());
            args.addAll(List.of("--provider", "mingyan", "--output", "file:" + output,
                    "--imagebatch.providers.mingyan.base-url=" + sandbox.baseUrl(),
                    "--imagebatch.providers.mingyan.api-key=" + SandboxProvider.API_KEY,
                    "--imagebatch.download.allow-private-networks=true"));
            CliRun run = CliRun.run(work, args.toArray(String[]::new));

            assertThat(run.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            assertThat(run.output()).contains("45 rows: 38 SUCCEEDED, 7 REJECTED, 0 FAILED, 0 UNCERTAIN");
            assertThat(sandbox.stats().creates()).isEqualTo(38);

            List<CSVRecord> report;
            try (Reader reader = Files.newBufferedReader(output.resolve(run.batchId()).resolve("report.csv"))) {
                report = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(reader)
                        .getRecords();
            }
            List<CSVRecord> catalogue;
            try (Reader reader = Files.newBufferedReader(SampleCatalogue.FILE)) {
                catalogue = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(reader)
                        .getRecords();
            }
            assertThat(report).hasSize(45);
            for (CSVRecord line : report) {
                long rowNumber = Long.parseLong(line.get("row_number"));
                if (rejected.containsKey(rowNumber)) {
                    assertThat(line.get("status")).as("row %d", rowNumber).isEqualTo("REJECTED");
                    assertThat(line.get("error")).contains(rejected.get(rowNumber));
                    continue;
                }
                assertThat(line.get("status")).as("row %d", rowNumber).isEqualTo("SUCCEEDED");
                assertThat(line.get("provider")).isEqualTo("mingyan");
                assertThat(line.get("model")).isEqualTo("nano-banana");
                BufferedImage image = ImageIO.read(output.resolve(run.batchId()).resolve(line.get("row_id") + ".png")
                        .toFile());
                String ratio = catalogue.get((int) rowNumber - 1).get("aspect_ratio");
                assertThat(List.of(image.getWidth(), image.getHeight())).as("row %d, %s", rowNumber, ratio)
                        .isEqualTo(sizes1k.get(ratio));
            }
            assertThat(report).filteredOn(l -> l.get("row_number").equals("44"))
                    .extracting(l -> l.get("status")).as("four reference images").containsExactly("SUCCEEDED");
        }
    }

    /** {@code --sandbox} points mingyan at the sandbox too: no key needed, nothing leaves the machine. */
    @Test
    void aSandboxRunServesMingyan(@TempDir Path work) throws Exception {
        Path catalogue = work.resolve("two.csv");
        Files.writeString(catalogue, "id,prompt,aspect_ratio\nA1,a red chair,16:9\nA2,a blue lamp,\n");
        CliRun run = CliRun.run(work, "--catalogue", catalogue.toString(), "--provider", "mingyan",
                "--model", "nano-banana-2", "--output", "file:" + work.resolve("out"), "--sandbox");
        assertThat(run.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
        assertThat(run.output()).contains("2 rows: 2 SUCCEEDED");
        BufferedImage wide = ImageIO.read(work.resolve("out").resolve(run.batchId()).resolve("A1.png").toFile());
        assertThat(List.of(wide.getWidth(), wide.getHeight())).isEqualTo(List.of(1376, 768));
    }

    private void assertRejected(CatalogueRow row, String... fragments) {
        assertThatThrownBy(() -> prepare(row, "nano-banana"))
                .isInstanceOf(RowRejectedException.class)
                .message().contains(fragments);
    }

    /** A status answer in the documented shape; {@code imageUrl} and {@code error} are JSON or null. */
    private static String result(String status, String imageUrl, String error) {
        return "{\"id\":\"img_8f2c1d\",\"object\":\"image.generation\",\"created\":1765166238,"
                + "\"model\":\"nano-banana-2\",\"status\":\"" + status + "\",\"image_url\":" + imageUrl
                + ",\"error\":" + error + "}";
    }
}
