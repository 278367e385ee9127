package io.imagebatch.provider.crun;

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
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * crun.ai's client job API for Google Nano Banana, as documented in
 * {@code docs/providers/google-nano-banana-x-api-key-provider.txt} ("the crun page" below) and
 * {@code docs/providers/crun.md}.
 *
 * <ul>
 * <li>Auth: {@code x-api-key: <key>} on every call (crun page, "Authorizations").</li>
 * <li>Create: {@code POST /api/v1/client/job/CreateTask}, body
 *     {@code {"model":"google/nano-banana"|"google/nano-banana-v2","callback_url"?,"input":{...}}}, answer
 *     {@code {"code":200,"message":"success","data":{"task_id":"..."}}} (docs/providers/crun.md). The callback
 *     field's name is {@code callback_url} unless {@code imagebatch.providers.crun.callback-field} names another
 *     (docs/providers/crun.md: our page and other pages disagree, {@code callBackUrl} vs {@code callback_url}; the public
 *     TaskInfo example echoes {@code "callback_url": null} in {@code param}).</li>
 * <li>Status: {@code GET /api/v1/client/job/TaskInfo?task_id=...}, answer {@code data{task_id, provider,
 *     model_version, status, param, create_at (epoch s), result, duration_s, complete_at, source}}
 *     (docs/providers/crun.md). Only {@code status: "running"} is documented; see {@link #mapStatus} for the
 *     <b>inferred</b> mapping of the other words and {@link #resultUrls} for the <b>inferred</b> result shape.</li>
 * <li>Callback: the same shape as the status query's {@code data} object; we answer 200 (crun page).</li>
 * <li>Credits: {@code GET /api/v1/client/account/balance}, answer {@code {"data":{"balance":N}}}
 *     (docs/providers/crun.md): {@link #balance()}. The cost of one task is not documented: it comes from
 *     {@code imagebatch.providers.crun.credits-per-image} ({@link #creditsPerTask}).</li>
 * <li>Response codes (crun page): 200; 401 bad key; 402 insufficient credits; 404 not found; 422 validation;
 *     429 rate limited; 455 maintenance; 500 server error; 501 generation failed; 505 feature disabled. They may
 *     come as the HTTP status or as {@code code} in a body sent with HTTP 200: both are read, the HTTP status
 *     winning when it is not 2xx. Classified as docs/design.md's failure classes say
 *     ({@link ProviderHttp#classifyStatus}: 401/402/505 account, 422 row, 429/455/500 busy, 501 generation
 *     failed), except that a status query answered 404 is kept in flight (as the LiangXin adapter does) and a
 *     status query answered 501 is read as the task having failed. Error bodies are read whatever their shape:
 *     {@code message}, {@code msg} or {@code error.message}.</li>
 * </ul>
 *
 * <p>This class is the client: the HTTP envelope, the status mapping and the callback parsing. The input rules
 * enforced before sending, per model, with their sources, are in {@link CrunRules}.
 */
public final class CrunAdapter extends HttpProviderAdapter {

    /** Provider name in settings and catalogues ({@link CrunRules#NAME}). */
    public static final String NAME = CrunRules.NAME;
    /** The default model ({@link CrunRules#NANO_BANANA}). */
    public static final String NANO_BANANA = CrunRules.NANO_BANANA;
    /** The v2 channel ({@link CrunRules#NANO_BANANA_V2}). */
    public static final String NANO_BANANA_V2 = CrunRules.NANO_BANANA_V2;
    /** The create body's callback field unless {@code imagebatch.providers.crun.callback-field} says otherwise. */
    public static final String DEFAULT_CALLBACK_FIELD = "callback_url";
    /** Create endpoint (docs/providers/crun.md). */
    public static final String CREATE_PATH = "/api/v1/client/job/CreateTask";
    /** Status endpoint (docs/providers/crun.md). */
    public static final String STATUS_PATH = "/api/v1/client/job/TaskInfo";
    /** Balance endpoint (docs/providers/crun.md). */
    public static final String BALANCE_PATH = "/api/v1/client/account/balance";
    /** Most reference images sent with one task ({@link CrunRules#MAX_REFERENCES}). */
    public static final int MAX_REFERENCES = CrunRules.MAX_REFERENCES;

    /** Status words read as {@link TaskState#SUCCESS} (<b>inferred</b>, lower case). */
    static final Set<String> SUCCESS_WORDS = Set.of("success", "succeeded", "completed", "complete", "done",
            "finished");
    /** Status words read as {@link TaskState#FAIL} (<b>inferred</b>, lower case). */
    static final Set<String> FAIL_WORDS = Set.of("fail", "failed", "failure", "error", "cancelled", "canceled");
    /** Status words read as {@link TaskState#QUEUED} (<b>inferred</b>, lower case). */
    static final Set<String> QUEUED_WORDS = Set.of("pending", "queued", "waiting", "created", "submitted");
    /** Status words read as {@link TaskState#RUNNING} ({@code running} documented, the rest <b>inferred</b>). */
    static final Set<String> RUNNING_WORDS = Set.of("running", "processing", "generating");

    private static final JsonMapper json = ProviderJson.JSON;

    private final String callbackField;
    private final Double creditsPerImage;

    /**
     * @param settings base URL, API key and timeouts ({@code imagebatch.providers.crun.*}); its
     *                 {@code callbackField} names the create body's callback field (blank or null:
     *                 {@value #DEFAULT_CALLBACK_FIELD}); its {@code creditsPerImage} is the cost of one task, for
     *                 {@link #creditsPerTask}
     */
    public CrunAdapter(ProviderSettings settings) {
        this(settings, ProviderHttp.Options.defaults());
    }

    /**
     * @param settings as for the one-argument constructor
     * @param http     the answer size limit and every configured secret to mask ({@link ProviderHttp.Options})
     */
    public CrunAdapter(ProviderSettings settings, ProviderHttp.Options http) {
        super(NAME, settings, http, NANO_BANANA, CrunRules.MODELS, CrunRules::prepare);
        this.callbackField = settings.callbackField() == null || settings.callbackField().isBlank()
                ? DEFAULT_CALLBACK_FIELD : settings.callbackField().trim();
        this.creditsPerImage = settings.creditsPerImage();
    }

    /** @return the name of the create body's callback field in use, {@value #DEFAULT_CALLBACK_FIELD} by default */
    public String callbackField() {
        return callbackField;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Body: {@code {"model", "<callback field>"?, "input": {"prompt", "image_input"?, "aspect_ratio",
     * "resolution"?, "output_format"?}}}; {@code resolution} only for {@code google/nano-banana} when the request
     * has one, {@code output_format} only for {@code google/nano-banana}. An answer without {@code data.task_id}
     * throws BUSY with {@code mayHaveReachedProvider} set: a task may exist that we cannot name.
     */
    @Override
    public String createTask(ImageRequest request, String callbackUrl) {
        boolean v2 = NANO_BANANA_V2.equals(request.model());
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("prompt", request.prompt());
        if (!request.referenceImages().isEmpty()) {
            input.put("image_input", request.referenceImages());
        }
        input.put("aspect_ratio", request.aspectRatio());
        if (!v2 && request.resolution() != null) {
            input.put("resolution", request.resolution());
        }
        if (!v2 && request.outputFormat() != null) {
            input.put("output_format", request.outputFormat());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", request.model());
        if (callbackUrl != null) {
            body.put(callbackField, callbackUrl);
        }
        body.put("input", input);

        JsonNode data = unwrap(http.send(postJson(CREATE_PATH, body), "CreateTask"), "CreateTask");
        String taskId = text(data, "task_id");
        if (taskId == null) {
            // an answer without a task id: a task may exist that we cannot name
            throw ProviderAnswers.createdWithoutTaskId("crun.ai CreateTask answered success without data.task_id");
        }
        return taskId;
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code GET /api/v1/client/job/TaskInfo?task_id=...}. A 404 answer throws BUSY (the task is kept in flight
     * until its deadline); a 501 answer ("Generation Failed", crun page) is returned as {@link TaskState#FAIL}
     * with code {@code 501} and the answer's message (<b>inferred</b>: the page lists 501 among the response codes
     * without saying which calls answer it).
     */
    @Override
    public TaskStatus queryTask(String taskId) {
        ProviderHttp.Answer answer = http.send(get(STATUS_PATH + "?task_id="
                + URLEncoder.encode(taskId, StandardCharsets.UTF_8)), "TaskInfo");
        Envelope envelope = Envelope.of(answer);
        if (envelope.effectiveStatus() == 501) {
            return new TaskStatus(taskId, TaskState.FAIL, "501", List.of(), "501",
                    envelope.message() != null ? envelope.message() : "generation failed");
        }
        return parseTask(unwrap(answer, "TaskInfo"), taskId);
    }

    /**
     * Reads which task a callback is about. The documented payload is the status query's {@code data} object
     * (crun page); a payload wrapped like the status answer ({@code {"code","message","data":{...}}}) is read too.
     *
     * @param body the callback's raw body
     * @return {@code task_id} (or, defensively, {@code taskId}), or empty when there is none or the body is not JSON
     */
    @Override
    public Optional<String> callbackTaskId(String body) {
        return ProviderAnswers.callbackTaskId(body, "task_id", "taskId");
    }

    /**
     * {@inheritDoc}
     *
     * <p>crun.ai's callback payload is the TaskInfo {@code data} object (crun page: "Callback payloads structure
     * is consistent with the data object returned by the task status query"); a payload wrapped like the status
     * answer is read too. The result URLs are read as from a status answer ({@code result.media_urls}, else
     * {@code result.urls}, else {@code result.url}; docs/providers/crun.md).
     *
     * @param body the callback's raw body: the status {@code data} object, or the whole status answer
     */
    @Override
    public Optional<TaskStatus> callbackStatus(String body) {
        JsonNode data = ProviderAnswers.dataOrRoot(readBody(body));
        return callbackTaskId(body).flatMap(taskId -> ProviderAnswers.usableCallbackStatus(parseTask(data, taskId)));
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code GET /api/v1/client/account/balance}, answer {@code {"data":{"balance":N}}}
     * (docs/providers/crun.md); {@code N} may come as a number or a numeric string. Errors are classified as for the other calls
     * (401 account, 429 busy, ...); an answer without a balance throws BUSY.
     */
    @Override
    public OptionalDouble balance() {
        JsonNode data = unwrap(http.send(get(BALANCE_PATH), "balance"), "balance");
        JsonNode balance = data.path("balance");
        if (balance.isNumber()) {
            return OptionalDouble.of(balance.asDouble());
        }
        if (balance.isString()) {
            try {
                return OptionalDouble.of(Double.parseDouble(balance.stringValue().trim()));
            } catch (NumberFormatException e) {
                // answered below
            }
        }
        throw new ProviderException(FailureClass.BUSY, 200, null,
                "crun.ai balance: no numeric data.balance in the answer", null, false, null);
    }

    /**
     * {@inheritDoc}
     *
     * <p>crun.ai does not document a price per task: this is {@code imagebatch.providers.crun.credits-per-image},
     * the same for every request, or empty when it is not set.
     */
    @Override
    public OptionalDouble creditsPerTask(ImageRequest request) {
        return creditsPerImage == null ? OptionalDouble.empty() : OptionalDouble.of(creditsPerImage);
    }

    /**
     * Maps a status word to a state, ignoring case and surrounding blanks. Only {@code running} is documented
     * (docs/providers/crun.md); the rest is <b>inferred</b>: success, succeeded, completed, complete, done,
     * finished are {@link TaskState#SUCCESS}; fail, failed, failure, error, cancelled, canceled are
     * {@link TaskState#FAIL}; pending, queued, waiting, created, submitted are {@link TaskState#QUEUED}; running,
     * processing, generating are {@link TaskState#RUNNING}; anything else (and a missing status) is
     * {@link TaskState#UNKNOWN}.
     *
     * @param status the provider's word, may be null
     * @return the state
     */
    static TaskState mapStatus(String status) {
        String word = status == null ? "" : status.trim().toLowerCase(Locale.ROOT);
        if (SUCCESS_WORDS.contains(word)) {
            return TaskState.SUCCESS;
        }
        if (FAIL_WORDS.contains(word)) {
            return TaskState.FAIL;
        }
        if (QUEUED_WORDS.contains(word)) {
            return TaskState.QUEUED;
        }
        return RUNNING_WORDS.contains(word) ? TaskState.RUNNING : TaskState.UNKNOWN;
    }

    /**
     * Reads a TaskInfo {@code data} object (also the callback payload).
     *
     * @param data            the {@code data} object
     * @param requestedTaskId the task id asked for, used when the payload omits {@code task_id}
     * @return the status; an undocumented status word is {@link TaskState#UNKNOWN}, logged once per word; a
     *         success without a result URL is turned into {@link TaskState#FAIL} with code {@code no-result}
     */
    TaskStatus parseTask(JsonNode data, String requestedTaskId) {
        String taskId = firstNonNull(text(data, "task_id"), requestedTaskId);
        JsonNode statusNode = data.path("status");
        String rawStatus = statusNode.isValueNode() && !statusNode.isNull() ? statusNode.asString("") : "";
        TaskState state = warnIfUnknown(mapStatus(rawStatus), rawStatus,
                "crun.ai TaskInfo: status \"{}\" is not one we know; the task stays in flight until its deadline");
        if (state == TaskState.SUCCESS) {
            List<String> urls = resultUrls(data.path("result"));
            if (urls.isEmpty()) {
                // success without a URL cannot be stored: treat as a failed generation, visibly
                return ProviderAnswers.noResult(taskId, rawStatus,
                        "crun.ai reported " + rawStatus + " without a result URL");
            }
            return new TaskStatus(taskId, state, rawStatus, urls, null, null);
        }
        if (state == TaskState.FAIL) {
            return new TaskStatus(taskId, state, rawStatus, List.of(), failCode(data), failMessage(data));
        }
        return new TaskStatus(taskId, state, rawStatus, List.of(), null, null);
    }

    /**
     * The result URLs of a successful task. <b>Inferred</b> (the documented example has {@code "result": null}):
     * {@code result.media_urls}, else {@code result.urls}, else {@code result.url}, each a list or a single string
     * (list items may also be objects with a {@code url}); {@code result} itself as a URL string or a list; a
     * {@code result} string holding JSON is read as that JSON.
     *
     * @param result the {@code result} node
     * @return the URLs, in order, blanks dropped; empty when none was found
     */
    static List<String> resultUrls(JsonNode result) {
        List<String> urls = new ArrayList<>();
        if (result == null || result.isMissingNode() || result.isNull()) {
            return urls;
        }
        if (result.isString()) {
            String text = result.stringValue().trim();
            if (text.startsWith("{") || text.startsWith("[")) {
                try {
                    return resultUrls(json.readTree(text));
                } catch (JacksonException e) {
                    return urls;
                }
            }
            if (!text.isEmpty()) {
                urls.add(text);
            }
            return urls;
        }
        if (result.isArray()) {
            for (JsonNode item : result) {
                if (item.isString() && !item.stringValue().isBlank()) {
                    urls.add(item.stringValue().trim());
                } else if (item.isObject() && text(item, "url") != null) {
                    urls.add(text(item, "url").trim());
                }
            }
            return urls;
        }
        if (result.isObject()) {
            for (String field : List.of("media_urls", "urls", "url")) {
                JsonNode value = result.path(field);
                if (value.isString() || value.isArray()) {
                    List<String> found = resultUrls(value);
                    if (!found.isEmpty()) {
                        return found;
                    }
                }
            }
        }
        return urls;
    }

    /** The failure code of a failed task (<b>inferred</b> fields: error_code, fail_code, error.code, code). */
    private static String failCode(JsonNode data) {
        return firstNonNull(text(data, "error_code"), text(data, "fail_code"), text(data.path("error"), "code"),
                text(data, "code"));
    }

    /**
     * The failure message of a failed task (<b>inferred</b> fields: error_message, fail_reason, fail_msg, error as
     * a string, error.message, message, msg, result.error, result.message).
     */
    private static String failMessage(JsonNode data) {
        JsonNode error = data.path("error");
        JsonNode result = data.path("result");
        return firstNonNull(text(data, "error_message"), text(data, "fail_reason"), text(data, "fail_msg"),
                error.isString() ? text(data, "error") : text(error, "message"), text(data, "message"),
                text(data, "msg"), text(result, "error"), text(result, "message"));
    }

    /** crun.ai authenticates with {@code x-api-key: <key>} (crun page, "Authorizations"). */
    @Override
    protected HttpRequest.Builder authorized(HttpRequest.Builder builder) {
        return builder.header("x-api-key", http.apiKey());
    }

    /**
     * An answer read for its code and message.
     *
     * @param answer          the HTTP answer
     * @param body            the body as JSON, an empty object when it is not JSON
     * @param effectiveStatus the HTTP status when it is not 2xx, else the body's {@code code} (200 when absent or
     *                        not a number)
     * @param code            the body's {@code code} as text, or null
     * @param message         the body's {@code message}, {@code msg} or {@code error.message}, or null
     */
    private record Envelope(ProviderHttp.Answer answer, JsonNode body, int effectiveStatus, String code,
            String message) {

        static Envelope of(ProviderHttp.Answer answer) {
            JsonNode body = readBody(answer.body());
            String code = text(body, "code");
            int status = answer.status();
            if (status >= 200 && status < 300) {
                status = 200; // any 2xx: the body says the rest
                if (code != null) {
                    try {
                        status = Integer.parseInt(code.trim());
                    } catch (NumberFormatException e) {
                        // a non-numeric code: judge by data alone
                    }
                }
            }
            String message = firstNonNull(text(body, "message"), text(body, "msg"), text(body.path("error"), "message"),
                    body.path("error").isString() ? text(body, "error") : null);
            return new Envelope(answer, body, status, code, message);
        }
    }

    /** Unwraps {@code data} from a success answer, or throws a classified error. */
    private JsonNode unwrap(ProviderHttp.Answer answer, String callName) {
        Envelope envelope = Envelope.of(answer);
        int status = envelope.effectiveStatus();
        if (status == 200) {
            if (envelope.body().path("data").isObject()) {
                return envelope.body().path("data");
            }
            // HTTP 200 and code 200 but no data object: unexpected; a create may have made a task
            throw ProviderAnswers.unexpectedAnswer(http, "crun.ai", callName, envelope.code(), answer.body(),
                    "CreateTask".equals(callName));
        }
        ProviderHttp.Answer effective = answer.withStatus(status);
        throw http.error(effective, envelope.code(), envelope.message(), callName,
                "TaskInfo".equals(callName) ? ProviderAnswers::classifyStatusQuery : null);
    }

}
