package io.imagebatch.provider.crun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagebatch.catalogue.CatalogueRow;
import io.imagebatch.provider.FailureClass;
import io.imagebatch.provider.ImageRequest;
import io.imagebatch.provider.ProviderException;
import io.imagebatch.provider.ProviderSettings;
import io.imagebatch.provider.RequestDefaults;
import io.imagebatch.provider.RowRejectedException;
import io.imagebatch.provider.TaskState;
import io.imagebatch.provider.TaskStatus;
import io.imagebatch.testsupport.ScriptedHttpServer;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The crun.ai adapter against the documentation's JSON (google-nano-banana-x-api-key-provider.txt, docs/providers/crun.md,
 * and the TaskInfo example of crun.ai's public "Get Task Info" page), served over real HTTP by a
 * scripted server, and its input rules.
 */
class CrunAdapterTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String KEY = "secret-key-123";

    /** The documented TaskInfo answer (docs.crun.ai, Get Task Info), verbatim but for the shortened prompt. */
    private static final String DOCUMENTED_RUNNING = """
            {
              "code": 200,
              "message": "success",
              "data": {
                "task_id": "d6956973-2f17-43d4-8514-af6cc3a2f55d",
                "provider": "Google",
                "model_version": "nano-banana",
                "status": "running",
                "param": {
                  "model": "google/nano-banana",
                  "callback_url": null,
                  "input": {
                    "prompt": "A scene of urban fantasy art. A dynamic graffiti art character. A teenager, painted with ...",
                    "output_format": "png",
                    "aspect_ratio": "16:9"
                  }
                },
                "create_at": 1768900378,
                "result": null,
                "duration_s": null,
                "complete_at": null,
                "source": "api"
              }
            }""";

    private final ScriptedHttpServer server = ScriptedHttpServer.start();
    private URI baseUrl;
    private CrunAdapter adapter;

    @BeforeEach
    void startServer() {
        baseUrl = server.baseUrl();
        adapter = new CrunAdapter(ProviderSettings.of(baseUrl, KEY));
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

    private ImageRequest request(String model) throws RowRejectedException {
        return adapter.prepare(row("A scene of urban fantasy art", "16:9", null, null, List.of()), model,
                RequestDefaults.none());
    }

    private JsonNode sentBody() {
        return JSON.readTree(server.last().body());
    }

    // ---------------------------------------------------------------- CreateTask

    @Test
    void createParsesTheDocumentedSuccessAndSendsTheKeyAndTheDocumentedFields() throws Exception {
        answer(200, "{\"code\":200,\"message\":\"success\",\"data\":{\"task_id\":\"d6956973-2f17-43d4-8514-af6cc3a2f55d\"}}");

        String taskId = adapter.createTask(request(CrunAdapter.NANO_BANANA), "https://hooks.example.com/cb");

        assertThat(taskId).isEqualTo("d6956973-2f17-43d4-8514-af6cc3a2f55d");
        assertThat(server.last().method()).isEqualTo("POST");
        assertThat(server.last().path()).isEqualTo("/api/v1/client/job/CreateTask");
        assertThat(server.last().header("x-api-key")).isEqualTo(KEY);
        assertThat(server.last().header("Authorization")).isNull();
        // the same shape as the documented TaskInfo param
        assertThat(sentBody()).isEqualTo(JSON.readTree("""
                {"model":"google/nano-banana","callback_url":"https://hooks.example.com/cb",
                 "input":{"prompt":"A scene of urban fantasy art","aspect_ratio":"16:9","output_format":"png"}}"""));
    }

    @Test
    void createWithoutCallbackLeavesTheFieldOutAndSendsReferencesAsImageInput() throws Exception {
        answer(200, "{\"code\":200,\"message\":\"success\",\"data\":{\"task_id\":\"t-1\"}}");
        ImageRequest request = adapter.prepare(row("put the logo on a mug", "1:1", "2k", "JPG",
                List.of("https://cdn.example.com/logo.png", "data:image/webp;base64,UklGR")), CrunAdapter.NANO_BANANA,
                RequestDefaults.none());

        adapter.createTask(request, null);

        assertThat(sentBody()).isEqualTo(JSON.readTree("""
                {"model":"google/nano-banana",
                 "input":{"prompt":"put the logo on a mug",
                          "image_input":["https://cdn.example.com/logo.png","data:image/webp;base64,UklGR"],
                          "aspect_ratio":"1:1","resolution":"2K","output_format":"jpeg"}}"""));
    }

    @Test
    void v2LeavesOutputFormatAndResolutionOut() throws Exception {
        answer(200, "{\"code\":200,\"message\":\"success\",\"data\":{\"task_id\":\"t-2\"}}");
        ImageRequest request = adapter.prepare(row("a v2 banana", null, "1K", "png", List.of()),
                CrunAdapter.NANO_BANANA_V2, RequestDefaults.none());

        adapter.createTask(request, "https://hooks.example.com/cb");

        assertThat(sentBody()).isEqualTo(JSON.readTree("""
                {"model":"google/nano-banana-v2","callback_url":"https://hooks.example.com/cb",
                 "input":{"prompt":"a v2 banana","aspect_ratio":"1:1"}}"""));
    }

    @Test
    void theCallbackFieldNameIsConfigurable() throws Exception {
        CrunAdapter camel = new CrunAdapter(new ProviderSettings(baseUrl, KEY, null, null, null, "callBackUrl", null, null, null));
        assertThat(camel.callbackField()).isEqualTo("callBackUrl");
        assertThat(adapter.callbackField()).isEqualTo("callback_url");
        answer(200, "{\"code\":200,\"message\":\"success\",\"data\":{\"task_id\":\"t-3\"}}");

        camel.createTask(request(CrunAdapter.NANO_BANANA), "https://hooks.example.com/cb");

        assertThat(sentBody().path("callBackUrl").asString()).isEqualTo("https://hooks.example.com/cb");
        assertThat(sentBody().has("callback_url")).isFalse();
    }

    /** Every documented response code, as the HTTP status and as {@code code} in an HTTP 200 body. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "401, Unauthorized,           ACCOUNT",
        "402, insufficient credits,   ACCOUNT",
        "404, not found,              CONFIGURATION",
        "422, input.prompt is required, ROW_INVALID",
        "429, rate limited,           BUSY",
        "455, service unavailable,    BUSY",
        "500, server error,           BUSY",
        "501, generation failed,      GENERATION_FAILED",
        "505, feature disabled,       ACCOUNT"})
    void createErrorsAreClassifiedAsTheFailureTableSays(int code, String message, FailureClass expected)
            throws Exception {
        ImageRequest request = request(CrunAdapter.NANO_BANANA);
        String body = "{\"code\":" + code + ",\"message\":\"" + message + "\",\"data\":null}";
        for (int httpStatus : List.of(code, 200)) {
            answer(httpStatus, body);
            assertThatThrownBy(() -> adapter.createTask(request, null))
                    .isInstanceOfSatisfying(ProviderException.class, e -> {
                        assertThat(e.failureClass()).isEqualTo(expected);
                        assertThat(e.httpStatus()).isEqualTo(code);
                        assertThat(e.getMessage()).contains("crun", "CreateTask", message).doesNotContain(KEY);
                        assertThat(e.mayHaveReachedProvider()).isFalse();
                    });
        }
    }

    @Test
    void retryAfterIsKeptAndOtherErrorShapesAreRead() throws Exception {
        ImageRequest request = request(CrunAdapter.NANO_BANANA);
        answer(429, "{\"code\":429,\"message\":\"rate limited\",\"data\":null}");
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.retryAfter()).hasSeconds(7));

        answer(401, "{\"error\":{\"message\":\"invalid api key " + KEY + "\"}}");
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.ACCOUNT);
                    assertThat(e.getMessage()).contains("invalid api key ***").doesNotContain(KEY);
                });

        answer(422, "{\"code\":\"422\",\"msg\":\"aspect_ratio invalid\",\"data\":null}");
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.ROW_INVALID);
                    assertThat(e.getMessage()).contains("aspect_ratio invalid");
                });

        answer(502, "<html>bad gateway</html>");
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY);
                    assertThat(e.httpStatus()).isEqualTo(502);
                });
    }

    @Test
    void anyHttp2xxIsReadByItsBody() throws Exception {
        answer(201, "{\"code\":200,\"message\":\"success\",\"data\":{\"task_id\":\"t-201\"}}");
        assertThat(adapter.createTask(request(CrunAdapter.NANO_BANANA), null)).isEqualTo("t-201");
        answer(202, "{\"data\":{\"task_id\":\"t-202\"}}");
        assertThat(adapter.createTask(request(CrunAdapter.NANO_BANANA), null)).isEqualTo("t-202");
        answer(201, "{\"code\":402,\"message\":\"insufficient credits\",\"data\":null}");
        ImageRequest request = request(CrunAdapter.NANO_BANANA);
        assertThatThrownBy(() -> adapter.createTask(request, null)).isInstanceOfSatisfying(ProviderException.class,
                e -> assertThat(e.failureClass()).isEqualTo(FailureClass.ACCOUNT));
    }

    @Test
    void aSuccessWithoutTaskIdMayHaveMadeATask() throws Exception {
        ImageRequest request = request(CrunAdapter.NANO_BANANA);
        for (String body : List.of("{\"code\":200,\"message\":\"success\",\"data\":{}}",
                "{\"code\":200,\"message\":\"success\",\"data\":null}", "not json")) {
            answer(200, body);
            assertThatThrownBy(() -> adapter.createTask(request, null))
                    .isInstanceOfSatisfying(ProviderException.class, e -> {
                        assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY);
                        assertThat(e.mayHaveReachedProvider()).as(body).isTrue();
                    });
        }
    }

    @Test
    void aCreateWhoseConnectionIsRefusedWasCertainlyNotSent() throws Exception {
        server.close();
        ImageRequest request = request(CrunAdapter.NANO_BANANA);
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY);
                    assertThat(e.mayHaveReachedProvider()).isFalse();
                });
    }

    // ---------------------------------------------------------------- TaskInfo

    @Test
    void taskInfoReadsTheDocumentedRunningExample() {
        answer(200, DOCUMENTED_RUNNING);

        TaskStatus status = adapter.queryTask("d6956973-2f17-43d4-8514-af6cc3a2f55d");

        assertThat(server.last().method()).isEqualTo("GET");
        assertThat(server.last().path()).isEqualTo("/api/v1/client/job/TaskInfo");
        assertThat(server.last().rawQuery()).isEqualTo("task_id=d6956973-2f17-43d4-8514-af6cc3a2f55d");
        assertThat(server.last().header("x-api-key")).isEqualTo(KEY);
        assertThat(status).isEqualTo(new TaskStatus("d6956973-2f17-43d4-8514-af6cc3a2f55d", TaskState.RUNNING,
                "running", List.of(), null, null));
    }

    @Test
    void theTaskIdIsQueryEncoded() {
        answer(200, DOCUMENTED_RUNNING);
        adapter.queryTask("a b&c");
        assertThat(server.last().rawQuery()).isEqualTo("task_id=a+b%26c");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "running, RUNNING", "processing, RUNNING", "generating, RUNNING", "RUNNING, RUNNING",
        "pending, QUEUED", "queued, QUEUED", "waiting, QUEUED", "created, QUEUED", "submitted, QUEUED",
        "fail, FAIL", "failed, FAIL", "failure, FAIL", "error, FAIL", "cancelled, FAIL", "Canceled, FAIL",
        "paused-for-review, UNKNOWN", "'', UNKNOWN"})
    void statusWordsAreMappedDefensively(String word, TaskState expected) {
        answer(200, data("\"status\":\"" + word + "\",\"result\":null"));
        assertThat(adapter.queryTask("t-1").state()).isEqualTo(expected);
        assertThat(adapter.queryTask("t-1").rawState()).isEqualTo(word);
    }

    @Test
    void aMissingStatusIsUnknownNotACrash() {
        answer(200, "{\"code\":200,\"message\":\"success\",\"data\":{\"task_id\":\"t-1\"}}");
        assertThat(adapter.queryTask("t-1").state()).isEqualTo(TaskState.UNKNOWN);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "success   | {\"media_urls\":[\"https://cdn.example.com/a.png\",\"https://cdn.example.com/b.png\"]}",
        "succeeded | {\"urls\":[\"https://cdn.example.com/a.png\",\"https://cdn.example.com/b.png\"]}",
        "completed | [\"https://cdn.example.com/a.png\",\"https://cdn.example.com/b.png\"]",
        "complete  | [{\"url\":\"https://cdn.example.com/a.png\"},{\"url\":\"https://cdn.example.com/b.png\"}]",
        "done      | \"{\\\"media_urls\\\":[\\\"https://cdn.example.com/a.png\\\",\\\"https://cdn.example.com/b.png\\\"]}\""})
    void successResultsAreReadInEveryInferredShape(String word, String result) {
        answer(200, data("\"status\":\"" + word + "\",\"result\":" + result));
        TaskStatus status = adapter.queryTask("t-1");
        assertThat(status.state()).isEqualTo(TaskState.SUCCESS);
        assertThat(status.resultUrls()).containsExactly("https://cdn.example.com/a.png", "https://cdn.example.com/b.png");
        assertThat(status.failCode()).isNull();
    }

    @Test
    void singleUrlResults() {
        answer(200, data("\"status\":\"finished\",\"result\":{\"url\":\"https://cdn.example.com/a.png\"}"));
        assertThat(adapter.queryTask("t-1").resultUrls()).containsExactly("https://cdn.example.com/a.png");
        answer(200, data("\"status\":\"success\",\"result\":\"https://cdn.example.com/a.png\""));
        assertThat(adapter.queryTask("t-1").resultUrls()).containsExactly("https://cdn.example.com/a.png");
        answer(200, data("\"status\":\"success\",\"result\":{\"media_urls\":\"https://cdn.example.com/a.png\"}"));
        assertThat(adapter.queryTask("t-1").resultUrls()).containsExactly("https://cdn.example.com/a.png");
    }

    @Test
    void aSuccessWithoutAResultUrlIsAVisibleFailure() {
        for (String result : List.of("null", "{}", "{\"media_urls\":[]}", "\"\"")) {
            answer(200, data("\"status\":\"success\",\"result\":" + result));
            TaskStatus status = adapter.queryTask("t-1");
            assertThat(status.state()).as(result).isEqualTo(TaskState.FAIL);
            assertThat(status.failCode()).isEqualTo("no-result");
            assertThat(status.rawState()).isEqualTo("success");
        }
    }

    @Test
    void failuresCarryTheProviderCodeAndMessageWhateverTheirFields() {
        answer(200, data("\"status\":\"failed\",\"result\":null,\"error_code\":501,"
                + "\"error_message\":\"content policy\""));
        TaskStatus failed = adapter.queryTask("t-1");
        assertThat(failed.state()).isEqualTo(TaskState.FAIL);
        assertThat(failed.failCode()).isEqualTo("501");
        assertThat(failed.failMessage()).isEqualTo("content policy");
        assertThat(failed.resultUrls()).isEmpty();

        answer(200, data("\"status\":\"error\",\"result\":null,\"error\":{\"code\":\"E42\",\"message\":\"nsfw\"}"));
        assertThat(adapter.queryTask("t-1")).extracting(TaskStatus::failCode, TaskStatus::failMessage)
                .containsExactly("E42", "nsfw");

        answer(200, data("\"status\":\"fail\",\"result\":null,\"error\":\"upstream timeout\""));
        assertThat(adapter.queryTask("t-1")).extracting(TaskStatus::failCode, TaskStatus::failMessage)
                .containsExactly(null, "upstream timeout");

        answer(200, data("\"status\":\"failed\",\"result\":null"));
        assertThat(adapter.queryTask("t-1")).extracting(TaskStatus::state, TaskStatus::failCode,
                TaskStatus::failMessage).containsExactly(TaskState.FAIL, null, null);
    }

    @Test
    void aStatusQueryForATaskNotFoundIsKeptInFlight() {
        for (int httpStatus : List.of(404, 200)) {
            answer(httpStatus, "{\"code\":404,\"message\":\"task not found\",\"data\":null}");
            assertThatThrownBy(() -> adapter.queryTask("t-x"))
                    .isInstanceOfSatisfying(ProviderException.class, e -> {
                        assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY);
                        assertThat(e.getMessage()).contains("task not found");
                    });
        }
    }

    @Test
    void aStatusQueryAnswered501IsAFailedGeneration() {
        for (int httpStatus : List.of(501, 200)) {
            answer(httpStatus, "{\"code\":501,\"message\":\"generation failed\",\"data\":null}");
            assertThat(adapter.queryTask("t-1")).isEqualTo(new TaskStatus("t-1", TaskState.FAIL, "501", List.of(),
                    "501", "generation failed"));
        }
    }

    @Test
    void statusQueryErrorsAreClassified() {
        answer(401, "{\"code\":401,\"message\":\"Unauthorized\",\"data\":null}");
        assertThatThrownBy(() -> adapter.queryTask("t-1")).isInstanceOfSatisfying(ProviderException.class,
                e -> assertThat(e.failureClass()).isEqualTo(FailureClass.ACCOUNT));
        answer(200, "{\"code\":455,\"message\":\"maintenance\",\"data\":null}");
        assertThatThrownBy(() -> adapter.queryTask("t-1")).isInstanceOfSatisfying(ProviderException.class,
                e -> assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY));
        answer(200, "{\"code\":200,\"message\":\"success\",\"data\":null}");
        assertThatThrownBy(() -> adapter.queryTask("t-1")).isInstanceOfSatisfying(ProviderException.class, e -> {
            assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY);
            assertThat(e.mayHaveReachedProvider()).isFalse();
        });
    }

    // ---------------------------------------------------------------- callback

    @Test
    void callbackTaskIdReadsTheDocumentedPayloadAndTheWrappedOne() {
        String data = JSON.readTree(DOCUMENTED_RUNNING).path("data").toString();
        assertThat(adapter.callbackTaskId(data)).contains("d6956973-2f17-43d4-8514-af6cc3a2f55d");
        assertThat(adapter.callbackTaskId(DOCUMENTED_RUNNING)).contains("d6956973-2f17-43d4-8514-af6cc3a2f55d");
        assertThat(adapter.callbackTaskId("{\"taskId\":\"t-9\"}")).contains("t-9");
        assertThat(adapter.callbackTaskId("{\"task_id\":\"\"}")).isEmpty();
        assertThat(adapter.callbackTaskId("{\"hello\":1}")).isEmpty();
        assertThat(adapter.callbackTaskId("not json")).isEmpty();
        assertThat(adapter.callbackTaskId("")).isEmpty();
        assertThat(adapter.verifyCallback(java.util.Map.of(), data)).isTrue();
    }

    @Test
    void callbackStatusReadsTheTerminalPayload() {
        Optional<TaskStatus> status = adapter.callbackStatus("{\"task_id\":\"t-5\",\"status\":\"success\","
                + "\"result\":{\"media_urls\":[\"https://cdn.example.com/a.png\"]}}");
        assertThat(status).contains(new TaskStatus("t-5", TaskState.SUCCESS, "success",
                List.of("https://cdn.example.com/a.png"), null, null));
        assertThat(adapter.callbackStatus("{}")).isEmpty();
    }

    // ---------------------------------------------------------------- credits

    @Test
    void balanceReadsTheDocumentedAnswer() {
        answer(200, "{\"data\":{\"balance\":1234.5}}");
        assertThat(adapter.balance()).isEqualTo(OptionalDouble.of(1234.5));
        assertThat(server.last().path()).isEqualTo("/api/v1/client/account/balance");
        assertThat(server.last().method()).isEqualTo("GET");
        assertThat(server.last().header("x-api-key")).isEqualTo(KEY);

        answer(200, "{\"code\":200,\"message\":\"success\",\"data\":{\"balance\":\"17\"}}");
        assertThat(adapter.balance()).isEqualTo(OptionalDouble.of(17));

        answer(200, "{\"code\":200,\"message\":\"success\",\"data\":{}}");
        assertThatThrownBy(() -> adapter.balance()).isInstanceOfSatisfying(ProviderException.class,
                e -> assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY));

        answer(401, "{\"code\":401,\"message\":\"Unauthorized\",\"data\":null}");
        assertThatThrownBy(() -> adapter.balance()).isInstanceOfSatisfying(ProviderException.class,
                e -> assertThat(e.failureClass()).isEqualTo(FailureClass.ACCOUNT));
    }

    @Test
    void creditsPerTaskComeFromTheSettings() throws Exception {
        ImageRequest request = request(CrunAdapter.NANO_BANANA);
        assertThat(adapter.creditsPerTask(request)).isEmpty();
        CrunAdapter priced = new CrunAdapter(new ProviderSettings(baseUrl, KEY, null, null, null, null, 2.5, null, null));
        assertThat(priced.creditsPerTask(request)).isEqualTo(OptionalDouble.of(2.5));
    }

    // ---------------------------------------------------------------- prepare

    @Test
    void nameModelsAndDefaultModel() {
        assertThat(adapter.name()).isEqualTo("crun").isEqualTo(CrunAdapter.NAME);
        assertThat(adapter.defaultModel()).isEqualTo("google/nano-banana");
        assertThat(adapter.models()).containsExactly("google/nano-banana", "google/nano-banana-v2");
    }

    @Test
    void rowsThatBreakTheRulesAreRejectedNamingRowColumnAndRule() {
        String v1 = CrunAdapter.NANO_BANANA;
        String v2 = CrunAdapter.NANO_BANANA_V2;
        assertRejected(v1, row(null, null, null, null, List.of()), "row 7, column prompt: empty",
                "no maximum length is documented");
        assertRejected(v1, row("   ", null, null, null, List.of()), "row 7, column prompt: empty");
        assertRejected(v1, row("a red bicycle", "7:3", null, null, List.of()),
                "row 7, column aspect_ratio: \"7:3\" is not accepted", "1:1, 2:3, 3:2, 3:4, 4:3, 4:5, 5:4, 9:16, 16:9, 21:9");
        assertRejected(v1, row("a red bicycle", "auto", null, null, List.of()), "column aspect_ratio: \"auto\"");
        assertRejected(v1, row("a red bicycle", null, "8K", null, List.of()),
                "row 7, column resolution: \"8K\" is not accepted", "1K, 2K, 4K");
        assertRejected(v1, row("a red bicycle", null, "medium", null, List.of()), "column resolution: \"medium\"");
        assertRejected(v1, row("a red bicycle", null, null, "gif", List.of()),
                "row 7, column output_format: \"gif\" is not accepted", "png, jpeg");
        assertRejected(v1, row("a red bicycle", null, null, null, List.of("ftp://a.example/1.png")),
                "row 7, column reference_images", "not an http(s) URL");
        assertRejected(v1, row("a red bicycle", null, null, null, List.of("data:text/plain;base64,AAAA")),
                "row 7, column reference_images", "data URI");
        List<String> eleven = IntStream.rangeClosed(1, 11).mapToObj(i -> "https://a.example/" + i + ".png").toList();
        assertRejected(v1, row("a red bicycle", null, null, null, eleven),
                "row 7, column reference_images: 11 images", "at most 10", "inferred");

        assertRejected(v2, row("a red bicycle", null, "2K", null, List.of()),
                "row 7, column resolution: \"2K\" is not accepted", "fixed to 1K");
        assertRejected(v2, row("a red bicycle", null, "4k", null, List.of()), "column resolution: \"4k\"");
        assertRejected(v2, row("a red bicycle", null, null, "jpeg", List.of()),
                "row 7, column output_format: \"jpeg\" is not accepted", "not supported on the v2 channel");

        assertThatThrownBy(() -> adapter.prepare(row("a red bicycle", null, null, null, List.of()),
                "google/nano-banana-pro", RequestDefaults.none()))
                .isInstanceOf(RowRejectedException.class)
                .hasMessageContaining("row 7, column model: \"google/nano-banana-pro\" is not supported")
                .hasMessageContaining("google/nano-banana, google/nano-banana-v2");
    }

    @Test
    void batchDefaultsAreCheckedLikeRowValues() {
        assertThatThrownBy(() -> adapter.prepare(row("a red bicycle", null, null, null, List.of()),
                CrunAdapter.NANO_BANANA_V2, new RequestDefaults(null, "2K", null)))
                .hasMessageContaining("row 7, column resolution: \"2K\"");
        assertThatThrownBy(() -> adapter.prepare(row("a red bicycle", null, null, null, List.of()),
                CrunAdapter.NANO_BANANA_V2, new RequestDefaults(null, null, "jpg")))
                .hasMessageContaining("row 7, column output_format: \"jpg\"");
    }

    @Test
    void defaultsComeFromTheBatchThenFromTheRulesAndSpellingsAreTheProviders() throws Exception {
        CatalogueRow blank = row("a red bicycle", null, null, null, List.of());
        ImageRequest v1 = adapter.prepare(blank, CrunAdapter.NANO_BANANA, RequestDefaults.none());
        assertThat(v1).isEqualTo(new ImageRequest("crun", "google/nano-banana", "a red bicycle", "1:1", null, "png",
                List.of()));

        ImageRequest v2 = adapter.prepare(blank, CrunAdapter.NANO_BANANA_V2, RequestDefaults.none());
        assertThat(v2).isEqualTo(new ImageRequest("crun", "google/nano-banana-v2", "a red bicycle", "1:1", "1K",
                null, List.of()));

        ImageRequest batch = adapter.prepare(blank, CrunAdapter.NANO_BANANA, new RequestDefaults("16:9", "4k", "JPEG"));
        assertThat(batch.aspectRatio()).isEqualTo("16:9");
        assertThat(batch.resolution()).isEqualTo("4K");
        assertThat(batch.outputFormat()).isEqualTo("jpeg");

        ImageRequest rowWins = adapter.prepare(row("a red bicycle", "9:16", "2K", "PNG", List.of()),
                "Google/Nano-Banana", new RequestDefaults("16:9", "4K", "jpeg"));
        assertThat(rowWins.model()).isEqualTo("google/nano-banana");
        assertThat(rowWins.aspectRatio()).isEqualTo("9:16");
        assertThat(rowWins.resolution()).isEqualTo("2K");
        assertThat(rowWins.outputFormat()).isEqualTo("png");

        ImageRequest v2Explicit = adapter.prepare(row("a red bicycle", "21:9", "1k", "png", List.of()),
                "GOOGLE/NANO-BANANA-V2", RequestDefaults.none());
        assertThat(v2Explicit.model()).isEqualTo("google/nano-banana-v2");
        assertThat(v2Explicit.resolution()).isEqualTo("1K");
        assertThat(v2Explicit.outputFormat()).isNull();
    }

    @Test
    void longPromptsAndTenReferencesAreAccepted() throws Exception {
        List<String> ten = IntStream.rangeClosed(1, 10).mapToObj(i -> "https://a.example/" + i + ".png").toList();
        ImageRequest request = adapter.prepare(row("x".repeat(20_000), null, null, null, ten),
                CrunAdapter.NANO_BANANA, RequestDefaults.none());
        assertThat(request.prompt()).hasSize(20_000);
        assertThat(request.referenceImages()).hasSize(10);
    }

    private void assertRejected(String model, CatalogueRow row, String... fragments) {
        assertThatThrownBy(() -> adapter.prepare(row, model, RequestDefaults.none()))
                .isInstanceOf(RowRejectedException.class)
                .message().contains(fragments);
    }

    /** A TaskInfo answer in the documented envelope with the given fields in {@code data}. */
    private static String data(String fields) {
        return "{\"code\":200,\"message\":\"success\",\"data\":{\"task_id\":\"t-1\",\"provider\":\"Google\","
                + "\"model_version\":\"nano-banana\",\"param\":{},\"create_at\":1768900378,\"duration_s\":12.5,"
                + "\"complete_at\":1768900391,\"source\":\"api\"," + fields + "}}";
    }
}
