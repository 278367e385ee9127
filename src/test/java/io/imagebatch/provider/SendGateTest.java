package io.imagebatch.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.imagebatch.provider.liangxin.LiangXinAdapter;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link SendGate} with a real adapter over real HTTP to a loopback server that handles one request at a time and
 * records the bodies it received whole: a create whose gate says no (or fails) never reaches the server.
 */
class SendGateTest {

    private HttpServer server;
    private final List<String> received = new CopyOnWriteArrayList<>();
    private ProviderAdapter adapter;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        // no executor: the dispatcher thread handles the requests one after the other
        server.createContext("/", exchange -> {
            try (exchange) {
                byte[] body = exchange.getRequestBody().readAllBytes();
                String length = exchange.getRequestHeaders().getFirst("Content-Length");
                if (length != null && Integer.parseInt(length) == body.length) {
                    received.add(new String(body, StandardCharsets.UTF_8));
                }
                byte[] answer = ("{\"code\":200,\"msg\":\"success\",\"data\":{\"taskId\":\"task-" + received.size()
                        + "\"}}").getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, answer.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(answer);
                }
            } catch (IOException cutShort) {
                // the client gave up on the request: nothing was received whole
            }
        });
        server.start();
        adapter = new ThrottledProvider(new LiangXinAdapter(ProviderSettings.of(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort()), "key")),
                new ProviderThrottle("liangxin", null, 4));
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static ImageRequest request(String prompt) {
        return new ImageRequest("liangxin", "nano-banana-pro-flash", prompt, "1:1", "1K", "png", List.of());
    }

    @Test
    void aCreateWhoseCallerWithdrawsBeforeItsBodyLeavesNeverReachesTheProvider() {
        AtomicInteger asked = new AtomicInteger();

        Optional<String> withdrawn = adapter.createTaskIf(request("withdrawn fox"), null, () -> {
            asked.incrementAndGet();
            return false;
        });
        // a later create, handled after whatever reached the server of the first
        Optional<String> sent = adapter.createTaskIf(request("sent owl"), null, () -> true);

        assertThat(withdrawn).isEmpty();
        assertThat(asked.get()).isEqualTo(1);
        assertThat(sent).isPresent();
        assertThat(received).hasSize(1).allSatisfy(body -> assertThat(body).contains("sent owl"));
    }

    @Test
    void aGateThatFailsSendsNothingAndItsErrorReachesTheCaller() {
        assertThatThrownBy(() -> adapter.createTaskIf(request("failing fox"), null, () -> {
            throw new IllegalStateException("the ledger is down");
        })).isInstanceOf(IllegalStateException.class).hasMessage("the ledger is down");

        assertThat(adapter.createTaskIf(request("sent owl"), null, () -> true)).isPresent();
        assertThat(received).hasSize(1).allSatisfy(body -> assertThat(body).contains("sent owl"));
    }

    @Test
    void aCreateWhoseCallerAgreesIsSentOnceWithItsBody() {
        AtomicInteger asked = new AtomicInteger();

        Optional<String> taskId = adapter.createTaskIf(request("a red bicycle"), null, () -> {
            asked.incrementAndGet();
            return true;
        });

        assertThat(taskId).contains("task-1");
        assertThat(asked.get()).isEqualTo(1);
        assertThat(received).singleElement().satisfies(body -> assertThat(body).contains("a red bicycle"));
    }
}
