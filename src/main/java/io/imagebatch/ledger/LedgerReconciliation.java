package io.imagebatch.ledger;

import static io.imagebatch.ledger.LedgerRows.ENTRY;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The reconciliation of rows whose create answer was lost, in the task ledger ({@code IB_TASK_LEDGER}). A taskId
 * the create returned while the ledger could not be written is replayed from the local journal
 * ({@link TaskIdJournal}). An UNCERTAIN row's create may have made a task nobody heard of: where the provider
 * lists its tasks, a task created inside the row's own create window and held by no ledger row of any batch is
 * adopted, and the row carries on as SUBMITTED; it is never sent again (docs/design.md, Invariants; README,
 * "Exactly once"). The windows themselves are written when a row is marked UNCERTAIN
 * ({@link TaskLedger#markUncertain(String, long, String, Long, long)}).
 *
 * <p>Each write is guarded by its state precondition in its {@code WHERE} clause and fenced like every ledger
 * write ({@link TaskLedger}, {@link BatchRegistry#takeFence}). Obtained from {@link TaskLedger#reconciliation()}.
 */
public final class LedgerReconciliation {

    /**
     * When an UNCERTAIN row's lost create could have made its task.
     *
     * @param from epoch ms of the intent
     * @param to   epoch ms of the end of the attempt
     */
    public record CreateWindow(long from, long to) {
    }

    private final TaskLedger rows;

    /** @param rows the ledger whose fenced writes and clock this part uses */
    LedgerReconciliation(TaskLedger rows) {
        this.rows = rows;
    }

    /**
     * @param batchId the batch
     * @return the batch's UNCERTAIN rows, in row order
     */
    public List<LedgerEntry> uncertainRows(String batchId) {
        return rows.jdbc().sql("SELECT * FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND STATE = 'UNCERTAIN' ORDER BY ROW_NUM")
                .param(batchId).query(ENTRY).list();
    }

    /**
     * @param batchId the batch
     * @param rowNum  1-based row number
     * @param variant  the row's variant, 1 to 8 (1 for a row without variants; README.md, Variants)
     * @return the create window of an UNCERTAIN row; empty when none was recorded (rows from older versions)
     */
    public Optional<CreateWindow> createWindow(String batchId, long rowNum, int variant) {
        return rows.jdbc().sql("SELECT CREATE_WINDOW_START, CREATE_WINDOW_END FROM IB_TASK_LEDGER WHERE BATCH_ID = ?"
                        + " AND ROW_NUM = ?"
                        + " AND VARIANT = ? AND CREATE_WINDOW_START IS NOT NULL AND CREATE_WINDOW_END IS NOT NULL")
                .params(batchId, rowNum, variant).query((rs, i) -> new CreateWindow(rs.getLong(1), rs.getLong(2)))
                .optional();
    }

    /**
     * @param taskId a provider's taskId
     * @return true when a row of any batch holds it, now or in an earlier attempt ({@code IB_TASK_ATTEMPT})
     */
    public boolean isTaskClaimed(String taskId) {
        return rows.jdbc().sql("SELECT COUNT(*) FROM IB_TASK_LEDGER WHERE TASK_ID = ?").param(taskId)
                .query(Long.class).single() > 0
                || rows.jdbc().sql("SELECT COUNT(*) FROM IB_TASK_ATTEMPT WHERE TASK_ID = ?").param(taskId)
                .query(Long.class).single() > 0;
    }

    /**
     * @param batchId the batch
     * @return the taskIds the batch's rows hold
     */
    public Set<String> taskIds(String batchId) {
        return new HashSet<>(rows.jdbc().sql("SELECT TASK_ID FROM IB_TASK_LEDGER WHERE BATCH_ID = ?"
                + " AND TASK_ID IS NOT NULL").param(batchId).query(String.class).list());
    }

    /**
     * Records a taskId that a create call returned while the ledger could not be written, replayed from the
     * local journal ({@link TaskIdJournal}) at the next start: a row still SUBMITTING, or found so by a resumed
     * run and made UNCERTAIN, becomes SUBMITTED with its task.
     *
     * @param batchId     the batch
     * @param rowNum      1-based row number
     * @param variant  the row's variant, 1 to 8 (1 for a row without variants; README.md, Variants)
     * @param taskId      the task the lost write was to record
     * @param submittedAt epoch ms when the call returned
     * @param nextCheckAt epoch ms of the first status query
     * @param deadlineAt  epoch ms after which the task is given up
     * @return true when the row took the taskId now; false when it is in no such state (already recorded)
     * @throws LockLostException when this process lost the batch's lock; nothing was written
     */
    public boolean recordJournalledTaskId(String batchId, long rowNum, int variant, String taskId, long submittedAt,
            long nextCheckAt, long deadlineAt) {
        int changed = rows.update("UPDATE IB_TASK_LEDGER SET STATE = 'SUBMITTED', TASK_ID = ?, SUBMITTED_AT = ?,"
                        + " NEXT_CHECK_AT = ?, DEADLINE_AT = ?, ERROR = NULL, ERROR_CODE = NULL, UPDATED_AT = ?"
                        + " WHERE BATCH_ID = ? AND ROW_NUM = ?"
                        + " AND VARIANT = ? AND STATE IN ('SUBMITTING', 'UNCERTAIN')",
                taskId, submittedAt, nextCheckAt, deadlineAt, rows.now(), batchId, rowNum, variant);
        return rows.counted(RowState.SUBMITTED, changed > 0);
    }

    /**
     * Reconciles an UNCERTAIN row: its lost create call did make this task, found by listing the provider's
     * tasks. The row carries on as SUBMITTED, and no second task is ever created for it. Only an UNCERTAIN row
     * changes.
     *
     * @param batchId     the batch
     * @param rowNum      1-based row number
     * @param variant  the row's variant, 1 to 8 (1 for a row without variants; README.md, Variants)
     * @param taskId      the task found
     * @param nextCheckAt epoch ms of its first status query
     * @param deadlineAt  epoch ms after which it is given up
     * @throws LockLostException when this process lost the batch's lock; nothing was written
     */
    public void reconcile(String batchId, long rowNum, int variant, String taskId, long nextCheckAt, long deadlineAt) {
        rows.update("UPDATE IB_TASK_LEDGER SET STATE = 'SUBMITTED', TASK_ID = ?, SUBMITTED_AT = ?, NEXT_CHECK_AT = ?,"
                        + " DEADLINE_AT = ?, ERROR = NULL, UPDATED_AT = ? WHERE BATCH_ID = ? AND ROW_NUM = ?"
                        + " AND VARIANT = ?"
                        + " AND STATE = 'UNCERTAIN'",
                taskId, rows.now(), nextCheckAt, deadlineAt, rows.now(), batchId, rowNum, variant);
    }

    /** As {@link #createWindow(String, long, int)} for variant 1 (a row without variants). */
    public Optional<CreateWindow> createWindow(String batchId, long rowNum) {
        return createWindow(batchId, rowNum, 1);
    }

    /** As {@link #recordJournalledTaskId(String, long, int, String, long, long, long)} for variant 1. */
    public boolean recordJournalledTaskId(String batchId, long rowNum, String taskId, long submittedAt,
            long nextCheckAt, long deadlineAt) {
        return recordJournalledTaskId(batchId, rowNum, 1, taskId, submittedAt, nextCheckAt, deadlineAt);
    }

    /** As {@link #reconcile(String, long, int, String, long, long)} for variant 1 (a row without variants). */
    public void reconcile(String batchId, long rowNum, String taskId, long nextCheckAt, long deadlineAt) {
        reconcile(batchId, rowNum, 1, taskId, nextCheckAt, deadlineAt);
    }
}
