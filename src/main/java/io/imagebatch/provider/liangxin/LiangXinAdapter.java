package io.imagebatch.provider.liangxin;

import static io.imagebatch.provider.ProviderJson.firstNonNull;
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
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The LiangXin market API (the same shape as kie.ai's market API), as documented in
 * {@code docs/providers/liangxin-nano-banana-pro-flash-reference.txt},
 * {@code liangxin-create-task-page.txt} and {@code docs/providers/liangxin.md}.
 *
 * <ul>
 * <li>Create: {@code POST /api/v1/jobs/createTask}, body {@code {"model","callBackUrl"?,"input":{...}}},
 *     answer {@code {"code":200,"msg":"success","data":{"taskId":"..."}}}.</li>
 * <li>Status: {@code GET /api/v1/jobs/recordInfo?taskId=...}, answer {@code data.state} one of
 *     {@code waiting | queuing | generating | success | fail}; {@code data.resultJson} is a JSON <em>string</em>
 *     holding {@code {"resultUrls":[...]}} once the state is success.</li>
 * <li>Auth: {@code Authorization: Bearer <key>} (docs/providers/liangxin.md: inferred from the {@code invalid token} error).</li>
 * <li>Errors: {@code {"code":400,"msg":"...","data":null}} or {@code {"error":{"message":"invalid token",...}}};
 *     some copies say {@code message} for {@code msg}: both are read.</li>
 * </ul>
 *
 * <p>This class is the client: the HTTP envelope, the status mapping and the callback parsing. The input rules
 * enforced before sending, with their sources, are in {@link LiangXinRules}.
 */
public final class LiangXinAdapter extends HttpProviderAdapter {

    /** Provider name in settings and catalogues ({@link LiangXinRules#NAME}). */
    public static final String NAME = LiangXinRules.NAME;
    /** The default model ({@link LiangXinRules#FLASH}). */
    public static final String FLASH = LiangXinRules.FLASH;
    /** Nano Banana Pro on the same market ({@link LiangXinRules#PRO}). */
    public static final String PRO = LiangXinRules.PRO;

    private static final JsonMapper json = ProviderJson.JSON;

    /** @param settings base URL, API key and timeouts ({@code imagebatch.providers.liangxin.*}) */
    public LiangXinAdapter(ProviderSettings settings) {
        this(settings, ProviderHttp.Options.defaults());
    }

    /**
     * @param settings as for the one-argument constructor
     * @param http     the answer size limit and every configured secret to mask ({@link ProviderHttp.Options})
     */
    public LiangXinAdapter(ProviderSettings settings, ProviderHttp.Options http) {
        super(NAME, settings, http, FLASH, List.of(FLASH, PRO), LiangXinRules::prepare);
    }

    /** LiangXin's callback body is the recordInfo answer: {@code {"code":200,"msg":..,"data":{"taskId",..}}}. */
    @Override
    public Optional<String> callbackTaskId(String body) {
        return ProviderAnswers.callbackTaskId(body, "taskId");
    }

    /**
     * {@inheritDoc}
     *
     * <p>LiangXin posts the recordInfo answer on success or fail (docs/providers/liangxin.md):
     * {@code data.state}, {@code data.resultJson} (a JSON string with {@code resultUrls}), {@code data.failCode},
     * {@code data.failMsg} and {@code data.costTime}. A {@code resultJson} that is not JSON is not usable.
     */
    @Override
    public Optional<TaskStatus> callbackStatus(String body) {
        JsonNode data = ProviderAnswers.dataOrRoot(ProviderJson.readBody(body));
        return callbackTaskId(body).flatMap(taskId -> {
            try {
                return ProviderAnswers.usableCallbackStatus(parseRecord(data, taskId));
            } catch (ProviderException unreadable) {
                return Optional.empty();
            }
        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>Sends {@code image_input} for the references (the documentation allows either list, 3 together).
     */
    @Override
    public String createTask(ImageRequest request, String callbackUrl) {
        Map<String, Object> input = imageInput(request);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", request.model());
        if (callbackUrl != null) {
            body.put("callBackUrl", callbackUrl);
        }
        body.put("input", input);

        JsonNode data = call(postJson("/api/v1/jobs/createTask", body), "createTask");
        String taskId = data.path("taskId").asString("");
        if (taskId.isBlank()) {
            // an answer without a taskId: a task may exist that we cannot name
            throw ProviderAnswers.createdWithoutTaskId("LiangXin createTask answered success without data.taskId");
        }
        return taskId;
    }

    @Override
    public TaskStatus queryTask(String taskId) {
        HttpRequest httpRequest = get("/api/v1/jobs/recordInfo?taskId="
                + URLEncoder.encode(taskId, StandardCharsets.UTF_8));
        return parseRecord(call(httpRequest, "recordInfo"), taskId);
    }

    /**
     * Reads a recordInfo {@code data} object (also the callback payload's {@code data}).
     *
     * @param data            the {@code data} object
     * @param requestedTaskId the taskId asked for, used when the payload omits it
     * @return the status
     * @throws ProviderException BUSY when {@code resultJson} is not valid JSON (a later query may read it)
     */
    TaskStatus parseRecord(JsonNode data, String requestedTaskId) {
        String taskId = data.path("taskId").asString(requestedTaskId);
        String rawState = data.path("state").asString("");
        TaskState state = warnIfUnknown(switch (rawState) {
            case "waiting", "queuing" -> TaskState.QUEUED;
            case "generating" -> TaskState.RUNNING;
            case "success" -> TaskState.SUCCESS;
            case "fail" -> TaskState.FAIL;
            default -> TaskState.UNKNOWN;
        }, rawState, "LiangXin recordInfo: state \"{}\" is not in the documentation; the task stays in flight"
                + " until its deadline");
        List<String> urls = new ArrayList<>();
        if (state == TaskState.SUCCESS) {
            String resultJson = data.path("resultJson").asString("");
            try {
                JsonNode result = resultJson.isBlank() ? json.createObjectNode() : json.readTree(resultJson);
                result.path("resultUrls").forEach(u -> urls.add(u.asString()));
            } catch (JacksonException e) {
                throw new ProviderException(FailureClass.BUSY, 200, null,
                        "LiangXin recordInfo: resultJson of task " + taskId + " is not JSON", null, false, e);
            }
            if (urls.isEmpty()) {
                // success without a URL cannot be stored: treat as a failed generation, visibly
                return ProviderAnswers.noResult(taskId, rawState, "LiangXin reported success without resultUrls");
            }
        }
        String failCode = text(data, "failCode");
        String failMessage = text(data, "failMsg");
        // costTime (ms), else completeTime - createTime (epoch ms): how long generation took, for the poll schedule
        Long generationMillis = null;
        if (state.isTerminal()) {
            if (data.path("costTime").isNumber()) {
                generationMillis = data.path("costTime").asLong();
            } else if (data.path("completeTime").isNumber() && data.path("createTime").isNumber()) {
                generationMillis = data.path("completeTime").asLong() - data.path("createTime").asLong();
            }
        }
        return new TaskStatus(taskId, state, rawState, urls,
                state == TaskState.FAIL ? failCode : null, state == TaskState.FAIL ? failMessage : null,
                generationMillis);
    }

    /** Sends, then unwraps {@code data} from a success body, or throws a classified error. */
    private JsonNode call(HttpRequest request, String callName) {
        return sendForData(request, "LiangXin", callName, "createTask".equals(callName), (answer, body) -> {
            String message = firstNonNull(text(body, "msg"), text(body, "message"),
                    text(body.path("error"), "message"));
            return http.error(answer.withStatus(envelopeStatus(answer, body)),
                    body.path("code").isMissingNode() ? null : body.path("code").asString(), message, callName,
                    "recordInfo".equals(callName) ? ProviderAnswers::classifyStatusQuery : null);
        });
    }

}
