package io.imagebatch.sandbox;

import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/**
 * mingyan's Nano Banana API, as documented in mingyan-nano-banana-create-task.txt and docs/providers/mingyan.md.
 *
 * <ul>
 * <li>{@code POST /v1/banana/images}: body checked by {@link MingyanCreateRequest}; HTTP 200
 *     {@code {"id":"nb_<epoch ms>_<n>","object":"nanobanana","created":<epoch s>,"model":..,"status":"queued"}}
 *     (the documented create answer; the id's form and {@code created} in seconds are the sandbox's choice).</li>
 * <li>{@code GET /v1/result/{id}}: HTTP 200 {@link #resultBody} ({@code object} {@code image.generation},
 *     {@code status} {@code queued | processing | completed | failed}, {@code image_url} once completed,
 *     {@code error} once failed); HTTP 404 for an id the sandbox did not create through this protocol.</li>
 * <li>Auth: {@code Authorization: Bearer sandbox-key} [doc]; otherwise HTTP 401.</li>
 * <li>Errors: mingyan documents no error body. The sandbox answers every error, whatever its status, with the
 *     OpenAI-style {@code {"error":{"message":"...","type":"invalid_request_error"}}} [inferred]; the adapter
 *     also reads other common shapes.</li>
 * <li>No callback: mingyan documents none, so a {@code callback_url} or similar field is ignored like any
 *     unknown field.</li>
 * </ul>
 *
 * <p>Phases map to statuses as: waiting and queuing {@code queued}, generating {@code processing}, then
 * {@code completed} or {@code failed}. The documentation recommends polling every 2 to 5 seconds; the sandbox
 * does not enforce it beyond its general rate limit.
 */
final class MingyanProtocol extends ProtocolSupport {

    /** Protocol name. */
    static final String NAME = "mingyan";
    /** Create endpoint. */
    static final String CREATE_PATH = "/v1/banana/images";
    /** Status endpoint, with the task id as its last segment. */
    static final String RESULT_PATH = "/v1/result/" + ApiRoute.ID_SEGMENT;
    /** {@code error.type} of every error answer [inferred]. */
    static final String ERROR_TYPE = "invalid_request_error";

    private final ApiRoute resultRoute;

    /**
     * @param context the shared task store, JSON mapper and base URL
     * @param apiKey  the only key accepted
     */
    MingyanProtocol(SandboxContext context, String apiKey) {
        super(NAME, context, new BearerKey(apiKey)::matches);
        this.resultRoute = new ApiRoute("GET", RESULT_PATH, ApiRoute.Kind.STATUS, this::result);
    }

    @Override
    public List<ApiRoute> routes() {
        return List.of(new ApiRoute("POST", CREATE_PATH, ApiRoute.Kind.CREATE, this::create), resultRoute);
    }

    /** {@inheritDoc} Body {@code {"error":{"message":<message>,"type":"invalid_request_error"}}} [inferred]. */
    @Override
    public ApiResponse error(int httpStatus, String message) {
        ObjectNode body = json.createObjectNode();
        body.putObject("error").put("message", message).put("type", ERROR_TYPE);
        return ApiResponse.json(httpStatus, json.writeValueAsBytes(body));
    }

    private ApiResponse create(ApiRequest request) throws BadRequestException {
        MingyanCreateRequest create = MingyanCreateRequest.parse(request.bodyText(), json);
        String model = create.model().id();
        TaskEngine.Draft draft = new TaskEngine.Draft(NAME, model, create.prompt(), create.imageSize(),
                create.paramJson(), null);
        SandboxTask task = submit((createTimeMs, sequence) -> "nb_" + createTimeMs + "_" + sequence, draft, null);
        ObjectNode body = json.createObjectNode();
        body.put("id", task.id());
        body.put("object", "nanobanana");
        body.put("created", task.createTimeMs() / 1000);
        body.put("model", model);
        body.put("status", status(TaskEngine.phaseAt(task, context.tasks().nowMillis())));
        return created(task, body);
    }

    private ApiResponse result(ApiRequest request) {
        String id = resultRoute.pathId(request.path());
        return statusAnswer(ownTask(id), this::resultBody, "task not found: " + id);
    }

    /**
     * The {@code GET /v1/result/{id}} answer for a task at a moment: {@code id}, {@code object}
     * ({@code image.generation}), {@code created} (epoch seconds), {@code model}, {@code status},
     * {@code image_url} ({@code <baseUrl>/files/<id>.png} once completed, else JSON null) and {@code error}
     * ({@value #FAIL_MESSAGE} once failed, else JSON null). That the two are present as null rather than absent
     * is the sandbox's choice [inferred]; the adapter accepts both.
     *
     * @param task  the task
     * @param nowMs epoch milliseconds
     * @return the body
     */
    ObjectNode resultBody(SandboxTask task, long nowMs) {
        TaskPhase phase = TaskEngine.phaseAt(task, nowMs);
        ObjectNode body = json.createObjectNode();
        body.put("id", task.id());
        body.put("object", "image.generation");
        body.put("created", task.createTimeMs() / 1000);
        body.put("model", task.model());
        body.put("status", status(phase));
        if (phase == TaskPhase.SUCCEEDED) {
            body.put("image_url", context.fileUrl(task.id()));
        } else {
            body.putNull("image_url");
        }
        if (phase == TaskPhase.FAILED) {
            body.put("error", refusedForContent(task) ? ContentPolicyFilter.MESSAGE : FAIL_MESSAGE);
        } else {
            body.putNull("error");
        }
        return body;
    }

    /**
     * @param phase a phase
     * @return mingyan's word for it: {@code queued | processing | completed | failed} (docs/providers/mingyan.md)
     */
    static String status(TaskPhase phase) {
        return switch (phase) {
            case WAITING, QUEUING -> "queued";
            case GENERATING -> "processing";
            case SUCCEEDED -> "completed";
            case FAILED -> "failed";
        };
    }
}
