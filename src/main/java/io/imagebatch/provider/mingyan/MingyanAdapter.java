package io.imagebatch.provider.mingyan;

import static io.imagebatch.provider.ProviderJson.firstNonNull;
import static io.imagebatch.provider.ProviderJson.readBody;
import static io.imagebatch.provider.ProviderJson.shorten;

import io.imagebatch.provider.FailureClass;
import io.imagebatch.provider.HttpProviderAdapter;
import io.imagebatch.provider.ImageRequest;
import io.imagebatch.provider.ProviderAnswers;
import io.imagebatch.provider.ProviderException;
import io.imagebatch.provider.ProviderHttp;
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
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * mingyan's Nano Banana API, as documented in {@code docs/providers/mingyan-nano-banana-create-task.txt} and
 * {@code docs/providers/mingyan.md}. [doc] is stated there; [inferred] is our reading, handled defensively.
 *
 * <ul>
 * <li>Base URL {@code https://zcbservice.aizfw.cn/kyyReactApiServer} (the default of
 *     {@code imagebatch.providers.mingyan.base-url}); auth {@code Authorization: Bearer <key>} [doc].</li>
 * <li>Create: {@code POST /v1/banana/images}, body {@code {"model","prompt","resolution"?,"size"?,"image_urls"?}},
 *     answer {@code {"id","object","created","model","status"}} with {@code object} seen as {@code nanobanana} and
 *     as {@code image} [doc]; only {@code id} is read.</li>
 * <li>Status: {@code GET /v1/result/{id}}, answer {@code {"id","object":"image.generation","created","model",
 *     "status","image_url","error"}}; {@code status} is {@code queued | processing | completed | failed},
 *     {@code image_url} comes with completed and {@code error} with failed [doc]. Status words are read ignoring
 *     case; any other word is logged once and the task stays in flight until its deadline. An answer wrapped in
 *     {@code {"data":{...}}} is also read [inferred].</li>
 * <li>Polling: the documentation recommends every 2 to 5 seconds and rate-limits faster polling; the job's own
 *     schedule ({@code imagebatch.job.poll-early}, 2.5 s by default) is configured elsewhere. Result URLs expire
 *     after about 24 hours (docs/providers/mingyan.md), so images are downloaded soon after success.</li>
 * <li>Callbacks: mingyan documents none, so {@link #createTask} never sends a callback URL, whatever the job
 *     passes, and the job learns every outcome by polling. {@link #callbackTaskId} still reads {@code id} from a
 *     body shaped like the status answer [inferred], should a callback ever arrive.</li>
 * <li>Errors: mingyan documents no error body. The message is read from {@code {"error":{"message":..}}},
 *     {@code {"error":".."}}, {@code {"message":..}} or {@code {"msg":..}}, and the failure is classified by HTTP
 *     status as in docs/design.md's failure classes [inferred]; a numeric {@code code} other than 200 in an HTTP 2xx
 *     body is taken as the status, as some gateways answer errors with HTTP 200 [inferred]. A status query for
 *     an id the provider does not know (404) keeps the task in flight, as right after a create the id may not be
 *     visible yet.</li>
 * </ul>
 *
 * <p>This class is the client: the HTTP envelope, the status mapping and the callback parsing. The input rules
 * enforced before sending, with their sources, are in {@link MingyanRules}.
 */
public final class MingyanAdapter extends HttpProviderAdapter {

    /** Provider name in settings and catalogues ({@link MingyanRules#NAME}). */
    public static final String NAME = MingyanRules.NAME;
    /** The basic model, the default ({@link MingyanRules#NANO_BANANA}). */
    public static final String NANO_BANANA = MingyanRules.NANO_BANANA;
    /** The professional model ({@link MingyanRules#NANO_BANANA_PRO}). */
    public static final String NANO_BANANA_PRO = MingyanRules.NANO_BANANA_PRO;
    /** {@link MingyanRules#NANO_BANANA_PRO_STABLE}. */
    public static final String NANO_BANANA_PRO_STABLE = MingyanRules.NANO_BANANA_PRO_STABLE;
    /** {@link MingyanRules#NANO_BANANA_2_STABLE}. */
    public static final String NANO_BANANA_2_STABLE = MingyanRules.NANO_BANANA_2_STABLE;
    /** The enhanced model ({@link MingyanRules#NANO_BANANA_2}). */
    public static final String NANO_BANANA_2 = MingyanRules.NANO_BANANA_2;

    /** Create endpoint, under the base URL. */
    static final String CREATE_PATH = "/v1/banana/images";
    /** Status endpoint, under the base URL; the task id is appended as one path segment. */
    static final String RESULT_PATH = "/v1/result/";

    private static final Logger log = LoggerFactory.getLogger(MingyanAdapter.class);

    private final AtomicBoolean callbackNoticeLogged = new AtomicBoolean();

    /** @param settings base URL, API key and timeouts ({@code imagebatch.providers.mingyan.*}) */
    public MingyanAdapter(ProviderSettings settings) {
        this(settings, ProviderHttp.Options.defaults());
    }

    /**
     * @param settings as for the one-argument constructor
     * @param http     the answer size limit and every configured secret to mask ({@link ProviderHttp.Options})
     */
    public MingyanAdapter(ProviderSettings settings, ProviderHttp.Options http) {
        super(NAME, settings, http, NANO_BANANA, MingyanRules.MODELS, MingyanRules::prepare);
    }

    /** mingyan documents no callbacks: its tasks are always polled. */
    @Override
    public boolean sendsCallbacks() {
        return false;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Sends {@code model} and {@code prompt}, and {@code size}, {@code resolution} and {@code image_urls} when
     * the request has them. {@code callbackUrl} is never sent: mingyan documents no callback field.
     */
    @Override
    public String createTask(ImageRequest request, String callbackUrl) {
        if (callbackUrl != null && callbackNoticeLogged.compareAndSet(false, true)) {
            log.info("mingyan documents no callback: tasks are created without a callback URL and followed by"
                    + " polling");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", request.model());
        body.put("prompt", request.prompt());
        if (request.aspectRatio() != null) {
            body.put("size", request.aspectRatio());
        }
        if (request.resolution() != null) {
            body.put("resolution", request.resolution().toLowerCase(Locale.ROOT));
        }
        if (!request.referenceImages().isEmpty()) {
            body.put("image_urls", request.referenceImages());
        }
        JsonNode answer = call(postJson(CREATE_PATH, body), "create", "id");
        String id = scalar(answer, "id");
        if (id == null) {
            // an answer without an id: a task may exist that we cannot name, so the row must not be resent
            throw new ProviderException(FailureClass.BUSY, 200, null, "mingyan create answered without an id: "
                    + http.mask(shorten(answer.toString())), null, true, null);
        }
        return id;
    }

    @Override
    public TaskStatus queryTask(String taskId) {
        JsonNode answer = call(get(RESULT_PATH + pathSegment(taskId)), "result", "status");
        if (scalar(answer, "status") == null) {
            throw new ProviderException(FailureClass.BUSY, 200, null, "mingyan result answered without a status: "
                    + http.mask(shorten(answer.toString())), null, false, null);
        }
        return parseResult(answer, taskId);
    }

    /**
     * {@inheritDoc}
     *
     * <p>mingyan documents no callback; a body shaped like the status answer ({@code {"id",..}}, or wrapped in
     * {@code data}) is read [inferred].
     */
    @Override
    public Optional<String> callbackTaskId(String body) {
        JsonNode root = readBody(body);
        return Optional.ofNullable(scalar(unwrap(root, "id"), "id"));
    }

    /**
     * Reads a status answer.
     *
     * @param answer          the status object ({@code data} already unwrapped)
     * @param requestedTaskId the id asked for, used when the answer omits it
     * @return the status; a completed task without {@code image_url} is reported as failed, as there is no
     *         image to store
     */
    TaskStatus parseResult(JsonNode answer, String requestedTaskId) {
        String taskId = firstNonNull(scalar(answer, "id"), requestedTaskId);
        String rawStatus = firstNonNull(scalar(answer, "status"), "");
        TaskState state = warnIfUnknown(switch (rawStatus.trim().toLowerCase(Locale.ROOT)) {
            case "queued" -> TaskState.QUEUED;
            case "processing" -> TaskState.RUNNING;
            case "completed" -> TaskState.SUCCESS;
            case "failed" -> TaskState.FAIL;
            default -> TaskState.UNKNOWN;
        }, rawStatus, "mingyan result: status \"{}\" is not in the documentation; the task stays in flight until"
                + " its deadline");
        if (state == TaskState.SUCCESS) {
            List<String> urls = imageUrls(answer.path("image_url"));
            if (urls.isEmpty()) {
                return ProviderAnswers.noResult(taskId, rawStatus, "mingyan reported completed without image_url");
            }
            return new TaskStatus(taskId, state, rawStatus, urls, null, null);
        }
        if (state == TaskState.FAIL) {
            JsonNode error = answer.path("error");
            String code = error.isObject() ? firstNonNull(scalar(error, "code"), scalar(error, "type")) : null;
            return new TaskStatus(taskId, state, rawStatus, List.of(), code, errorMessage(answer));
        }
        return new TaskStatus(taskId, state, rawStatus, List.of(), null, null);
    }

    /** {@code image_url} as documented (a string), or an array of strings [inferred]. */
    private static List<String> imageUrls(JsonNode node) {
        List<String> urls = new ArrayList<>();
        if (node.isString() && !node.stringValue().isBlank()) {
            urls.add(node.stringValue().trim());
        } else if (node.isArray()) {
            node.forEach(u -> {
                if (u.isString() && !u.stringValue().isBlank()) {
                    urls.add(u.stringValue().trim());
                }
            });
        }
        return urls;
    }

    /**
     * Sends, then returns the answer object of a 2xx answer, or throws a classified error.
     *
     * <p>A 2xx answer with {@code field} (at the top or inside {@code data}) is a success, whatever else it
     * holds. Without it, a numeric {@code code} from 100 to 599 other than 2xx is taken as the HTTP status
     * [inferred: some gateways answer errors with HTTP 200]; a 2xx answer with neither the field nor such a code
     * but with an error message is BUSY, and for a create {@code mayHaveReachedProvider}, as a task may exist.
     *
     * @param field the field a successful answer has ({@code id} for a create, {@code status} for a query)
     * @return the answer object, possibly without {@code field} (the caller then throws)
     */
    private JsonNode call(HttpRequest request, String callName, String field) {
        ProviderHttp.Answer answer = http.send(request, callName);
        JsonNode body = readBody(answer.body());
        if (answer.status() < 200 || answer.status() >= 300) {
            return throwError(answer, body, callName);
        }
        JsonNode unwrapped = unwrap(body, field);
        if (scalar(unwrapped, field) != null) {
            return unwrapped;
        }
        JsonNode code = body.path("code");
        int bodyCode = code.isIntegralNumber() ? code.asInt() : 0;
        if (bodyCode >= 100 && bodyCode <= 599 && (bodyCode < 200 || bodyCode >= 300)) {
            return throwError(answer.withStatus(bodyCode), body, callName);
        }
        String message = errorMessage(body);
        if (message != null) {
            throw new ProviderException(FailureClass.BUSY, answer.status(), null, http.mask(shorten("mingyan "
                    + callName + " answered HTTP " + answer.status() + " with an error: " + message)),
                    answer.retryAfter(), "create".equals(callName), null);
        }
        return unwrapped;
    }

    private JsonNode throwError(ProviderHttp.Answer answer, JsonNode body, String callName) {
        JsonNode error = body.path("error");
        String providerCode = error.isObject()
                ? firstNonNull(scalar(error, "code"), scalar(body, "code"), scalar(error, "type"))
                : scalar(body, "code");
        throw http.error(answer, providerCode, errorMessage(body), callName,
                "result".equals(callName) ? ProviderAnswers::classifyStatusQuery : null);
    }

    /**
     * @param body an answer body, {@code {}} when it was not a JSON object
     * @return the message of {@code {"error":{"message":..}}}, {@code {"error":".."}}, {@code {"message":..}} or
     * {@code {"msg":..}}, the first present; null when none is
     */
    static String errorMessage(JsonNode body) {
        JsonNode error = body.path("error");
        String fromError = error.isObject() ? firstNonNull(scalar(error, "message"), scalar(error, "msg"))
                : error.isString() && !error.stringValue().isBlank() ? error.stringValue() : null;
        return firstNonNull(fromError, scalar(body, "message"), scalar(body, "msg"));
    }

    /** @return {@code body.data} when {@code field} is there and not at the top, else {@code body} */
    private static JsonNode unwrap(JsonNode body, String field) {
        JsonNode data = body.path("data");
        return scalar(body, field) == null && data.isObject() && scalar(data, field) != null ? data : body;
    }

    private static String pathSegment(String taskId) {
        return URLEncoder.encode(taskId, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** @return a string or number field as text, null when absent, null, blank or not a scalar */
    private static String scalar(JsonNode node, String field) {
        JsonNode value = node.path(field);
        if (!(value.isString() || value.isNumber() || value.isBoolean())) {
            return null;
        }
        String text = value.asString();
        return text.isBlank() ? null : text;
    }

}
