package io.imagebatch.callback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.imagebatch.catalogue.CatalogueFormat;
import io.imagebatch.job.BatchSettings;
import io.imagebatch.job.BatchSettingsStore;
import io.imagebatch.ledger.BatchRegistry;
import io.imagebatch.ledger.FailureKind;
import io.imagebatch.ledger.LedgerEntry;
import io.imagebatch.ledger.RowState;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.provider.RequestDefaults;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The callback endpoint over real HTTP, against a real H2 ledger. An authenticated callback (the batch's token,
 * and for HiAPI a valid signature) of an in-flight task of a batch this process runs (holds the fence of) is
 * recorded as a status answer would be; otherwise a callback is a hint that makes the task due for a status
 * query, nothing more (docs/design.md, Callbacks). Forged, unknown and duplicate callbacks change nothing.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ExtendWith(OutputCaptureExtension.class)
class CallbackControllerTest {

    @TempDir
    static Path work;

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> "jdbc:h2:file:" + work.resolve("db/callbacks").toAbsolutePath());
        registry.add("imagebatch.providers.liangxin.base-url", () -> "http://127.0.0.1:9");
        registry.add("imagebatch.providers.liangxin.api-key", () -> "k");
        registry.add("imagebatch.providers.hiapi.base-url", () -> "http://127.0.0.1:9");
        registry.add("imagebatch.providers.hiapi.api-key", () -> "k");
        registry.add("imagebatch.providers.hiapi.callback-secret", () -> HIAPI_SECRET);
    }

    private static final String HIAPI_SECRET = "hiapi-callback-secret-for-tests";

    @LocalServerPort
    int port;
    @Autowired
    TaskLedger ledger;
    @Autowired
    BatchRegistry registry;
    @Autowired
    BatchSettingsStore batches;

    private final HttpClient http = HttpClient.newHttpClient();
    private String batchId;
    private String token;
    private final long farFuture = System.currentTimeMillis() + 3_600_000;

    @Autowired
    JdbcClient jdbc;

    @BeforeEach
    void aBatchWithOneTaskInFlight() {
        batchId = batches.save(new BatchSettings("cb" + System.nanoTime(), "/x.csv", "00", 1,
                CatalogueFormat.defaults(), "liangxin", null, RequestDefaults.none(), "file:out"));
        token = registry.callbackToken(batchId);
        ledger.insertIntent(batchId, 1, "A1", "liangxin", "nano-banana-pro-flash", "a red chair", "{}");
        ledger.markSubmitted(batchId, 1, "task_1", System.currentTimeMillis(), farFuture, farFuture);
    }

    @AfterEach
    void releaseFences() {
        registry.releaseFence(batchId);
    }

    /** This process runs the batch, as {@code run} does once it holds the batch's lock. */
    private void runHere(String batch) {
        registry.takeFence(batch, "pid 1 on test");
    }

    private static String failed(String taskId, String code, String message) {
        return "{\"code\":200,\"msg\":\"success\",\"data\":{\"taskId\":\"" + taskId + "\",\"state\":\"fail\","
                + "\"resultJson\":\"\",\"failCode\":\"" + code + "\",\"failMsg\":\"" + message + "\"}}";
    }

    private int post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private static String success(String taskId, String url) {
        return "{\"code\":200,\"msg\":\"success\",\"data\":{\"taskId\":\"" + taskId + "\",\"state\":\"success\","
                + "\"resultJson\":\"{\\\"resultUrls\\\":[\\\"" + url + "\\\"]}\"}}";
    }

    private LedgerEntry row() {
        return ledger.find(batchId, 1).orElseThrow();
    }

    @Test
    void theTokenIsLongAndRandomPerBatch() {
        assertThat(token).matches("[0-9a-f]{64}"); // 256 bits
        String other = batches.save(new BatchSettings("other" + System.nanoTime(), "/y.csv", "01", 1,
                CatalogueFormat.defaults(), "liangxin", null, RequestDefaults.none(), "file:out"));
        assertThat(registry.callbackToken(other)).isNotEqualTo(token);
        assertThat(registry.callbackToken(batchId)).isEqualTo(token);
    }

    @Test
    void aCallbackOfABatchThisProcessDoesNotRunOnlyMakesTheTaskDueNow() throws Exception {
        int status = post("/callbacks/liangxin/" + batchId + "/" + token,
                success("task_1", "https://evil.example/not-yours.png"));

        assertThat(status).isEqualTo(204);
        LedgerEntry after = row();
        assertThat(after.nextCheckAt()).isLessThanOrEqualTo(System.currentTimeMillis());
        // the process running the batch records the outcome: here, only its status query may
        assertThat(after.state()).isEqualTo(RowState.SUBMITTED);
        assertThat(after.resultUrl()).isNull();
    }

    @Test
    void anAuthenticatedCallbackOfABatchThisProcessRunsRecordsItsResultWithoutAStatusQuery() throws Exception {
        runHere(batchId);

        assertThat(post("/callbacks/liangxin/" + batchId + "/" + token, success("task_1", "https://cdn.example/a.png")))
                .isEqualTo(204);

        LedgerEntry after = row();
        assertThat(after.state()).isEqualTo(RowState.GENERATED);
        assertThat(after.resultUrl()).isEqualTo("https://cdn.example/a.png");
        assertThat(after.providerState()).isEqualTo("success");
        assertThat(after.polls()).as("no status query was made").isZero();
        assertThat(after.nextCheckAt()).as("its download is due now").isLessThanOrEqualTo(System.currentTimeMillis());
        // a second callback finds the task ended: its URL changes nothing
        post("/callbacks/liangxin/" + batchId + "/" + token, success("task_1", "https://cdn.example/b.png"));
        assertThat(row().resultUrl()).isEqualTo("https://cdn.example/a.png");
    }

    @Test
    void anAuthenticatedFailCallbackFailsTheRowAsAStatusQuerySayingFailedWould() throws Exception {
        ledger.insertIntent(batchId, 2, "A2", "liangxin", "nano-banana-pro-flash", "a blue chair", "{}");
        ledger.markSubmitted(batchId, 2, "task_2", System.currentTimeMillis(), farFuture, farFuture);
        runHere(batchId);

        post("/callbacks/liangxin/" + batchId + "/" + token, failed("task_1", "500", "internal error"));
        post("/callbacks/liangxin/" + batchId + "/" + token, failed("task_2", "400", "flagged as sensitive content"));

        LedgerEntry generationFailed = row();
        assertThat(generationFailed.state()).isEqualTo(RowState.FAILED);
        assertThat(generationFailed.errorCode()).isEqualTo("500");
        assertThat(generationFailed.error()).isEqualTo("the provider reported the generation failed: internal error");
        assertThat(generationFailed.failureKind()).isEqualTo(FailureKind.GENERATION_FAILED);
        LedgerEntry refused = ledger.find(batchId, 2).orElseThrow();
        assertThat(refused.state()).isEqualTo(RowState.FAILED);
        assertThat(refused.failureKind()).isEqualTo(FailureKind.CONTENT_POLICY);
    }

    @Test
    void forgedCallbacksChangeNothingForABatchThisProcessRuns() throws Exception {
        String foreign = batches.save(new BatchSettings("foreign" + System.nanoTime(), "/z.csv", "02", 1,
                CatalogueFormat.defaults(), "liangxin", null, RequestDefaults.none(), "file:out"));
        runHere(batchId);
        runHere(foreign);
        try {
            String url = success("task_1", "https://evil.example/a.png");
            post("/callbacks/liangxin/" + batchId + "/" + "0".repeat(64), url); // wrong token
            post("/callbacks/liangxin/" + foreign + "/" + registry.callbackToken(foreign), url); // another batch's
            post("/callbacks/liangxin/" + batchId + "/" + token, success("task_unknown", "https://evil.example/b.png"));
            post("/callbacks/liangxin/" + batchId + "/" + token.toUpperCase(java.util.Locale.ROOT), url);

            LedgerEntry after = row();
            assertThat(after.state()).isEqualTo(RowState.SUBMITTED);
            assertThat(after.resultUrl()).isNull();
            assertThat(after.nextCheckAt()).isEqualTo(farFuture);
        } finally {
            registry.releaseFence(foreign);
        }
    }

    @Test
    void aCallbackWithoutAResultUrlOnlyMakesTheTaskDueNow() throws Exception {
        runHere(batchId);
        String noUrl = "{\"code\":200,\"msg\":\"success\",\"data\":{\"taskId\":\"task_1\",\"state\":\"success\","
                + "\"resultJson\":\"{\\\"resultUrls\\\":[]}\"}}";

        post("/callbacks/liangxin/" + batchId + "/" + token, noUrl);

        LedgerEntry after = row();
        assertThat(after.state()).isEqualTo(RowState.SUBMITTED);
        assertThat(after.nextCheckAt()).isLessThanOrEqualTo(System.currentTimeMillis());
    }

    @Test
    void aCallbackAfterAnotherProcessTookTheBatchsLockRecordsNothing() throws Exception {
        runHere(batchId);
        // another process takes the lock: the database's generation moves on, this process's fence is stale
        jdbc.sql("UPDATE IB_BATCH SET LOCK_GENERATION = LOCK_GENERATION + 1 WHERE BATCH_ID = ?").param(batchId)
                .update();

        post("/callbacks/liangxin/" + batchId + "/" + token, success("task_1", "https://cdn.example/a.png"));

        LedgerEntry after = row();
        assertThat(after.state()).isEqualTo(RowState.SUBMITTED);
        assertThat(after.resultUrl()).isNull();
    }

    @Test
    void aHiApiCallbackIsTrustedOnlyWithAValidSignature() throws Exception {
        ledger.insertIntent(batchId, 3, "A3", "hiapi", "Nano-Banana-Pro", "a green chair", "{}");
        ledger.markSubmitted(batchId, 3, "tk-3", System.currentTimeMillis(), farFuture, farFuture);
        runHere(batchId);
        String body = "{\"taskId\":\"tk-3\",\"model\":\"Nano-Banana-Pro\",\"status\":\"success\","
                + "\"output\":[{\"url\":\"https://cdn.example/c.png\",\"type\":\"image\"}]}";
        String path = "/callbacks/hiapi/" + batchId + "/" + token;
        String now = String.valueOf(System.currentTimeMillis() / 1000);

        postSigned(path, body, null, null); // unsigned
        postSigned(path, body, now, hmac("another-secret", now + "." + body)); // signed with a wrong secret
        postSigned(path, body, now, hmac(HIAPI_SECRET, now + ".{}")); // the signature of another body
        assertThat(ledger.find(batchId, 3).orElseThrow().state()).isEqualTo(RowState.SUBMITTED);

        postSigned(path, body, now, hmac(HIAPI_SECRET, now + "." + body));

        LedgerEntry after = ledger.find(batchId, 3).orElseThrow();
        assertThat(after.state()).isEqualTo(RowState.GENERATED);
        assertThat(after.resultUrl()).isEqualTo("https://cdn.example/c.png");
        assertThat(after.polls()).isZero();
    }

    private void postSigned(String path, String body, String timestamp, String signature) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (timestamp != null) {
            request.header("X-HiAPI-Timestamp", timestamp).header("X-HiAPI-Signature", signature);
        }
        assertThat(http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(204);
    }

    /** HiAPI's signature: lower-case hex HMAC-SHA256 (docs/providers/hiapi.md). */
    private static String hmac(String secret, String text) throws Exception {
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return java.util.HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void forgedAndUnknownCallbacksChangeNothing() throws Exception {
        String wrongToken = "0".repeat(64);
        assertThat(post("/callbacks/liangxin/" + batchId + "/" + wrongToken, success("task_1", "https://x/a.png")))
                .isEqualTo(204);
        assertThat(post("/callbacks/liangxin/no-such-batch/" + token, success("task_1", "https://x/a.png")))
                .isEqualTo(204);
        assertThat(post("/callbacks/liangxin/" + batchId + "/" + token, success("task_other", "https://x/a.png")))
                .isEqualTo(204);
        assertThat(post("/callbacks/nosuchprovider/" + batchId + "/" + token, success("task_1", "https://x/a.png")))
                .isEqualTo(204);
        assertThat(post("/callbacks/liangxin/" + batchId + "/" + token, "not json at all")).isEqualTo(204);

        LedgerEntry after = row();
        assertThat(after.nextCheckAt()).isEqualTo(farFuture);
        assertThat(after.state()).isEqualTo(RowState.SUBMITTED);
    }

    @Test
    void aDuplicateCallbackForATaskThatIsAlreadyTerminalChangesNothing() throws Exception {
        ledger.polls().markGenerated(batchId, 1, "success", "https://cdn.example/a.png");
        ledger.downloads().markStored(batchId, 1, "file:/out/A1.png", "ab".repeat(32), 10);
        LedgerEntry before = row();

        post("/callbacks/liangxin/" + batchId + "/" + token, success("task_1", "https://cdn.example/b.png"));
        post("/callbacks/liangxin/" + batchId + "/" + token, success("task_1", "https://cdn.example/b.png"));

        LedgerEntry after = row();
        assertThat(after.state()).isEqualTo(RowState.STORED);
        assertThat(after.outputUri()).isEqualTo(before.outputUri());
        assertThat(after.nextCheckAt()).isEqualTo(before.nextCheckAt());
        assertThat(after.updatedAt()).isEqualTo(before.updatedAt());
    }

    /**
     * Sends a request on a raw socket: headers declaring {@code declaredLength} body bytes, then only
     * {@code sentBytes} of them, and reads the status line the server answers with (or fails after 30 s).
     */
    private String statusLineOfAPartlySentPost(String path, long declaredLength, int sentBytes) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + declaredLength + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[sentBytes]);
            out.flush();
            return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
        }
    }

    @Test
    void aCallbackWithAWrongTokenOrUnknownBatchIsAnswered204WithoutItsBodyBeingRead() throws Exception {
        long oneGigabyte = 1L << 30;
        // only 64 KB of the declared gigabyte are sent: an answer proves the body was not waited for
        assertThat(statusLineOfAPartlySentPost("/callbacks/liangxin/" + batchId + "/" + "0".repeat(64), oneGigabyte,
                65536)).isEqualTo("HTTP/1.1 204 ");
        assertThat(statusLineOfAPartlySentPost("/callbacks/liangxin/no-such-batch/" + token, oneGigabyte, 65536))
                .isEqualTo("HTTP/1.1 204 ");
        assertThat(row().nextCheckAt()).isEqualTo(farFuture);
    }

    @Test
    void aCallbackBodyOverTheLimitIsAnswered413AndChangesNothing() throws Exception {
        String path = "/callbacks/liangxin/" + batchId + "/" + token;
        // declared too long: refused before reading
        assertThat(statusLineOfAPartlySentPost(path, 2L << 20, 1024)).startsWith("HTTP/1.1 413");
        // sent too long without a length (chunked): refused after 1 MiB and a byte
        byte[] big = (success("task_1", "https://x/a.png") + " ".repeat(2 << 20)).getBytes(StandardCharsets.UTF_8);
        int status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
        assertThat(status).isEqualTo(413);
        assertThat(row().nextCheckAt()).isEqualTo(farFuture);
        // under the limit, as before
        assertThat(post(path, success("task_1", "https://x/a.png"))).isEqualTo(204);
        assertThat(row().nextCheckAt()).isLessThanOrEqualTo(System.currentTimeMillis());
    }

    @Test
    void aLineBreakInACallbackPathIsRefusedBeforeTheControllerAndNeverForgesALogLine(CapturedOutput output)
            throws Exception {
        // Spring Security's StrictHttpFirewall refuses an encoded line break in the path (400) before any
        // controller or log line sees it
        assertThat(post("/callbacks/liangxin/x%0d%0aFORGED%20ERROR%20line/" + token, "{}")).isEqualTo(400);

        assertThat(output.getOut().lines()).noneMatch(line -> line.startsWith("FORGED"));
    }

    @Test
    void aTerminalControlInACallbackPathCannotForgeALogLine(CapturedOutput output) throws Exception {
        // the firewall lets these through: the controller escapes them where it logs the batch id
        assertThat(post("/callbacks/liangxin/x%1b%5b2J%07FORGED%20ERROR%20line/" + token, "{}"))
                .isEqualTo(204);

        await().atMost(Duration.ofSeconds(30)).until(() -> output.getOut().contains("callback ignored"));
        assertThat(output.getOut()).contains("(batch x\\u001b[2J\\u0007FORGED ERROR line)");
        assertThat(output.getOut().lines()).noneMatch(line -> line.startsWith("FORGED"));
        assertThat(output.getOut()).doesNotContain("\u001b[2J").doesNotContain("\u0007");
    }
}
