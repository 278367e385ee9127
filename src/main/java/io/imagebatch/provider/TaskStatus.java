package io.imagebatch.provider;

import java.util.List;

/**
 * The answer to a status query (or the payload of a callback) for one task.
 *
 * @param taskId       the provider's task id
 * @param state        the state, mapped
 * @param rawState     the provider's own state word, as sent
 * @param resultUrls   result image URLs; non-empty only for {@link TaskState#SUCCESS}
 * @param failCode     the provider's failure code for {@link TaskState#FAIL}, or null
 * @param failMessage  the provider's failure message for {@link TaskState#FAIL}, or null
 * @param generationMillis how long the provider says the task took, ms, for a terminal task where it reports it
 *                     (LiangXin {@code costTime}); null otherwise. It tunes the poll schedule
 */
public record TaskStatus(String taskId, TaskState state, String rawState, List<String> resultUrls, String failCode,
        String failMessage, Long generationMillis) {

    public TaskStatus {
        resultUrls = resultUrls == null ? List.of() : List.copyOf(resultUrls);
    }

    /** A status without a reported generation time; see the canonical constructor for the components. */
    public TaskStatus(String taskId, TaskState state, String rawState, List<String> resultUrls, String failCode,
            String failMessage) {
        this(taskId, state, rawState, resultUrls, failCode, failMessage, null);
    }
}
