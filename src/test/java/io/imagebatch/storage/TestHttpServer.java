package io.imagebatch.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A JDK {@link HttpServer} on a random loopback port for download tests. Routes match the request path only, so
 * the server also works as an HTTP proxy for made-up host names ({@link #asProxy()}): the JDK client then sends
 * absolute-form requests, recorded in {@link #requests()}. {@link #raw(String, RawResponse)} registers a path
 * whose response is written byte by byte on the socket (bodies cut short, stalls), served by a second, raw
 * listener on {@link #rawBase()}.
 */
final class TestHttpServer implements AutoCloseable {

    /** Writes a whole HTTP response, status line included, on a raw socket. */
    @FunctionalInterface
    interface RawResponse {
        void write(OutputStream out) throws IOException, InterruptedException;
    }

    /** Handles a routed request. */
    @FunctionalInterface
    interface Handler {
        void handle(HttpExchange exchange) throws IOException;
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Map<String, Handler> routes = new ConcurrentHashMap<>();
    private final Map<String, RawResponse> rawRoutes = new ConcurrentHashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final ServerSocket rawSocket;
    private volatile boolean closed;

    TestHttpServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            requests.add(exchange.getRequestURI().toString());
            Handler handler = routes.get(exchange.getRequestURI().getPath());
            try {
                if (handler == null) {
                    exchange.sendResponseHeaders(404, -1);
                } else {
                    handler.handle(exchange);
                }
            } finally {
                exchange.close();
            }
        });
        server.setExecutor(executor);
        server.start();
        rawSocket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        executor.execute(this::acceptRaw);
    }

    /** @return {@code http://127.0.0.1:PORT} */
    URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** @return {@code http://127.0.0.1:PORT} of the raw listener */
    URI rawBase() {
        return URI.create("http://127.0.0.1:" + rawSocket.getLocalPort());
    }

    /** @return a proxy selector that sends every request to this server */
    ProxySelector asProxy() {
        return ProxySelector.of(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                server.getAddress().getPort()));
    }

    /** @return request URIs as received, in order (absolute-form when used as a proxy) */
    List<String> requests() {
        return requests;
    }

    void route(String path, Handler handler) {
        routes.put(path, handler);
    }

    /** Serves {@code body} with status 200, the given Content-Type and a Content-Length. */
    void serve(String path, byte[] body, String contentType) {
        route(path, exchange -> {
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
    }

    /** Serves {@code body} with status 200 and chunked transfer encoding: no Content-Length. */
    void serveChunked(String path, byte[] body, String contentType) {
        route(path, exchange -> {
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                for (int off = 0; off < body.length; off += 1000) {
                    out.write(body, off, Math.min(1000, body.length - off));
                    out.flush();
                }
            }
        });
    }

    void status(String path, int status) {
        route(path, exchange -> {
            byte[] body = ("<html>error " + status + "</html>").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/html");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
    }

    void redirect(String path, int status, String location) {
        route(path, exchange -> {
            exchange.getResponseHeaders().set("Location", location);
            exchange.sendResponseHeaders(status, -1);
        });
    }

    void raw(String path, RawResponse response) {
        rawRoutes.put(path, response);
    }

    private void acceptRaw() {
        while (!closed) {
            try {
                Socket socket = rawSocket.accept();
                executor.execute(() -> serveRaw(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serveRaw(Socket socket) {
        try (socket) {
            String head = readHead(socket.getInputStream());
            String target = head.split(" ", 3)[1];
            requests.add(target);
            RawResponse response = rawRoutes.get(URI.create(target).getPath());
            OutputStream out = socket.getOutputStream();
            if (response == null) {
                out.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
            } else {
                response.write(out);
            }
            out.flush();
        } catch (IOException | RuntimeException e) {
            // the client went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            sb.append((char) c);
            if (sb.length() >= 4 && sb.substring(sb.length() - 4).equals("\r\n\r\n")) {
                break;
            }
        }
        return sb.toString();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.stop(0);
        rawSocket.close();
        executor.shutdownNow();
    }
}
