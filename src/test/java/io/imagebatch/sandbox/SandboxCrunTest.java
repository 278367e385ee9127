package io.imagebatch.sandbox;

import org.awaitility.core.ConditionTimeoutException;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.imagebatch.catalogue.CatalogueRow;
import io.imagebatch.provider.FailureClass;
import io.imagebatch.provider.ImageRequest;
import io.imagebatch.provider.ProviderException;
import io.imagebatch.provider.ProviderSettings;
import io.imagebatch.provider.RequestDefaults;
import io.imagebatch.provider.RowRejectedException;
import io.imagebatch.provider.TaskState;
import io.imagebatch.provider.TaskStatus;
import io.imagebatch.provider.crun.CrunAdapter;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
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
 * Contract test: the crun.ai adapter against the sandbox's crun.ai protocol over real HTTP
 * (google-nano-banana-x-api-key-provider.txt, docs/providers/crun.md), plus the sandbox's own answers to requests the
 * adapter would never send.
 */
class SandboxCrunTest {

    private static final Duration FAST_MIN = Duration.ofMillis(50);
    private static final Duration FAST_MAX = Duration.ofMillis(200);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static SandboxProvider shared;
    private static CrunAdapter adapter;

    @BeforeAll
    static void startShared() {
        shared = SandboxProvider.start(fast());
        adapter = adapterFor(shared, SandboxProvider.API_KEY);
    }

    @AfterAll
    static void stopShared() {
        shared.close();
    }

    private static SandboxSettings fast() {
        return SandboxSettings.defaults().withGenerationTime(FAST_MIN, FAST_MAX);
    }

    private static CrunAdapter adapterFor(SandboxProvider sandbox, String key) {
        return new CrunAdapter(ProviderSettings.of(sandbox.baseUrl(), key));
    }

    private static CatalogueRow row(String prompt, String aspectRatio, String resolution) {
        return new CatalogueRow(1, "r1", prompt, null, null, aspectRatio, resolution, null, List.of(), null);
    }

    private static ImageRequest prepare(CrunAdapter crun, String prompt, String aspectRatio, String resolution,
            String model) throws RowRejectedException {
        return crun.prepare(row(prompt, aspectRatio, resolution), model, RequestDefaults.none());
    }

