package io.imagebatch.testsupport;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A scripted provider over real HTTP on the loopback interface, for the adapter tests: it answers every request
 * with the status and body set by {@link #answer} (adding {@code Retry-After: 7} to the statuses named by
 * {@link #retryAfterOn}, 429 by default), or runs a {@link Script} of the test's own (a dripping or endless
 * answer), and records every request it got ({@link #requests()}, {@link #last()}).
 *
 * <p>Each request is handled on a thread of its own, so a slow answer never holds up the next request. A script
 * that paces itself waits on {@link #awaitStop} rather than sleeping: {@link #close()} ends the wait at once.
 * The handler's I/O errors (the client went away, which is how a cut call looks from here) are swallowed and the
 * exchange is closed.
 */
public final class ScriptedHttpServer implements AutoCloseable {

    /** What the server does with one request; it may throw when the client goes away. */
    @FunctionalInterface
    public interface Script {
        /**
         * @param exchange the request, its body not read yet, and the answer to write
         * @throws IOException          when the client goes away
         * @throws InterruptedException when the server stops while the script waits
         */
        void handle(HttpExchange exchange) throws IOException, InterruptedException;
    }

    /**
     * One request as it arrived.
     *
     * @param method   the HTTP method
     * @param path     the path, percent-decoded
     * @param rawPath  the path as sent
     * @param rawQuery the query as sent, or null
     * @param headers  the request headers (names matched ignoring case)
     * @param body     the body as UTF-8 text ("" when the script read none)
     */
    public record Request(String method, String path, String rawPath, String rawQuery, Headers headers,
            String body) {

        /**
         * @param name a header name, any case
         * @return its first value, or null when absent
         */
        public String header(String name) {
            return headers.getFirst(name);
        }
    }

    private final HttpServer server;
    private final ExecutorService handlers = Executors.newCachedThreadPool();
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Set<Integer> retryAfterStatuses = ConcurrentHashMap.newKeySet();
    private volatile int nextStatus = 200;
    private volatile String nextBody = "";
    private volatile Script script;

    private ScriptedHttpServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        retryAfterStatuses.add(429);
        server.createContext("/", exchange -> {
            try {
                Script current = script;
                if (current != null) {
                    requests.add(record(exchange, ""));
                    current.handle(exchange);
                } else {
                    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                    requests.add(record(exchange, body));
                    answerCanned(exchange);
                }
            } catch (IOException | InterruptedException e) {
                // the client went away: what a cut call looks like from here
            } finally {
                exchange.close();
            }
        });
        server.setExecutor(handlers);
        server.start();
    }

    /**
     * Starts a server on {@code 127.0.0.1} and a free port, answering 200 with an empty body until told otherwise.
     *
     * @return the running server; close it after the test
     * @throws UncheckedIOException when no loopback port can be bound
     */
    public static ScriptedHttpServer start() {
        try {
            return new ScriptedHttpServer();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return {@code http://127.0.0.1:<port>}, without a trailing slash */
    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /**
     * Sets the answer to every following request (and drops any {@link #script}).
     *
     * @param status the HTTP status
     * @param body   the body, sent as UTF-8 with its length
     */
    public void answer(int status, String body) {
        this.script = null;
        this.nextStatus = status;
        this.nextBody = body;
    }

    /**
     * Adds {@code Retry-After: 7} (seconds) to canned answers with these statuses, besides 429.
     *
     * @param statuses HTTP statuses
     */
    public void retryAfterOn(int... statuses) {
        for (int status : statuses) {
            retryAfterStatuses.add(status);
        }
    }

    /**
     * Hands every following request to {@code script} instead of the canned answer. The request is recorded
     * first, with an empty body (the script reads the body if it wants it).
     *
     * @param script what to do with each request
     */
    public void script(Script script) {
        this.script = script;
    }

    /**
     * Waits until the server is closed or {@code millis} have passed: how a script paces itself (a drip).
     *
     * @param millis the longest wait, ms
     * @return true when the server was closed
     * @throws InterruptedException when interrupted
     */
    public boolean awaitStop(long millis) throws InterruptedException {
        return stopped.await(millis, TimeUnit.MILLISECONDS);
    }

    /** @return the requests received so far, oldest first (a copy) */
    public List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** @return how many requests were received so far */
    public int requestCount() {
        return requests.size();
    }

    /**
     * @return the latest request
     * @throws IllegalStateException when none was received
     */
    public Request last() {
        synchronized (requests) {
            if (requests.isEmpty()) {
                throw new IllegalStateException("no request was received");
            }
            return requests.get(requests.size() - 1);
        }
    }

    /** Stops the server at once and ends every script still running; closing again does nothing. */
    @Override
    public void close() {
        if (stopped.getCount() == 0) {
            return;
        }
        stopped.countDown();
        server.stop(0);
        handlers.shutdownNow();
    }

    private void answerCanned(HttpExchange exchange) throws IOException {
        int status = nextStatus;
        byte[] body = nextBody.getBytes(StandardCharsets.UTF_8);
        if (retryAfterStatuses.contains(status)) {
            exchange.getResponseHeaders().add("Retry-After", "7");
        }
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    private static Request record(HttpExchange exchange, String body) {
        URI uri = exchange.getRequestURI();
        return new Request(exchange.getRequestMethod(), uri.getPath(), uri.getRawPath(), uri.getRawQuery(),
                exchange.getRequestHeaders(), body);
    }
}
