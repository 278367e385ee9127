package io.imagebatch.provider.liangxin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.sun.net.httpserver.HttpExchange;
import io.imagebatch.provider.FailureClass;
import io.imagebatch.provider.ProviderException;
import io.imagebatch.provider.ProviderHttp;
import io.imagebatch.provider.ProviderSettings;
import io.imagebatch.provider.TaskState;
import io.imagebatch.provider.TaskStatus;
import io.imagebatch.testsupport.ScriptedHttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The LiangXin adapter's status query against a hostile provider, over real HTTP (a scripted loopback server):
 * an answer that drips, one that never ends, one that echoes the API key. Every call ends on its own, within
 * its deadline and the answer size limit, and no key survives into what the adapter returns.
 */
class LiangXinHostileAnswersTest {

    private static final String KEY = "secret-key-123";
    private static final String OTHER_PROVIDERS_KEY = "hiapi-key-4567";
    /** Far beyond any wait below: a call that is not cut hangs until this fails the test. */
    private static final Duration HANG = Duration.ofSeconds(60);

    private final ScriptedHttpServer server = ScriptedHttpServer.start();
    private final AtomicLong bytesWritten = new AtomicLong();
    private final AtomicBoolean writerEnded = new AtomicBoolean();

    /** Answers every request with {@code handler}; {@link #writerEnded} is set once it stops writing. */
    private void script(ScriptedHttpServer.Script handler) {
        server.script(exchange -> {
            try {
                handler.handle(exchange);
            } finally {
                writerEnded.set(true);
            }
        });
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    private URI base() {
        return server.baseUrl();
    }

    private LiangXinAdapter adapter(Duration requestTimeout, long maxAnswerBytes) {
        return new LiangXinAdapter(new ProviderSettings(base(), KEY, null, requestTimeout, null, null, null, null,
                null), new ProviderHttp.Options(maxAnswerBytes, List.of(OTHER_PROVIDERS_KEY)));
    }

    /** Headers at once, then one byte of a valid answer every 300 ms, until the client goes or the test ends. */
    private void drip(HttpExchange exchange) throws IOException, InterruptedException {
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        byte[] answer = "{\"code\":200,\"msg\":\"success\",\"data\":{\"taskId\":\"t\",\"state\":\"generating\"}}"
                .getBytes(StandardCharsets.UTF_8);
        for (int i = 0; ; i = (i + 1) % answer.length) { // the pace is the server's, no test waits on it
            out.write(answer[i]);
            out.flush();
            bytesWritten.incrementAndGet();
            if (server.awaitStop(300)) {
                return;
            }
        }
    }

    /** A chunked JSON answer that never ends: a list of records, 64 KB at a time, as fast as it is read. */
    private void endless(HttpExchange exchange) throws IOException {
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        out.write("{\"code\":200,\"msg\":\"success\",\"data\":{\"taskId\":\"t\",\"junk\":[".getBytes(StandardCharsets.UTF_8));
        byte[] chunk = "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",".repeat(2048).getBytes(StandardCharsets.UTF_8);
        while (true) {
            out.write(chunk);
            bytesWritten.addAndGet(chunk.length);
        }
    }

    @Test
    void aStatusAnswerThatDripsIsCutAtTheRequestTimeout() {
        script(this::drip);
        LiangXinAdapter adapter = adapter(Duration.ofSeconds(2), 4 << 20);

        ProviderException e = assertTimeoutPreemptively(HANG,
                () -> catchProviderException(() -> adapter.queryTask("t")));

        assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY);
        assertThat(e.mayHaveReachedProvider()).isTrue();
        assertThat(e.getMessage()).contains("recordInfo", "no whole answer", "request-timeout", "cancelled");
        await().atMost(HANG).untilTrue(writerEnded); // the connection was closed, the server stopped writing
    }