    /** Queries every 10 ms until terminal; returns every status seen. */
    private static List<TaskStatus> pollUntilTerminal(CrunAdapter crun, String taskId) throws InterruptedException {
        List<TaskStatus> seen = new ArrayList<>();
        try {
            await("task " + taskId + " terminal").atMost(TIMEOUT).pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(10)).pollInSameThread().until(() -> {
                        TaskStatus status = crun.queryTask(taskId);
                        seen.add(status);
                        return status.state().isTerminal();
                    });
        } catch (ConditionTimeoutException e) {
            return fail("task " + taskId + " not terminal after " + TIMEOUT + "; seen " + seen);
        }
        return seen;
    }

    // ---------------------------------------------------------------- the happy path

    @Test
    void createPollThroughEveryStateToSuccessAndDownloadAPngOfTheRightProportions() throws Exception {
        // 300 ms: pending for the first 75 ms, so the first query sees it even on a busy machine
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(300), Duration.ofMillis(300)))) {
            CrunAdapter crun = adapterFor(sandbox, SandboxProvider.API_KEY);
            // warm up (class loading, connection): a cold first query may come after the pending phase
            crun.queryTask(crun.createTask(prepare(crun, "warm-up", null, null, CrunAdapter.NANO_BANANA), null));
            String taskId = crun.createTask(prepare(crun, "A red fox in the snow", "16:9", "2K",
                    CrunAdapter.NANO_BANANA), null);
            List<TaskStatus> seen = pollUntilTerminal(crun, taskId); // before any slow first use of AssertJ
            assertThat(taskId).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
            List<String> words = new ArrayList<>();
            List<TaskState> states = new ArrayList<>();
            for (TaskStatus status : seen) {
                assertThat(status.taskId()).isEqualTo(taskId);
                if (words.isEmpty() || !words.get(words.size() - 1).equals(status.rawState())) {
                    words.add(status.rawState());
                    states.add(status.state());
                }
            }
            assertThat(words).containsExactly("pending", "running", "success");
            assertThat(states).containsExactly(TaskState.QUEUED, TaskState.RUNNING, TaskState.SUCCESS);

            TaskStatus success = seen.get(seen.size() - 1);
            assertThat(success.resultUrls()).containsExactly(sandbox.baseUrl() + "/files/" + taskId + ".png");
            assertThat(downloadedSize(success.resultUrls().get(0))).containsExactly(2752, 1536);
        }
    }

    @Test
    void taskInfoHasTheDocumentedFields() throws Exception {
        String taskId = adapter.createTask(prepare(adapter, "documented fields", "3:4", null,
                CrunAdapter.NANO_BANANA), null);
        JsonNode running = raw("GET", "/api/v1/client/job/TaskInfo?task_id=" + taskId, null).json();
        assertThat(running.path("code").asInt()).isEqualTo(200);
        assertThat(running.path("message").asString()).isEqualTo("success");
        JsonNode data = running.path("data");
        List<String> fields = new ArrayList<>();
        data.propertyNames().forEach(fields::add);
        assertThat(fields).containsExactly("task_id", "provider", "model_version", "status", "param", "create_at",
                "result", "duration_s", "complete_at", "source");
        assertThat(data.path("task_id").asString()).isEqualTo(taskId);
        assertThat(data.path("provider").asString()).isEqualTo("Google");
        assertThat(data.path("model_version").asString()).isEqualTo("nano-banana");
        assertThat(data.path("param")).isEqualTo(JSON.readTree("""
                {"model":"google/nano-banana","callback_url":null,
                 "input":{"prompt":"documented fields","aspect_ratio":"3:4","output_format":"png"}}"""));
        long now = System.currentTimeMillis() / 1000;
        assertThat(data.path("create_at").asLong()).isBetween(now - 5, now + 1);
        assertThat(data.path("source").asString()).isEqualTo("api");

        pollUntilTerminal(adapter, taskId);
        JsonNode done = raw("GET", "/api/v1/client/job/TaskInfo?task_id=" + taskId, null).json().path("data");
        assertThat(done.path("status").asString()).isEqualTo("success");
        assertThat(done.path("result").path("media_urls").get(0).asString())
                .isEqualTo(shared.baseUrl() + "/files/" + taskId + ".png");
        assertThat(done.path("duration_s").asDouble()).isBetween(0.05, 0.2);
        assertThat(done.path("complete_at").asLong()).isGreaterThanOrEqualTo(done.path("create_at").asLong());
    }

    @Test
    void v2IsAlways1KAndTheDefaultRatioIsSquare() throws Exception {
        String wide = adapter.createTask(prepare(adapter, "a v2 landscape", "16:9", null,
                CrunAdapter.NANO_BANANA_V2), null);
        String square = adapter.createTask(prepare(adapter, "a default square", null, null,
                CrunAdapter.NANO_BANANA), null);
        List<TaskStatus> wideSeen = pollUntilTerminal(adapter, wide);
        assertThat(downloadedSize(wideSeen.get(wideSeen.size() - 1).resultUrls().get(0))).containsExactly(1376, 768);
        List<TaskStatus> squareSeen = pollUntilTerminal(adapter, square);
        assertThat(downloadedSize(squareSeen.get(squareSeen.size() - 1).resultUrls().get(0)))
                .containsExactly(1024, 1024);

        // the sandbox ignores v2's unsupported fields, as the page says the provider may
        Raw ignored = raw("POST", "/api/v1/client/job/CreateTask", "{\"model\":\"google/nano-banana-v2\","
                + "\"input\":{\"prompt\":\"ignored fields\",\"resolution\":\"4K\",\"output_format\":\"webp\"}}");
        assertThat(ignored.status()).isEqualTo(200);
        String taskId = ignored.json().path("data").path("task_id").asString();
        List<TaskStatus> seen = pollUntilTerminal(adapter, taskId);
        assertThat(downloadedSize(seen.get(seen.size() - 1).resultUrls().get(0))).containsExactly(1024, 1024);
    }

    // ---------------------------------------------------------------- failures

    @Test
    void aFailedGenerationCarriesTheCodeAndMessage() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(fast().withFailureRate(1.0))) {
            CrunAdapter crun = adapterFor(sandbox, SandboxProvider.API_KEY);
            String taskId = crun.createTask(prepare(crun, "doomed", null, null, CrunAdapter.NANO_BANANA), null);
            List<TaskStatus> seen = pollUntilTerminal(crun, taskId);
            assertThat(seen.get(seen.size() - 1)).isEqualTo(new TaskStatus(taskId, TaskState.FAIL, "failed",
                    List.of(), "501", "sandbox: generation failed"));
            assertThat(raw(sandbox, SandboxProvider.API_KEY, "GET", "/files/" + taskId + ".png", null).status())
                    .isEqualTo(404);
        }
    }

    @Test
    void wrongKeyAnswersTheDocumented401AndIsAnAccountFailure() throws Exception {
        JsonNode documented = JSON.readTree("{\"code\":401,\"message\":\"Unauthorized\",\"data\":null}");
        for (String key : List.of("wrong-key", "")) {
            CrunAdapter wrong = adapterFor(shared, key);
            ImageRequest request = prepare(wrong, "hello", null, null, CrunAdapter.NANO_BANANA);
            assertThatThrownBy(() -> wrong.createTask(request, null)).isInstanceOfSatisfying(ProviderException.class,
                    e -> {
                        assertThat(e.failureClass()).isEqualTo(FailureClass.ACCOUNT);
                        assertThat(e.httpStatus()).isEqualTo(401);
                        assertThat(e.getMessage()).contains("Unauthorized");
                        assertThat(e.mayHaveReachedProvider()).isFalse();
                    });
            assertThatThrownBy(() -> wrong.queryTask("t-1")).isInstanceOfSatisfying(ProviderException.class,
                    e -> assertThat(e.failureClass()).isEqualTo(FailureClass.ACCOUNT));
            assertThatThrownBy(wrong::balance).isInstanceOfSatisfying(ProviderException.class,
                    e -> assertThat(e.failureClass()).isEqualTo(FailureClass.ACCOUNT));
        }
        for (String path : List.of("/api/v1/client/job/TaskInfo?task_id=x", "/api/v1/client/account/balance")) {
            Raw answer = raw(shared, "wrong-key", "GET", path, null);
            assertThat(answer.status()).isEqualTo(401);
            assertThat(answer.json()).isEqualTo(documented);
            assertThat(raw(shared, null, "GET", path, null).json()).isEqualTo(documented);
        }
        // a Bearer key is not the documented header
        Raw bearer = send(HttpRequest.newBuilder(shared.baseUrl().resolve("/api/v1/client/account/balance"))
                .header("Authorization", "Bearer " + SandboxProvider.API_KEY));
        assertThat(bearer.status()).isEqualTo(401);
    }

    @Test
    void theBalanceIsReadAndSpentAndAnEmptyAccountAnswers402() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(fast())) {
            CrunAdapter crun = adapterFor(sandbox, SandboxProvider.API_KEY);
            assertThat(crun.balance()).isEqualTo(OptionalDouble.of(1_000_000));
            ImageRequest request = prepare(crun, "a paid image", null, null, CrunAdapter.NANO_BANANA);
            crun.createTask(request, null);
            assertThat(crun.balance()).isEqualTo(OptionalDouble.of(999_999));

            sandbox.setCrunBalance(2);
            crun.createTask(request, null);
            crun.createTask(request, null);
            assertThat(crun.balance()).isEqualTo(OptionalDouble.of(0));
            assertThatThrownBy(() -> crun.createTask(request, null)).isInstanceOfSatisfying(ProviderException.class,
                    e -> {
                        assertThat(e.failureClass()).isEqualTo(FailureClass.ACCOUNT);
                        assertThat(e.httpStatus()).isEqualTo(402);
                        assertThat(e.getMessage()).contains("insufficient credits");
                    });
            Raw refused = raw(sandbox, SandboxProvider.API_KEY, "POST", "/api/v1/client/job/CreateTask",
                    "{\"model\":\"google/nano-banana\",\"input\":{\"prompt\":\"no credit\"}}");
            assertThat(refused.status()).isEqualTo(402);
            assertThat(refused.json()).isEqualTo(JSON.readTree(
                    "{\"code\":402,\"message\":\"insufficient credits\",\"data\":null}"));
            assertThat(raw(sandbox, SandboxProvider.API_KEY, "GET", "/api/v1/client/account/balance", null).json())
                    .isEqualTo(JSON.readTree("{\"code\":200,\"message\":\"success\",\"data\":{\"balance\":0.0}}"));
            assertThat(sandbox.stats().creates()).isEqualTo(3);
            assertThat(sandbox.stats().rejectedCreates()).isEqualTo(2);

            sandbox.setCrunBalance(0.5); // less than one task
            assertThatThrownBy(() -> crun.createTask(request, null)).isInstanceOf(ProviderException.class);
            sandbox.setCrunBalance(1);
            crun.createTask(request, null);
            assertThatThrownBy(() -> sandbox.setCrunBalance(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void anUnknownTaskIsKeptInFlightAndAMissingTaskIdIsAValidationError() {
        assertThatThrownBy(() -> adapter.queryTask("00000000-0000-0000-0000-000000000000"))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY);
                    assertThat(e.httpStatus()).isEqualTo(404);
                    assertThat(e.getMessage()).contains("task not found");
                });
        Raw missing = raw("GET", "/api/v1/client/job/TaskInfo", null);
        assertThat(missing.status()).isEqualTo(422);
        assertThat(missing.json()).isEqualTo(JSON.readTree(
                "{\"code\":422,\"message\":\"task_id is required\",\"data\":null}"));
    }

    @Test
    void aRequestTheProviderRefusesIsARowFailureWithTheDocumented422() {
        // bypassing prepare: the sandbox checks the same rules
        ImageRequest badRatio = new ImageRequest("crun", CrunAdapter.NANO_BANANA, "hello", "7:3", null, "png",
                List.of());
        assertThatThrownBy(() -> adapter.createTask(badRatio, null)).isInstanceOfSatisfying(ProviderException.class,
                e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.ROW_INVALID);
                    assertThat(e.httpStatus()).isEqualTo(422);
                    assertThat(e.getMessage()).contains("input.aspect_ratio must be one of");
                });
    }

    static Stream<Arguments> faults() {
        return Stream.of(
                Arguments.of(455, FailureClass.BUSY),
                Arguments.of(500, FailureClass.BUSY),
                Arguments.of(501, FailureClass.GENERATION_FAILED),
                Arguments.of(505, FailureClass.ACCOUNT),
                Arguments.of(429, FailureClass.BUSY));
    }

    @ParameterizedTest(name = "HTTP {0}")
    @MethodSource("faults")
    void documentedServerSideCodesAreClassified(int status, FailureClass expected) throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(fast())) {
            CrunAdapter crun = adapterFor(sandbox, SandboxProvider.API_KEY);
            ImageRequest request = prepare(crun, "during trouble", null, null, CrunAdapter.NANO_BANANA);
            String taskId = crun.createTask(request, null);
            sandbox.failEveryRequestWith(status);

            assertThatThrownBy(() -> crun.createTask(request, null)).isInstanceOfSatisfying(ProviderException.class,
                    e -> {
                        assertThat(e.failureClass()).isEqualTo(expected);
                        assertThat(e.httpStatus()).isEqualTo(status);
                        assertThat(e.getMessage()).contains("sandbox: outage");
                        if (status == 429) {
                            assertThat(e.retryAfter()).hasSeconds(1);
                        }
                    });
            Raw body = raw(sandbox, SandboxProvider.API_KEY, "GET", "/api/v1/client/account/balance", null);
            assertThat(body.json()).isEqualTo(JSON.readTree("{\"code\":" + status
                    + ",\"message\":\"sandbox: outage\",\"data\":null}"));
            if (status == 501) {
                assertThat(crun.queryTask(taskId)).isEqualTo(new TaskStatus(taskId, TaskState.FAIL, "501", List.of(),
                        "501", "sandbox: outage"));
            } else {
                assertThatThrownBy(() -> crun.queryTask(taskId)).isInstanceOfSatisfying(ProviderException.class,
                        e -> assertThat(e.failureClass()).isEqualTo(expected));
            }
            sandbox.failEveryRequestWith(0);
            assertThat(crun.queryTask(taskId).taskId()).isEqualTo(taskId);
        }
    }

    @Test
    void theRateLimitAnswers429WithRetryAfter() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(fast().withRateLimitPerSecond(3))) {
            CrunAdapter crun = adapterFor(sandbox, SandboxProvider.API_KEY);
            ProviderException limited = null;
            for (int i = 0; i < 20 && limited == null; i++) {
                try {
                    crun.balance();
                } catch (ProviderException e) {
                    limited = e;
                }
            }
            assertThat(limited).isNotNull();
            assertThat(limited.failureClass()).isEqualTo(FailureClass.BUSY);
            assertThat(limited.httpStatus()).isEqualTo(429);
            assertThat(limited.retryAfter()).hasSeconds(1);
        }
    }

    // ---------------------------------------------------------------- callbacks

    @Test
    void theCallbackCarriesTheTaskInfoDataAndCallbackTaskIdReadsIt() throws Exception {
        try (CallbackReceiver receiver = CallbackReceiver.start(0)) {
            String taskId = adapter.createTask(prepare(adapter, "call me back", "4:5", null,
                    CrunAdapter.NANO_BANANA), receiver.url().toString());
            JsonNode body = receiver.next(TIMEOUT);
            assertThat(adapter.callbackTaskId(body.toString())).contains(taskId);
            assertThat(body.path("status").asString()).isEqualTo("success");
            assertThat(body.path("param").path("callback_url").asString()).isEqualTo(receiver.url().toString());
            assertThat(adapter.callbackStatus(body.toString()).orElseThrow().resultUrls())
                    .containsExactly(shared.baseUrl() + "/files/" + taskId + ".png");
            // the same object TaskInfo answers in data
            JsonNode polled = raw("GET", "/api/v1/client/job/TaskInfo?task_id=" + taskId, null).json().path("data");
            assertThat(body).isEqualTo(polled);
        }
    }

    @Test
    void theCallbackFieldMayBeSpelledCallBackUrlAndFailuresAreCalledBackToo() throws Exception {
        try (CallbackReceiver receiver = CallbackReceiver.start(1);
                SandboxProvider sandbox = SandboxProvider.start(fast().withFailureRate(1.0))) {
            CrunAdapter camel = new CrunAdapter(new ProviderSettings(sandbox.baseUrl(), SandboxProvider.API_KEY,
                    null, null, null, "callBackUrl", null, null, null));
            String taskId = camel.createTask(prepare(camel, "call me back", null, null, CrunAdapter.NANO_BANANA_V2),
                    receiver.url().toString());
            // the first delivery is answered 500, so it comes twice
            JsonNode first = receiver.next(TIMEOUT);
            JsonNode second = receiver.next(TIMEOUT);
            assertThat(second).isEqualTo(first);
            assertThat(camel.callbackTaskId(second.toString())).contains(taskId);
            assertThat(camel.callbackStatus(second.toString()).orElseThrow()).isEqualTo(new TaskStatus(taskId,
                    TaskState.FAIL, "failed", List.of(), "501", "sandbox: generation failed"));
        }
    }

    // ---------------------------------------------------------------- the sandbox's validation

    static Stream<Arguments> invalidCreates() {
        String elevenRefs = String.join(",", java.util.Collections.nCopies(11, "\"https://x.test/a.png\""));
        return Stream.of(
                Arguments.of("missing model", "{\"input\":{\"prompt\":\"hello\"}}", "model is required"),
                Arguments.of("unsupported model", "{\"model\":\"google/nano-banana-pro\",\"input\":{\"prompt\":\"hi\"}}",
                        "model must be one of google/nano-banana, google/nano-banana-v2, got google/nano-banana-pro"),
                Arguments.of("missing input", "{\"model\":\"google/nano-banana\"}", "input is required"),
                Arguments.of("input not an object", v1("").replace("{}", "\"x\""), "input must be an object"),
                Arguments.of("missing prompt", v1(""), "input.prompt is required"),
                Arguments.of("blank prompt", v1("\"prompt\":\"  \""), "input.prompt must not be blank"),
                Arguments.of("prompt not a string", v1("\"prompt\":42"), "input.prompt must be a string"),
                Arguments.of("aspect ratio 7:3", v1("\"prompt\":\"hi\",\"aspect_ratio\":\"7:3\""),
                        "input.aspect_ratio must be one of 1:1, 2:3, 3:2, 3:4, 4:3, 4:5, 5:4, 9:16, 16:9, 21:9, got 7:3"),
                Arguments.of("resolution 8K", v1("\"prompt\":\"hi\",\"resolution\":\"8K\""),
                        "input.resolution must be one of 1K, 2K, 4K, got 8K"),
                Arguments.of("output format gif", v1("\"prompt\":\"hi\",\"output_format\":\"gif\""),
                        "input.output_format must be one of png, jpeg, got gif"),
                Arguments.of("11 references", v1("\"prompt\":\"hi\",\"image_input\":[" + elevenRefs + "]"),
                        "input.image_input takes at most 10 images, got 11"),
                Arguments.of("reference not a URL", v1("\"prompt\":\"hi\",\"image_input\":[\"a.png\"]"),
                        "input.image_input[0] must be an http(s) URL or a data:image/ URI"),
                Arguments.of("references not a list", v1("\"prompt\":\"hi\",\"image_input\":\"https://x.test/a.png\""),
                        "input.image_input must be an array of strings"),
                Arguments.of("callback_url not http", "{\"model\":\"google/nano-banana\",\"callback_url\":\"ftp://x\","
                        + "\"input\":{\"prompt\":\"hi\"}}", "callback_url must be an http or https URL"),
                Arguments.of("callBackUrl not http", "{\"model\":\"google/nano-banana\",\"callBackUrl\":\"nope\","
                        + "\"input\":{\"prompt\":\"hi\"}}", "callBackUrl must be an http or https URL"),
                Arguments.of("malformed JSON", "{\"model\":", "request body is not valid JSON"),
                Arguments.of("JSON array", "[]", "request body must be a JSON object"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidCreates")
    void invalidCreatesAnswer422WithTheDocumentedBody(String rule, String body, String message) {
        Raw answer = raw("POST", "/api/v1/client/job/CreateTask", body);
        assertThat(answer.status()).as(answer.text()).isEqualTo(422);
        assertThat(answer.json()).isEqualTo(JSON.createObjectNode().put("code", 422).put("message", message)
                .putNull("data"));
        assertThat(answer.contentType()).startsWith("application/json");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "\"prompt\":\"ok\"",
        "\"prompt\":\"lower-case resolution\",\"resolution\":\"4k\",\"output_format\":\"jpeg\",\"aspect_ratio\":\"21:9\"",
        "\"prompt\":\"refs\",\"image_input\":[\"https://x.test/a?sig=1\",\"data:image/png;base64,iVBOR\"]",
        "\"prompt\":\"nulls\",\"aspect_ratio\":null,\"resolution\":null,\"image_input\":null,\"unknown\":1"})
    void validCreatesAreAccepted(String input) {
        Raw answer = raw("POST", "/api/v1/client/job/CreateTask", v1(input));
        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        assertThat(answer.json().path("code").asInt()).isEqualTo(200);
        assertThat(answer.json().path("message").asString()).isEqualTo("success");
        assertThat(answer.json().path("data").path("task_id").asString()).isNotBlank();
    }

    @Test
    void wrongMethodAndForeignTasks() throws Exception {
        Raw get = raw("GET", "/api/v1/client/job/CreateTask", null);
        assertThat(get.status()).isEqualTo(405);
        assertThat(get.json().path("message").asString()).contains("method not allowed");
        // a LiangXin task is not a crun.ai task
        Raw liangxin = send(HttpRequest.newBuilder(shared.baseUrl().resolve("/api/v1/jobs/createTask"))
                .header("Authorization", "Bearer " + SandboxProvider.API_KEY)
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"nano-banana-pro-flash\",\"input\":{\"prompt\":\"not crun\"}}")));
        String liangxinId = liangxin.json().path("data").path("taskId").asString();
        assertThat(raw("GET", "/api/v1/client/job/TaskInfo?task_id=" + liangxinId, null).status()).isEqualTo(404);
    }

    @Test
    void statsCountCrunCreatesByPromptAndQueries() throws Exception {
        try (SandboxProvider sandbox = SandboxProvider.start(fast())) {
            CrunAdapter crun = adapterFor(sandbox, SandboxProvider.API_KEY);
            ImageRequest fox = prepare(crun, "a fox", null, null, CrunAdapter.NANO_BANANA);
            String foxId = crun.createTask(fox, null);
            crun.createTask(fox, null);
            crun.createTask(prepare(crun, "an owl", null, null, CrunAdapter.NANO_BANANA_V2), null);
            int queries = pollUntilTerminal(crun, foxId).size();
            crun.balance(); // not a status query
            SandboxStats stats = sandbox.stats();
            assertThat(stats.creates()).isEqualTo(3);
            assertThat(stats.createsByPrompt()).isEqualTo(Map.of("a fox", 2, "an owl", 1));
            assertThat(stats.statusQueries()).isEqualTo(queries);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static String v1(String inputFields) {
        return "{\"model\":\"google/nano-banana\",\"input\":{" + inputFields + "}}";
    }

    private static List<Integer> downloadedSize(String url) throws Exception {
        HttpResponse<byte[]> png = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(png.statusCode()).isEqualTo(200);
        assertThat(png.headers().firstValue("Content-Type")).contains("image/png");
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png.body()));
        assertThat(image).as("a decodable PNG").isNotNull();
        return List.of(image.getWidth(), image.getHeight());
    }

    /** A raw answer: status, content type, body text and body as JSON (an empty object when not JSON). */
    private record Raw(int status, String contentType, String text, JsonNode json) {
    }

    private static Raw raw(String method, String path, String body) {
        return raw(shared, SandboxProvider.API_KEY, method, path, body);
    }

    private static Raw raw(SandboxProvider sandbox, String key, String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(sandbox.baseUrl().resolve(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (key != null) {
            request.header("x-api-key", key);
        }
        return send(request);
    }

    private static Raw send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = HTTP.send(request.timeout(TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode json;
            try {
                json = response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
            } catch (RuntimeException notJson) {
                json = JSON.createObjectNode();
            }
            return new Raw(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                    response.body(), json);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
