package io.imagebatch.callback;

import io.imagebatch.ledger.FailureKind;
import io.imagebatch.ledger.LedgerEntry;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.provider.ContentRefusals;
import io.imagebatch.provider.TaskState;
import io.imagebatch.provider.TaskStatus;

/**
 * How a task the provider reports failed is recorded, the same whether a status query ({@code job.TaskPoller})
 * or an authenticated callback ({@link CallbackController}) said so: the one copy of the failure classification
 * (docs/design.md, Failure classes). Stateless.
 */
public final class TaskOutcomes {

    private TaskOutcomes() {
    }

    /**
     * Records a {@link TaskState#FAIL} status as the entry's failure ({@link TaskLedger#markFailed}, fenced):
     * {@link FailureKind#CONTENT_POLICY} when the provider's code or message is a content refusal
     * ({@link ContentRefusals#isRefusal}), else {@link FailureKind#GENERATION_FAILED}. The error code is the
     * provider's ({@code fail} when it sent none) and the reason quotes its message.
     *
     * @param ledger  the ledger
     * @param batchId the batch
     * @param entry   the in-flight entry whose task failed
     * @param status  the failed status
     * @throws IllegalArgumentException when {@code status} is not {@link TaskState#FAIL}
     * @throws io.imagebatch.ledger.LockLostException when this process lost the batch's lock; nothing was written
     */
    public static void recordFailed(TaskLedger ledger, String batchId, LedgerEntry entry, TaskStatus status) {
        if (status.state() != TaskState.FAIL) {
            throw new IllegalArgumentException("not a failed status: " + status.state());
        }
        ledger.markFailed(batchId, entry.rowNum(), entry.variant(), status.rawState(),
                status.failCode() == null ? "fail" : status.failCode(),
                "the provider reported the generation failed"
                        + (status.failMessage() == null ? "" : ": " + status.failMessage()),
                ContentRefusals.isRefusal(status.failCode(), status.failMessage())
                        ? FailureKind.CONTENT_POLICY : FailureKind.GENERATION_FAILED);
    }
}
