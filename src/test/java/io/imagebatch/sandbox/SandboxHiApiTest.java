package io.imagebatch.sandbox;

import org.awaitility.core.ConditionTimeoutException;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.imagebatch.catalogue.CatalogueRow;
import io.imagebatch.provider.FailureClass;
import io.imagebatch.provider.ImageRequest;
import io.imagebatch.provider.ProviderException;
import io.imagebatch.provider.ProviderSettings;
import io.imagebatch.provider.RequestDefaults;
import io.imagebatch.provider.TaskState;
import io.imagebatch.provider.TaskStatus;
import io.imagebatch.provider.hiapi.HiApiAdapter;
import io.imagebatch.provider.hiapi.TaskSummary;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
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
import tools.jackson.databind.json.JsonMapper;

/**
 * The HiAPI adapter against the sandbox's HiAPI protocol over real HTTP (a contract test), and the protocol's
 * wire format against the documentation (hiapi-nano-banana-pro.txt, docs/providers/hiapi.md).
 */
class SandboxHiApiTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Duration FAST_MIN = Duration.ofMillis(50);
    private static final Duration FAST_MAX = Duration.ofMillis(200);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final String ERROR_INVALID = "INVALID_REQUEST";

    /** Shared by the tests that do not look at stats, faults or secrets. */
    private static SandboxProvider shared;
    private static HiApiAdapter adapter;

    @BeforeAll
    static void startShared() {
        shared = SandboxProvider.start(fast());
        adapter = adapterFor(shared, SandboxProvider.API_KEY, null);
    }

    @AfterAll
    static void stopShared() {
        shared.close();
    }

    private static SandboxSettings fast() {
        return SandboxSettings.defaults().withGenerationTime(FAST_MIN, FAST_MAX);
    }

    private static HiApiAdapter adapterFor(SandboxProvider sandbox, String key, String callbackSecret) {
        return new HiApiAdapter(new ProviderSettings(sandbox.baseUrl(), key, null, null, callbackSecret, null, null, null, null));
    }

    private static ImageRequest request(HiApiAdapter a, String prompt, String ratio, String resolution)
            throws Exception {
        return a.prepare(new CatalogueRow(1, "1", prompt, null, null, ratio, resolution, null, List.of(), null),
                HiApiAdapter.MODEL, RequestDefaults.none());
    }

    /** Polls through the adapter until terminal; returns every status seen. */
    private static List<TaskStatus> pollUntilTerminal(HiApiAdapter a, String taskId, Duration pause)
            throws InterruptedException {
        List<TaskStatus> seen = new ArrayList<>();
        try {
            await("task " + taskId + " terminal").atMost(TIMEOUT).pollDelay(Duration.ZERO).pollInterval(pause)
                    .pollInSameThread().until(() -> {
                        TaskStatus status = a.queryTask(taskId);
                        seen.add(status);
                        return status.state().isTerminal();
                    });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("task " + taskId + " not terminal within " + TIMEOUT + ": " + seen, e);
        }
        return seen;
    }

    // ---- the adapter against the sandbox ----------------------------------------------------------------------

    @Test
    void createPollToSuccessAndDownloadA16by9PngAt1K() throws Exception {
        String taskId = adapter.createTask(request(adapter, "A red fox in the snow", "16:9", "1K"), null);
        assertTrue(taskId.matches("tk-\\d{13}-\\d+"), taskId);

        List<TaskStatus> seen = pollUntilTerminal(adapter, taskId, Duration.ofMillis(10));
        TaskStatus last = seen.get(seen.size() - 1);
        assertEquals(TaskState.SUCCESS, last.state());
        assertEquals("success", last.rawState());
        assertEquals(taskId, last.taskId());
        assertEquals(List.of(shared.baseUrl() + "/files/" + taskId + ".png"), last.resultUrls());
        assertEquals(List.of(1376, 768), pngSize(last.resultUrls().get(0)));
    }

    @Test
    void resolutionAndAspectRatioShapeTheImageAutoIsSquare() throws Exception {
        assertEquals(List.of(1536, 2752), sizeOfResult(request(adapter, "a tall tower", "9:16", "2K")));
        assertEquals(List.of(1024, 1024), sizeOfResult(request(adapter, "let the model choose", null, null)));
    }

    private static List<Integer> sizeOfResult(ImageRequest request) throws Exception {
        String taskId = adapter.createTask(request, null);
        List<TaskStatus> seen = pollUntilTerminal(adapter, taskId, Duration.ofMillis(20));
        return pngSize(seen.get(seen.size() - 1).resultUrls().get(0));
    }

    private static List<Integer> pngSize(String url) throws Exception {
        HttpResponse<byte[]> png = HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, png.statusCode());
        assertEquals("image/png", png.headers().firstValue("Content-Type").orElseThrow());
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png.body()));
        assertNotNull(image, "not a decodable image");
        return List.of(image.getWidth(), image.getHeight());
    }

    @Test
    void everyStateIsSeenInTheDocumentedOrderArchivingIsNotTerminal() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(1000), Duration.ofMillis(1000)))) {
            HiApiAdapter slow = adapterFor(sandbox, SandboxProvider.API_KEY, null);
            String taskId = slow.createTask(request(slow, "slow and steady", null, null), null);
            List<TaskStatus> seen = pollUntilTerminal(slow, taskId, Duration.ofMillis(10));
            List<String> states = new ArrayList<>();
            for (TaskStatus status : seen) {
                if (states.isEmpty() || !states.get(states.size() - 1).equals(status.rawState())) {
                    states.add(status.rawState());
                }
                if (!status.rawState().equals("success")) {
                    assertFalse(status.state().isTerminal(), status::toString);
                    assertTrue(status.resultUrls().isEmpty());
                }
            }
            assertEquals(List.of("queued", "handling", "archiving", "success"), states);
            assertEquals(List.of(TaskState.QUEUED, TaskState.RUNNING, TaskState.RUNNING, TaskState.SUCCESS),
                    states.stream().map(s -> seen.stream().filter(t -> t.rawState().equals(s)).findFirst()
                            .orElseThrow().state()).toList());
        }
    }

    @Test
    void statusDataHasTheDocumentedFieldsBeforeAndAfterSuccess() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(400), Duration.ofMillis(400)))) {
            HiApiAdapter a = adapterFor(sandbox, SandboxProvider.API_KEY, null);
            long before = System.currentTimeMillis() / 1000;
            String taskId = a.createTask(request(a, "fields please", "4:5", null), null);
            Answer running = get(sandbox, "/v1/tasks/" + taskId, SandboxProvider.API_KEY);
            assertEquals(200, running.status());
            assertEquals(200, running.json().path("code").asInt());
            assertEquals("success", running.json().path("message").asString());
            JsonNode data = running.json().path("data");
            assertEquals(taskId, data.path("taskId").asString());
            assertEquals("Nano-Banana-Pro", data.path("model").asString());
            assertEquals("queued", data.path("status").asString());
            assertTrue(data.path("created").asLong() >= before && data.path("created").asLong() <= before + 1,
                    data::toString);
            assertEquals(0, data.path("completed").asLong());
            assertFalse(data.has("output"), "output only on success");
            assertFalse(data.has("error"), "error only on fail");

            pollUntilTerminal(a, taskId, Duration.ofMillis(20));
            JsonNode done = get(sandbox, "/v1/tasks/" + taskId, SandboxProvider.API_KEY).json().path("data");
            assertEquals("success", done.path("status").asString());
            assertTrue(done.path("completed").asLong() >= done.path("created").asLong());
            JsonNode output = done.path("output").get(0);
            assertEquals(sandbox.baseUrl() + "/files/" + taskId + ".png", output.path("url").asString());
            assertEquals("image", output.path("type").asString());
            assertEquals(done.path("completed").asLong() + Duration.ofDays(7).toSeconds(),
                    output.path("expireAt").asLong());
            assertFalse(done.has("error"));
        }
    }

    @Test
    void failEndsWithTheProvidersCodeAndMessage() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(fast().withFailureRate(1.0))) {
            HiApiAdapter a = adapterFor(sandbox, SandboxProvider.API_KEY, null);
            String taskId = a.createTask(request(a, "doomed", null, null), null);
            List<TaskStatus> seen = pollUntilTerminal(a, taskId, Duration.ofMillis(10));
            assertFalse(seen.stream().anyMatch(s -> s.rawState().equals("archiving")), "nothing to archive");
            TaskStatus fail = seen.get(seen.size() - 1);
            assertEquals(TaskState.FAIL, fail.state());
            assertEquals("fail", fail.rawState());
            assertEquals("GENERATION_FAILED", fail.failCode());
            assertEquals("sandbox: generation failed", fail.failMessage());
            assertTrue(fail.resultUrls().isEmpty());
            JsonNode data = get(sandbox, "/v1/tasks/" + taskId, SandboxProvider.API_KEY).json().path("data");
            assertFalse(data.has("output"));
            assertTrue(data.path("completed").asLong() > 0);
            assertEquals(404, get(sandbox, "/files/" + taskId + ".png", null).status());
        }
    }

    @Test
    void aRequestBreakingARuleAnswersTheDocumentedErrorBodyAndIsARowError() {
        // prepare() would refuse it: build it by hand, as a stale ledger entry might be
        ImageRequest tooLong = new ImageRequest("hiapi", HiApiAdapter.MODEL, "x".repeat(10001), "auto", "1K", "png",
                List.of());
        ProviderException e = assertThrows(ProviderException.class, () -> adapter.createTask(tooLong, null));
        assertEquals(FailureClass.ROW_INVALID, e.failureClass());
        assertEquals(400, e.httpStatus());
        assertEquals(ERROR_INVALID, e.providerCode());
        assertTrue(e.getMessage().contains("invalid request: input.prompt must be at most 10000 characters"),
                e::getMessage);
        assertFalse(e.mayHaveReachedProvider());
    }

    @Test
    void aWrongKeyAnswers401AndIsAnAccountError() throws Exception {
        HiApiAdapter wrong = adapterFor(shared, "wrong-key", null);
        ProviderException create = assertThrows(ProviderException.class,
                () -> wrong.createTask(request(wrong, "hello", null, null), null));
        assertEquals(FailureClass.ACCOUNT, create.failureClass());
        assertEquals(401, create.httpStatus());
        assertEquals("UNAUTHORIZED", create.providerCode());
        ProviderException query = assertThrows(ProviderException.class, () -> wrong.queryTask("tk-1-1"));
        assertEquals(FailureClass.ACCOUNT, query.failureClass());

        JsonNode body = JSON.readTree("{\"code\":401,\"message\":\"invalid api key\",\"data\":null,"
                + "\"error_code\":\"UNAUTHORIZED\"}");
        for (String key : new String[] {"wrong-key", null}) {
            Answer answer = post(shared, "/v1/tasks", key, validBody(""));
            assertEquals(401, answer.status());
            assertEquals(body, answer.json());
            assertEquals(401, get(shared, "/v1/tasks/tk-1-1", key).status());
            assertEquals(401, get(shared, "/v1/tasks", key).status());
        }
        Answer lowerScheme = send(HttpRequest.newBuilder(shared.baseUrl().resolve("/v1/tasks/tk-1-1"))
                .header("Authorization", "bearer " + SandboxProvider.API_KEY).GET());
        assertEquals(404, lowerScheme.status(), "the scheme word is matched ignoring case");
    }

    @Test
    void anUnknownTaskOrAnotherProtocolsTaskAnswers404AndStaysInFlight() throws Exception {
        JsonNode notFound = JSON.readTree("{\"code\":404,\"message\":\"task not found\",\"data\":null,"
                + "\"error_code\":\"NOT_FOUND\"}");
        assertEquals(notFound, get(shared, "/v1/tasks/tk-1-999999", SandboxProvider.API_KEY).json());
        // a LiangXin task lives in the same sandbox but is not this "account's"
        String liangxinTask = new LiangXinClient(shared.baseUrl()).createOk(LiangXinClient.flash(
                "\"prompt\":\"not yours\""));
        Answer other = get(shared, "/v1/tasks/" + liangxinTask, SandboxProvider.API_KEY);
        assertEquals(404, other.status());
        assertEquals(notFound, other.json());
        ProviderException e = assertThrows(ProviderException.class, () -> adapter.queryTask(liangxinTask));
        assertEquals(FailureClass.BUSY, e.failureClass());
        assertEquals(404, e.httpStatus());
    }

    @Test
    void outageAnswersTheDocumentedErrorBodyAndIsBusyWithRetryAfter() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(fast())) {
            HiApiAdapter a = adapterFor(sandbox, SandboxProvider.API_KEY, null);
            ImageRequest request = request(a, "during the outage", null, null);
            sandbox.failEveryRequestWith(503);
            ProviderException create = assertThrows(ProviderException.class, () -> a.createTask(request, null));
            assertEquals(FailureClass.BUSY, create.failureClass());
            assertEquals(Duration.ofSeconds(1), create.retryAfter());
            assertEquals("SERVICE_UNAVAILABLE", create.providerCode());
            assertEquals(JSON.readTree("{\"code\":503,\"message\":\"sandbox: outage\",\"data\":null,"
                    + "\"error_code\":\"SERVICE_UNAVAILABLE\"}"), post(sandbox, "/v1/tasks",
                    SandboxProvider.API_KEY, validBody("")).json());
            assertEquals(FailureClass.BUSY,
                    assertThrows(ProviderException.class, () -> a.queryTask("tk-1-1")).failureClass());

            sandbox.failEveryRequestWith(429);
            ProviderException limited = assertThrows(ProviderException.class, () -> a.createTask(request, null));
            assertEquals(FailureClass.BUSY, limited.failureClass());
            assertEquals("RATE_LIMITED", limited.providerCode());

            sandbox.failEveryRequestWith(0);
            a.createTask(request(a, "after the outage", null, null), null);
            assertEquals(1, sandbox.stats().creates());
            assertFalse(sandbox.stats().createsByPrompt().containsKey("during the outage"));
        }
    }

    // ---- callbacks --------------------------------------------------------------------------------------------

    @Test
    void anUnsignedCallbackCarriesTheStatusDataAndCallbackTaskIdReadsIt() throws Exception {
        try (Receiver receiver = new Receiver(1)) {
            String taskId = adapter.createTask(request(adapter, "call me back", "3:2", null),
                    receiver.url().toString());
            // the first delivery is answered 500, so it comes twice
            Delivery first = receiver.next();
            Delivery second = receiver.next();
            assertEquals(first.body(), second.body());
            assertEquals(taskId, adapter.callbackTaskId(second.body()).orElseThrow());
            assertTrue(adapter.verifyCallback(second.headers(), second.body()), "no secret: accepted");
            assertNull(second.headers().get("x-hiapi-signature"));
            assertNull(second.headers().get("x-hiapi-timestamp"));
            JsonNode data = JSON.readTree(second.body());
            assertEquals("success", data.path("status").asString());
            assertFalse(data.has("code"), "the callback body is the status data itself, not wrapped");
            assertEquals(get(shared, "/v1/tasks/" + taskId, SandboxProvider.API_KEY).json().path("data"), data,
                    "the callback carries what the status query answers");
        }
    }

    @Test
    void aSignedCallbackVerifiesWithTheSameSecretOnlyAndFailureIsCalledBackToo() throws Exception {
        String secret = "whsec-sandbox-test";
        try (Receiver receiver = new Receiver(0);
                SandboxProvider sandbox = SandboxProvider.start(fast().withFailureRate(1.0)
                        .withHiapiCallbackSecret(secret))) {
            HiApiAdapter right = adapterFor(sandbox, SandboxProvider.API_KEY, secret);
            String taskId = right.createTask(request(right, "signed and doomed", null, null),
                    receiver.url().toString());
            Delivery delivery = receiver.next();
            String timestamp = delivery.headers().get("x-hiapi-timestamp");
            assertNotNull(timestamp);
            assertTrue(Math.abs(Long.parseLong(timestamp) - System.currentTimeMillis() / 1000) <= 5, timestamp);
            assertEquals(HiApiAdapter.sign(secret, timestamp, delivery.body()),
                    delivery.headers().get("x-hiapi-signature"));
            assertTrue(delivery.headers().get("x-hiapi-signature").matches("[0-9a-f]{64}"));
            assertTrue(right.verifyCallback(delivery.headers(), delivery.body()));
            assertFalse(adapterFor(sandbox, SandboxProvider.API_KEY, "another-secret")
                    .verifyCallback(delivery.headers(), delivery.body()));
            assertFalse(right.verifyCallback(delivery.headers(), delivery.body().replace("fail", "success")));

            assertEquals(taskId, right.callbackTaskId(delivery.body()).orElseThrow());
            JsonNode data = JSON.readTree(delivery.body());
            assertEquals("fail", data.path("status").asString());
            assertEquals("GENERATION_FAILED", data.path("error").path("code").asString());
        }
        assertTrue(fast().withHiapiCallbackSecret("s3cr3t").toString().contains("hiapiCallbackSecret=***"));
        assertFalse(fast().withHiapiCallbackSecret("s3cr3t").toString().contains("s3cr3t"));
        assertEquals("s3cr3t", fast().withHiapiCallbackSecret("s3cr3t").withPort(0).withSeed(7)
                .hiapiCallbackSecret(), "the with-ers keep the secret");
    }

    // ---- the task list (inferred shape) -----------------------------------------------------------------------

    @Test
    void theTaskListShowsThisAccountsTasksNewestFirstWithTheirInput() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(fast())) {
            HiApiAdapter a = adapterFor(sandbox, SandboxProvider.API_KEY, null);
            ImageRequest fox = request(a, "a fox", "16:9", "2K");
            ImageRequest owl = a.prepare(new CatalogueRow(2, "2", "an owl", null, null, null, null, "jpg",
                    List.of("https://example.com/reference.png"), null), HiApiAdapter.MODEL, RequestDefaults.none());
            String foxId = a.createTask(fox, null);
            String owlId = a.createTask(owl, "http://127.0.0.1:9/callback");
            new LiangXinClient(sandbox.baseUrl()).createOk(LiangXinClient.flash("\"prompt\":\"not listed\""));

            List<TaskSummary> tasks = a.listTasks();
            assertEquals(List.of(owlId, foxId), tasks.stream().map(TaskSummary::taskId).toList());
            assertTrue(tasks.get(0).matches(owl));
            assertFalse(tasks.get(0).matches(fox));
            assertTrue(tasks.get(1).matches(fox));
            assertEquals(List.of("https://example.com/reference.png"), tasks.get(0).imageInput());
            assertEquals("jpg", tasks.get(0).outputFormat());
            assertNotNull(tasks.get(1).created());

            JsonNode listed = get(sandbox, "/v1/tasks", SandboxProvider.API_KEY).json();
            assertEquals(200, listed.path("code").asInt());
            JsonNode item = listed.path("data").path("items").get(1);
            assertEquals(JSON.readTree("{\"prompt\":\"a fox\",\"aspect_ratio\":\"16:9\",\"resolution\":\"2K\","
                    + "\"output_format\":\"png\"}"), item.path("input"));
            assertEquals("Nano-Banana-Pro", item.path("model").asString());
        }
    }

    // ---- the wire protocol ------------------------------------------------------------------------------------

    static Stream<Arguments> invalidCreates() {
        String nine = "\"image_input\":[" + String.join(",", java.util.Collections.nCopies(9,
                "\"https://x.test/a.png\"")) + "]";
        return Stream.of(
                Arguments.of("missing model", "{\"input\":{\"prompt\":\"hello\"}}", "model is required"),
                Arguments.of("another model", "{\"model\":\"nano-banana-pro\",\"input\":{\"prompt\":\"hello\"}}",
                        "unsupported model: nano-banana-pro (supported: Nano-Banana-Pro)"),
                Arguments.of("missing input", "{\"model\":\"Nano-Banana-Pro\"}", "input is required"),
                Arguments.of("input not an object", "{\"model\":\"Nano-Banana-Pro\",\"input\":\"hello\"}",
                        "input must be an object"),
                Arguments.of("missing prompt", validBody("").replace("\"prompt\":\"hello\"", "\"x\":1"),
                        "input.prompt is required"),
                Arguments.of("blank prompt", validBody("").replace("hello", "  "), "input.prompt is required"),
                Arguments.of("prompt not a string", validBody("").replace("\"hello\"", "42"),
                        "input.prompt must be a string"),
                Arguments.of("prompt of 10001 characters", validBody("").replace("hello", "x".repeat(10001)),
                        "input.prompt must be at most 10000 characters, got 10001"),
                Arguments.of("9 references", validBody("," + nine), "input.image_input takes at most 8 images, got 9"),
                Arguments.of("reference not a URL", validBody(",\"image_input\":[\"reference.png\"]"),
                        "input.image_input[0] must be an http or https URL"),
                Arguments.of("references not a list", validBody(",\"image_input\":\"https://x.test/a.png\""),
                        "input.image_input must be an array of strings"),
                Arguments.of("aspect ratio 7:3", validBody(",\"aspect_ratio\":\"7:3\""),
                        "input.aspect_ratio must be one of auto, 1:1, 16:9, 9:16, 4:3, 3:4, 3:2, 2:3, 5:4, 4:5, 21:9,"
                                + " got 7:3"),
                Arguments.of("resolution lower case", validBody(",\"resolution\":\"1k\""),
                        "input.resolution must be one of 1K, 2K, 4K, got 1k"),
                Arguments.of("output format jpeg", validBody(",\"output_format\":\"jpeg\""),
                        "input.output_format must be one of png, jpg, got jpeg"),
                Arguments.of("callback not an object", "{\"model\":\"Nano-Banana-Pro\",\"callback\":\"https://x.test\","
                        + "\"input\":{\"prompt\":\"hello\"}}", "callback must be an object"),
                Arguments.of("callback without url", "{\"model\":\"Nano-Banana-Pro\",\"callback\":{\"when\":\"final\"},"
                        + "\"input\":{\"prompt\":\"hello\"}}", "callback.url is required"),
                Arguments.of("callback url not http", "{\"model\":\"Nano-Banana-Pro\",\"callback\":{\"url\":\"ftp://x\"},"
                        + "\"input\":{\"prompt\":\"hello\"}}", "callback.url must be an http or https URL"),
                Arguments.of("callback when not final", "{\"model\":\"Nano-Banana-Pro\",\"callback\":{\"url\":"
                        + "\"https://x.test/cb\",\"when\":\"always\"},\"input\":{\"prompt\":\"hello\"}}",
                        "callback.when must be final, got always"),
                Arguments.of("malformed JSON", "{\"model\":", "request body is not valid JSON"),
                Arguments.of("empty body", "", "request body must be a JSON object"),
                Arguments.of("JSON array", "[]", "request body must be a JSON object"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidCreates")
    void anInvalidCreateAnswers400WithTheDocumentedErrorBody(String rule, String body, String reason) {
        Answer answer = post(shared, "/v1/tasks", SandboxProvider.API_KEY, body);
        assertEquals(400, answer.status(), answer::text);
        JsonNode json = answer.json();
        assertEquals(400, json.path("code").asInt(), answer::text);
        assertEquals("invalid request: " + reason, json.path("message").asString(), answer::text);
        assertTrue(json.has("data") && json.path("data").isNull(), answer::text);
        assertEquals(ERROR_INVALID, json.path("error_code").asString(), answer::text);
        assertEquals(List.of("code", "message", "data", "error_code"), fieldNames(json));
        assertTrue(answer.contentType().startsWith("application/json"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        ",\"image_input\":[]",
        ",\"image_input\":null,\"aspect_ratio\":null,\"resolution\":null,\"output_format\":null,\"unknown\":1",
        ",\"aspect_ratio\":\"auto\",\"resolution\":\"4K\",\"output_format\":\"jpg\"",
        ",\"image_input\":[\"https://x.test/1\",\"http://x.test/2.PNG?sig=1\",\"https://x.test/3.webp\","
                + "\"https://x.test/4\",\"https://x.test/5\",\"https://x.test/6\",\"https://x.test/7\","
                + "\"https://x.test/8\"]"})
    void aValidCreateAnswersTheDocumentedSuccess(String extraInput) {
        Answer answer = post(shared, "/v1/tasks", SandboxProvider.API_KEY, validBody(extraInput));
        assertEquals(200, answer.status(), answer::text);
        assertEquals(200, answer.json().path("code").asInt());
        assertEquals("success", answer.json().path("message").asString());
        assertTrue(answer.json().path("data").path("taskId").asString().startsWith("tk-"), answer::text);
    }

    @Test
    void aPromptOf10000CharactersIsAcceptedEvenWhenLongerInUtf16() {
        assertEquals(200, post(shared, "/v1/tasks", SandboxProvider.API_KEY,
                validBody("").replace("hello", "\\uD83C\\uDF4C".repeat(10000))).status());
        assertEquals(200, post(shared, "/v1/tasks", SandboxProvider.API_KEY,
                validBody("").replace("hello", "y".repeat(10000))).status());
    }

    @Test
    void wrongMethodsAndPathsAnswerInTheDocumentedErrorShape() {
        Answer postToTask = post(shared, "/v1/tasks/tk-1-1", SandboxProvider.API_KEY, "{}");
        assertEquals(405, postToTask.status());
        assertEquals("GET", postToTask.header("Allow"));
        assertEquals("METHOD_NOT_ALLOWED", postToTask.json().path("error_code").asString());
        Answer delete = send(HttpRequest.newBuilder(shared.baseUrl().resolve("/v1/tasks"))
                .header("Authorization", "Bearer " + SandboxProvider.API_KEY).DELETE());
        assertEquals(405, delete.status());
        assertEquals(List.of("GET", "POST"), List.of(delete.header("Allow").split(", ")).stream().sorted().toList());
        assertEquals(404, get(shared, "/v1/tasks/", SandboxProvider.API_KEY).status());
        assertEquals(404, get(shared, "/v1/tasks/tk-1-1/extra", SandboxProvider.API_KEY).status());
        assertEquals(404, get(shared, "/v1/tasksX", SandboxProvider.API_KEY).status());
    }

    @Test
    void statsCountCreatesByPromptAndStatusQueries() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(fast())) {
            HiApiAdapter a = adapterFor(sandbox, SandboxProvider.API_KEY, null);
            String fox = a.createTask(request(a, "a fox", null, null), null);
            a.createTask(request(a, "a fox", null, null), null);
            post(sandbox, "/v1/tasks", SandboxProvider.API_KEY, "{}");                 // 400
            int queries = pollUntilTerminal(a, fox, Duration.ofMillis(20)).size();
            a.listTasks();                                                              // not a status query
            SandboxStats stats = sandbox.stats();
            assertEquals(2, stats.creates());
            assertEquals(Map.of("a fox", 2), stats.createsByPrompt());
            assertEquals(1, stats.rejectedCreates());
            assertEquals(queries, stats.statusQueries());
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /** A valid create body whose input is {@code {"prompt":"hello"<extraInput>}}. */
    private static String validBody(String extraInput) {
        return "{\"model\":\"Nano-Banana-Pro\",\"input\":{\"prompt\":\"hello\"" + extraInput + "}}";
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.propertyNames().forEach(names::add);
        return names;
    }

    /** An HTTP answer: status, headers and body. */
    record Answer(int status, HttpResponse<byte[]> raw) {

        String text() {
            return new String(raw.body(), StandardCharsets.UTF_8);
        }

        JsonNode json() {
            return JSON.readTree(raw.body());
        }

        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        String contentType() {
            return header("Content-Type");
        }
    }

    private static Answer post(SandboxProvider sandbox, String path, String key, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(sandbox.baseUrl().resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return send(request);
    }

    private static Answer get(SandboxProvider sandbox, String path, String key) {
        HttpRequest.Builder request = HttpRequest.newBuilder(sandbox.baseUrl().resolve(path)).GET();
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return send(request);
    }

    private static Answer send(HttpRequest.Builder request) {
        try {
            HttpResponse<byte[]> response = HTTP.send(request.timeout(TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            return new Answer(response.statusCode(), response);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * One callback as received.
     *
     * @param headers request headers, names in lower case, first value of each
     * @param body    the raw body, UTF-8
     */
    record Delivery(Map<String, String> headers, String body) {
    }

    /** A little webhook endpoint: keeps every delivery's headers and raw body; answers 500 to the first few. */
    static final class Receiver implements AutoCloseable {

        private final HttpServer server;
        private final ExecutorService pool = Executors.newFixedThreadPool(2);
        private final BlockingQueue<Delivery> deliveries = new LinkedBlockingQueue<>();

        Receiver(int failFirst) throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 16);
            int[] failuresLeft = {failFirst};
            server.createContext("/hiapi/callback", exchange -> {
                try (exchange) {
                    Map<String, String> headers = new HashMap<>();
                    exchange.getRequestHeaders().forEach((name, values) ->
                            headers.put(name.toLowerCase(Locale.ROOT), values.get(0)));
                    deliveries.add(new Delivery(headers,
                            new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
                    int status;
                    synchronized (failuresLeft) {
                        status = failuresLeft[0]-- > 0 ? 500 : 200;
                    }
                    exchange.sendResponseHeaders(status, -1);
                }
            });
            server.setExecutor(pool);
            server.start();
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hiapi/callback");
        }

        Delivery next() throws InterruptedException {
            Delivery delivery = deliveries.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(delivery, "no callback within " + TIMEOUT);
            return delivery;
        }

        @Override
        public void close() {
            server.stop(0);
            pool.shutdownNow();
        }
    }
}
