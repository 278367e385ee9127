package io.imagebatch.job;

/**
 * The batch cannot go on, and it is no row's fault: a provider refused the account (401, 402, 403, 505), answered
 * in a way that says its address is wrong, stayed busy through every attempt, or the ledger could not record a
 * returned taskId; or a row names a provider that is not configured. Thrown by the submit step (then the rows not
 * sent stay unsent, their intents released, and the rows already sent keep their taskIds), by the poll step (a
 * status query refused for the account) and by the dry run. The step fails, the job execution is FAILED, and the
 * same command resumes it once the cause is fixed (README.md, "Exit codes": 1). Not Spring Batch's STOPPED, which
 * is a stop request's.
 */
public class BatchStoppedException extends RuntimeException {

    /** @param message what happened and what to do, without any secret */
    public BatchStoppedException(String message) {
        super(message);
    }
}
