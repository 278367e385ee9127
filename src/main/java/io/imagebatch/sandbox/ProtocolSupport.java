package io.imagebatch.sandbox;

import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the four protocols ({@link LiangXinProtocol}, {@link MingyanProtocol}, {@link HiApiProtocol},
 * {@link CrunProtocol}) do the same way around their own request and answer shapes: submit a checked create to
 * the shared {@link TaskEngine}, answer a created task, look a task up for a status query and time a callback.
 * Each protocol keeps its endpoints, its key check and its error body (docs/providers/). Thread-safe.
 */
abstract class ProtocolSupport implements SandboxProtocol {

    /** The failure text every protocol reports for a failed task (the sandbox's wording). */
    static final String FAIL_MESSAGE = "sandbox: generation failed";
    /** Message of the 401 answer where the protocol documents none of its own (<b>inferred</b>). */
    static final String INVALID_KEY_MESSAGE = "invalid api key";

    /** The shared task store, callbacks, JSON mapper and base URL. */
    protected final SandboxContext context;
    /** The JSON mapper (Jackson 3), {@code context.json()}. */
    protected final JsonMapper json;
    private final String name;
    private final Predicate<ApiRequest> keyCheck;

    /**
     * @param name     short lower-case protocol name, for example {@code liangxin}; the tasks' protocol
     * @param context  the shared task store, callbacks, JSON mapper and base URL
     * @param keyCheck true when a request carries the sandbox's API key the way this provider expects it, for
     *                 example {@link BearerKey#matches}
     */
    ProtocolSupport(String name, SandboxContext context, Predicate<ApiRequest> keyCheck) {
        this.name = name;
        this.context = context;
        this.json = context.json();
        this.keyCheck = keyCheck;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final boolean authorized(ApiRequest request) {
        return keyCheck.test(request);
    }

    /** {@inheritDoc} By default HTTP 401 with {@link #error} and {@value #INVALID_KEY_MESSAGE}. */
    @Override
    public ApiResponse unauthorized() {
        return error(401, INVALID_KEY_MESSAGE);
    }

    /**
     * Creates a task of this protocol.
     *
     * @param ids        how this protocol names its tasks
     * @param draft      the checked request
     * @param onTerminal sends the task's callback once it is terminal; called only when {@code draft} names a
     *                   callback URL
     * @return the task, counted in the stats
     * @throws BadRequestException when the content filter refuses the prompt at create ({@link ContentPolicyFilter})
     */
    protected final SandboxTask submit(TaskEngine.IdFormat ids, TaskEngine.Draft draft,
            Consumer<SandboxTask> onTerminal) throws BadRequestException {
        if (context.tasks().contentPolicy().refusesAtCreate(draft.prompt())) {
            // refused in this protocol's own shape for a request it will not take (ContentPolicyFilter)
            throw new BadRequestException(ContentPolicyFilter.MESSAGE);
        }
        return context.tasks().submit(ids, draft, draft.callbackUrl() == null ? null : onTerminal);
    }

    /**
     * @param task a failed task
     * @return true when it failed for content policy ({@link ContentPolicyFilter}), not as a technical failure
     */
    protected final boolean refusedForContent(SandboxTask task) {
        return context.tasks().contentPolicy().wasRefused(task);
    }

    /**
     * @param task the task a create request made
     * @param body the create answer
     * @return HTTP 200 with {@code body}, naming the task (so a dropped answer is counted by its prompt)
     */
    protected final ApiResponse created(SandboxTask task, JsonNode body) {
        return ok(body).withCreatedTask(task);
    }

    /**
     * @param body a JSON body
     * @return HTTP 200 with {@code body} as compact JSON
     */
    protected final ApiResponse ok(JsonNode body) {
        return ApiResponse.json(200, json.writeValueAsBytes(body));
    }

    /**
     * @param taskId a task id as sent
     * @return the task when it exists and was created through this protocol (a provider answers 404 for another
     * account's task)
     */
    protected final Optional<SandboxTask> ownTask(String taskId) {
        return context.tasks().find(taskId).filter(task -> name.equals(task.protocol()));
    }

    /**
     * @param task     the task looked up, or empty
     * @param body     the status answer's body for a task at a moment (epoch milliseconds)
     * @param notFound the message of the HTTP 404 answer
     * @return HTTP 200 with the task's body now, or {@link #error} 404 when there is no task
     */
    protected final ApiResponse statusAnswer(Optional<SandboxTask> task, TaskBody body, String notFound) {
        return task.map(found -> ok(body.at(found, context.tasks().nowMillis())))
                .orElseGet(() -> error(404, notFound));
    }

    /**
     * The moment a callback reports: the scheduler's clock and the wall clock may differ by a millisecond, so it
     * is never before the task's completion and never reports a non-terminal state.
     *
     * @param task a terminal task
     * @return epoch milliseconds, at least {@link SandboxTask#completeTimeMs()}
     */
    protected final long callbackTime(SandboxTask task) {
        return Math.max(context.tasks().nowMillis(), task.completeTimeMs());
    }

    /** A status answer's body for a task at a moment. */
    @FunctionalInterface
    interface TaskBody {
        /**
         * @param task  the task
         * @param nowMs epoch milliseconds
         * @return the body
         */
        JsonNode at(SandboxTask task, long nowMs);
    }
}
