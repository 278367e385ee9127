package io.imagebatch.sandbox;

import java.util.List;
import java.util.UUID;
import tools.jackson.databind.node.ObjectNode;

/**
 * crun.ai's client job API for Google Nano Banana, as documented in google-nano-banana-x-api-key-provider.txt
 * ("the crun page") and docs/providers/crun.md.
 *
 * <ul>
 * <li>Auth: {@code x-api-key: sandbox-key} (crun page); otherwise HTTP 401
 *     {@code {"code":401,"message":"Unauthorized","data":null}} (the documented envelope and code; the message
 *     text is the sandbox's).</li>
 * <li>{@code POST /api/v1/client/job/CreateTask}: body checked by {@link CrunCreateRequest}; HTTP 200
 *     {@code {"code":200,"message":"success","data":{"task_id":"<uuid-shaped id>"}}}; HTTP 422
 *     {@code {"code":422,"message":"<rule broken>","data":null}} (422 = validation error, crun page); HTTP 402
 *     {@code {"code":402,"message":"insufficient credits","data":null}} when the balance is below one credit. Each
 *     created task costs one credit.</li>
 * <li>{@code GET /api/v1/client/job/TaskInfo?task_id=...}: HTTP 200 {@code {"code":200,"message":"success",
 *     "data":{...}}} ({@link #taskData}); HTTP 422 without {@code task_id}; HTTP 404
 *     {@code {"code":404,"message":"task not found","data":null}} for an unknown one.</li>
 * <li>{@code GET /api/v1/client/account/balance}: HTTP 200 {@code {"code":200,"message":"success",
 *     "data":{"balance":N}}} (docs/providers/crun.md); {@code N} is settable ({@link #setBalance}), default
 *     {@value #DEFAULT_BALANCE}.</li>
 * <li>Callback: when the create named a callback URL, the terminal task's TaskInfo {@code data} object is POSTed
 *     there ("Callback payloads structure is consistent with the data object returned by the task status query",
 *     crun page).</li>
 * </ul>
 *
 * <p>Status words: {@code pending} while waiting or queuing (<b>inferred</b>), {@code running} while generating
 * (documented), then {@code success} or {@code failed} (<b>inferred</b>: the crun page shows only
 * {@code running}). A successful task's {@code result} is {@code {"media_urls":["<baseUrl>/files/<task_id>.png"]}}
 * (<b>inferred</b> shape); a failed one carries {@code error_code} 501 and {@code error_message} (<b>inferred</b>
 * fields; 501 is the documented "Generation Failed" code).
 */
final class CrunProtocol extends ProtocolSupport {

    /** Protocol name. */
    static final String NAME = "crun";
    /** Create endpoint. */
    static final String CREATE_PATH = "/api/v1/client/job/CreateTask";
    /** Status endpoint. */
    static final String STATUS_PATH = "/api/v1/client/job/TaskInfo";
    /** Balance endpoint. */
    static final String BALANCE_PATH = "/api/v1/client/account/balance";
    /** The balance a new sandbox starts with, in credits. */
    static final double DEFAULT_BALANCE = 1_000_000;
    /** Credits one created task costs. */
    static final double CREDITS_PER_TASK = 1;
    /** {@code error_code} of a failed task: the documented "Generation Failed" code. */
    static final int FAIL_CODE = 501;
    /** Message of the 401 answer. */
    static final String UNAUTHORIZED_MESSAGE = "Unauthorized";
    /** Message of the 402 answer. */
    static final String INSUFFICIENT_CREDITS_MESSAGE = "insufficient credits";

    private final CodeEnvelope envelope;
    private final Object balanceLock = new Object();
    private double balance = DEFAULT_BALANCE; // guarded by balanceLock

    /**
     * @param context the shared task store, callbacks, JSON mapper and base URL
     * @param apiKey  the only key accepted
     */
    CrunProtocol(SandboxContext context, String apiKey) {
        // the x-api-key header (any case of the name), the key exactly
        super(NAME, context, request -> apiKey.equals(request.header("x-api-key")));
        this.envelope = new CodeEnvelope(json, "message");
    }

    @Override
    public List<ApiRoute> routes() {
        return List.of(
                new ApiRoute("POST", CREATE_PATH, ApiRoute.Kind.CREATE, this::createTask),
                new ApiRoute("GET", STATUS_PATH, ApiRoute.Kind.STATUS, this::taskInfo),
                new ApiRoute("GET", BALANCE_PATH, ApiRoute.Kind.OTHER, this::balanceAnswer));
    }

    /** {@inheritDoc} Message {@value #UNAUTHORIZED_MESSAGE}. */
    @Override
    public ApiResponse unauthorized() {
        return error(401, UNAUTHORIZED_MESSAGE);
    }

    /** {@inheritDoc} Body {@code {"code":<httpStatus>,"message":<message>,"data":null}}. */
    @Override
    public ApiResponse error(int httpStatus, String message) {
        return envelope.errorAnswer(httpStatus, message);
    }

