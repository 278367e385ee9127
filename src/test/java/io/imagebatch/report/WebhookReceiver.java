package io.imagebatch.report;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A webhook for tests: a JDK {@link HttpServer} on loopback that records every request it gets and answers
 * with a settable status (and, when asked, only after a delay).
 */
final class WebhookReceiver implements AutoCloseable {

    /** One request as received. */
    record Call(String method, String path, String query, String contentType, String body) {
    }

    private final HttpServer server;
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private volatile int status;
    private volatile boolean holding;
    private final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    private final java.util.concurrent.atomic.AtomicInteger answered = new java.util.concurrent.atomic.AtomicInteger();

    private WebhookReceiver(int status) {
        this.status = status;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            calls.add(new Call(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                    exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders().getFirst("Content-Type"),
                    new String(body, StandardCharsets.UTF_8)));
            if (holding) {
                try {
                    release.await(120, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            int answer = this.status;
            if (answer == 302) {
                exchange.getResponseHeaders().add("Location", "/elsewhere");
            }
            answered.incrementAndGet();
            exchange.sendResponseHeaders(answer, -1);
            exchange.close();
        });
        server.start();
    }

    /** @return a receiver answering {@code status} to every request */
    static WebhookReceiver answering(int status) {
        return new WebhookReceiver(status);
    }

    /** Holds every answer back until {@link #close()}: a webhook that does not answer while the test runs. */
    WebhookReceiver holding() {
        this.holding = true;
        return this;
    }

    /** @return how many requests were answered so far */
    int answered() {
        return answered.get();
    }

    /** @return the URL to configure, with a secret-looking token in its query string */
    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hooks/imagebatch?token=s3cr3t-t0ken");
    }

    /** @return the requests received so far */
    List<Call> calls() {
        return List.copyOf(calls);
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
    }
}
