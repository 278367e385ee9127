package io.imagebatch.sandbox;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * A local stand-in for the image providers: an HTTP server on 127.0.0.1 that speaks their APIs as documented, so
 * the real job, HTTP client and adapters run end to end with no network (the demo's {@code --sandbox}, and the
 * tests). It speaks LiangXin's market API ({@code /api/v1/jobs/createTask}, {@code /api/v1/jobs/recordInfo},
 * see docs/providers/liangxin.md and liangxin-nano-banana-pro-flash-reference.txt, {@link LiangXinProtocol}) and
 * mingyan's Nano Banana API ({@code /v1/banana/images}, {@code /v1/result/{id}}, docs/providers/mingyan.md,
 * {@link MingyanProtocol}); each protocol is one class plugged into the shared server, task store and file
 * endpoint, all on the one port and with the one key ({@link #API_KEY}).
 *
 * <p>Endpoints besides the protocols':
 * <ul>
 * <li>{@code GET /files/<taskId>.png}: the result image of a successful task, a real PNG whose pixel size
 *     follows the requested aspect ratio and resolution (Gemini sizes, for example 1376x768 for 16:9 at 1K),
 *     with {@code Content-Length}; no API key, no 500s or 429s; 404 until the task has succeeded. A fraction
 *     {@link SandboxSettings#downloadCutRate()} is cut short: the full {@code Content-Length}, half the body,
 *     then the connection closes.</li>
 * <li>{@code GET /sandbox/stats}: {@link #stats()} as JSON, field names as in {@link SandboxStats}.</li>
 * </ul>
 *
 * <p>Tasks move through waiting, queuing, generating to success or fail over a generation time drawn per task
 * ({@link SandboxSettings}). Faults, in this order, answer an API request before it is served: the outage switch
 * ({@link #failEveryRequestWith}), random HTTP 500s ({@link SandboxSettings#serverErrorRate()}), random HTTP 429s
 * with {@code Retry-After: 1} ({@link SandboxSettings#tooManyRequestsRate()}), the rate limit (HTTP 429 with
 * {@code Retry-After}); then a wrong key answers 401. After a create has made its task, a fraction
 * {@link SandboxSettings#createDropRate()} of the answers is dropped: the connection is closed without a byte of
 * response, the task stays (it runs, calls back and is counted like any other) and its prompt is counted in
 * {@link SandboxStats#droppedCreatesByPrompt()}. Request bodies over
 * {@value #MAX_BODY_BYTES} bytes answer 413 (the documented status; the limit itself is the sandbox's choice).
 *
 * <p>Thread-safe: requests are served by a pool of {@value #HTTP_THREADS} threads; callbacks are sent from a
 * pool of their own. Close it to stop the server and every thread it started.
 *
 * <p>Loading this class sets the JVM-wide system property {@code sun.net.httpserver.nodelay=true} unless it is
 * already set: without it the JDK's HTTP server answers each keep-alive request about 40 ms late (Nagle's
 * algorithm meeting delayed ACKs). It takes effect only if no {@code HttpServer} was created in the JVM before.
 */
public final class SandboxProvider implements AutoCloseable {

    /** The only API key the sandbox accepts, sent as {@code Authorization: Bearer sandbox-key}. */
    public static final String API_KEY = "sandbox-key";

    /** Threads serving HTTP requests. */
    static final int HTTP_THREADS = 16;
    /** Largest request body accepted, in bytes (10 MiB); larger bodies answer 413. */
    static final int MAX_BODY_BYTES = 10 * 1024 * 1024;
    /** Rendered images kept for repeated downloads. */
    static final int IMAGE_CACHE_SIZE = 64;

    private static final String STATS_PATH = "/sandbox/stats";
    private static final String NODELAY_PROPERTY = "sun.net.httpserver.nodelay";
    private static final Logger log = LoggerFactory.getLogger(SandboxProvider.class);

    static {
        // The JDK server writes headers and body as two segments; without TCP_NODELAY, Nagle's algorithm and the
        // client's delayed ACK stall every keep-alive response by about 40 ms. The JDK reads this JVM-wide
        // property once, when the first HttpServer is created, so set it before that (unless the user chose).
        if (System.getProperty(NODELAY_PROPERTY) == null) {
            System.setProperty(NODELAY_PROPERTY, "true");
        }
    }

    private final HttpServer server;
    private final ExecutorService httpPool;
    private final ScheduledExecutorService scheduler;
    private final CallbackSender callbacks;
    private final StatsCounter stats = new StatsCounter();
    private final FaultGate faults;
    private final FilesEndpoint files;
    private final JsonMapper json = JsonMapper.builder().build();
    private final URI baseUrl;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CrunProtocol crun;

    private SandboxProvider(SandboxSettings settings) throws IOException {
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        this.server = HttpServer.create(new InetSocketAddress(loopback, settings.port()), 128);
        this.baseUrl = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        // thread names carry the port, so a leak is traceable to its sandbox
        String threadPrefix = "sandbox-" + server.getAddress().getPort();
        this.httpPool = Executors.newFixedThreadPool(HTTP_THREADS, SandboxThreads.named(threadPrefix + "-http"));
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
                SandboxThreads.named(threadPrefix + "-timer"));
        timer.setRemoveOnCancelPolicy(true);
        this.scheduler = timer;
        this.callbacks = new CallbackSender(scheduler, 4, threadPrefix + "-callback");
        this.faults = new FaultGate(settings);
        TaskEngine tasks = new TaskEngine(settings, scheduler, stats);
        int cores = Runtime.getRuntime().availableProcessors();
        this.files = new FilesEndpoint(tasks, new ImageCache(IMAGE_CACHE_SIZE, Math.max(1, Math.min(4, cores)),
                settings.plainImages()),
                stats, faults);

        SandboxContext context = new SandboxContext(tasks, callbacks, json, baseUrl);
        this.crun = new CrunProtocol(context, API_KEY);
        List<SandboxProtocol> protocols = List.of(new LiangXinProtocol(context, API_KEY),
                new MingyanProtocol(context, API_KEY),
                new HiApiProtocol(context, API_KEY, settings.hiapiCallbackSecret()), crun);
        Map<String, SandboxProtocol> ownerOfPath = new HashMap<>();
        Map<String, Map<String, ApiRoute>> routesByPath = new LinkedHashMap<>();
        for (SandboxProtocol protocol : protocols) {
            for (ApiRoute route : protocol.routes()) {
                SandboxProtocol owner = ownerOfPath.putIfAbsent(route.path(), protocol);
                if (owner != null && owner != protocol) {
                    throw new IllegalStateException("protocols " + owner.name() + " and " + protocol.name()
                            + " both claim " + route.path());
                }
                routesByPath.computeIfAbsent(route.path(), p -> new LinkedHashMap<>()).put(route.method(), route);
            }
        }
        // an id route (/v1/result/{id}) lives under its prefix (/v1/result/); the server matches contexts by prefix
        routesByPath.forEach((path, routes) -> server.createContext(routes.values().iterator().next().context(),
                exchange -> serve(exchange, () -> api(ownerOfPath.get(path), routes, exchange))));
        server.createContext(FilesEndpoint.PREFIX, exchange -> serve(exchange, () -> file(exchange)));
        server.createContext(STATS_PATH, exchange -> serve(exchange, () -> statsAnswer(exchange)));
        server.createContext("/", exchange -> serve(exchange, () -> notFound()));
        server.setExecutor(httpPool);
    }

    /**
     * Starts a sandbox on 127.0.0.1.
     *
     * @param settings port, timing and faults
     * @return the running sandbox, already accepting connections
     * @throws UncheckedIOException when the port cannot be bound (for example, it is in use)
     */
    public static SandboxProvider start(SandboxSettings settings) {
        SandboxProvider sandbox;
        try {
            sandbox = new SandboxProvider(settings);
        } catch (IOException e) {
            throw new UncheckedIOException("sandbox: cannot listen on 127.0.0.1:" + settings.port(), e);
        }
        sandbox.server.start();
        log.info("sandbox provider listening on {}", sandbox.baseUrl);
        return sandbox;
    }

    /** @return where the sandbox listens, for example {@code http://127.0.0.1:41234}, without a trailing slash */
    public URI baseUrl() {
        return baseUrl;
    }

    /** @return what the sandbox has been asked so far */
    public SandboxStats stats() {
        return stats.snapshot();
    }

    /**
     * The outage switch: while on, every API request (the protocols' endpoints, not {@code /files} or
     * {@code /sandbox/stats}) answers this HTTP status with the protocol's documented error body (for LiangXin
     * {@code {"code":<status>,"msg":"sandbox: outage","data":null}}, for mingyan
     * {@code {"error":{"message":"sandbox: outage","type":"invalid_request_error"}}}) and does nothing else; 429 and 503 also
     * carry {@code Retry-After: 1}.
     *
     * @param httpStatus 100..599 to switch on, 0 to switch off
     * @throws IllegalArgumentException for any other value
     */
    public void failEveryRequestWith(int httpStatus) {
        faults.outage(httpStatus);
    }

    /**
     * Sets the crun.ai account's credits ({@code GET /api/v1/client/account/balance}); each crun.ai task created
     * takes one, and {@code CreateTask} answers HTTP 402 {@code {"code":402,"message":"insufficient credits",
     * "data":null}} once fewer than one are left. A new sandbox starts with 1,000,000.
     *
     * @param credits the balance, finite
     * @throws IllegalArgumentException when {@code credits} is not finite
     */
    public void setCrunBalance(double credits) {
        crun.setBalance(credits);
    }

    /**
     * Stops the server at once (requests in flight are cut off), the callback senders and the timers. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.stop(0);
        httpPool.shutdownNow();
        scheduler.shutdownNow();
        callbacks.close();
        log.info("sandbox provider on {} stopped", baseUrl);
    }

    /** Serves one request to a protocol endpoint: faults, then the key, then the handler. */
    private ApiResponse api(SandboxProtocol protocol, Map<String, ApiRoute> routes, HttpExchange exchange)
            throws IOException {
        ApiRoute route = routes.get(exchange.getRequestMethod().toUpperCase(Locale.ROOT));
        ApiRoute.Kind kind = route != null ? route.kind() : routes.values().iterator().next().kind();
        if (kind == ApiRoute.Kind.STATUS) {
            stats.statusQueried();
        }
        ApiResponse response;
        try {
            response = answer(protocol, routes, route, exchange);
        } catch (RuntimeException e) {
            log.error("sandbox: {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
            response = protocol.error(500, FaultGate.SERVER_ERROR_MESSAGE);
        }
        if (kind == ApiRoute.Kind.CREATE && !response.successful()) {
            stats.createRejected();
        }
        if (kind == ApiRoute.Kind.CREATE && response.successful() && response.createdTask() != null
                && faults.dropCreateAnswer()) {
            // the task exists (and is counted in creates): only the answer is lost, as when a network breaks
            stats.createDropped(response.createdTask().prompt());
            log.debug("sandbox: dropping the answer to the create of {}", response.createdTask().id());
            return response.deliveredAs(ApiResponse.Delivery.DROP);
        }
        return response;
    }

    private ApiResponse answer(SandboxProtocol protocol, Map<String, ApiRoute> routes, ApiRoute route,
            HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        if (!routes.values().iterator().next().matches(path)) {
            return protocol.error(404, "not found: " + path); // a context matches by prefix
        }
        Optional<Fault> fault = faults.check();
        if (fault.isPresent()) {
            ApiResponse response = protocol.error(fault.get().httpStatus(), fault.get().message());
            return fault.get().retryAfterSeconds() > 0
                    ? response.withHeader("Retry-After", Long.toString(fault.get().retryAfterSeconds()))
                    : response;
        }
        if (route == null) {
            return protocol.error(405, "method not allowed: " + exchange.getRequestMethod())
                    .withHeader("Allow", String.join(", ", routes.keySet()));
        }
        byte[] body = readBody(exchange);
        if (body == null) {
            return protocol.error(413, "request body too large (limit " + MAX_BODY_BYTES + " bytes)");
        }
        ApiRequest request = new ApiRequest(route.method(), path, query(exchange.getRequestURI().getRawQuery()),
                lowerCaseHeaders(exchange), body);
        if (!protocol.authorized(request)) {
            return protocol.unauthorized();
        }
        try {
            return route.handler().handle(request);
        } catch (BadRequestException e) {
            return protocol.badRequest(e.getMessage());
        }
    }

    private ApiResponse file(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestMethod().equalsIgnoreCase("GET")) {
            return plainError(405, "method not allowed").withHeader("Allow", "GET");
        }
        try {
            return files.serve(exchange.getRequestURI().getPath()).orElseGet(() -> plainError(404, "file not found"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return plainError(503, "sandbox: stopping");
        }
    }

    private ApiResponse statsAnswer(HttpExchange exchange) {
        if (!exchange.getRequestURI().getPath().equals(STATS_PATH)) {
            return notFound();
        }
        if (!exchange.getRequestMethod().equalsIgnoreCase("GET")) {
            return plainError(405, "method not allowed").withHeader("Allow", "GET");
        }
        return ApiResponse.json(200, json.writeValueAsBytes(stats.snapshot()));
    }

    private ApiResponse notFound() {
        return plainError(404, "not found");
    }

    /** An error outside any protocol, in the {@code {"code","msg","data":null}} shape. */
    private ApiResponse plainError(int status, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("code", status);
        body.put("msg", message);
        body.put("data", null);
        return ApiResponse.json(status, json.writeValueAsBytes(body));
    }

    /** Produces the answer to an exchange; may throw. */
    @FunctionalInterface
    private interface Answerer {
        ApiResponse answer() throws IOException;
    }

    /**
     * Writes the answer and always closes the exchange; an unexpected error answers 500. A
     * {@link ApiResponse.Delivery#DROP} or {@link ApiResponse.Delivery#CUT} answer ends with the connection
     * closed: the handler then throws {@link ConnectionCut}, which makes the JDK server close the connection
     * instead of keeping it alive (closing the exchange alone leaves a cut response's connection open, and the
     * client would wait for the missing bytes until its timeout).
     */
    private void serve(HttpExchange exchange, Answerer answerer) throws ConnectionCut {
        ApiResponse.Delivery delivery = write(exchange, answerer);
        if (delivery != ApiResponse.Delivery.FULL) {
            throw new ConnectionCut(delivery);
        }
    }

    /** @return how the answer was delivered */
    private ApiResponse.Delivery write(HttpExchange exchange, Answerer answerer) {
        ApiResponse.Delivery delivery = ApiResponse.Delivery.FULL;
        try (exchange) {
            ApiResponse response;
            try {
                response = answerer.answer();
            } catch (IOException | RuntimeException e) {
                log.error("sandbox: {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
                response = plainError(500, FaultGate.SERVER_ERROR_MESSAGE);
            }
            drain(exchange);
            delivery = response.delivery();
            if (delivery == ApiResponse.Delivery.DROP) {
                // no status line, no headers: closing an exchange whose headers were never sent closes the
                // connection, and the handler's exception makes sure of it
                return delivery;
            }
            exchange.getResponseHeaders().set("Content-Type", response.contentType());
            response.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
            exchange.sendResponseHeaders(response.status(), response.body().length == 0 ? -1 : response.body().length);
            if (delivery == ApiResponse.Delivery.CUT) {
                // half the body, at least one byte short of the Content-Length; the body stream is left unclosed
                // (closing it short would throw and leave the connection open)
                OutputStream out = exchange.getResponseBody();
                out.write(response.body(), 0, Math.max(0, Math.min(response.body().length / 2,
                        response.body().length - 1)));
                out.flush();
            } else if (response.body().length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(response.body());
                }
            }
        } catch (IOException e) {
            log.debug("sandbox: could not answer {} {}: {}", exchange.getRequestMethod(), exchange.getRequestURI(),
                    e.toString());
        }
        return delivery;
    }

    /**
     * Thrown out of a handler to have the JDK server close the connection (it does so for any exception a
     * handler throws before the response is complete).
     */
    private static final class ConnectionCut extends IOException {
        private static final long serialVersionUID = 1L;

        ConnectionCut(ApiResponse.Delivery delivery) {
            super("sandbox: connection closed on purpose (" + delivery + ")");
        }
    }

    /** @return the body, or null when it is over {@link #MAX_BODY_BYTES} */
    private static byte[] readBody(HttpExchange exchange) throws IOException {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > MAX_BODY_BYTES) {
                    return null;
                }
            } catch (NumberFormatException ignored) {
                // the server itself rejects a bad Content-Length; read what comes
            }
        }
        InputStream in = exchange.getRequestBody();
        byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
        return body.length > MAX_BODY_BYTES ? null : body;
    }

    /** Reads what is left of the request body, so the connection can be kept alive. */
    private static void drain(HttpExchange exchange) {
        try (InputStream in = exchange.getRequestBody()) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // the client went away; nothing to keep alive
        }
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> query = new HashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return query;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            query.putIfAbsent(name, value);
        }
        return query;
    }

    private static Map<String, List<String>> lowerCaseHeaders(HttpExchange exchange) {
        Map<String, List<String>> headers = new HashMap<>();
        exchange.getRequestHeaders().forEach((name, values) ->
                headers.merge(name.toLowerCase(Locale.ROOT), List.copyOf(values), (a, b) -> {
                    List<String> both = new java.util.ArrayList<>(a);
                    both.addAll(b);
                    return List.copyOf(both);
                }));
        return headers;
    }
}
