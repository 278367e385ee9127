package io.imagebatch.sandbox;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * HiAPI's unified async API for Nano Banana Pro, as documented in hiapi-nano-banana-pro.txt and
 * docs/providers/hiapi.md.
 *
 * <ul>
 * <li>{@code POST /v1/tasks}: body checked by {@link HiApiCreateRequest}; HTTP 200
 *     {@code {"code":200,"message":"success","data":{"taskId":"tk-<epoch ms>-<n>"}}}, or HTTP 400
 *     {@code {"code":400,"message":"invalid request: <rule broken>","data":null,"error_code":"INVALID_REQUEST"}}
 *     (the documented body; the documented message is {@code invalid request}, the sandbox appends the reason).</li>
 * <li>{@code GET /v1/tasks/{taskId}}: HTTP 200 {@code {"code":200,"message":"success","data":{...}}}
 *     ({@link #taskData}); HTTP 404 {@code {"code":404,"message":"task not found",...}} for an unknown task and
 *     for another protocol's task (HiAPI answers 404 for another account's task).</li>
 * <li>{@code GET /v1/tasks}: the account's tasks, newest first, each as {@link #taskData} plus the {@code input}
 *     it was created with: {@code {"code":200,"message":"success","data":{"items":[...]}}}. The endpoint and its
 *     shape are <b>inferred</b> (docs/providers/hiapi.md, task list).</li>
 * <li>Auth: {@code Authorization: Bearer sandbox-key} (docs/providers/hiapi.md: inferred); otherwise HTTP 401
 *     {@code {"code":401,"message":"invalid api key","data":null,"error_code":"UNAUTHORIZED"}} (the error body's
 *     shape is documented; the 401 message and code are <b>inferred</b>).</li>
 * <li>Errors: every error answer has the documented shape {@code {"code","message","data":null,"error_code"}};
 *     {@code error_code} is {@code INVALID_REQUEST} for 400 (documented) and, <b>inferred</b>,
 *     {@code UNAUTHORIZED} 401, {@code FORBIDDEN} 403, {@code NOT_FOUND} 404, {@code METHOD_NOT_ALLOWED} 405,
 *     {@code PAYLOAD_TOO_LARGE} 413, {@code RATE_LIMITED} 429, {@code INTERNAL_ERROR} 500,
 *     {@code SERVICE_UNAVAILABLE} 503 (documented as "temporarily unavailable"), else {@code HTTP_<status>}.</li>
 * <li>Callback: when the create had {@code callback.url}, the terminal task's {@link #taskData} (the status
 *     query's {@code data}, not wrapped) is POSTed there, for success and for fail. With a signing secret
 *     ({@link SandboxSettings#hiapiCallbackSecret()}) it carries {@code X-HiAPI-Timestamp} (epoch seconds:
 *     <b>inferred</b>, as HiAPI's other times) and {@code X-HiAPI-Signature}, the lower-case hex
 *     HMAC-SHA256(secret, timestamp + "." + body) (docs/providers/hiapi.md).</li>
 * </ul>
 *
 * <p>Status words: the shared task phases waiting and queuing are {@code queued}, generating is {@code handling}
 * and, for a task that will succeed, the last {@value #ARCHIVING_FROM_PERCENT}% of its generation time
 * {@code archiving} (not terminal); then {@code success} or {@code fail}. The sandbox serves a PNG at
 * {@code /files/<taskId>.png} whatever {@code output_format} asked for.
 */
final class HiApiProtocol extends ProtocolSupport {

    /** Protocol name. */
    static final String NAME = "hiapi";
    /** Create and list endpoint. */
    static final String TASKS_PATH = "/v1/tasks";
    /** Prefix of the status endpoint {@code /v1/tasks/{taskId}}. */
    static final String TASK_PATH_PREFIX = "/v1/tasks/";
    /** {@code error.code} of a failed task (<b>inferred</b>: the documentation shows only the field). */
    static final String FAIL_CODE = "GENERATION_FAILED";
    /** {@code output[].type} of a result (<b>inferred</b>: the documentation shows only the field). */
    static final String OUTPUT_TYPE = "image";
    /** How long a result URL is said to live ({@code expireAt}; docs/providers/hiapi.md: about 7 days). */
    static final Duration RESULT_LIFETIME = Duration.ofDays(7);
    /** Where archiving starts, in percent of the generation time. */
    static final int ARCHIVING_FROM_PERCENT = 85;
    /** Signature header name. */
    static final String SIGNATURE_HEADER = "X-HiAPI-Signature";
    /** Timestamp header name. */
    static final String TIMESTAMP_HEADER = "X-HiAPI-Timestamp";

    private final String callbackSecret;
    private final CodeEnvelope envelope;

    /**
     * @param context        the shared task store, callbacks, JSON mapper and base URL
     * @param apiKey         the only key accepted
     * @param callbackSecret the account's callback signing secret, or null to send callbacks unsigned
     */
    HiApiProtocol(SandboxContext context, String apiKey, String callbackSecret) {
        super(NAME, context, new BearerKey(apiKey)::matches);
        this.callbackSecret = callbackSecret;
        this.envelope = new CodeEnvelope(json, "message");
    }

    @Override
    public List<ApiRoute> routes() {
        return List.of(
                new ApiRoute("POST", TASKS_PATH, ApiRoute.Kind.CREATE, this::createTask),
                new ApiRoute("GET", TASKS_PATH, ApiRoute.Kind.OTHER, this::listTasks),
                new ApiRoute("GET", TASK_PATH_PREFIX + ApiRoute.ID_SEGMENT, ApiRoute.Kind.STATUS, this::queryTask));
    }

    /** {@inheritDoc} Body {@code {"code":<httpStatus>,"message":<message>,"data":null,"error_code":...}}. */
    @Override
    public ApiResponse error(int httpStatus, String message) {
        ObjectNode body = envelope.error(httpStatus, message);
        body.put("error_code", errorCode(httpStatus));
        return ApiResponse.json(httpStatus, json.writeValueAsBytes(body));
    }

    /** {@inheritDoc} HTTP 400 {@code invalid request: <message>}, the documented message with the reason. */
    @Override
    public ApiResponse badRequest(String message) {
        return error(400, "invalid request: " + message);
    }

    /**
     * @param httpStatus an HTTP status
     * @return the {@code error_code} the sandbox answers it with (see the class comment)
     */
    static String errorCode(int httpStatus) {
        return switch (httpStatus) {
            case 400 -> "INVALID_REQUEST";
            case 401 -> "UNAUTHORIZED";
            case 403 -> "FORBIDDEN";
            case 404 -> "NOT_FOUND";
            case 405 -> "METHOD_NOT_ALLOWED";
            case 413 -> "PAYLOAD_TOO_LARGE";
            case 429 -> "RATE_LIMITED";
            case 500 -> "INTERNAL_ERROR";
            case 503 -> "SERVICE_UNAVAILABLE";
            default -> "HTTP_" + httpStatus;
        };
    }

    private ApiResponse createTask(ApiRequest request) throws BadRequestException {
        HiApiCreateRequest create = HiApiCreateRequest.parse(request.bodyText(), json);
        TaskEngine.Draft draft = new TaskEngine.Draft(NAME, create.model(), create.prompt(), create.imageSize(),
                create.paramJson(), create.callbackUrl());
        SandboxTask task = submit((createTimeMs, sequence) -> "tk-" + createTimeMs + "-" + sequence, draft,
                this::sendCallback);
        return created(task, envelope.success(json.createObjectNode().put("taskId", task.id())));
    }

    private ApiResponse queryTask(ApiRequest request) {
        return statusAnswer(ownTask(request.path().substring(TASK_PATH_PREFIX.length())),
                (task, nowMs) -> envelope.success(taskData(task, nowMs)), "task not found");
    }

    private ApiResponse listTasks(ApiRequest request) {
        long now = context.tasks().nowMillis();
        List<SandboxTask> tasks = context.tasks().tasksOf(NAME).stream()
                .sorted(Comparator.comparingLong(SandboxTask::createTimeMs)
                        .thenComparingLong(HiApiProtocol::sequence).reversed())
                .toList();
        ObjectNode data = json.createObjectNode();
        ArrayNode items = data.putArray("items");
        for (SandboxTask task : tasks) {
            ObjectNode item = taskData(task, now);
            item.set("input", json.readTree(task.paramJson()).path("input"));
            items.add(item);
        }
        return ok(envelope.success(data));
    }

    /** The sandbox-wide sequence number at the end of a task id {@code tk-<ms>-<n>}. */
    private static long sequence(SandboxTask task) {
        return Long.parseLong(task.id().substring(task.id().lastIndexOf('-') + 1));
    }

    /** Terminal listener: POSTs the task's data to its callback URL, signed when a secret is set. */
    private void sendCallback(SandboxTask task) {
        long now = callbackTime(task);
        byte[] body = json.writeValueAsBytes(taskData(task, now));
        Map<String, String> headers = new LinkedHashMap<>();
        if (callbackSecret != null) {
            String timestamp = Long.toString(now / 1000);
            headers.put(TIMESTAMP_HEADER, timestamp);
            headers.put(SIGNATURE_HEADER, sign(callbackSecret, timestamp, body));
        }
        context.callbacks().deliver(task.callbackUrl(), body, headers);
    }

    /**
     * @param secret    the signing secret
     * @param timestamp the timestamp header's value
     * @param body      the raw body
     * @return lower-case hex HMAC-SHA256(secret, timestamp + "." + body)
     */
    static String sign(String secret, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /**
     * The status query's {@code data} of a task at a moment: {@code taskId}, {@code model}, {@code status}
     * ({@code queued | handling | archiving | success | fail}), {@code created} (epoch seconds),
     * {@code completed} (epoch seconds, 0 until terminal), {@code output} only on success
     * ({@code [{"url":"<baseUrl>/files/<taskId>.png","type":"image","expireAt":<completed + 7 days, epoch s>}]}),
     * {@code error} only on fail ({@code {"code":"GENERATION_FAILED","message":"sandbox: generation failed"}}).
     *
     * @param task  the task
     * @param nowMs epoch milliseconds
     * @return the {@code data} object
     */
    ObjectNode taskData(SandboxTask task, long nowMs) {
        TaskPhase phase = TaskEngine.phaseAt(task, nowMs);
        ObjectNode data = json.createObjectNode();
        data.put("taskId", task.id());
        data.put("model", task.model());
        data.put("status", status(task, phase, nowMs));
        data.put("created", task.createTimeMs() / 1000);
        long completed = phase.terminal() ? task.completeTimeMs() / 1000 : 0;
        data.put("completed", completed);
        if (phase == TaskPhase.SUCCEEDED) {
            ObjectNode output = data.putArray("output").addObject();
            output.put("url", context.fileUrl(task.id()));
            output.put("type", OUTPUT_TYPE);
            output.put("expireAt", completed + RESULT_LIFETIME.toSeconds());
        }
        if (phase == TaskPhase.FAILED) {
            boolean refused = refusedForContent(task);
            data.putObject("error").put("code", refused ? "CONTENT_POLICY_VIOLATION" : FAIL_CODE)
                    .put("message", refused ? ContentPolicyFilter.MESSAGE : FAIL_MESSAGE);
        }
        return data;
    }

    /**
     * @param task  the task
     * @param phase its phase at {@code nowMs}
     * @param nowMs epoch milliseconds
     * @return HiAPI's word for it (see the class comment)
     */
    static String status(SandboxTask task, TaskPhase phase, long nowMs) {
        return switch (phase) {
            case WAITING, QUEUING -> "queued";
            case GENERATING -> !task.fails()
                    && (nowMs - task.createTimeMs()) * 100 >= task.generationTimeMs() * ARCHIVING_FROM_PERCENT
                    ? "archiving" : "handling";
            case SUCCEEDED -> "success";
            case FAILED -> "fail";
        };
    }
}
