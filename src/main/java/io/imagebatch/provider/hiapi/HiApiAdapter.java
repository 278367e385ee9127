package io.imagebatch.provider.hiapi;

import static io.imagebatch.provider.ProviderJson.firstNonNull;
import static io.imagebatch.provider.ProviderJson.readBody;
import static io.imagebatch.provider.ProviderJson.text;

import io.imagebatch.provider.FailureClass;
import io.imagebatch.provider.HttpProviderAdapter;
import io.imagebatch.provider.ImageRequest;
import io.imagebatch.provider.ProviderAnswers;
import io.imagebatch.provider.ProviderException;
import io.imagebatch.provider.ProviderHttp;
import io.imagebatch.provider.ProviderJson;
import io.imagebatch.provider.ProviderSettings;
import io.imagebatch.provider.TaskState;
import io.imagebatch.provider.TaskStatus;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * HiAPI's unified async API for Nano Banana Pro, as documented in
 * {@code docs/providers/hiapi-nano-banana-pro.txt} and {@code docs/providers/hiapi.md}.
 *
 * <ul>
 * <li>Create: {@code POST /v1/tasks}, body {@code {"model":"Nano-Banana-Pro","input":{"prompt","image_input"?,
 *     "aspect_ratio","resolution","output_format"},"callback"?:{"url","when":"final"}}}, answer
 *     {@code {"code":200,"message":"success","data":{"taskId":"tk-..."}}} (docs/providers/hiapi.md). The callback
 *     object sits at the top level of the body (hiapi-nano-banana-pro.txt, "Production guidance").</li>
 * <li>Status: {@code GET /v1/tasks/{taskId}}, answer {@code data} with {@code taskId, model, status, created,
 *     completed, output[{url,type,expireAt}], error{code,message}}}; {@code status} one of
 *     {@code queued | handling | archiving | success | fail}; {@code created}/{@code completed} epoch seconds,
 *     {@code completed} 0 until finished; {@code output} only on success, {@code error} only on fail; another
 *     account's task answers 404 (docs/providers/hiapi.md).</li>
 * <li>Auth: {@code Authorization: Bearer <key>} (docs/providers/hiapi.md: <b>inferred</b>).</li>
 * <li>Errors: {@code {"code":400,"message":"invalid request","data":null,"error_code":"INVALID_REQUEST"}};
 *     HTTP 503 means temporarily unavailable (docs/providers/hiapi.md). Error bodies are read in whatever shape
 *     they come: {@code message} or {@code msg} or {@code error.message}; the provider code is
 *     {@code error_code}, else {@code code}.</li>
 * <li>Callback: the body equals the status query's {@code data}; success and fail are both terminal; the job
 *     deduplicates by taskId. With a signing secret ({@code imagebatch.providers.hiapi.callback-secret}) the
 *     callback carries {@code X-HiAPI-Timestamp} and {@code X-HiAPI-Signature} = lower-case hex
 *     HMAC-SHA256(secret, timestamp + "." + raw body) (docs/providers/hiapi.md), checked by
 *     {@link #verifyCallback}.</li>
 * </ul>
 *
 * <p>This class is the client: the HTTP envelope, the status mapping, the task list and the callback parsing and
 * signature. The input rules enforced before sending, with their sources, are in {@link HiApiRules}.
 *
 * <p>HTTP statuses are classified by docs/design.md's failure classes ({@link ProviderHttp#classifyStatus}), with one
 * exception: a 404 to a <em>status query</em> is {@link FailureClass#BUSY} (the task stays in flight until its
 * deadline), because HiAPI answers 404 for another account's task: a key swapped for another account's must not
 * fail rows that a run with the right key can still fetch.
 */
public final class HiApiAdapter extends HttpProviderAdapter {

    /** Provider name in settings and catalogues ({@link HiApiRules#NAME}). */
    public static final String NAME = HiApiRules.NAME;
    /** The only model ({@link HiApiRules#MODEL}). */
    public static final String MODEL = HiApiRules.MODEL;
    /** Header carrying the callback's signing time (docs/providers/hiapi.md), in lower case. */
    public static final String TIMESTAMP_HEADER = "x-hiapi-timestamp";
    /** Header carrying the callback's signature (docs/providers/hiapi.md), in lower case. */
    public static final String SIGNATURE_HEADER = "x-hiapi-signature";
    /**
     * Largest difference between a signed callback's timestamp and our clock: replay protection. <b>Our
     * choice</b>; HiAPI does not document a tolerance.
     */
    public static final Duration CALLBACK_MAX_SKEW = Duration.ofMinutes(5);

    private static final String TASKS_PATH = "/v1/tasks";
    private static final Logger log = LoggerFactory.getLogger(HiApiAdapter.class);
    private static final JsonMapper json = ProviderJson.JSON;

    private final String callbackSecret;
    private final Clock clock;

    /**
     * @param settings base URL, API key, timeouts and the callback signing secret
     *                 ({@code imagebatch.providers.hiapi.*}; the base URL defaults to {@code https://api.hiapi.ai})
     */
    public HiApiAdapter(ProviderSettings settings) {
        this(settings, Clock.systemUTC());
    }

    /**
     * @param settings as for the one-argument constructor
     * @param http     the answer size limit and every configured secret to mask ({@link ProviderHttp.Options})
     */
    public HiApiAdapter(ProviderSettings settings, ProviderHttp.Options http) {
        this(settings, Clock.systemUTC(), http);
    }

    /**
     * @param settings as for {@link #HiApiAdapter(ProviderSettings)}
     * @param clock    the clock signed callbacks' timestamps are checked against
     */
    HiApiAdapter(ProviderSettings settings, Clock clock) {
        this(settings, clock, ProviderHttp.Options.defaults());
    }

    private HiApiAdapter(ProviderSettings settings, Clock clock, ProviderHttp.Options http) {
        super(NAME, settings, http, MODEL, List.of(MODEL), HiApiRules::prepare);
        this.callbackSecret = settings.callbackSecret() == null || settings.callbackSecret().isBlank()
                ? null : settings.callbackSecret();
        this.clock = clock;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Sends {@code POST /v1/tasks} with {@code Authorization: Bearer <key>}; {@code input.image_input} only
     * when there are references; {@code callback: {"url": callbackUrl, "when": "final"}} when a callback URL is
     * given (HiAPI asks for an HTTPS URL; the URL is sent as given, so the sandbox's http one works).
     *
     * @throws ProviderException classified by HTTP status (or by the body's {@code code} when HTTP says 200);
     *                           an answer without {@code data.taskId} is BUSY with
     *                           {@code mayHaveReachedProvider} set, as a task may exist that we cannot name
     */
    @Override
    public String createTask(ImageRequest request, String callbackUrl) {
        JsonNode data = call(postJson(TASKS_PATH, createBody(request, callbackUrl)), "createTask");
        String taskId = data.path("taskId").asString("");
        if (taskId.isBlank()) {
            throw ProviderAnswers.createdWithoutTaskId("HiAPI createTask answered success without data.taskId");
        }
        return taskId;
    }

    /**
     * The create body for a request, in the documented field order.
     *
     * @param request     a prepared request
     * @param callbackUrl the callback URL, or null
     * @return the body as a map, ready to serialize
     */
    static Map<String, Object> createBody(ImageRequest request, String callbackUrl) {
        Map<String, Object> input = imageInput(request);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", request.model());
        body.put("input", input);
        if (callbackUrl != null) {
            Map<String, Object> callback = new LinkedHashMap<>();
            callback.put("url", callbackUrl);
            callback.put("when", "final");
            body.put("callback", callback);
        }
        return body;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Sends {@code GET /v1/tasks/{taskId}}. States: {@code queued} is {@link TaskState#QUEUED};
     * {@code handling} and {@code archiving} (not terminal) are {@link TaskState#RUNNING}; {@code success} and
     * {@code fail} are terminal; any other word is {@link TaskState#UNKNOWN}, logged once per word. On success
     * the result URLs are {@code output[].url}; on fail the code and message are {@code error.code} and
     * {@code error.message}.
     *
     * @throws ProviderException classified by HTTP status; 404 (another account's task, or one not yet visible)
     *                           is BUSY so the task stays in flight until its deadline
     */
    @Override
    public TaskStatus queryTask(String taskId) {
        return parseTask(call(get(TASKS_PATH + "/" + encodePathSegment(taskId)), "queryTask"), taskId);
    }

    /**
     * Reads a task object: the status query's {@code data}, which is also the whole callback body.
     *
     * @param data            the task object
     * @param requestedTaskId the taskId asked for, used when the object omits it
     * @return the status; a {@code success} without any {@code output[].url} is reported as FAIL
     *         {@code no-result}, visibly, since there is nothing to store
     */
    TaskStatus parseTask(JsonNode data, String requestedTaskId) {
        String taskId = data.path("taskId").asString(requestedTaskId);
        String rawState = data.path("status").asString("");
        TaskState state = state(rawState);
        if (state == TaskState.SUCCESS) {
            List<String> urls = new ArrayList<>();
            data.path("output").forEach(o -> {
                String url = o.isString() ? o.asString() : o.path("url").asString("");
                if (!url.isBlank()) {
                    urls.add(url);
                }
            });
            if (urls.isEmpty()) {
                return ProviderAnswers.noResult(taskId, rawState, "HiAPI reported success without output[].url");
            }
            return new TaskStatus(taskId, state, rawState, urls, null, null);
        }
        if (state == TaskState.FAIL) {
            JsonNode error = data.path("error");
            String code = error.isObject() ? text(error, "code") : null;
            String message = error.isObject() ? firstNonNull(text(error, "message"), text(error, "msg"))
                    : error.isString() ? error.asString() : null;
            return new TaskStatus(taskId, state, rawState, List.of(), code, message);
        }
        return new TaskStatus(taskId, state, rawState, List.of(), null, null);
    }

    /**
     * Maps HiAPI's status word (docs/providers/hiapi.md), ignoring case; an undocumented word is logged once.
     *
     * @param rawState the {@code status} field
     * @return the state
     */
    TaskState state(String rawState) {
        return warnIfUnknown(switch (rawState.toLowerCase(Locale.ROOT)) {
            case "queued" -> TaskState.QUEUED;
            case "handling", "archiving" -> TaskState.RUNNING;
            case "success" -> TaskState.SUCCESS;
            case "fail" -> TaskState.FAIL;
            default -> TaskState.UNKNOWN;
        }, rawState, "HiAPI task status \"{}\" is not in the documentation; the task stays in flight until its"
                + " deadline");
    }

    /**
     * {@inheritDoc}
     *
     * <p>HiAPI's callback body equals the status query's {@code data} (docs/providers/hiapi.md): {@code status}
     * {@code success} with {@code output[].url}, or {@code fail} with {@code error}. A body wrapped as
     * {@code {"code","message","data":{...}}} is read too. Only called once {@link #verifyCallback} accepted it.
     */
    @Override
    public Optional<TaskStatus> callbackStatus(String body) {
        JsonNode data = ProviderAnswers.dataOrRoot(readBody(body));
        return callbackTaskId(body).flatMap(taskId -> ProviderAnswers.usableCallbackStatus(parseTask(data, taskId)));
    }

    /**
     * {@inheritDoc}
     *
     * <p>HiAPI's callback body is the status query's {@code data}: {@code {"taskId","model","status",...}}
     * (docs/providers/hiapi.md). A body wrapped as {@code {"code","message","data":{...}}} is read too.
     */
    @Override
    public Optional<String> callbackTaskId(String body) {
        return ProviderAnswers.callbackTaskId(body, "taskId");
    }

    /**
     * {@inheritDoc}
     *
     * <p>Without a signing secret ({@code imagebatch.providers.hiapi.callback-secret} unset) every callback is
     * accepted: HiAPI then does not sign. With one, the callback must carry {@code X-HiAPI-Timestamp} and
     * {@code X-HiAPI-Signature}, the signature must equal the lower-case hex HMAC-SHA256 of
     * {@code timestamp + "." + body} under the secret (docs/providers/hiapi.md; compared in constant time, hex
     * case ignored), and the timestamp must be within {@link #CALLBACK_MAX_SKEW} of our clock (replay
     * protection: <b>our choice</b>, not documented). The timestamp's unit is not documented: epoch seconds
     * (as HiAPI's {@code created}) are assumed, and a value over 10<sup>11</sup> is read as epoch milliseconds
     * (<b>inferred</b>). Header names are matched ignoring case.
     *
     * @param headers the request headers (names in lower case, as the interface says; any case is accepted)
     * @param body    the raw body, decoded as UTF-8 (the signature covers its UTF-8 bytes)
     * @return false when a secret is set and a header is missing, the signature is wrong, or the timestamp is
     *         not a number or too far from now
     */
    @Override
    public boolean verifyCallback(Map<String, String> headers, String body) {
        if (callbackSecret == null) {
            return true;
        }
        String timestamp = header(headers, TIMESTAMP_HEADER);
        String signature = header(headers, SIGNATURE_HEADER);
        if (timestamp == null || signature == null || body == null) {
            log.warn("HiAPI callback without {} or {}: ignored", TIMESTAMP_HEADER, SIGNATURE_HEADER);
            return false;
        }
        long value;
        try {
            value = Long.parseLong(timestamp.trim());
        } catch (NumberFormatException e) {
            log.warn("HiAPI callback with a timestamp that is not a number: ignored");
            return false;
        }
        Instant signedAt = value > 100_000_000_000L ? Instant.ofEpochMilli(value) : Instant.ofEpochSecond(value);
        if (Duration.between(signedAt, clock.instant()).abs().compareTo(CALLBACK_MAX_SKEW) > 0) {
            log.warn("HiAPI callback signed at {}, more than {} from now: ignored", signedAt, CALLBACK_MAX_SKEW);
            return false;
        }
        byte[] expected = sign(callbackSecret, timestamp.trim(), body).getBytes(StandardCharsets.US_ASCII);
        byte[] given = signature.trim().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, given)) {
            log.warn("HiAPI callback with a wrong signature: ignored");
            return false;
        }
        return true;
    }

    /**
     * HiAPI's callback signature (docs/providers/hiapi.md).
     *
     * @param secret    the signing secret
     * @param timestamp the {@code X-HiAPI-Timestamp} value, as sent
     * @param body      the raw body
     * @return lower-case hex of HMAC-SHA256(secret, timestamp + "." + body), over UTF-8 bytes
     */
    public static String sign(String secret, String timestamp, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal((timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e); // every JDK has it
        }
    }

    /**
     * Finds the task a lost create call made, in the first page of {@link #listTasks()}, newest first: the
     * newest task whose input matches the request ({@link TaskSummary#matches}) and is not already another row's.
     * The list's shape is inferred (docs/providers/hiapi.md, task list).
     */
    @Override
    public java.util.Optional<String> findTask(ImageRequest request, java.util.Set<String> excludedTaskIds) {
        return listTasks().stream()
                .filter(task -> !excludedTaskIds.contains(task.taskId()) && task.matches(request))
                .map(TaskSummary::taskId)
                .findFirst();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Reads the first page of {@link #listTasks()}: a task qualifies when its input matches the request
     * ({@link TaskSummary#matches}), its {@code created} (epoch seconds) falls between {@code createdFrom}
     * (truncated to the second, as HiAPI reports it) and {@code createdTo}, and {@code claimed} says no. A task
     * listed without {@code created} never qualifies: an earlier attempt's or another batch's task with the
     * same prompt must not be adopted.
     */
    @Override
    public Optional<String> findTask(ImageRequest request, Instant createdFrom, Instant createdTo,
            java.util.function.Predicate<String> claimed) {
        Instant from = createdFrom.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        return listTasks().stream()
                .filter(task -> task.created() != null && !task.created().isBefore(from)
                        && !task.created().isAfter(createdTo) && !task.taskId().isBlank() && task.matches(request))
                .sorted(java.util.Comparator.comparing(TaskSummary::created))
                .map(TaskSummary::taskId)
                .filter(taskId -> !claimed.test(taskId))
                .findFirst();
    }

    @Override
    public boolean canFindTasks() {
        return true;
    }

    /**
     * Lists the account's tasks, for reconciling rows left {@code UNCERTAIN} by a crash: a task whose input
     * {@link TaskSummary#matches matches} the row's request was made by the lost create call.
     *
     * <p>{@code GET /v1/tasks}: the endpoint is our reading of the unified API (none of our pages lists it), and its answer's
     * shape is not in our pages: <b>inferred</b> as {@code {"code":200,"message":"success","data":{"items":[
     * {"taskId","model","status","created","completed","input":{...}}]}}}, newest first. The list is read from
     * {@code data.items}, else {@code data.list}, {@code data.tasks}, or {@code data} itself when it is an array;
     * paging, if HiAPI has it, is not known, so this is the first page only.
     *
     * @return the tasks as listed, in the provider's order
     * @throws ProviderException classified by HTTP status, as for the other calls
     */
    public List<TaskSummary> listTasks() {
        ProviderHttp.Answer answer = http.send(get(TASKS_PATH), "listTasks");
        JsonNode body = readBody(answer.body());
        JsonNode data = body.path("data");
        int code = body.path("code").isNumber() ? body.path("code").asInt() : answer.status();
        if (answer.status() != 200 || code != 200 || !(data.isObject() || data.isArray())) {
            throw error(answer, body, "listTasks", null);
        }
        JsonNode items = data.isArray() ? data : firstArray(data, "items", "list", "tasks", "records");
        List<TaskSummary> tasks = new ArrayList<>();
        for (JsonNode item : items) {
            JsonNode input = item.path("input");
            List<String> references = new ArrayList<>();
            input.path("image_input").forEach(r -> references.add(r.asString()));
            JsonNode created = item.path("created");
            tasks.add(new TaskSummary(item.path("taskId").asString(""), text(item, "model"),
                    state(item.path("status").asString("")), item.path("status").asString(""),
                    created.isNumber() && created.asLong() > 0 ? Instant.ofEpochSecond(created.asLong()) : null,
                    text(input, "prompt"), references, text(input, "aspect_ratio"), text(input, "resolution"),
                    text(input, "output_format")));
        }
        return tasks;
    }

    /** Sends, then unwraps {@code data} from a success body, or throws a classified error. */
    private JsonNode call(HttpRequest request, String callName) {
        return sendForData(request, "HiAPI", callName, "createTask".equals(callName), (answer, body) ->
                error(answer, body, callName, "queryTask".equals(callName) ? ProviderAnswers::classifyStatusQuery : null));
    }

    private ProviderException error(ProviderHttp.Answer answer, JsonNode body, String callName,
            java.util.function.Function<Integer, FailureClass> classify) {
        int status = envelopeStatus(answer, body);
        String message = firstNonNull(text(body, "message"), text(body, "msg"), text(body.path("error"), "message"));
        String providerCode = firstNonNull(text(body, "error_code"), text(body, "code"),
                text(body.path("error"), "code"));
        return http.error(answer.withStatus(status), providerCode,
                message, callName, classify);
    }

    private static JsonNode firstArray(JsonNode data, String... fields) {
        for (String field : fields) {
            if (data.path(field).isArray()) {
                return data.path(field);
            }
        }
        return json.createArrayNode();
    }

    private static String header(Map<String, String> headers, String lowerCaseName) {
        if (headers == null) {
            return null;
        }
        String value = headers.get(lowerCaseName);
        if (value == null) {
            for (Map.Entry<String, String> e : headers.entrySet()) {
                if (e.getKey() != null && e.getKey().equalsIgnoreCase(lowerCaseName)) {
                    return e.getValue();
                }
            }
        }
        return value;
    }

    /** Percent-encodes everything but RFC 3986 unreserved characters, for one path segment. */
    static String encodePathSegment(String segment) {
        StringBuilder out = new StringBuilder();
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(HexFormat.of().withUpperCase().toHexDigits(b));
            }
        }
        return out.toString();
    }

}
