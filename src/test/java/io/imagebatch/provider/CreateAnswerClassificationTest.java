package io.imagebatch.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.imagebatch.provider.crun.CrunAdapter;
import io.imagebatch.provider.hiapi.HiApiAdapter;
import io.imagebatch.provider.liangxin.LiangXinAdapter;
import io.imagebatch.provider.mingyan.MingyanAdapter;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What each adapter's create call makes of an error answer, served over real HTTP by a scripted loopback server:
 * only the answers the providers document for an invalid request (400, 413, 422) reject a row; an answer that
 * says the address is wrong (404, a redirect, 405, 415) is a configuration problem that names the URL and the
 * status; a 502 or 504 may hide a task that was made (README, failure table).
 */
class CreateAnswerClassificationTest {

    private HttpServer server;
    private final AtomicReference<Integer> status = new AtomicReference<>(200);
    private final AtomicReference<String> body = new AtomicReference<>("{}");

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                byte[] bytes = body.get().getBytes(StandardCharsets.UTF_8);
                if (status.get() / 100 == 3) {
                    exchange.getResponseHeaders().set("Location", "https://elsewhere.example.com/");
                }
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(status.get(), bytes.length == 0 ? -1 : bytes.length);
                if (bytes.length > 0) {
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(bytes);
                    }
                }
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/wrong-path");
    }

    /** Each adapter, with a request it would send. */
    static Stream<String> providers() {
        return Stream.of("liangxin", "mingyan", "hiapi", "crun");
    }

    private ProviderAdapter adapter(String provider) {
        ProviderSettings settings = ProviderSettings.of(base(), "key-not-to-be-seen");
        return switch (provider) {
            case "liangxin" -> new LiangXinAdapter(settings);
            case "mingyan" -> new MingyanAdapter(settings);
            case "hiapi" -> new HiApiAdapter(settings);
            default -> new CrunAdapter(settings);
        };
    }

    private static ImageRequest request(ProviderAdapter adapter) {
        return new ImageRequest(adapter.name(), adapter.defaultModel(), "a red bicycle", "1:1", "1K", "png",
                List.of());
    }

    private ProviderException createAnswered(String provider, int httpStatus, String answerBody) {
        status.set(httpStatus);
        body.set(answerBody);
        ProviderAdapter adapter = adapter(provider);
        return (ProviderException) org.assertj.core.api.Assertions.catchThrowable(
                () -> adapter.createTask(request(adapter), null));
    }

    static Stream<Arguments> addressAnswers() {
        return providers().flatMap(p -> Stream.of(404, 405, 415, 301, 302, 307, 410).map(s -> Arguments.of(p, s)));
    }

    @ParameterizedTest(name = "{0} create answered {1}")
    @MethodSource("addressAnswers")
    void anAnswerThatSaysTheAddressIsWrongIsAConfigurationProblemNamingTheUrlAndStatusNotARowRejection(
            String provider, int httpStatus) {
        ProviderException e = createAnswered(provider, httpStatus, httpStatus / 100 == 3 ? ""
                : "<html><body>" + httpStatus + " Whitelabel Error Page</body></html>");

        assertThat(e).isNotNull();
        assertThat(e.failureClass()).isEqualTo(FailureClass.CONFIGURATION);
        assertThat(e.httpStatus()).isEqualTo(httpStatus);
        assertThat(e.getMessage()).contains("HTTP " + httpStatus).contains(base().toString())
                .doesNotContain("key-not-to-be-seen");
        assertThat(e.mayHaveReachedProvider()).isFalse();
    }

    static Stream<Arguments> invalidRequestAnswers() {
        return providers().flatMap(p -> Stream.of(400, 413, 422).map(s -> Arguments.of(p, s)));
    }

    @ParameterizedTest(name = "{0} create answered {1}")
    @MethodSource("invalidRequestAnswers")
    void onlyTheDocumentedInvalidRequestAnswersRejectTheRow(String provider, int httpStatus) {
        ProviderException e = createAnswered(provider, httpStatus,
                "{\"code\":" + httpStatus + ",\"msg\":\"input.prompt is invalid\",\"message\":\"invalid request\","
                        + "\"data\":null}");

        assertThat(e.failureClass()).isEqualTo(FailureClass.ROW_INVALID);
        assertThat(e.mayHaveReachedProvider()).isFalse();
    }

    static Stream<Arguments> gatewayAnswers() {
        return providers().flatMap(p -> Stream.of(502, 504).map(s -> Arguments.of(p, s)));
    }

    @ParameterizedTest(name = "{0} create answered {1}")
    @MethodSource("gatewayAnswers")
    void aGatewayErrorToACreateMayHideATaskLikeADroppedAnswer(String provider, int httpStatus) {
        ProviderException e = createAnswered(provider, httpStatus, "<html>Bad Gateway</html>");

        assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY);
        assertThat(e.mayHaveReachedProvider()).as("a task may exist behind a " + httpStatus).isTrue();
    }

    static Stream<Arguments> busyAnswers() {
        return providers().flatMap(p -> Stream.of(500, 503).map(s -> Arguments.of(p, s)));
    }

    @ParameterizedTest(name = "{0} create answered {1}")
    @MethodSource("busyAnswers")
    void aServerErrorThatMadeNoTaskIsStillRetried(String provider, int httpStatus) {
        ProviderException e = createAnswered(provider, httpStatus,
                "{\"code\":" + httpStatus + ",\"msg\":\"temporarily unavailable\",\"data\":null}");

        assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY);
        assertThat(e.mayHaveReachedProvider()).isFalse();
    }
}
