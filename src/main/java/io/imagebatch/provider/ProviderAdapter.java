package io.imagebatch.provider;

import io.imagebatch.catalogue.CatalogueRow;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One provider protocol (docs/design.md, Providers): its input rules, its create call and its status
 * query. Implementations are thread-safe; the job calls them from several threads at once.
 */
public interface ProviderAdapter {

    /** @return the provider's name in settings and catalogues, for example {@code liangxin} */
    String name();

    /** @return the model used when neither the row nor the batch names one */
    String defaultModel();

    /** @return the models whose input rules this adapter knows, spelled as the provider wants them */
    List<String> models();

    /**
     * Validates a row against the provider's documented rules for the model and maps it to a request.
     *
     * @param row      the catalogue row; its {@code problem} is already known to be null
     * @param model    the model to use (the row's, else the batch's, else {@link #defaultModel()})
     * @param defaults batch defaults for blank fields
     * @return the request to send
     * @throws RowRejectedException when the row breaks a rule; the message names row, column and rule
     */
    ImageRequest prepare(CatalogueRow row, String model, RequestDefaults defaults) throws RowRejectedException;

    /**
     * Creates one task. Not idempotent at any provider: a second call is a second paid task.
     *
     * @param request     a request made by {@link #prepare}
     * @param callbackUrl where the provider should POST the terminal state, or null for none
     * @return the provider's taskId
     * @throws ProviderException when no taskId came back; its class and {@code mayHaveReachedProvider} say
     *                           whether the row may be sent again
     */
    String createTask(ImageRequest request, String callbackUrl);

    /**
     * Creates one task, if {@code mayCreate} agrees at the last moment before the request leaves this machine
     * (after any wait for the provider's request budget, {@link ThrottledProvider}, and for the connection,
     * {@link SendGate}): the submit step commits a
     * row's intent there, so that a row in flight always has a request on the wire, never one still waiting its
     * turn (README, "Exactly once").
     *
     * @param request     a request made by {@link #prepare}
     * @param callbackUrl where the provider should POST the terminal state, or null for none
     * @param mayCreate   asked once, right before the request is sent; false sends nothing
     * @return the provider's taskId, or empty when {@code mayCreate} said no (nothing was sent)
     * @throws ProviderException as {@link #createTask(ImageRequest, String)}
     * @throws RuntimeException  whatever {@code mayCreate} throws, with nothing sent
     */
    default Optional<String> createTaskIf(ImageRequest request, String callbackUrl,
            java.util.function.BooleanSupplier mayCreate) {
        return SendGate.onlyIf(mayCreate, () -> createTask(request, callbackUrl));
    }

    /**
     * Queries a task's state. Safe to repeat.
     *
     * @param taskId the provider's taskId
     * @return the task's state and, on success, its result URLs
     * @throws ProviderException when no state came back
     */
    TaskStatus queryTask(String taskId);

    /**
     * Reads which task a callback is about: used when {@link #callbackStatus} finds no usable terminal state, and
     * the task's status query is then made due at once.
     *
     * @param body the callback's raw body (UTF-8 JSON)
     * @return the taskId, or empty when the body is not this provider's callback shape
     */
    Optional<String> callbackTaskId(String body);

    /**
     * Reads a callback's payload as the task's terminal status, so that an authenticated callback (the batch's
     * secret URL token and, where the provider signs, {@link #verifyCallback}) can be recorded without a status
     * query (docs/design.md, Callbacks). Each provider's payload is in docs/providers/.
     *
     * @param body the callback's raw body (UTF-8 JSON); anything else yields empty
     * @return the status when the payload is usable: {@link TaskState#SUCCESS} with at least one result URL, or
     *         {@link TaskState#FAIL} with the provider's code and message (never the {@link ProviderAnswers#NO_RESULT}
     *         stand-in); empty when it is not this provider's shape, names no task, carries a non-terminal or
     *         undocumented state, a success without a URL, or a result that cannot be read. Empty (the default,
     *         for providers that document no callback) means: query the task instead
     */
    default Optional<TaskStatus> callbackStatus(String body) {
        return Optional.empty();
    }

    /**
     * Checks a callback's signature, where the provider signs callbacks (HiAPI with a signing secret).
     *
     * @param headers the request headers, names in lower case
     * @param body    the raw body
     * @return false when the callback must be ignored; true for providers that do not sign
     */
    default boolean verifyCallback(Map<String, String> headers, String body) {
        return true;
    }

    /**
     * Credits left on the account, where the provider reports them (crun.ai's balance endpoint).
     *
     * @return the balance in the provider's credit unit, or empty when the provider has no such endpoint
     * @throws ProviderException when the provider was asked and did not answer
     */
    default OptionalDouble balance() {
        return OptionalDouble.empty();
    }

    /**
     * Credits one task costs, when known, so that a batch can be checked against {@link #balance()} before it
     * starts (crun.ai: {@code imagebatch.providers.crun.credits-per-image}).
     *
     * @param request a prepared request
     * @return the cost in the provider's credit unit, or empty when unknown
     */
    default OptionalDouble creditsPerTask(ImageRequest request) {
        return OptionalDouble.empty();
    }

    /**
     * Finds the task a create call made when its answer was lost, where the provider can list its tasks (HiAPI
     * {@code GET /v1/tasks}), by matching the request: used to reconcile UNCERTAIN rows (docs/design.md, Invariants).
     *
     * @param request         the request whose create call may have made a task
     * @param excludedTaskIds tasks already known to belong to other rows
     * @return the taskId of a matching task, or empty when none matches or the provider cannot list tasks
     * @throws ProviderException when the provider was asked and did not answer
     */
    default Optional<String> findTask(ImageRequest request, java.util.Set<String> excludedTaskIds) {
        return Optional.empty();
    }

    /**
     * Finds the task a create call made when its answer was lost, where the provider can list its tasks: a task
     * created from this request, inside the row's create window, and held by no ledger row of any batch (README,
     * "Exactly once"). Used to reconcile UNCERTAIN rows.
     *
     * @param request     the request whose create call may have made a task
     * @param createdFrom the earliest creation time to accept (the row's intent, less the clock slack)
     * @param createdTo   the latest creation time to accept (the end of that attempt, plus the clock slack)
     * @param claimed     true for a taskId some ledger row already holds (now or in an earlier attempt)
     * @return the taskId of the earliest such task, or empty when none qualifies or the provider cannot list
     *         tasks
     * @throws ProviderException when the provider was asked and did not answer
     */
    default Optional<String> findTask(ImageRequest request, java.time.Instant createdFrom,
            java.time.Instant createdTo, java.util.function.Predicate<String> claimed) {
        return Optional.empty();
    }

    /** @return true when {@link #findTask} can find tasks at this provider */
    default boolean canFindTasks() {
        return false;
    }

    /**
     * @return true when the provider calls back when given a callback URL (every provider but mingyan, which
     *         documents none): then polling is only the fallback, scheduled late
     */
    default boolean sendsCallbacks() {
        return true;
    }
}
