package io.imagebatch.sandbox;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
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
 * see docs/providers/liangxin.md and liangxin-nano-banana-pro-flash-reference.txt, {@link LiangXinProtocol}),
 * mingyan's Nano Banana API ({@code /v1/banana/images}, {@code /v1/result/{id}}, docs/providers/mingyan.md,
 * {@link MingyanProtocol}), HiAPI's ({@link HiApiProtocol}) and crun.ai's ({@link CrunProtocol}); each protocol
 * is one class plugged into the shared server, task store and file endpoint, all on the one port and with the
 * one key ({@link #API_KEY}). This class starts, wires and stops them; a protocol path's request pipeline is
 * {@link ApiEndpoint}, reading and writing the JDK server's exchanges {@link HttpExchanges}.
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
    private final CodeEnvelope plainErrors = new CodeEnvelope(json, "msg");
    private final URI baseUrl;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CrunProtocol crun;
    private final TaskEngine tasks;

    private SandboxProvider(SandboxSettings settings) throws IOException {
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        this.server = HttpServer.create(new InetSocketAddress(loopback, settings.port()), 128);
        this.baseUrl = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        // thread names carry the port, so a leak is traceable to its sandbox
        String threadPrefix = "sandbox-" + server.getAddress().getPort();
        // a bandwidth limit holds a thread per download for seconds: more threads, so that API calls still get one
        this.httpPool = Executors.newFixedThreadPool(settings.bandwidthPerConnection() > 0 ? 8 * HTTP_THREADS
                : HTTP_THREADS, SandboxThreads.named(threadPrefix + "-http"));
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
                SandboxThreads.named(threadPrefix + "-timer"));
        timer.setRemoveOnCancelPolicy(true);
        this.scheduler = timer;
        // callbacks go out concurrently, as a provider's webhooks do: a few slow receivers must not delay the rest
        this.callbacks = new CallbackSender(scheduler, 16, threadPrefix + "-callback");
        this.faults = new FaultGate(settings);
        TaskEngine tasks = new TaskEngine(settings, scheduler, stats);
        this.tasks = tasks;
        int cores = Runtime.getRuntime().availableProcessors();
        this.files = new FilesEndpoint(tasks, new ImageCache(IMAGE_CACHE_SIZE, Math.max(1, Math.min(4, cores)),
                settings.plainImages(), settings.jpegImages(), settings.bigResults()
                        ? new BigImages(settings.seed(), settings.minResultBytes(), settings.maxResultBytes()) : null),
                stats, faults);

        SandboxContext context = new SandboxContext(tasks, callbacks, json, baseUrl);
        this.crun = new CrunProtocol(context, API_KEY);
        List<SandboxProtocol> protocols = List.of(new LiangXinProtocol(context, API_KEY),
                new MingyanProtocol(context, API_KEY),
                new HiApiProtocol(context, API_KEY, settings.hiapiCallbackSecret()), crun);
        for (ApiEndpoint endpoint : ApiEndpoint.of(protocols, faults, stats, MAX_BODY_BYTES)) {
            server.createContext(endpoint.context(), exchange -> serve(exchange, () -> endpoint.answer(exchange)));
        }
        com.sun.net.httpserver.HttpContext filesContext = server.createContext(FilesEndpoint.PREFIX,
                exchange -> serve(exchange, () -> file(exchange)));
        if (settings.bandwidthPerConnection() > 0) {
            filesContext.getFilters().add(new BandwidthLimit(settings.bandwidthPerConnection()));
        }
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

    /**
     * @return how many tasks' callbacks the sandbox lost on purpose so far ({@link SandboxSettings#lostCallbackRate()}):
     *         each such task needs a status query to be learnt
     */
    public int lostCallbacks() {
        return tasks.lostCallbacks();
    }

    /** @return what the sandbox has been asked so far */
    public SandboxStats stats() {
        return stats.snapshot();
    }

    /**
     * Every task the sandbox made so far, of every protocol, including those whose create answer was dropped
     * ({@link SandboxSettings#createDropRate()}): what a provider's own task list would show, for a test that
     * matches a client's record of its tasks against what was really created (for example, creates per ledger
     * entry rather than per prompt, as a row's variants send the same prompt).
     *
     * @return task id to the exact prompt text it was created with; a snapshot, unmodifiable, never null
     */
    public java.util.Map<String, String> promptsByTaskId() {
        return tasks.all().stream().collect(java.util.stream.Collectors.toUnmodifiableMap(SandboxTask::id,
                SandboxTask::prompt));
    }

    /**
     * @return the API requests (creates, status and list queries) answered HTTP 429 with {@code Retry-After}
     *         because they came past {@link SandboxSettings#rateLimitPerSecond()}, since the start; the random 429s
     *         of {@link SandboxSettings#tooManyRequestsRate()} and of an outage are not counted
     */
    public long rateLimitAnswers() {
        return faults.rateLimitAnswers();
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
     * @param protocol {@code liangxin}, {@code mingyan}, {@code hiapi} or {@code crun}
     * @return the tasks that protocol's create calls made so far (each one a task a real provider would charge)
     */
    public int createsBy(String protocol) {
        return tasks.tasksOf(protocol).size();
    }

    /**
     * The account switch of one provider (README, "A fallback provider"): while set, every create call of that
     * protocol answers {@code httpStatus} in its documented shape (401: the protocol's wrong-key answer; 402, 403,
     * 505: its error body with {@code sandbox: account refused}) and makes no task; status queries are answered
     * as before. Off unless set.
     *
     * @param protocol   {@code liangxin}, {@code mingyan}, {@code hiapi} or {@code crun}
     * @param httpStatus 401, 402, 403 or 505 to refuse; 0 to accept creates again
     * @throws IllegalArgumentException for another status
     */
    public void refuseAccount(String protocol, int httpStatus) {
        if (httpStatus != 0 && httpStatus != 401 && httpStatus != 402 && httpStatus != 403 && httpStatus != 505) {
            throw new IllegalArgumentException("an account is refused with 401, 402, 403 or 505, not " + httpStatus);
        }
        faults.refuseAccount(protocol, httpStatus);
    }

    /**
     * Answers every create call of one protocol with an HTTP status in its error shape, as
     * {@link #refuseAccount} does, for any status: for example 503 for a provider that stays busy (with
     * {@code Retry-After: 1}, as the outage switch sends it). Status queries are answered as before. Off unless set.
     *
     * @param protocol   {@code liangxin}, {@code mingyan}, {@code hiapi} or {@code crun}
     * @param httpStatus 400..599 to fail its creates; 0 to accept them again
     * @throws IllegalArgumentException for another status
     */
    public void failCreatesOf(String protocol, int httpStatus) {
        if (httpStatus != 0 && (httpStatus < 400 || httpStatus > 599)) {
            throw new IllegalArgumentException("creates fail with 400..599, not " + httpStatus);
        }
        faults.refuseAccount(protocol, httpStatus);
    }

    /**
     * The content filter (README, "Content refusals"; {@link ContentPolicyFilter}): a prompt holding
     * {@code createWord} (ignoring case) is refused at create in the protocol's own shape, a prompt holding
     * {@code generationWord} makes a task that ends failed with a content-policy message. Off unless set.
     *
     * @param createWord     marker refused at create; null for none
     * @param generationWord marker that fails in generation; null for none
     */
    public void refuseContent(String createWord, String generationWord) {
        tasks.contentPolicy().set(createWord, generationWord);
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
        return plainErrors.errorAnswer(status, message);
    }

    /** Answers an exchange ({@link HttpExchanges#serve}); an unexpected error answers 500. */
    private void serve(HttpExchange exchange, HttpExchanges.Answerer answerer) throws IOException {
        HttpExchanges.serve(exchange, answerer, () -> plainError(500, FaultGate.SERVER_ERROR_MESSAGE));
    }
}
