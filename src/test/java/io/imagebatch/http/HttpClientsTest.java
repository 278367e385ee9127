package io.imagebatch.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The project's one HTTP client configuration, against a real loopback server (README, "A real provider"). */
class HttpClientsTest {

    @Test
    void aRedirectIsAnsweredAsItsStatusNeverFollowed() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        AtomicInteger targetHits = new AtomicInteger();
        server.createContext("/moved", exchange -> {
            exchange.getResponseHeaders().add("Location", "/target");
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        server.createContext("/target", exchange -> {
            targetHits.incrementAndGet();
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        try {
            HttpClient client = HttpClients.create(Duration.ofSeconds(5));
            assertThat(client.followRedirects()).isEqualTo(HttpClient.Redirect.NEVER);
            assertThat(client.connectTimeout()).contains(Duration.ofSeconds(5));
            HttpResponse<Void> response = client.send(HttpRequest.newBuilder(URI.create("http://"
                    + server.getAddress().getHostString() + ":" + server.getAddress().getPort() + "/moved"))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.discarding());
            assertThat(response.statusCode()).isEqualTo(302);
            assertThat(targetHits).hasValue(0);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aRefusedConnectionIsKnownNotSentAndUnwrappedFromItsFuture() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        HttpClient client = HttpClients.create(Duration.ofSeconds(5), null);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + closedPort + "/"))
                .timeout(Duration.ofSeconds(30)).build();
        assertThatThrownBy(() -> client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).get())
                .isInstanceOfSatisfying(ExecutionException.class, e -> {
                    Throwable failure = HttpClients.unwrap(e);
                    assertThat(failure).isInstanceOf(ConnectException.class);
                    assertThat(HttpClients.notSent(failure)).isTrue();
                    assertThat(HttpClients.isTimeout(failure)).isFalse();
                });
    }

    @Test
    void aFailureAfterConnectingMayHaveBeenSent() {
        IOException reset = new IOException("connection reset");
        assertThat(HttpClients.unwrap(new CompletionException(new ExecutionException(reset)))).isSameAs(reset);
        assertThat(HttpClients.notSent(reset)).isFalse();
        assertThat(HttpClients.notSent(new IOException("wrapped", new ConnectException("refused")))).isTrue();
    }

    @Test
    void aMissingConnectTimeoutIsRefused() {
        assertThatThrownBy(() -> HttpClients.create(null)).isInstanceOf(NullPointerException.class);
    }
}
