package io.imagebatch.sandbox;

import static org.awaitility.Awaitility.await;
import static io.imagebatch.sandbox.LiangXinClient.JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.imagebatch.catalogue.CatalogueRow;
import io.imagebatch.provider.ProviderSettings;
import io.imagebatch.provider.RequestDefaults;
import io.imagebatch.provider.TaskState;
import io.imagebatch.provider.TaskStatus;
import io.imagebatch.provider.mingyan.MingyanAdapter;
import io.imagebatch.sandbox.LiangXinClient.Answer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * The sandbox's mingyan API over real HTTP, against the documentation (mingyan-nano-banana-create-task.txt,
 * docs/providers/mingyan.md). mingyan documents no error body; the sandbox's
 * {@code {"error":{"message","type":"invalid_request_error"}}} is its own choice [inferred].
 */
class SandboxMingyanTest {

    private static final Duration FAST_MIN = Duration.ofMillis(50);
    private static final Duration FAST_MAX = Duration.ofMillis(200);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final Duration POLL = Duration.ofMillis(10);
    private static final String CREATE = "/v1/banana/images";
    private static final String RESULT = "/v1/result/";

    private static SandboxProvider shared;

    @BeforeAll
    static void startShared() {
        shared = SandboxProvider.start(fast());
    }

    @AfterAll
    static void stopShared() {
        shared.close();
    }

    private static SandboxSettings fast() {
        return SandboxSettings.defaults().withGenerationTime(FAST_MIN, FAST_MAX);
    }

    private static Answer create(URI baseUrl, String key, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(baseUrl.resolve(CREATE))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        return LiangXinClient.send(key == null ? request : request.header("Authorization", "Bearer " + key));
    }

    private static Answer create(String body) {
        return create(shared.baseUrl(), SandboxProvider.API_KEY, body);
    }

    private static Answer result(URI baseUrl, String key, String id) {
        HttpRequest.Builder request = HttpRequest.newBuilder(baseUrl.resolve(RESULT + id)).GET();
        return LiangXinClient.send(key == null ? request : request.header("Authorization", "Bearer " + key));
    }

    private static String createOk(URI baseUrl, String body) {
        Answer answer = create(baseUrl, SandboxProvider.API_KEY, body);
        assertEquals(200, answer.status(), answer::text);
        return answer.json().path("id").asString();
    }

    /** Polls the result every 10 ms until completed or failed; returns every answer seen. */
    private static List<JsonNode> pollUntilTerminal(URI baseUrl, String id) throws InterruptedException {
        List<JsonNode> seen = new ArrayList<>();
        await("task " + id + " terminal").atMost(TIMEOUT).pollDelay(Duration.ZERO).pollInterval(POLL)
                .pollInSameThread().until(() -> {
                    Answer answer = result(baseUrl, SandboxProvider.API_KEY, id);
                    assertEquals(200, answer.status(), answer::text);
                    seen.add(answer.json());
                    String status = answer.json().path("status").asString();
                    return status.equals("completed") || status.equals("failed");
                });
        return seen;
    }

