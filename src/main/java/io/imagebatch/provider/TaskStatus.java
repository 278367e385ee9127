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

    /** The most characters of a state word kept (the ledger's PROVIDER_STATE holds 60). */
    public static final int MAX_STATE_CHARS = 50;
    /** The most characters of a failure code kept (the ledger's ERROR_CODE holds 120). */
    public static final int MAX_CODE_CHARS = 100;
    /** The most characters of a failure message kept. */
    public static final int MAX_MESSAGE_CHARS = 2000;

    /**
     * The provider's words ({@code rawState}, {@code failCode}, {@code failMessage}) are outside text: their
     * control characters are escaped and they are cut to {@link #MAX_STATE_CHARS}, {@link #MAX_CODE_CHARS} and
     * {@link #MAX_MESSAGE_CHARS} characters ({@link io.imagebatch.OutsideText#field}), so a hostile answer can
     * neither forge a log line nor overflow a ledger column.
     */
    public TaskStatus {
        resultUrls = resultUrls == null ? List.of() : List.copyOf(resultUrls);
        rawState = io.imagebatch.OutsideText.field(rawState, MAX_STATE_CHARS);
        failCode = io.imagebatch.OutsideText.field(failCode, MAX_CODE_CHARS);
        failMessage = io.imagebatch.OutsideText.field(failMessage, MAX_MESSAGE_CHARS);
    }

    /** A status without a reported generation time; see the canonical constructor for the components. */
    public TaskStatus(String taskId, TaskState state, String rawState, List<String> resultUrls, String failCode,
            String failMessage) {
        this(taskId, state, rawState, resultUrls, failCode, failMessage, null);
    }
}
