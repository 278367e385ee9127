package io.imagebatch.sandbox;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;

/** A little webhook endpoint for the tests: records every POSTed body; answers 500 to the first few. */
final class CallbackReceiver implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService pool = Executors.newFixedThreadPool(2);
    private final BlockingQueue<JsonNode> bodies = new LinkedBlockingQueue<>();

    private CallbackReceiver(int failFirst) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 16);
        AtomicInteger failuresLeft = new AtomicInteger(failFirst);
        server.createContext("/callback", exchange -> {
            try (exchange) {
                bodies.add(LiangXinClient.JSON.readTree(exchange.getRequestBody().readAllBytes()));
                int status = failuresLeft.getAndDecrement() > 0 ? 500 : 200;
                exchange.sendResponseHeaders(status, -1);
            }
        });
        server.setExecutor(pool);
        server.start();
    }

    /** @param failFirst how many deliveries to answer 500 before answering 200 */
    static CallbackReceiver start(int failFirst) throws IOException {
        return new CallbackReceiver(failFirst);
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/callback");
    }

    JsonNode next(Duration timeout) throws InterruptedException {
        JsonNode body = bodies.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(body, "no callback within " + timeout);
        return body;
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
