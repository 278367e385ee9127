package io.imagebatch.testsupport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A LiangXin provider on the loopback interface whose every task succeeds at once and whose result image the test
 * scripts, for tests of what the job does with a result (a hostile image, one no rendition can be made of).
 *
 * <p>{@code createTask} answers the taskId {@code t-<kind>}, where kind is the first of the given kinds the
 * request's body contains (so a row's prompt picks its kind), and 400 when it contains none; {@code recordInfo}
 * answers {@code success} with the result URL {@code /img/t-<kind>} on this server; that URL is served by the
 * test's {@link Result}. The paths and the envelope follow docs/providers/liangxin.md. Each request runs on a
 * thread of its own, so a dripping result never holds up the job's other requests.
 */
public final class LoopbackLiangXin implements AutoCloseable {

    /** Serves the result image of one kind; may write slowly and throw when the job gives up. */
    @FunctionalInterface
    public interface Result {
        /**
         * @param kind     the kind named by the task
         * @param exchange the GET of its result URL; the handler sends headers and body (the exchange is closed
         *                 after it returns or throws)
         * @throws IOException          when the client goes away
         * @throws InterruptedException when the server stops while the handler waits
         */
        void serve(String kind, HttpExchange exchange) throws IOException, InterruptedException;
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();

    private LoopbackLiangXin(List<String> kinds, Result result) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/api/v1/jobs/createTask", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String kind = kinds.stream().filter(body::contains).findFirst().orElse(null);
            if (kind == null) {
                json(exchange, 400, "{\"code\":400,\"msg\":\"no kind in the prompt\"}");
                return;
            }
            json(exchange, 200, "{\"code\":200,\"msg\":\"success\",\"data\":{\"taskId\":\"t-" + kind + "\"}}");
        });
        server.createContext("/api/v1/jobs/recordInfo", exchange -> {
            String taskId = exchange.getRequestURI().getQuery().replace("taskId=", "");
            String url = baseUrl() + "/img/" + taskId;
            json(exchange, 200, "{\"code\":200,\"msg\":\"success\",\"data\":{\"taskId\":\"" + taskId
                    + "\",\"state\":\"success\",\"resultJson\":\"{\\\"resultUrls\\\":[\\\"" + url + "\\\"]}\"}}");
        });
        server.createContext("/img/", exchange -> {
            try (exchange) {
                result.serve(exchange.getRequestURI().getPath().substring("/img/t-".length()), exchange);
            } catch (IOException | InterruptedException e) {
                // the job gave up on this result (a drip, a cut): nothing to answer
            }
        });
        server.start();
    }

    /**
     * Starts the provider on a free loopback port.
     *
     * @param kinds  the kinds a prompt may name, matched in this order
     * @param result serves each kind's result image
     * @return the running provider; close it after the test
     * @throws IOException when no loopback port can be bound
     */
    public static LoopbackLiangXin start(List<String> kinds, Result result) throws IOException {
        return new LoopbackLiangXin(kinds, result);
    }

    /**
     * Answers a result with the given bytes at once.
     *
     * @param exchange    the GET of the result URL
     * @param contentType the Content-Type to declare
     * @param body        the bytes
     * @throws IOException when the client goes away
     */
    public static void send(HttpExchange exchange, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
    }

    /** @return {@code http://127.0.0.1:<port>}, the value for {@code imagebatch.providers.liangxin.base-url} */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Stops the server at once and ends its handlers' threads. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private static void json(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