    @Test
    void aStatusCallInFlightEndsAtTheTaskDeadlineWhenThatComesBeforeTheRequestTimeout() {
        script(this::drip);
        LiangXinAdapter adapter = adapter(Duration.ofMinutes(10), 4 << 20);

        ProviderException e = assertTimeoutPreemptively(HANG, () -> catchProviderException(
                () -> ProviderHttp.callsWithin(Duration.ofSeconds(1), () -> adapter.queryTask("t"))));

        assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY);
        assertThat(e.getMessage()).contains("the task's deadline");
        // past the deadline, nothing more is sent
        int sent = server.requestCount();
        assertThatThrownBy(() -> ProviderHttp.callsWithin(Duration.ZERO, () -> adapter.queryTask("t")))
                .isInstanceOfSatisfying(ProviderException.class,
                        n -> assertThat(n.mayHaveReachedProvider()).isFalse());
        assertThat(server.requestCount()).isEqualTo(sent);
    }

    @Test
    void anEndlessStatusAnswerIsAbandonedAtTheSizeLimitInsteadOfFillingTheHeap() {
        script(this::endless);
        long limit = 256 * 1024;
        LiangXinAdapter adapter = adapter(Duration.ofMinutes(10), limit);

        ProviderException e = assertTimeoutPreemptively(HANG,
                () -> catchProviderException(() -> adapter.queryTask("t")));

        assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY);
        assertThat(e.getMessage()).contains("longer than " + limit + " bytes", "imagebatch.http.max-answer-bytes");
        await().atMost(HANG).untilTrue(writerEnded);
        // cut near the limit, not read on for ever (socket buffers hold a few MB at most)
        assertThat(bytesWritten.get()).isLessThan(64L << 20);
    }

    @Test
    void anAnswerWhoseDeclaredLengthIsOverTheLimitIsNotRead() {
        script(exchange -> {
            byte[] body = ("{\"code\":200,\"data\":{\"taskId\":\"t\",\"state\":\"generating\",\"pad\":\""
                    + "x".repeat(10_000) + "\"}}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        });
        LiangXinAdapter adapter = adapter(Duration.ofSeconds(30), 1000);

        assertThatThrownBy(() -> adapter.queryTask("t")).isInstanceOfSatisfying(ProviderException.class,
                e -> assertThat(e.getMessage()).contains("longer than 1000 bytes"));
        // an answer under the limit is read as before
        assertThat(adapter(Duration.ofSeconds(30), 20_000).queryTask("t").state()).isEqualTo(TaskState.RUNNING);
    }

    @Test
    void aCallInFlightIsCancelledAtOnceWhenTheProcessStops() throws Exception {
        script(this::drip);
        LiangXinAdapter adapter = adapter(Duration.ofMinutes(10), 4 << 20);
        CompletableFuture<ProviderException> call = CompletableFuture.supplyAsync(
                () -> catchProviderException(() -> adapter.queryTask("t")));
        await().atMost(HANG).until(() -> bytesWritten.get() > 0);

        await().atMost(HANG).until(() -> {
            ProviderHttp.cancelCallsInFlight(); // as SIGTERM does
            return call.isDone();
        });

        assertThat(call.get().getMessage()).contains("cancelled");
        await().atMost(HANG).untilTrue(writerEnded);
    }

    @Test
    void anApiKeyEchoedInAStatusAnswerIsMaskedBeforeTheAdapterReadsIt() {
        script(exchange -> {
            byte[] body = ("{\"code\":200,\"msg\":\"success\",\"data\":{\"taskId\":\"t\",\"state\":\"fail\","
                    + "\"failCode\":\"E-" + KEY + "\",\"failMsg\":\"upstream refused Authorization: Bearer " + KEY
                    + " (also tried " + OTHER_PROVIDERS_KEY + ")\"}}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        });

        TaskStatus status = adapter(Duration.ofSeconds(30), 4 << 20).queryTask("t");

        assertThat(status.state()).isEqualTo(TaskState.FAIL);
        assertThat(status.failMessage()).contains("Bearer ***").doesNotContain(KEY).doesNotContain(OTHER_PROVIDERS_KEY);
        assertThat(status.failCode()).isEqualTo("E-***");
    }

    private static ProviderException catchProviderException(Runnable call) {
        try {
            call.run();
        } catch (ProviderException e) {
            return e;
        }
        throw new AssertionError("the call ended without a ProviderException");
    }
}
