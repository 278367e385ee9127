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
 */
public record TaskStatus(String taskId, TaskState state, String rawState, List<String> resultUrls, String failCode,
        String failMessage) {

    public TaskStatus {
        resultUrls = resultUrls == null ? List.of() : List.copyOf(resultUrls);
    }
}