    private static List<Integer> downloadedSize(String body) throws Exception {
        String id = createOk(shared.baseUrl(), body);
        List<JsonNode> seen = pollUntilTerminal(shared.baseUrl(), id);
        JsonNode last = seen.get(seen.size() - 1);
        assertEquals("completed", last.path("status").asString(), last::toString);
        Answer png = LiangXinClient.send(HttpRequest.newBuilder(URI.create(last.path("image_url").asString())));
        assertEquals(200, png.status());
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png.raw().body()));
        return List.of(image.getWidth(), image.getHeight());
    }

    private static JsonNode errorBody(String message) {
        JsonNode body = JSON.createObjectNode();
        ((tools.jackson.databind.node.ObjectNode) body).putObject("error").put("message", message)
                .put("type", "invalid_request_error");
        return body;
    }

    @Test
    void createAnswersTheDocumentedShape() {
        long before = System.currentTimeMillis() / 1000;
        Answer answer = create("{\"model\":\"nano-banana\",\"prompt\":\"A cute orange cat sitting on a windowsill\"}");
        assertEquals(200, answer.status(), answer::text);
        assertTrue(answer.raw().headers().firstValue("Content-Type").orElseThrow().startsWith("application/json"));
        JsonNode body = answer.json();
        assertTrue(body.path("id").asString().matches("nb_\\d{13}_\\d+"), body::toString);
        assertEquals("nanobanana", body.path("object").asString());
        long created = body.path("created").asLong();
        assertTrue(created >= before && created <= System.currentTimeMillis() / 1000 + 1, body::toString);
        assertEquals("nano-banana", body.path("model").asString());
        assertEquals("queued", body.path("status").asString());
        assertEquals(List.of("created", "id", "model", "object", "status"),
                body.propertyNames().stream().sorted().toList());
    }

    @Test
    void statusMovesQueuedProcessingCompletedAndTheImageIsServed() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(600), Duration.ofMillis(600)))) {
            String id = createOk(sandbox.baseUrl(), "{\"model\":\"nano-banana-2\",\"prompt\":\"a red fox in the snow\","
                    + "\"size\":\"16:9\",\"resolution\":\"2k\"}");
            List<JsonNode> seen = pollUntilTerminal(sandbox.baseUrl(), id);
            List<String> statuses = new ArrayList<>();
            for (JsonNode answer : seen) {
                String status = answer.path("status").asString();
                if (statuses.isEmpty() || !statuses.get(statuses.size() - 1).equals(status)) {
                    statuses.add(status);
                }
                assertEquals(id, answer.path("id").asString());
                assertEquals("image.generation", answer.path("object").asString());
                assertEquals("nano-banana-2", answer.path("model").asString());
                assertTrue(answer.path("error").isNull(), answer::toString);
                if (!status.equals("completed")) {
                    assertTrue(answer.path("image_url").isNull(), answer::toString);
                }
            }
            assertEquals(List.of("queued", "processing", "completed"), statuses);
            String url = seen.get(seen.size() - 1).path("image_url").asString();
            assertEquals(sandbox.baseUrl() + "/files/" + id + ".png", url);
            Answer png = LiangXinClient.send(HttpRequest.newBuilder(URI.create(url)));
            assertEquals("image/png", png.raw().headers().firstValue("Content-Type").orElseThrow());
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(png.raw().body()));
            assertEquals(List.of(2752, 1536), List.of(image.getWidth(), image.getHeight()));
        }
    }

    @Test
    void resolutionCountsOnlyForNanoBanana2AndPro() throws Exception {
        assertEquals(List.of(2048, 2048), downloadedSize("{\"model\":\"nano-banana-pro\",\"prompt\":\"square\","
                + "\"size\":\"1:1\",\"resolution\":\"2k\"}"));
        for (String ignoring : List.of("nano-banana", "nano-banana-pro-stable", "nano-banana-2-stable")) {
            assertEquals(List.of(1024, 1024), downloadedSize("{\"model\":\"" + ignoring + "\",\"prompt\":\"square\","
                    + "\"size\":\"1:1\",\"resolution\":\"4k\"}"), ignoring);
        }
    }

    @Test
    void withoutSizeOrResolutionTheImageIsSquareAt1K() throws Exception {
        assertEquals(List.of(1024, 1024), downloadedSize("{\"model\":\"nano-banana-pro\",\"prompt\":\"defaults\"}"));
        assertEquals(List.of(928, 1152), downloadedSize("{\"model\":\"nano-banana\",\"prompt\":\"portrait\","
                + "\"size\":\"4:5\"}"));
    }

    @Test
    void aFailedTaskCarriesAnErrorAndNoImage() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(fast().withFailureRate(1.0))) {
            String id = createOk(sandbox.baseUrl(), "{\"model\":\"nano-banana\",\"prompt\":\"doomed\"}");
            List<JsonNode> seen = pollUntilTerminal(sandbox.baseUrl(), id);
            JsonNode last = seen.get(seen.size() - 1);
            assertEquals("failed", last.path("status").asString());
            assertEquals("sandbox: generation failed", last.path("error").asString());
            assertTrue(last.path("image_url").isNull());
            assertEquals(404, LiangXinClient.send(HttpRequest.newBuilder(sandbox.baseUrl()
                    .resolve("/files/" + id + ".png"))).status());
        }
    }

    static Stream<Arguments> invalidCreates() {
        String seven = "\"image_urls\":[\"https://x.test/1.png\",\"https://x.test/2.png\",\"https://x.test/3.png\","
                + "\"https://x.test/4.png\",\"https://x.test/5.png\",\"https://x.test/6.png\",\"https://x.test/7.png\"]";
        return Stream.of(
                Arguments.of("missing model", "{\"prompt\":\"hello\"}", "model is required"),
                Arguments.of("unsupported model", "{\"model\":\"nano-banana-pro-flash\",\"prompt\":\"hello\"}",
                        "unsupported model: nano-banana-pro-flash (supported: nano-banana, nano-banana-pro,"
                                + " nano-banana-pro-stable, nano-banana-2-stable, nano-banana-2)"),
                Arguments.of("model not a string", "{\"model\":1,\"prompt\":\"hello\"}", "model must be a string"),
                Arguments.of("missing prompt", "{\"model\":\"nano-banana\"}", "prompt is required"),
                Arguments.of("blank prompt", "{\"model\":\"nano-banana\",\"prompt\":\"  \"}", "prompt is required"),
                Arguments.of("prompt not a string", "{\"model\":\"nano-banana\",\"prompt\":[\"a\"]}",
                        "prompt must be a string"),
                Arguments.of("resolution upper case", "{\"model\":\"nano-banana-2\",\"prompt\":\"hello\","
                        + "\"resolution\":\"2K\"}", "resolution must be one of 1k, 2k, 4k, got 2K"),
                Arguments.of("resolution 8k", "{\"model\":\"nano-banana-2\",\"prompt\":\"hello\","
                        + "\"resolution\":\"8k\"}", "resolution must be one of 1k, 2k, 4k, got 8k"),
                Arguments.of("size 7:3", "{\"model\":\"nano-banana\",\"prompt\":\"hello\",\"size\":\"7:3\"}",
                        "size must be one of 1:1, 2:3, 3:2, 3:4, 4:3, 4:5, 5:4, 9:16, 16:9, 21:9, got 7:3"),
                Arguments.of("size in pixels", "{\"model\":\"nano-banana\",\"prompt\":\"hello\","
                        + "\"size\":\"1024x1024\"}", "size must be one of"),
                Arguments.of("7 image URLs", "{\"model\":\"nano-banana\",\"prompt\":\"hello\"," + seven + "}",
                        "image_urls takes at most 6 images, got 7"),
                Arguments.of("image_urls not a list", "{\"model\":\"nano-banana\",\"prompt\":\"hello\","
                        + "\"image_urls\":\"https://x.test/1.png\"}", "image_urls must be an array of strings"),
                Arguments.of("image URL not a string", "{\"model\":\"nano-banana\",\"prompt\":\"hello\","
                        + "\"image_urls\":[1]}", "image_urls must be an array of strings"),
                Arguments.of("image URL not http", "{\"model\":\"nano-banana\",\"prompt\":\"hello\","
                        + "\"image_urls\":[\"https://x.test/1.png\",\"ftp://x.test/2.png\"]}",
                        "image_urls[1] must be an http or https URL"),
                Arguments.of("data URI", "{\"model\":\"nano-banana\",\"prompt\":\"hello\","
                        + "\"image_urls\":[\"data:image/png;base64,AAAA\"]}", "image_urls[0] must be an http"),
                Arguments.of("malformed JSON", "{\"model\":", "request body is not valid JSON"),
                Arguments.of("empty body", "", "request body must be a JSON object"),
                Arguments.of("JSON array", "[]", "request body must be a JSON object"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidCreates")
    void invalidCreateAnswers400WithTheErrorBody(String rule, String body, String message) {
        Answer answer = create(body);
        assertEquals(400, answer.status(), answer::text);
        assertEquals("invalid_request_error", answer.json().path("error").path("type").asString(), answer::text);
        assertTrue(answer.json().path("error").path("message").asString().contains(message), answer::text);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"model\":\"nano-banana\",\"prompt\":\"ok\"}",
        "{\"model\":\"nano-banana-2-stable\",\"prompt\":\"x\",\"size\":\"21:9\",\"resolution\":\"1k\"}",
        "{\"model\":\"nano-banana-pro\",\"prompt\":\"refs\",\"image_urls\":[\"https://x.test/1\","
                + "\"http://x.test/2.gif\",\"https://x.test/3.png?sig=1\",\"https://x.test/4.jpg\","
                + "\"https://x.test/5.webp\",\"https://x.test/6.jpeg\"]}",
        "{\"model\":\"nano-banana-pro-stable\",\"prompt\":\"nulls\",\"size\":null,\"resolution\":null,"
                + "\"image_urls\":null,\"callback_url\":\"https://ignored.example/cb\",\"unknown\":1}"})
    void validCreatesAreAccepted(String body) {
        createOk(shared.baseUrl(), body);
    }

    @Test
    void aLongPromptIsAcceptedAsNoLimitIsDocumented() {
        createOk(shared.baseUrl(), "{\"model\":\"nano-banana\",\"prompt\":\"" + "y".repeat(20_000) + "\"}");
    }

    @Test
    void wrongOrMissingKeyAnswers401() {
        for (String bad : new String[] {"wrong-key", null}) {
            Answer create = create(shared.baseUrl(), bad, "{\"model\":\"nano-banana\",\"prompt\":\"hello\"}");
            assertEquals(401, create.status());
            assertEquals(errorBody("invalid api key"), create.json());
            Answer status = result(shared.baseUrl(), bad, "nb_1_1");
            assertEquals(401, status.status());
            assertEquals(errorBody("invalid api key"), status.json());
        }
    }

    @Test
    void unknownIdsAndOtherPathsAnswer404() {
        Answer unknown = result(shared.baseUrl(), SandboxProvider.API_KEY, "nb_1_999999");
        assertEquals(404, unknown.status());
        assertEquals(errorBody("task not found: nb_1_999999"), unknown.json());

        // a LiangXin task is not a mingyan task, though both live in the one sandbox
        String liangxin = new LiangXinClient(shared.baseUrl())
                .createOk(LiangXinClient.flash("\"prompt\":\"another protocol\""));
        assertEquals(404, result(shared.baseUrl(), SandboxProvider.API_KEY, liangxin).status());

        assertEquals(404, result(shared.baseUrl(), SandboxProvider.API_KEY, "").status());
        assertEquals(404, result(shared.baseUrl(), SandboxProvider.API_KEY, "a/b").status());
        Answer get = LiangXinClient.send(HttpRequest.newBuilder(shared.baseUrl().resolve(CREATE))
                .header("Authorization", "Bearer " + SandboxProvider.API_KEY));
        assertEquals(405, get.status());
        assertEquals("POST", get.raw().headers().firstValue("Allow").orElseThrow());
    }

    @Test
    void faultsAnswerWithTheMingyanErrorBody() {
        try (SandboxProvider sandbox = SandboxProvider.start(fast())) {
            sandbox.failEveryRequestWith(503);
            Answer create = create(sandbox.baseUrl(), SandboxProvider.API_KEY,
                    "{\"model\":\"nano-banana\",\"prompt\":\"during the outage\"}");
            assertEquals(503, create.status());
            assertEquals(errorBody("sandbox: outage"), create.json());
            assertEquals("1", create.raw().headers().firstValue("Retry-After").orElseThrow());
            assertEquals(503, result(sandbox.baseUrl(), SandboxProvider.API_KEY, "nb_1_1").status());
            sandbox.failEveryRequestWith(0);
            createOk(sandbox.baseUrl(), "{\"model\":\"nano-banana\",\"prompt\":\"after the outage\"}");
            assertEquals(1, sandbox.stats().creates());
            assertEquals(1, sandbox.stats().rejectedCreates());
            assertEquals(1, sandbox.stats().statusQueries());
        }
    }

    @Test
    void theMingyanAdapterTalksToTheSandbox() throws Exception {
        MingyanAdapter adapter = new MingyanAdapter(ProviderSettings.of(shared.baseUrl(), SandboxProvider.API_KEY));
        CatalogueRow row = new CatalogueRow(1, "sku-1", "a lighthouse at dusk", null, null, "9:16", "2K", null,
                List.of("https://cdn.example.com/ref.png"), null);
        String id = adapter.createTask(adapter.prepare(row, MingyanAdapter.NANO_BANANA_PRO, RequestDefaults.none()),
                "https://hooks.example.com/ignored");
        TaskStatus status = await("task " + id + " terminal").atMost(TIMEOUT).pollDelay(Duration.ZERO)
                .pollInterval(POLL).pollInSameThread().until(() -> adapter.queryTask(id), s -> {
                    assertFalse(s.state() == TaskState.UNKNOWN, s::toString);
                    return s.state().isTerminal();
                });
        assertEquals(TaskState.SUCCESS, status.state(), status::toString);
        assertEquals(List.of(shared.baseUrl() + "/files/" + id + ".png"), status.resultUrls());
        Answer png = LiangXinClient.send(HttpRequest.newBuilder(URI.create(status.resultUrls().get(0))));
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png.raw().body()));
        assertEquals(List.of(1536, 2752), List.of(image.getWidth(), image.getHeight()));
    }
}