    /** {@inheritDoc} HTTP 422, crun.ai's validation error (crun page). */
    @Override
    public ApiResponse badRequest(String message) {
        return error(422, message);
    }

    /**
     * Sets the account's credits; each created task then takes {@value #CREDITS_PER_TASK}, and CreateTask answers
     * 402 once fewer than that are left.
     *
     * @param credits the new balance, finite
     * @throws IllegalArgumentException when {@code credits} is not finite
     */
    void setBalance(double credits) {
        if (!Double.isFinite(credits)) {
            throw new IllegalArgumentException("balance must be finite, got " + credits);
        }
        synchronized (balanceLock) {
            balance = credits;
        }
    }

    /** @return the account's credits now */
    double balance() {
        synchronized (balanceLock) {
            return balance;
        }
    }

    private boolean charge() {
        synchronized (balanceLock) {
            if (balance < CREDITS_PER_TASK) {
                return false;
            }
            balance -= CREDITS_PER_TASK;
            return true;
        }
    }

    private ApiResponse createTask(ApiRequest request) throws BadRequestException {
        CrunCreateRequest create = CrunCreateRequest.parse(request.bodyText(), json);
        if (!charge()) {
            return error(402, INSUFFICIENT_CREDITS_MESSAGE);
        }
        TaskEngine.Draft draft = new TaskEngine.Draft(NAME, create.model(), create.prompt(), create.imageSize(),
                create.paramJson(), create.callbackUrl());
        // UUID-shaped like the documented example's task_id; unique because the sequence is
        SandboxTask task = submit((createTimeMs, sequence) -> new UUID(createTimeMs, sequence).toString(), draft,
                this::sendCallback);
        return created(task, envelope.success(json.createObjectNode().put("task_id", task.id())));
    }

    private ApiResponse taskInfo(ApiRequest request) throws BadRequestException {
        return statusAnswer(ownTask(request.requiredQuery("task_id")),
                (task, nowMs) -> envelope.success(taskData(task, nowMs)), "task not found");
    }

    private ApiResponse balanceAnswer(ApiRequest request) {
        return ok(envelope.success(json.createObjectNode().put("balance", balance())));
    }

    /** Terminal listener: POSTs the TaskInfo {@code data} object to the task's callback URL. */
    private void sendCallback(SandboxTask task) {
        context.callbacks().deliver(task.callbackUrl(), json.writeValueAsBytes(taskData(task, callbackTime(task))));
    }

    /**
     * The TaskInfo {@code data} of a task at a moment, in the documented field order: {@code task_id},
     * {@code provider} ({@code Google}), {@code model_version} (the model without {@code google/}, as in the
     * documented example), {@code status} ({@link #status}), {@code param} (the request as an object:
     * {@code model}, {@code callback_url}, {@code input}), {@code create_at} (epoch seconds), {@code result}
     * (null until success, then {@code {"media_urls":[...]}}), {@code duration_s} (seconds, null until terminal),
     * {@code complete_at} (epoch seconds, null until terminal), {@code source} ({@code api}); and, for a failed
     * task only, {@code error_code} and {@code error_message}.
     *
     * @param task  the task
     * @param nowMs epoch milliseconds
     * @return the {@code data} object
     */
    ObjectNode taskData(SandboxTask task, long nowMs) {
        TaskPhase phase = TaskEngine.phaseAt(task, nowMs);
        ObjectNode data = json.createObjectNode();
        data.put("task_id", task.id());
        data.put("provider", "Google");
        data.put("model_version", task.model().startsWith("google/") ? task.model().substring(7) : task.model());
        data.put("status", status(phase));
        data.set("param", json.readTree(task.paramJson()));
        data.put("create_at", task.createTimeMs() / 1000);
        if (phase == TaskPhase.SUCCEEDED) {
            data.putObject("result").putArray("media_urls").add(context.fileUrl(task.id()));
        } else {
            data.putNull("result");
        }
        if (phase.terminal()) {
            data.put("duration_s", task.generationTimeMs() / 1000.0);
            data.put("complete_at", task.completeTimeMs() / 1000);
        } else {
            data.putNull("duration_s");
            data.putNull("complete_at");
        }
        data.put("source", "api");
        if (phase == TaskPhase.FAILED) {
            data.put("error_code", FAIL_CODE);
            data.put("error_message", refusedForContent(task) ? ContentPolicyFilter.MESSAGE : FAIL_MESSAGE);
        }
        return data;
    }

    /**
     * @param phase a phase
     * @return the sandbox's word for it: {@code pending}, {@code running}, {@code success}, {@code failed}
     */
    static String status(TaskPhase phase) {
        return switch (phase) {
            case WAITING, QUEUING -> "pending";
            case GENERATING -> "running";
            case SUCCEEDED -> "success";
            case FAILED -> "failed";
        };
    }
}
