package io.imagebatch.provider;

import static io.imagebatch.provider.ProviderJson.readBody;
import static io.imagebatch.provider.ProviderJson.shorten;
import static io.imagebatch.provider.ProviderJson.text;

import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * How every adapter reads what a provider answers, where the providers agree: the one copy of what the adapters
 * used to repeat word for word. Pure (no HTTP); thread-safe.
 */
public final class ProviderAnswers {

    /** The failure code of a task reported successful without a result URL, which cannot be stored. */
    public static final String NO_RESULT = "no-result";

    private ProviderAnswers() {
    }

    /**
     * Classifies an error answer to a <em>status query</em>: as the failure table says
     * ({@link ProviderHttp#classifyStatus}; README, "A real provider"), except that 404 is
     * {@link FailureClass#BUSY}: a task the provider does not show (yet) is kept in flight until its deadline,
     * never failed (a task just created may not be visible yet; HiAPI answers 404 for another account's task,
     * docs/providers/hiapi.md).
     *
     * @param status an HTTP status, or a body's {@code code} standing for one
     * @return its class
     */
    public static FailureClass classifyStatusQuery(int status) {
        return status == 404 ? FailureClass.BUSY : ProviderHttp.classifyStatus(status);
    }

    /**
     * Reads which task a callback is about, for the providers whose callback body is their status answer's
     * {@code data} object, sent bare or wrapped as {@code {"code","message","data":{...}}} (crun.ai, HiAPI,
     * LiangXin: docs/providers/crun.md, docs/providers/hiapi.md, docs/providers/liangxin.md).
     *
     * @param body   the callback's raw body (UTF-8 JSON), may be null or not JSON
     * @param fields the task id's field names, in order of preference (for example {@code task_id},
     *               {@code taskId})
     * @return the first of {@code fields} that holds a non-blank value in {@code data} (when {@code data} is an
     *         object) or else in the top-level object; empty when none does or the body is not JSON
     */
    public static Optional<String> callbackTaskId(String body, String... fields) {
        JsonNode data = dataOrRoot(readBody(body));
        for (String field : fields) {
            String taskId = text(data, field);
            if (taskId != null) {
                return Optional.of(taskId);
            }
        }
        return Optional.empty();
    }

    /**
     * Keeps a status read from a callback payload only when it can be recorded as it is
     * ({@link ProviderAdapter#callbackStatus}): a success with a result URL, or a failure the provider reported.
     *
     * @param status a status parsed from a callback body, may be null
     * @return {@code status} when it is {@link TaskState#SUCCESS} with a URL or {@link TaskState#FAIL} other than
     *         {@value #NO_RESULT} (a success without a URL, which a status query may still answer with one);
     *         empty otherwise
     */
    public static Optional<TaskStatus> usableCallbackStatus(TaskStatus status) {
        if (status == null || status.taskId() == null || status.taskId().isBlank()) {
            return Optional.empty();
        }
        boolean usable = status.state() == TaskState.SUCCESS ? !status.resultUrls().isEmpty()
                : status.state() == TaskState.FAIL && !NO_RESULT.equals(status.failCode());
        return usable ? Optional.of(status) : Optional.empty();
    }

    /**
     * @param root a parsed body
     * @return its {@code data} member when that is an object, else {@code root} itself
     */
    public static JsonNode dataOrRoot(JsonNode root) {
        return root.path("data").isObject() ? root.path("data") : root;
    }

    /**
     * The error for a success answer (HTTP 2xx, body code 200) that lacks the expected object: BUSY, the call
     * retried; for a create, {@link ProviderException#mayHaveReachedProvider()} is set because a task may exist
     * that we cannot name (docs/design.md, failure classes: an unreadable answer to a create is UNCERTAIN).
     *
     * @param http         the provider's transport, to mask secrets in the quoted body
     * @param who          the provider as named in messages, for example {@code crun.ai}
     * @param callName     the call, for example {@code CreateTask}
     * @param providerCode the body's {@code code}, or null
     * @param body         the answer's body, quoted shortened (200 characters) and masked
     * @param isCreate     true for a create call
     * @return the exception to throw, with HTTP status 200 and no {@code Retry-After}
     */
    public static ProviderException unexpectedAnswer(ProviderHttp http, String who, String callName,
            String providerCode, String body, boolean isCreate) {
        return new ProviderException(FailureClass.BUSY, 200, providerCode,
                who + " " + callName + ": unexpected answer " + http.mask(shorten(body)), null, isCreate, null);
    }

    /**
     * The error for a create answered success without a task id: BUSY with
     * {@link ProviderException#mayHaveReachedProvider()} set, as a task may exist that we cannot name, so the row
     * is never sent again (README, "Exactly once").
     *
     * @param message the message, naming the provider and the missing field (no secrets)
     * @return the exception to throw, with HTTP status 200
     */
    public static ProviderException createdWithoutTaskId(String message) {
        return new ProviderException(FailureClass.BUSY, 200, null, message, null, true, null);
    }

    /**
     * The status of a task a provider reported successful without any result URL: nothing can be stored, so it
     * is {@link TaskState#FAIL} with code {@value #NO_RESULT}, visibly, rather than a success with no image.
     *
     * @param taskId    the task
     * @param rawStatus the provider's status word
     * @param message   what the provider reported, for the report
     * @return the failed status
     */
    public static TaskStatus noResult(String taskId, String rawStatus, String message) {
        return new TaskStatus(taskId, TaskState.FAIL, rawStatus, List.of(), NO_RESULT, message);
    }
}
