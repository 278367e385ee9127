package io.imagebatch.provider.hiapi;

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
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * The HiAPI adapter against the documentation's own JSON (hiapi-nano-banana-pro.txt: the two example request
 * bodies; docs/providers/hiapi.md: the create answer, the status answer, the error body), served over real HTTP by
 * a scripted server; its input rules; and the callback signature check.
 */
class HiApiAdapterTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String KEY = "secret-key-123";
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    private final ScriptedHttpServer server = ScriptedHttpServer.start();
    private URI baseUrl;
    private HiApiAdapter adapter;

    @BeforeEach
    void startServer() {
        server.retryAfterOn(503);
        baseUrl = server.baseUrl();
        adapter = new HiApiAdapter(ProviderSettings.of(baseUrl, KEY));
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    /** @return the requests received so far, each as {@code METHOD raw-path} */
    private List<String> requests() {
        return server.requests().stream().map(r -> r.method() + " " + r.rawPath()).toList();
    }

    private void answer(int status, String body) {
        server.answer(status, body);
    }

    private static CatalogueRow row(String prompt, String aspectRatio, String resolution, String format,
            List<String> references) {
        return new CatalogueRow(7, "sku-7", prompt, null, null, aspectRatio, resolution, format, references, null);
    }

    private ImageRequest prepare(CatalogueRow row) throws RowRejectedException {
        return adapter.prepare(row, HiApiAdapter.MODEL, RequestDefaults.none());
    }

    private ImageRequest request() throws RowRejectedException {
        return prepare(row("A luxury product photo of a banana on black marble", null, null, null, List.of()));
    }

    // ---- create -----------------------------------------------------------------------------------------------

    @Test
    void createSendsTheDocumentedReferenceEditExampleWithBearerKeyAndReadsTheTaskId() throws Exception {
        answer(200, "{\"code\":200,\"message\":\"success\",\"data\":{\"taskId\":\"tk-8f2c1e0a\"}}");
        ImageRequest request = prepare(row("Turn this reference into a polished ecommerce hero image", "4:5", "1K",
                "png", List.of("https://example.com/reference.png")));

        String taskId = adapter.createTask(request, null);

        assertThat(taskId).isEqualTo("tk-8f2c1e0a");
        assertThat(requests()).containsExactly("POST /v1/tasks");
        assertThat(server.last().header("Authorization")).isEqualTo("Bearer " + KEY);
        assertThat(server.last().header("Content-Type")).isEqualTo("application/json");
        // hiapi-nano-banana-pro.txt, "Reference edit"
        assertThat(JSON.readTree(server.last().body())).isEqualTo(JSON.readTree("""
                {
                  "model": "Nano-Banana-Pro",
                  "input": {
                    "prompt": "Turn this reference into a polished ecommerce hero image",
                    "image_input": [
                      "https://example.com/reference.png"
                    ],
                    "aspect_ratio": "4:5",
                    "resolution": "1K",
                    "output_format": "png"
                  }
                }"""));
    }

    @Test
    void createLeavesOutAnEmptyImageInputAndSendsTheCallbackAtTheTopLevel() throws Exception {
        answer(200, "{\"code\":200,\"message\":\"success\",\"data\":{\"taskId\":\"tk-1\"}}");
        ImageRequest request = prepare(row("A luxury product photo of a banana on black marble", "1:1", null, null,
                List.of()));

        adapter.createTask(request, "https://your-domain.com/hiapi/callback");

        // hiapi-nano-banana-pro.txt, "Premium product image", image_input omitted ("Omit it or pass an empty
        // array when unused"), plus the callback object ("pass callback.url at the top level", "when=final")
        assertThat(JSON.readTree(server.last().body())).isEqualTo(JSON.readTree("""
                {
                  "model": "Nano-Banana-Pro",
                  "input": {
                    "prompt": "A luxury product photo of a banana on black marble",
                    "aspect_ratio": "1:1",
                    "resolution": "1K",
                    "output_format": "png"
                  },
                  "callback": {"url": "https://your-domain.com/hiapi/callback", "when": "final"}
                }"""));
    }

    @Test
    void pathsAreAppendedToABaseUrlWithAPathPrefix() throws Exception {
        HiApiAdapter prefixed = new HiApiAdapter(ProviderSettings.of(URI.create(baseUrl + "/gateway/"), KEY));
        answer(200, "{\"code\":200,\"message\":\"success\",\"data\":{\"taskId\":\"tk-1\"}}");
        prefixed.createTask(request(), null);
        answer(200, status("queued", ""));
        prefixed.queryTask("tk-1");
        assertThat(requests()).containsExactly("POST /gateway/v1/tasks", "GET /gateway/v1/tasks/tk-1");
    }

    @Test
    void theDocumentedErrorBodyIsARowErrorWithItsErrorCode() throws Exception {
        ImageRequest request = request();
        answer(400, "{\"code\":400,\"message\":\"invalid request\",\"data\":null,\"error_code\":\"INVALID_REQUEST\"}");
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.ROW_INVALID);
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.providerCode()).isEqualTo("INVALID_REQUEST");
                    assertThat(e.getMessage()).contains("HTTP 400", "INVALID_REQUEST", "invalid request");
                    assertThat(e.mayHaveReachedProvider()).isFalse();
                });
    }

    @Test
    void httpStatusesAreClassifiedAsTheFailureTableSays() throws Exception {
        ImageRequest request = request();
        answer(401, "{\"code\":401,\"message\":\"invalid api key " + KEY + "\",\"data\":null,"
                + "\"error_code\":\"UNAUTHORIZED\"}");
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.ACCOUNT);
                    assertThat(e.getMessage()).contains("invalid api key").doesNotContain(KEY);
                });

        // docs/providers/PROVIDERS.md, HiAPI: "HTTP 503 = temporarily unavailable, retry with backoff"
        answer(503, "{\"code\":503,\"message\":\"temporarily unavailable\",\"data\":null,"
                + "\"error_code\":\"SERVICE_UNAVAILABLE\"}");
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY);
                    assertThat(e.retryAfter()).hasSeconds(7);
                    assertThat(e.getMessage()).contains("temporarily unavailable");
                });

        answer(429, "{\"code\":429,\"message\":\"too many requests\",\"data\":null}");
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class,
                        e -> assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY));

        answer(402, "{\"error\":{\"message\":\"insufficient balance\",\"code\":\"NO_CREDIT\"}}");
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.ACCOUNT);
                    assertThat(e.getMessage()).contains("insufficient balance");
                    assertThat(e.providerCode()).isEqualTo("NO_CREDIT");
                });

        answer(422, "{\"code\":422,\"msg\":\"upstream validation\",\"data\":null}");
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.ROW_INVALID);
                    assertThat(e.getMessage()).contains("upstream validation");
                });

        answer(502, "<html>bad gateway</html>");
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class,
                        e -> assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY));
    }

    @Test
    void anErrorCodeInsideAnHttp200BodyIsStillAnError() throws Exception {
        answer(200, "{\"code\":400,\"message\":\"invalid request\",\"data\":null,\"error_code\":\"INVALID_REQUEST\"}");
        ImageRequest request = request();
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.ROW_INVALID);
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.providerCode()).isEqualTo("INVALID_REQUEST");
                });
    }

    @Test
    void aSuccessWithoutATaskIdMayHaveMadeATask() throws Exception {
        ImageRequest request = request();
        for (String body : List.of("{\"code\":200,\"message\":\"success\",\"data\":{}}",
                "{\"code\":200,\"message\":\"success\"}", "not json")) {
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
        ImageRequest request = request();
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY);
                    assertThat(e.mayHaveReachedProvider()).isFalse();
                });
    }

    // ---- status -----------------------------------------------------------------------------------------------

    @Test
    void statusReadsEveryDocumentedStateArchivingIsNotTerminal() {
        answer(200, status("queued", ""));
        TaskStatus queued = adapter.queryTask("tk-1");
        assertThat(queued.state()).isEqualTo(TaskState.QUEUED);
        assertThat(queued.rawState()).isEqualTo("queued");
        assertThat(requests()).containsExactly("GET /v1/tasks/tk-1");
        assertThat(server.last().header("Authorization")).isEqualTo("Bearer " + KEY);

        answer(200, status("handling", ""));
        assertThat(adapter.queryTask("tk-1").state()).isEqualTo(TaskState.RUNNING);
        answer(200, status("archiving", ""));
        TaskStatus archiving = adapter.queryTask("tk-1");
        assertThat(archiving.state()).isEqualTo(TaskState.RUNNING);
        assertThat(archiving.state().isTerminal()).isFalse();

        answer(200, """
                {"code":200,"message":"success","data":{"taskId":"tk-1","model":"Nano-Banana-Pro","status":"success",
                "created":1772366400,"completed":1772366412,
                "output":[{"url":"https://cdn.hiapi.ai/out/tk-1.png","type":"image","expireAt":1772971212}]}}""");
        TaskStatus success = adapter.queryTask("tk-1");
        assertThat(success.state()).isEqualTo(TaskState.SUCCESS);
        assertThat(success.taskId()).isEqualTo("tk-1");
        assertThat(success.resultUrls()).containsExactly("https://cdn.hiapi.ai/out/tk-1.png");
        assertThat(success.failCode()).isNull();

        answer(200, """
                {"code":200,"message":"success","data":{"taskId":"tk-1","model":"Nano-Banana-Pro","status":"fail",
                "created":1772366400,"completed":1772366405,
                "error":{"code":"CONTENT_POLICY","message":"the prompt was blocked"}}}""");
        TaskStatus fail = adapter.queryTask("tk-1");
        assertThat(fail.state()).isEqualTo(TaskState.FAIL);
        assertThat(fail.failCode()).isEqualTo("CONTENT_POLICY");
        assertThat(fail.failMessage()).isEqualTo("the prompt was blocked");
        assertThat(fail.resultUrls()).isEmpty();

        answer(200, status("paused-for-review", ""));
        assertThat(adapter.queryTask("tk-1").state()).isEqualTo(TaskState.UNKNOWN);
    }

    @Test
    void aNumericFailureCodeAndSeveralOutputsAreRead() {
        answer(200, status("fail", ",\"error\":{\"code\":500,\"message\":\"upstream error\"}"));
        assertThat(adapter.queryTask("tk-1").failCode()).isEqualTo("500");

        answer(200, status("success", ",\"output\":[{\"url\":\"https://a.example/1.png\"},"
                + "{\"url\":\"https://a.example/2.png\"}]"));
        assertThat(adapter.queryTask("tk-1").resultUrls())
                .containsExactly("https://a.example/1.png", "https://a.example/2.png");
    }

    @Test
    void successWithoutOutputIsReportedAsAFailureWithNothingToStore() {
        answer(200, status("success", ""));
        TaskStatus status = adapter.queryTask("tk-1");
        assertThat(status.state()).isEqualTo(TaskState.FAIL);
        assertThat(status.rawState()).isEqualTo("success");
        assertThat(status.failCode()).isEqualTo("no-result");
    }

    @Test
    void anotherAccountsTaskAnswers404AndStaysInFlight() {
        answer(404, "{\"code\":404,\"message\":\"task not found\",\"data\":null,\"error_code\":\"NOT_FOUND\"}");
        assertThatThrownBy(() -> adapter.queryTask("tk-other"))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY);
                    assertThat(e.httpStatus()).isEqualTo(404);
                });
        answer(401, "{\"code\":401,\"message\":\"invalid api key\",\"data\":null,\"error_code\":\"UNAUTHORIZED\"}");
        assertThatThrownBy(() -> adapter.queryTask("tk-1"))
                .isInstanceOfSatisfying(ProviderException.class,
                        e -> assertThat(e.failureClass()).isEqualTo(FailureClass.ACCOUNT));
    }

    @Test
    void theTaskIdIsPercentEncodedAsOnePathSegment() {
        answer(200, status("queued", ""));
        adapter.queryTask("tk 1/..?x");
        assertThat(requests()).containsExactly("GET /v1/tasks/tk%201%2F..%3Fx");
    }

    // ---- callbacks --------------------------------------------------------------------------------------------

    @Test
    void callbackTaskIdReadsTheStatusDataTheCallbackCarries() {
        String body = """
                {"taskId":"tk-42","model":"Nano-Banana-Pro","status":"success","created":1772366400,
                "completed":1772366412,"output":[{"url":"https://cdn.hiapi.ai/out/tk-42.png","type":"image",
                "expireAt":1772971212}]}""";
        assertThat(adapter.callbackTaskId(body)).contains("tk-42");
        assertThat(adapter.parseTask(JSON.readTree(body), "?").resultUrls())
                .containsExactly("https://cdn.hiapi.ai/out/tk-42.png");
        assertThat(adapter.callbackTaskId("{\"code\":200,\"data\":{\"taskId\":\"tk-43\"}}")).contains("tk-43");
        assertThat(adapter.callbackTaskId("{\"status\":\"success\"}")).isEmpty();
        assertThat(adapter.callbackTaskId("<html>")).isEmpty();
        assertThat(adapter.callbackTaskId("")).isEmpty();
    }

    @Test
    void withoutASecretEveryCallbackIsAccepted() {
        assertThat(adapter.verifyCallback(Map.of(), "{\"taskId\":\"tk-1\"}")).isTrue();
    }

    @Test
    void aSignedCallbackIsCheckedWithHmacSha256OverTimestampDotBody() throws Exception {
        HiApiAdapter signed = signedAdapter("whsec-test");
        String body = "{\"taskId\":\"tk-1\",\"status\":\"success\"}";
        String ts = Long.toString(NOW.getEpochSecond());
        String signature = hmacHex("whsec-test", ts + "." + body);

        assertThat(signed.verifyCallback(headers(ts, signature), body)).isTrue();
        assertThat(HiApiAdapter.sign("whsec-test", ts, body)).isEqualTo(signature);
        // header names in any case, hex in any case
        assertThat(signed.verifyCallback(Map.of("X-HiAPI-Timestamp", ts, "X-HiAPI-Signature",
                signature.toUpperCase()), body)).isTrue();

        assertThat(signed.verifyCallback(Map.of(), body)).isFalse();
        assertThat(signed.verifyCallback(Map.of("x-hiapi-timestamp", ts), body)).isFalse();
        assertThat(signed.verifyCallback(Map.of("x-hiapi-signature", signature), body)).isFalse();
        assertThat(signed.verifyCallback(headers(ts, signature), body.replace("success", "fail"))).isFalse();
        assertThat(signed.verifyCallback(headers(ts, hmacHex("another-secret", ts + "." + body)), body)).isFalse();
        assertThat(signed.verifyCallback(headers(ts, signature.substring(1)), body)).isFalse();
        assertThat(signed.verifyCallback(headers("yesterday", signature), body)).isFalse();
        // the timestamp is part of what is signed
        String later = Long.toString(NOW.getEpochSecond() + 1);
        assertThat(signed.verifyCallback(headers(later, signature), body)).isFalse();
    }

    @Test
    void aSignedCallbackMoreThanFiveMinutesFromNowIsRefused() throws Exception {
        HiApiAdapter signed = signedAdapter("whsec-test");
        String body = "{\"taskId\":\"tk-1\"}";
        for (long offset : List.of(-299L, 299L, -300L)) {
            String ts = Long.toString(NOW.getEpochSecond() + offset);
            assertThat(signed.verifyCallback(headers(ts, hmacHex("whsec-test", ts + "." + body)), body))
                    .as("offset %d s", offset).isTrue();
        }
        for (long offset : List.of(-301L, 301L, -86_400L)) {
            String ts = Long.toString(NOW.getEpochSecond() + offset);
            assertThat(signed.verifyCallback(headers(ts, hmacHex("whsec-test", ts + "." + body)), body))
                    .as("offset %d s", offset).isFalse();
        }
        // a millisecond timestamp is read as such (the unit is not documented)
        String millis = Long.toString(NOW.toEpochMilli() - 1000);
        assertThat(signed.verifyCallback(headers(millis, hmacHex("whsec-test", millis + "." + body)), body)).isTrue();
    }

    private static HiApiAdapter signedAdapter(String secret) {
        return new HiApiAdapter(new ProviderSettings(URI.create("http://127.0.0.1:9"), KEY, null, null, secret, null,
                null, null, null), Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private static Map<String, String> headers(String timestamp, String signature) {
        return Map.of("x-hiapi-timestamp", timestamp, "x-hiapi-signature", signature, "content-type",
                "application/json");
    }

    /** HMAC-SHA256 as the documentation describes it, computed here independently of the adapter. */
    private static String hmacHex(String secret, String message) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
    }

    // ---- task list (inferred shape) ---------------------------------------------------------------------------

    @Test
    void listTasksReadsTheInferredShapeAndMatchesARequest() throws Exception {
        answer(200, """
                {"code":200,"message":"success","data":{"items":[
                 {"taskId":"tk-2","model":"Nano-Banana-Pro","status":"handling","created":1772366460,"completed":0,
                  "input":{"prompt":"A luxury product photo of a banana on black marble","aspect_ratio":"auto",
                  "resolution":"1K","output_format":"png"}},
                 {"taskId":"tk-1","model":"Nano-Banana-Pro","status":"success","created":1772366400,
                  "completed":1772366412,"input":{"prompt":"something else"}}]}}""");
        List<TaskSummary> tasks = adapter.listTasks();
        assertThat(requests()).containsExactly("GET /v1/tasks");
        assertThat(server.last().header("Authorization")).isEqualTo("Bearer " + KEY);
        assertThat(tasks).extracting(TaskSummary::taskId).containsExactly("tk-2", "tk-1");
        assertThat(tasks.get(0).state()).isEqualTo(TaskState.RUNNING);
        assertThat(tasks.get(0).created()).isEqualTo(Instant.ofEpochSecond(1772366460));
        ImageRequest request = request();
        assertThat(tasks.get(0).matches(request)).isTrue();
        assertThat(tasks.get(1).matches(request)).isFalse();
        // a field the list leaves out counts as the documented default
        assertThat(new TaskSummary("tk-3", null, TaskState.QUEUED, "queued", null, request.prompt(), List.of(),
                null, null, null).matches(request)).isTrue();
        assertThat(new TaskSummary("tk-3", null, TaskState.QUEUED, "queued", null, request.prompt(),
                List.of("https://a.example/1.png"), null, null, null).matches(request)).isFalse();

        answer(200, "{\"code\":200,\"message\":\"success\",\"data\":[{\"taskId\":\"tk-9\",\"status\":\"queued\"}]}");
        assertThat(adapter.listTasks()).extracting(TaskSummary::taskId).containsExactly("tk-9");

        answer(404, "{\"code\":404,\"message\":\"not found\",\"data\":null,\"error_code\":\"NOT_FOUND\"}");
        assertThatThrownBy(() -> adapter.listTasks()).isInstanceOf(ProviderException.class);
    }

    // ---- input rules ------------------------------------------------------------------------------------------

    @Test
    void rowsThatBreakTheDocumentedRulesAreRejectedNamingRowColumnAndRule() {
        assertRejected(row(null, null, null, null, List.of()), "row 7, column prompt: empty");
        assertRejected(row("   ", null, null, null, List.of()), "row 7, column prompt: empty");
        assertRejected(row("y".repeat(10001), null, null, null, List.of()),
                "row 7, column prompt: 10001 characters", "1 to 10000 characters");
        assertRejected(row("a red bicycle", "7:3", null, null, List.of()), "row 7, column aspect_ratio: \"7:3\"",
                "auto, 1:1, 16:9");
        assertRejected(row("a red bicycle", null, "8K", null, List.of()), "row 7, column resolution: \"8K\"");
        assertRejected(row("a red bicycle", null, "medium", null, List.of()), "column resolution: \"medium\"");
        assertRejected(row("a red bicycle", null, null, "webp", List.of()), "row 7, column output_format: \"webp\"",
                "png, jpg");
        List<String> nine = new ArrayList<>();
        for (int i = 1; i <= 9; i++) {
            nine.add("https://a.example/" + i + ".png");
        }
        assertRejected(row("a red bicycle", null, null, null, nine), "row 7, column reference_images: 9 images",
                "at most 8");
        assertRejected(row("a red bicycle", null, null, null, List.of("data:image/png;base64,AAAA")),
                "row 7, column reference_images: a data URI", "URLs");
        assertRejected(row("a red bicycle", null, null, null, List.of("ftp://a.example/1.png")),
                "row 7, column reference_images", "not an http(s) URL");
        assertThatThrownBy(() -> adapter.prepare(row("a red bicycle", null, null, null, List.of()), "nano-banana-2",
                RequestDefaults.none()))
                .isInstanceOf(RowRejectedException.class)
                .hasMessageContaining("row 7, column model: \"nano-banana-2\" is not supported")
                .hasMessageContaining("Nano-Banana-Pro");
    }

    @Test
    void limitsAreInclusiveAndCountCharactersNotUtf16Units() throws Exception {
        assertThat(prepare(row("y".repeat(10000), null, null, null, List.of())).prompt()).hasSize(10000);
        assertThat(prepare(row("\uD83C\uDF4C".repeat(10000), null, null, null, List.of())).prompt()).hasSize(20000);
        assertThat(prepare(row("a", null, null, null, List.of())).prompt()).isEqualTo("a");
        List<String> eight = new ArrayList<>();
        for (int i = 1; i <= 8; i++) {
            eight.add("https://a.example/ref-" + i + "?sig=x"); // no file extension rule is documented
        }
        assertThat(prepare(row("a red bicycle", null, null, null, eight)).referenceImages()).hasSize(8);
    }

    @Test
    void defaultsComeFromTheRowThenTheBatchThenTheDocumentation() throws Exception {
        CatalogueRow blank = row("a red bicycle", null, null, null, List.of());
        ImageRequest documented = prepare(blank);
        assertThat(documented.provider()).isEqualTo("hiapi");
        assertThat(documented.model()).isEqualTo("Nano-Banana-Pro");
        assertThat(documented.aspectRatio()).isEqualTo("auto");
        assertThat(documented.resolution()).isEqualTo("1K");
        assertThat(documented.outputFormat()).isEqualTo("png");
        assertThat(documented.referenceImages()).isEmpty();

        ImageRequest batch = adapter.prepare(blank, HiApiAdapter.MODEL, new RequestDefaults("16:9", "4k", "jpeg"));
        assertThat(batch.aspectRatio()).isEqualTo("16:9");
        assertThat(batch.resolution()).isEqualTo("4K");
        assertThat(batch.outputFormat()).isEqualTo("jpg");

        ImageRequest rowWins = adapter.prepare(row("a red bicycle", "AUTO", "2k", "PNG", List.of()),
                HiApiAdapter.MODEL, new RequestDefaults("16:9", "4K", "jpg"));
        assertThat(rowWins.aspectRatio()).isEqualTo("auto");
        assertThat(rowWins.resolution()).isEqualTo("2K");
        assertThat(rowWins.outputFormat()).isEqualTo("png");

        assertThat(prepare(row("a red bicycle", null, null, "JPEG", List.of())).outputFormat()).isEqualTo("jpg");
        assertThat(prepare(row("a red bicycle", null, null, "Jpg", List.of())).outputFormat()).isEqualTo("jpg");
    }

    @Test
    void theModelIsAcceptedInAnyCaseAndSentInHiApisSpelling() throws Exception {
        CatalogueRow blank = row("a red bicycle", null, null, null, List.of());
        assertThat(adapter.prepare(blank, "nano-banana-pro", RequestDefaults.none()).model())
                .isEqualTo("Nano-Banana-Pro");
        assertThat(adapter.defaultModel()).isEqualTo("Nano-Banana-Pro");
        assertThat(adapter.models()).containsExactly("Nano-Banana-Pro");
        assertThat(adapter.name()).isEqualTo(HiApiAdapter.NAME).isEqualTo("hiapi");
    }

    @Test
    void everyDocumentedAspectRatioIsAccepted() throws Exception {
        for (String ratio : List.of("auto", "1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3", "5:4", "4:5", "21:9")) {
            assertThat(prepare(row("a red bicycle", ratio, null, null, List.of())).aspectRatio()).isEqualTo(ratio);
        }
    }

    private void assertRejected(CatalogueRow row, String... fragments) {
        assertThatThrownBy(() -> prepare(row))
                .isInstanceOf(RowRejectedException.class)
                .message().contains(fragments);
    }

    /** A status answer with the given status word and extra {@code data} fields (each starting with a comma). */
    private static String status(String status, String extra) {
        return "{\"code\":200,\"message\":\"success\",\"data\":{\"taskId\":\"tk-1\",\"model\":\"Nano-Banana-Pro\","
                + "\"status\":\"" + status + "\",\"created\":1772366400,\"completed\":0" + extra + "}}";
    }
}
