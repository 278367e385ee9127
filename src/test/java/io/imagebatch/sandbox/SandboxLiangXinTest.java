package io.imagebatch.sandbox;

import org.awaitility.core.ConditionTimeoutException;
import static org.awaitility.Awaitility.await;
import static io.imagebatch.sandbox.LiangXinClient.JSON;
import static io.imagebatch.sandbox.LiangXinClient.flash;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagebatch.sandbox.LiangXinClient.Answer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * The sandbox's LiangXin API over real HTTP, against the documentation (docs/providers/liangxin.md,
 * liangxin-nano-banana-pro-flash-reference.txt).
 */
class SandboxLiangXinTest {

    private static final Duration FAST_MIN = Duration.ofMillis(50);
    private static final Duration FAST_MAX = Duration.ofMillis(200);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** Shared by the tests that do not look at stats or faults. */
    private static SandboxProvider shared;
    private static LiangXinClient client;

    @BeforeAll
    static void startShared() {
        shared = SandboxProvider.start(fast());
        client = new LiangXinClient(shared.baseUrl());
    }

    @AfterAll
    static void stopShared() {
        shared.close();
    }

    private static SandboxSettings fast() {
        return SandboxSettings.defaults().withGenerationTime(FAST_MIN, FAST_MAX);
    }

    @Test
    void baseUrlIsLoopbackWithoutTrailingSlash() {
        URI url = shared.baseUrl();
        assertEquals("http", url.getScheme());
        assertEquals("127.0.0.1", url.getHost());
        assertTrue(url.getPort() > 0);
        assertFalse(url.toString().endsWith("/"));
    }

