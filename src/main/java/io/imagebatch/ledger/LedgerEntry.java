package io.imagebatch.ledger;

/**
 * One line of the ledger, as stored in {@code IB_TASK_LEDGER}. Times are epoch milliseconds, null when not
 * reached.
 *
 * @param batchId          the batch
 * @param rowNum           1-based catalogue data row number
 * @param rowId            the row's id (the {@code id} column, or the row number)
 * @param state            the row's state
 * @param attempt          1 for the first create; higher after {@code retry-failed}
 * @param provider         provider name, null for a row rejected before a provider was chosen
 * @param model            model name
 * @param prompt           the prompt as sent (or as read, for a rejected row)
 * @param request          the mapped request as JSON, null for a rejected row
 * @param taskId           the provider's taskId once the create call returned
 * @param providerState    the provider's last state word
 * @param resultUrl        the result image URL once the task succeeded
 * @param outputUri        where the image was stored
 * @param sha256           lower-case hex SHA-256 of the stored image
 * @param bytes            size of the stored image in bytes
 * @param errorCode        provider failure code or our own short code
 * @param error            why the row was rejected or failed, naming row, column and rule where it applies
 * @param polls            status queries made for the task
 * @param downloadAttempts download attempts made for the result
 * @param submittedAt      when the taskId came back
 * @param nextCheckAt      when the poll or download step should look at the row next
 * @param deadlineAt       when an unfinished task is given up as FAILED
 * @param updatedAt        last change
 * @param urlRefreshes     status queries made for a fresh result URL after its downloads failed
 * @param failureKind      for a FAILED row, whether its generation failed or its paid result was not stored
 *                         ({@link FailureKind}); null in every other state
 * @param variant          which of the row's variants this entry is, 1 to 8 (README.md, Variants); 1 for a row
 *                         without variants. A ledger entry is keyed by (batch, row number, variant)
 * @param chosen           whether {@code choose} picked this variant as the row's image (copied to
 *                         {@code <row id>.<ext>}); at most one entry of a row is chosen
 */
public record LedgerEntry(String batchId, long rowNum, String rowId, RowState state, int attempt, String provider,
        String model, String prompt, String request, String taskId, String providerState, String resultUrl,
        String outputUri, String sha256, Long bytes, String errorCode, String error, int polls,
        int downloadAttempts, Long submittedAt, Long nextCheckAt, Long deadlineAt, long updatedAt,
        int urlRefreshes, FailureKind failureKind, int variant, boolean chosen) {

    /**
     * The entry of a row without variants (variant 1, not chosen); the fields as in the record description.
     */
    public LedgerEntry(String batchId, long rowNum, String rowId, RowState state, int attempt, String provider,
            String model, String prompt, String request, String taskId, String providerState, String resultUrl,
            String outputUri, String sha256, Long bytes, String errorCode, String error, int polls,
            int downloadAttempts, Long submittedAt, Long nextCheckAt, Long deadlineAt, long updatedAt,
            int urlRefreshes, FailureKind failureKind) {
        this(batchId, rowNum, rowId, state, attempt, provider, model, prompt, request, taskId, providerState,
                resultUrl, outputUri, sha256, bytes, errorCode, error, polls, downloadAttempts, submittedAt,
                nextCheckAt, deadlineAt, updatedAt, urlRefreshes, failureKind, 1, false);
    }

    /**
     * A line without a failure kind (any state but FAILED); the fields as in the record description.
     */
    public LedgerEntry(String batchId, long rowNum, String rowId, RowState state, int attempt, String provider,
            String model, String prompt, String request, String taskId, String providerState, String resultUrl,
            String outputUri, String sha256, Long bytes, String errorCode, String error, int polls,
            int downloadAttempts, Long submittedAt, Long nextCheckAt, Long deadlineAt, long updatedAt,
            int urlRefreshes) {
        this(batchId, rowNum, rowId, state, attempt, provider, model, prompt, request, taskId, providerState,
                resultUrl, outputUri, sha256, bytes, errorCode, error, polls, downloadAttempts, submittedAt,
                nextCheckAt, deadlineAt, updatedAt, urlRefreshes, null);
    }
}
