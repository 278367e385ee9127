package io.imagebatch.ledger;

/**
 * A ledger write of a batch was refused because this process no longer holds the batch's lock: the lock could
 * not be renewed in time, or another process took it since (its generation in {@code IB_BATCH.LOCK_GENERATION}
 * is newer than the one this process holds; {@link BatchRegistry#takeFence}). Nothing of the write was committed.
 *
 * <p>It stops the step that made the write as STOPPED, not FAILED ({@code io.imagebatch.job.PipelineState}): the
 * batch is not broken, it is being run elsewhere, and a later run resumes it. The design's rule: locks are
 * fenced, a stale holder's writes are refused (README.md, Running nightly).
 */
public class LockLostException extends RuntimeException {

    private final String batchId;

    /**
     * @param batchId the batch whose lock was lost
     * @param message what happened and what to do, naming the batch; never a secret
     */
    public LockLostException(String batchId, String message) {
        super(message);
        this.batchId = batchId;
    }

    /** @return the batch whose lock was lost */
    public String batchId() {
        return batchId;
    }

    /**
     * @param failure any exception, possibly wrapping others
     * @return whether it is, or was caused by, a {@link LockLostException}
     */
    public static boolean isCauseOf(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof LockLostException) {
                return true;
            }
        }
        return false;
    }
}
