package io.imagebatch.ledger;

/**
 * An earlier attempt of a row, as archived in {@code IB_TASK_ATTEMPT} ({@code db/ledger-schema.sql}) by a
 * {@code retry-failed} round or a redo ({@link LedgerRetries}). Times are epoch milliseconds.
 *
 * @param attempt     the attempt number, 1 first
 * @param state       the state it ended in (FAILED, UNCERTAIN, REJECTED, or STORED for a redone row)
 * @param taskId      its taskId, or null when it made no task
 * @param prompt      the prompt it sent, or null when archived by a version that did not record it
 * @param errorCode   its error code, or null
 * @param error       its error, or null
 * @param outputUri   its image under the row's history ({@code <batch>/history/...}), or null when it stored none
 * @param submittedAt when its taskId came back, or null
 * @param endedAt     when it ended (its line's last change before it was archived)
 */
public record LedgerAttempt(int attempt, RowState state, String taskId, String prompt, String errorCode,
        String error, String outputUri, Long submittedAt, long endedAt) {
}
