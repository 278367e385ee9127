package io.imagebatch.sandbox;

import java.util.List;
import java.util.Locale;
import tools.jackson.databind.node.ObjectNode;

/**
 * The LiangXin market API (kie.ai's shape), as documented in liangxin-nano-banana-pro-flash-reference.txt,
 * liangxin-create-task-page.txt and docs/providers/liangxin.md.
 *
 * <ul>
 * <li>{@code POST /api/v1/jobs/createTask}: body checked by {@link LiangXinCreateRequest}; HTTP 200
 *     {@code {"code":200,"msg":"success","data":{"taskId":"task_<model>_<epoch ms>_<n>"}}}, or HTTP 400
 *     {@code {"code":400,"msg":"<rule broken>","data":null}}.</li>
 * <li>{@code GET /api/v1/jobs/recordInfo?taskId=...}: HTTP 200 {@code {"code":200,"msg":"success","data":{...}}}
 *     ({@link #recordData}); HTTP 400 without {@code taskId}; HTTP 404 {@code {"code":404,"msg":"task not
 *     found","data":null}} for an unknown one.</li>
 * <li>Auth: {@code Authorization: Bearer sandbox-key} (docs/providers/liangxin.md: inferred); otherwise HTTP 401
 *     {@code {"error":{"message":"invalid token","type":"new_api_error","code":""}}} (documented body).</li>
 * <li>Callback: when the create had {@code callBackUrl}, the recordInfo answer of the terminal task is POSTed
 *     there ("the same payload shape as recordInfo", liangxin-nano-banana-pro-flash-reference.txt).</li>
 * </ul>
 */
final class LiangXinProtocol extends ProtocolSupport {

    /** Protocol name. */
    static final String NAME = "liangxin";
    /** Create endpoint. */
    static final String CREATE_PATH = "/api/v1/jobs/createTask";
    /** Status endpoint. */
    static final String STATUS_PATH = "/api/v1/jobs/recordInfo";
    /** {@code failCode} of a failed task. */
    static final String FAIL_CODE = "500";

    private final CodeEnvelope envelope;

    /**
     * @param context the shared task store, callbacks, JSON mapper and base URL
     * @param apiKey  the only key accepted
     */
    LiangXinProtocol(SandboxContext context, String apiKey) {
        super(NAME, context, new BearerKey(apiKey)::matches);
        this.envelope = new CodeEnvelope(json, "msg");
    }

    @Override
    public List<ApiRoute> routes() {
        return List.of(
                new ApiRoute("POST", CREATE_PATH, ApiRoute.Kind.CREATE, this::createTask),
                new ApiRoute("GET", STATUS_PATH, ApiRoute.Kind.STATUS, this::recordInfo));
    }

    /** {@inheritDoc} LiangXin's documented 401 body, not its {@code code/msg/data} envelope. */
    @Override
    public ApiResponse unauthorized() {
        ObjectNode error = json.createObjectNode();
        error.putObject("error").put("message", "invalid token").put("type", "new_api_error").put("code", "");
        return ApiResponse.json(401, json.writeValueAsBytes(error));
    }

    /** {@inheritDoc} Body {@code {"code":<httpStatus>,"msg":<message>,"data":null}}. */
    @Override
    public ApiResponse error(int httpStatus, String message) {
        return envelope.errorAnswer(httpStatus, message);
    }

    private ApiResponse createTask(ApiRequest request) throws BadRequestException {
        LiangXinCreateRequest create = LiangXinCreateRequest.parse(request.bodyText(), json);
        String model = create.model().id();
        TaskEngine.Draft draft = new TaskEngine.Draft(NAME, model, create.prompt(), create.imageSize(),
                create.paramJson(), create.callbackUrl());
        SandboxTask task = submit((createTimeMs, sequence) -> "task_" + model + "_" + createTimeMs + "_" + sequence,
                draft, this::sendCallback);
        return created(task, envelope.success(json.createObjectNode().put("taskId", task.id())));
    }

    /** Any task of the sandbox, whichever protocol created it (as the sandbox always answered). */
    private ApiResponse recordInfo(ApiRequest request) throws BadRequestException {
        return statusAnswer(context.tasks().find(request.requiredQuery("taskId")), this::recordBody,
                "task not found");
    }

    /** Terminal listener: POSTs the recordInfo answer to the task's callBackUrl. */
    private void sendCallback(SandboxTask task) {
        context.callbacks().deliver(task.callbackUrl(), json.writeValueAsBytes(recordBody(task, callbackTime(task))));
    }

    private ObjectNode recordBody(SandboxTask task, long nowMs) {
        return envelope.success(recordData(task, nowMs));
    }

    /**
     * The recordInfo {@code data} of a task at a moment: {@code taskId}, {@code model}, {@code state}
     * ({@code waiting | queuing | generating | success | fail}), {@code param} (the create body as a JSON
     * string), {@code resultJson} (a JSON string: {@code ""} until success, then
     * {@code {"resultUrls":["<baseUrl>/files/<taskId>.png"]}}), {@code failCode} and {@code failMsg}
     * ({@code ""} unless failed), {@code costTime} (milliseconds; null until terminal), {@code createTime},
     * {@code completeTime} (epoch milliseconds; null until terminal) and {@code updateTime} (epoch milliseconds
     * of the last state change).
     *
     * @param task  the task
     * @param nowMs epoch milliseconds
     * @return the {@code data} object
     */
    ObjectNode recordData(SandboxTask task, long nowMs) {
        TaskPhase phase = TaskEngine.phaseAt(task, nowMs);
        ObjectNode data = json.createObjectNode();
        data.put("taskId", task.id());
        data.put("model", task.model());
        data.put("state", state(phase));
        data.put("param", task.paramJson());
        if (phase == TaskPhase.SUCCEEDED) {
            ObjectNode result = json.createObjectNode();
            result.putArray("resultUrls").add(context.fileUrl(task.id()));
            data.put("resultJson", json.writeValueAsString(result));
        } else {
            data.put("resultJson", "");
        }
        boolean refused = phase == TaskPhase.FAILED && refusedForContent(task);
        data.put("failCode", phase == TaskPhase.FAILED ? (refused ? "400" : FAIL_CODE) : "");
        data.put("failMsg", phase == TaskPhase.FAILED ? (refused ? ContentPolicyFilter.MESSAGE : FAIL_MESSAGE) : "");
        if (phase.terminal()) {
            data.put("costTime", task.generationTimeMs());
        } else {
            data.putNull("costTime");
        }
        data.put("createTime", task.createTimeMs());
        if (phase.terminal()) {
            data.put("completeTime", task.completeTimeMs());
        } else {
            data.putNull("completeTime");
        }
        data.put("updateTime", TaskEngine.phaseStartMs(task, nowMs));
        return data;
    }

    /**
     * @param phase a phase
     * @return LiangXin's word for it (docs/providers/liangxin.md)
     */
    static String state(TaskPhase phase) {
        return switch (phase) {
            case WAITING, QUEUING, GENERATING -> phase.name().toLowerCase(Locale.ROOT);
            case SUCCEEDED -> "success";
            case FAILED -> "fail";
        };
    }
}