    @Test
    void createThenPollToSuccessAndDownload16by9At1K() throws Exception {
        String body = flash("\"prompt\":\"A red fox in the snow\",\"aspect_ratio\":\"16:9\",\"resolution\":\"1K\"");
        String taskId = client.createOk(body);
        assertTrue(taskId.matches("task_nano-banana-pro-flash_\\d{13}_\\d+"), taskId);

        List<JsonNode> seen = client.pollUntilTerminal(taskId, TIMEOUT);
        JsonNode data = seen.get(seen.size() - 1);
        assertEquals("success", data.path("state").asString());
        assertEquals(taskId, data.path("taskId").asString());
        assertEquals("nano-banana-pro-flash", data.path("model").asString());
        assertEquals("", data.path("failCode").asString());
        assertEquals("", data.path("failMsg").asString());
        // param is the create body as a JSON string
        assertTrue(data.path("param").isString());
        assertEquals(JSON.readTree(body), JSON.readTree(data.path("param").asString()));
        // resultJson is a JSON string holding resultUrls
        assertTrue(data.path("resultJson").isString());
        JsonNode result = JSON.readTree(data.path("resultJson").asString());
        String url = result.path("resultUrls").get(0).asString();
        assertEquals(shared.baseUrl() + "/files/" + taskId + ".png", url);
        long created = data.path("createTime").asLong();
        assertEquals(created + data.path("costTime").asLong(), data.path("completeTime").asLong());
        assertTrue(data.path("costTime").asLong() >= FAST_MIN.toMillis()
                && data.path("costTime").asLong() <= FAST_MAX.toMillis(), data::toString);
        assertEquals(data.path("completeTime").asLong(), data.path("updateTime").asLong());

        Answer png = client.get(url);
        assertEquals(200, png.status());
        assertEquals("image/png", png.raw().headers().firstValue("Content-Type").orElseThrow());
        assertEquals(png.raw().body().length,
                Long.parseLong(png.raw().headers().firstValue("Content-Length").orElseThrow()));
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png.raw().body()));
        assertEquals(1376, image.getWidth());
        assertEquals(768, image.getHeight());
        // the same bytes on every download
        assertArrayEquals(png.raw().body(), client.get(url).raw().body());
    }

    @Test
    void squareAt2KIs2048Square() throws Exception {
        String taskId = client.createOk(flash("\"prompt\":\"a blue square\",\"aspect_ratio\":\"1:1\","
                + "\"resolution\":\"2K\""));
        assertEquals(List.of(2048, 2048), downloadedSize(taskId));
    }

    @Test
    void defaultsAre1to1At1KForFlashAnd2KForPro() throws Exception {
        String flashTask = client.createOk(flash("\"prompt\":\"defaults please\""));
        String proTask = client.createOk("{\"model\":\"nano-banana-pro\",\"input\":{\"prompt\":\"defaults please\"}}");
        assertEquals(List.of(1024, 1024), downloadedSize(flashTask));
        assertEquals(List.of(2048, 2048), downloadedSize(proTask));
    }

    @Test
    void lowMediumHighAre1K2K4K() throws Exception {
        String portrait = client.createOk(flash("\"prompt\":\"portrait\",\"aspect_ratio\":\"9:16\","
                + "\"resolution\":\"medium\""));
        assertEquals(List.of(1536, 2752), downloadedSize(portrait));
    }

    private static List<Integer> downloadedSize(String taskId) throws Exception {
        List<JsonNode> seen = client.pollUntilTerminal(taskId, TIMEOUT);
        String url = JSON.readTree(seen.get(seen.size() - 1).path("resultJson").asString())
                .path("resultUrls").get(0).asString();
        Answer png = client.get(url);
        assertEquals(200, png.status());
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png.raw().body()));
        return List.of(image.getWidth(), image.getHeight());
    }

    @Test
    void statePassesThroughNonTerminalStatesInOrder() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(600), Duration.ofMillis(600)))) {
            LiangXinClient slow = new LiangXinClient(sandbox.baseUrl());
            String taskId = slow.createOk(flash("\"prompt\":\"slow and steady\""));
            List<JsonNode> seen = slow.pollUntilTerminal(taskId, TIMEOUT);
            List<String> order = List.of("waiting", "queuing", "generating", "success");
            List<String> states = new ArrayList<>();
            long lastUpdate = 0;
            for (JsonNode data : seen) {
                String state = data.path("state").asString();
                if (states.isEmpty() || !states.get(states.size() - 1).equals(state)) {
                    states.add(state);
                }
                assertTrue(data.path("updateTime").asLong() >= lastUpdate, "updateTime went back");
                lastUpdate = data.path("updateTime").asLong();
                if (!state.equals("success")) {
                    assertEquals("", data.path("resultJson").asString());
                    assertTrue(data.path("completeTime").isNull());
                    assertTrue(data.path("costTime").isNull());
                }
            }
            // each state at most once, in the documented order, ending in success, with generating seen
            List<Integer> positions = states.stream().map(order::indexOf).toList();
            assertEquals(positions.stream().sorted().distinct().toList(), positions, states::toString);
            assertFalse(positions.contains(-1), states::toString);
            assertTrue(states.contains("generating"), states::toString);
            assertEquals("success", states.get(states.size() - 1));
            assertTrue(states.size() >= 2, states::toString);
        }
    }

    @Test
    void fileIsNotFoundBeforeSuccessOrForUnknownTask() {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofSeconds(30), Duration.ofSeconds(30)))) {
            LiangXinClient slow = new LiangXinClient(sandbox.baseUrl());
            String taskId = slow.createOk(flash("\"prompt\":\"not yet\""));
            assertEquals(404, slow.get("/files/" + taskId + ".png").status());
            assertEquals(404, slow.get("/files/task_nope_1_1.png").status());
            assertEquals(0, sandbox.stats().downloads());
        }
    }

    static Stream<Arguments> invalidCreates() {
        String threeRefs = "\"image_input\":[\"https://x.test/a.png\",\"https://x.test/b.jpg\"],"
                + "\"reference_images\":[\"https://x.test/c.webp\",\"https://x.test/d.jpeg\"]";
        return Stream.of(
                Arguments.of("missing model", "{\"input\":{\"prompt\":\"hello\"}}", "model is required"),
                Arguments.of("unsupported model", "{\"model\":\"dall-e-3\",\"input\":{\"prompt\":\"hello\"}}",
                        "unsupported model: dall-e-3"),
                Arguments.of("missing prompt", flash(""), "input.prompt is required"),
                Arguments.of("missing input", "{\"model\":\"nano-banana-pro-flash\"}", "input.prompt is required"),
                Arguments.of("null prompt", flash("\"prompt\":null"), "input.prompt is required"),
                Arguments.of("prompt not a string", flash("\"prompt\":42"), "input.prompt must be a string"),
                Arguments.of("prompt of 1 character", flash("\"prompt\":\"a\""),
                        "input.prompt must be 2 to 3000 characters, got 1"),
                Arguments.of("prompt of 1 code point in 2 chars", flash("\"prompt\":\"\\uD83D\\uDE00\""),
                        "input.prompt must be 2 to 3000 characters, got 1"),
                Arguments.of("prompt of 3001 characters", flash("\"prompt\":\"" + "x".repeat(3001) + "\""),
                        "input.prompt must be 2 to 3000 characters, got 3001"),
                Arguments.of("4 references across both lists", flash("\"prompt\":\"hello\"," + threeRefs),
                        "together take at most 3 images, got 4"),
                Arguments.of("reference .gif", flash("\"prompt\":\"hello\",\"image_input\":[\"https://x.test/a.gif\"]"),
                        "input.image_input[0] must be a URL ending .png, .jpg, .jpeg or .webp"),
                Arguments.of("extension only in the query", flash("\"prompt\":\"hello\","
                        + "\"reference_images\":[\"https://x.test/a?f=b.png\"]"), "input.reference_images[0]"),
                Arguments.of("data URI of gif", flash("\"prompt\":\"hello\","
                        + "\"image_input\":[\"data:image/gif;base64,R0lGOD\"]"), "input.image_input[0]"),
                Arguments.of("references not a list", flash("\"prompt\":\"hello\",\"image_input\":\"a.png\""),
                        "input.image_input must be an array of strings"),
                Arguments.of("aspect ratio 7:3", flash("\"prompt\":\"hello\",\"aspect_ratio\":\"7:3\""),
                        "input.aspect_ratio must be one of 1:1, 2:3, 3:2, 3:4, 4:3, 4:5, 5:4, 9:16, 16:9, 21:9, got 7:3"),
                Arguments.of("resolution 8K", flash("\"prompt\":\"hello\",\"resolution\":\"8K\""),
                        "input.resolution must be one of 1K, 2K, 4K, low, medium, high, got 8K"),
                Arguments.of("resolution lower case", flash("\"prompt\":\"hello\",\"resolution\":\"1k\""),
                        "input.resolution must be one of"),
                Arguments.of("output format jpg", flash("\"prompt\":\"hello\",\"output_format\":\"jpg\""),
                        "input.output_format must be png, got jpg"),
                Arguments.of("search tool on Pro", "{\"model\":\"nano-banana-pro\",\"input\":{\"prompt\":\"hello\","
                        + "\"use_google_search_tool\":false}}",
                        "input.use_google_search_tool is supported only by nano-banana-pro-flash"),
                Arguments.of("search tool not boolean", flash("\"prompt\":\"hello\",\"use_google_search_tool\":\"yes\""),
                        "input.use_google_search_tool must be a boolean"),
                Arguments.of("callBackUrl not http", "{\"model\":\"nano-banana-pro-flash\",\"callBackUrl\":\"ftp://x\","
                        + "\"input\":{\"prompt\":\"hello\"}}", "callBackUrl must be an http or https URL"),
                Arguments.of("input not an object", "{\"model\":\"nano-banana-pro-flash\",\"input\":\"hello\"}",
                        "input must be an object"),
                Arguments.of("malformed JSON", "{\"model\":", "request body is not valid JSON"),
                Arguments.of("empty body", "", "request body must be a JSON object"),
                Arguments.of("JSON array", "[]", "request body must be a JSON object"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidCreates")
    void invalidCreateAnswers400WithDocumentedBody(String rule, String body, String message) {
        Answer answer = client.create(body);
        assertEquals(400, answer.status(), answer::text);
        assertEquals(400, answer.json().path("code").asInt(), answer::text);
        assertTrue(answer.json().path("msg").asString().contains(message), answer::text);
        assertTrue(answer.json().has("data") && answer.json().path("data").isNull(), answer::text);
        assertTrue(answer.raw().headers().firstValue("Content-Type").orElseThrow().startsWith("application/json"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "\"prompt\":\"ok\"",
        "\"prompt\":\"a prompt of exactly the maximum\",\"aspect_ratio\":\"21:9\",\"resolution\":\"low\"",
        "\"prompt\":\"refs\",\"image_input\":[\"https://x.test/a.PNG?sig=1&x=2\"],"
                + "\"reference_images\":[\"data:image/webp;base64,UklGR\",\"https://x.test/b.jpeg#frag\"]",
        "\"prompt\":\"search\",\"use_google_search_tool\":true,\"output_format\":\"png\"",
        "\"prompt\":\"nulls\",\"aspect_ratio\":null,\"resolution\":null,\"image_input\":null,\"unknown\":1"})
    void validCreatesAreAccepted(String input) {
        client.createOk(flash(input));
    }

    @Test
    void promptOf3000CodePointsIsAcceptedEvenWhenLongerInUtf16() {
        client.createOk(flash("\"prompt\":\"" + "\\uD83D\\uDE00".repeat(3000) + "\""));
        client.createOk(flash("\"prompt\":\"" + "y".repeat(3000) + "\""));
    }

    @Test
    void wrongOrMissingKeyAnswers401WithDocumentedBody() {
        JsonNode documented = JSON.readTree("{\"error\":{\"message\":\"invalid token\",\"type\":\"new_api_error\","
                + "\"code\":\"\"}}");
        for (LiangXinClient bad : List.of(new LiangXinClient(shared.baseUrl(), "wrong-key"),
                new LiangXinClient(shared.baseUrl(), null))) {
            Answer create = bad.create(flash("\"prompt\":\"hello\""));
            assertEquals(401, create.status());
            assertEquals(documented, create.json());
            Answer status = bad.recordInfo("task_x_1_1");
            assertEquals(401, status.status());
            assertEquals(documented, status.json());
        }
    }

    @Test
    void unknownOrMissingTaskId() {
        Answer unknown = client.recordInfo("task_nano-banana-pro-flash_1_999999");
        assertEquals(404, unknown.status());
        assertEquals(JSON.readTree("{\"code\":404,\"msg\":\"task not found\",\"data\":null}"), unknown.json());
        Answer missing = LiangXinClient.send(HttpRequest.newBuilder(shared.baseUrl().resolve("/api/v1/jobs/recordInfo"))
                .header("Authorization", "Bearer " + SandboxProvider.API_KEY));
        assertEquals(400, missing.status());
        assertEquals("taskId is required", missing.json().path("msg").asString());
    }

    @Test
    void wrongMethodAndUnknownPath() {
        Answer get = LiangXinClient.send(HttpRequest.newBuilder(shared.baseUrl().resolve("/api/v1/jobs/createTask"))
                .header("Authorization", "Bearer " + SandboxProvider.API_KEY));
        assertEquals(405, get.status());
        assertEquals("POST", get.raw().headers().firstValue("Allow").orElseThrow());
        assertEquals(404, client.get("/api/v1/jobs/createTaskX").status());
        assertEquals(404, client.get("/nothing/here").status());
    }

    @Test
    void failureRateOneEndsInFailWithCodeAndMessage() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(fast().withFailureRate(1.0))) {
            LiangXinClient failing = new LiangXinClient(sandbox.baseUrl());
            String taskId = failing.createOk(flash("\"prompt\":\"doomed\""));
            List<JsonNode> seen = failing.pollUntilTerminal(taskId, TIMEOUT);
            JsonNode data = seen.get(seen.size() - 1);
            assertEquals("fail", data.path("state").asString());
            assertEquals("500", data.path("failCode").asString());
            assertEquals("sandbox: generation failed", data.path("failMsg").asString());
            assertEquals("", data.path("resultJson").asString());
            assertTrue(data.path("completeTime").asLong() > 0);
            assertEquals(404, failing.get("/files/" + taskId + ".png").status());
        }
    }

    @Test
    void outageSwitchAnswersEveryApiRequestButNotFiles() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(fast())) {
            LiangXinClient c = new LiangXinClient(sandbox.baseUrl());
            String taskId = c.createOk(flash("\"prompt\":\"before the outage\""));
            c.pollUntilTerminal(taskId, TIMEOUT);

            sandbox.failEveryRequestWith(503);
            Answer create = c.create(flash("\"prompt\":\"during the outage\""));
            assertEquals(503, create.status());
            assertEquals(JSON.readTree("{\"code\":503,\"msg\":\"sandbox: outage\",\"data\":null}"), create.json());
            assertEquals("1", create.raw().headers().firstValue("Retry-After").orElseThrow());
            assertEquals(503, c.recordInfo(taskId).status());
            // even a wrong key gets the outage answer: the outage comes first
            assertEquals(503, new LiangXinClient(sandbox.baseUrl(), "wrong").create(flash("\"prompt\":\"x\"")).status());
            assertEquals(200, c.get("/files/" + taskId + ".png").status());
            assertEquals(200, c.get("/sandbox/stats").status());

            sandbox.failEveryRequestWith(0);
            c.createOk(flash("\"prompt\":\"after the outage\""));
            SandboxStats stats = sandbox.stats();
            assertEquals(2, stats.creates());
            assertEquals(2, stats.rejectedCreates());
            assertFalse(stats.createsByPrompt().containsKey("during the outage"));
        }
        assertThrows(IllegalArgumentException.class, () -> shared.failEveryRequestWith(42));
    }

    @Test
    void serverErrorRateOneAnswers500AndCreatesNothing() {
        try (SandboxProvider sandbox = SandboxProvider.start(fast().withServerErrorRate(1.0))) {
            LiangXinClient c = new LiangXinClient(sandbox.baseUrl());
            for (int i = 0; i < 3; i++) {
                Answer create = c.create(flash("\"prompt\":\"unlucky\""));
                assertEquals(500, create.status());
                assertEquals(JSON.readTree("{\"code\":500,\"msg\":\"sandbox: internal error\",\"data\":null}"),
                        create.json());
            }
            assertEquals(0, sandbox.stats().creates());
            assertEquals(3, sandbox.stats().rejectedCreates());
        }
    }

    @Test
    void serverErrorRateIsAFraction() {
        try (SandboxProvider sandbox = SandboxProvider.start(fast().withServerErrorRate(0.5))) {
            LiangXinClient c = new LiangXinClient(sandbox.baseUrl());
            int errors = 0;
            for (int i = 0; i < 40; i++) {
                errors += c.recordInfo("task_x_1_1").status() == 500 ? 1 : 0;
            }
            assertTrue(errors > 5 && errors < 35, "errors: " + errors);
        }
    }

    @Test
    void rateLimitAnswers429WithRetryAfterThenRecovers() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(fast().withRateLimitPerSecond(5))) {
            LiangXinClient c = new LiangXinClient(sandbox.baseUrl());
            List<Answer> answers = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                answers.add(c.recordInfo("task_x_1_1"));
            }
            Answer limited = answers.stream().filter(a -> a.status() == 429).findFirst().orElseThrow(
                    () -> new AssertionError("no 429 among " + answers.stream().map(Answer::status).toList()));
            assertEquals("1", limited.raw().headers().firstValue("Retry-After").orElseThrow());
            assertEquals(JSON.readTree("{\"code\":429,\"msg\":\"rate limited\",\"data\":null}"), limited.json());
            assertTrue(answers.stream().filter(a -> a.status() == 404).count() >= 5, "the bucket holds 5");
            // files are not rate limited
            assertEquals(404, c.get("/files/task_x_1_1.png").status());

            // 5 per second: a token every 200 ms; recovered once a create goes through again
            await("a create after the bucket refilled").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100)).pollInSameThread()
                    .until(() -> c.create(flash("\"prompt\":\"after a pause\"")).status(), status -> {
                        assertTrue(status == 200 || status == 429, "status " + status);
                        return status == 200;
                    });
        }
    }

    @Test
    void callbackIsDeliveredWithTheRecordInfoPayloadAndRetried() throws Exception {
        try (CallbackReceiver receiver = CallbackReceiver.start(1);
                SandboxProvider sandbox = SandboxProvider.start(fast())) {
            LiangXinClient c = new LiangXinClient(sandbox.baseUrl());
            String taskId = c.createOk("{\"model\":\"nano-banana-pro-flash\",\"callBackUrl\":\"" + receiver.url()
                    + "\",\"input\":{\"prompt\":\"call me back\"}}");
            // the first attempt is answered 500, so the payload arrives twice
            JsonNode first = receiver.next(Duration.ofSeconds(5));
            JsonNode second = receiver.next(Duration.ofSeconds(5));
            assertEquals(first, second);
            assertEquals(200, second.path("code").asInt());
            assertEquals("success", second.path("msg").asString());
            JsonNode data = second.path("data");
            assertEquals(taskId, data.path("taskId").asString());
            assertEquals("success", data.path("state").asString());
            JsonNode polled = c.recordInfo(taskId).json();
            assertEquals(polled, second, "the callback carries what recordInfo answers");
        }
    }

    @Test
    void callbackAlsoReportsFailure() throws Exception {
        try (CallbackReceiver receiver = CallbackReceiver.start(0);
                SandboxProvider sandbox = SandboxProvider.start(fast().withFailureRate(1.0))) {
            String taskId = new LiangXinClient(sandbox.baseUrl()).createOk("{\"model\":\"nano-banana-pro-flash\","
                    + "\"callBackUrl\":\"" + receiver.url() + "\",\"input\":{\"prompt\":\"call me back\"}}");
            JsonNode data = receiver.next(Duration.ofSeconds(5)).path("data");
            assertEquals(taskId, data.path("taskId").asString());
            assertEquals("fail", data.path("state").asString());
            assertEquals("500", data.path("failCode").asString());
        }
    }

    @Test
    void statsCountCreatesByPromptQueriesDownloadsAndRejections() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(fast())) {
            LiangXinClient c = new LiangXinClient(sandbox.baseUrl());
            String fox = c.createOk(flash("\"prompt\":\"a fox\""));
            c.createOk(flash("\"prompt\":\"a fox\""));
            c.createOk(flash("\"prompt\":\"an owl\""));
            c.create(flash("\"prompt\":\"x\""));                                    // 400
            new LiangXinClient(sandbox.baseUrl(), "wrong").create(flash("\"prompt\":\"an owl\"")); // 401
            int queries = c.pollUntilTerminal(fox, TIMEOUT).size();
            c.recordInfo("task_unknown");
            String url = JSON.readTree(c.recordInfo(fox).json().path("data").path("resultJson").asString())
                    .path("resultUrls").get(0).asString();
            c.get(url);
            c.get(url);

            SandboxStats stats = sandbox.stats();
            assertEquals(new SandboxStats(3, Map.of("a fox", 2, "an owl", 1), queries + 2, 2, 2), stats);

            Answer json = c.get("/sandbox/stats");
            assertEquals(200, json.status());
            assertEquals(stats, JSON.readValue(json.raw().body(), SandboxStats.class));
        }
    }

    @Test
    void concurrentCreatesAllSucceedWithDistinctIds() throws Exception {
        List<Thread> threads = new ArrayList<>();
        List<String> ids = java.util.Collections.synchronizedList(new ArrayList<>());
        try (SandboxProvider sandbox = SandboxProvider.start(fast())) {
            LiangXinClient c = new LiangXinClient(sandbox.baseUrl());
            for (int i = 0; i < 20; i++) {
                int n = i;
                Thread thread = new Thread(() -> ids.add(c.createOk(flash("\"prompt\":\"p" + n + "\""))));
                thread.start();
                threads.add(thread);
            }
            for (Thread thread : threads) {
                thread.join();
            }
            assertEquals(20, ids.stream().distinct().count());
            assertEquals(20, sandbox.stats().creates());
        }
    }

    @Test
    void closeStopsListeningAndItsThreads() throws Exception {
        SandboxProvider sandbox = SandboxProvider.start(fast());
        LiangXinClient c = new LiangXinClient(sandbox.baseUrl());
        c.createOk("{\"model\":\"nano-banana-pro-flash\",\"callBackUrl\":\"http://127.0.0.1:9/x\","
                + "\"input\":{\"prompt\":\"orphan\"}}");
        String prefix = "sandbox-" + sandbox.baseUrl().getPort() + "-";
        sandbox.close();
        sandbox.close(); // idempotent
        UncheckedIOException refused = assertThrows(UncheckedIOException.class, () -> c.recordInfo("task_x"));
        assertTrue(refused.getCause() instanceof ConnectException, refused::toString);
        try {
            await("the sandbox's threads ended").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> liveThreads(prefix) == 0);
        } catch (ConditionTimeoutException e) {
            assertEquals(0, liveThreads(prefix), "threads left");
        }
    }

    private static long liveThreads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(prefix)).count();
    }

    @Test
    void startOnABusyPortFails() {
        SandboxSettings samePort = fast().withPort(shared.baseUrl().getPort());
        assertThrows(UncheckedIOException.class, () -> SandboxProvider.start(samePort));
        assertNotNull(shared.stats());
    }
}
