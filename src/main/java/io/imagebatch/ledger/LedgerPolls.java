package io.imagebatch.ledger;

import static io.imagebatch.ledger.LedgerRows.ENTRY;
import static io.imagebatch.ledger.LedgerRows.PROVIDER_STATE_CHARS;
import static io.imagebatch.ledger.LedgerRows.fit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The poll step's part of the task ledger ({@code IB_TASK_LEDGER}): which in-flight rows ({@code SUBMITTED},
 * {@code RUNNING}) are due for a status query (or asked for at once by a callback), and the transitions a status
 * answer (or an authenticated callback's terminal state) makes (docs/design.md, the ledger state machine). A failure is recorded with
 * {@link TaskLedger#markFailed}, shared by every step.
 *
 * <p>Each transition is guarded by its state precondition in its {@code WHERE} clause and fenced like every ledger
 * write ({@link TaskLedger}, {@link BatchRegistry#takeFence}): it throws {@link LockLostException} once this
 * process lost the batch's lock. Obtained from {@link TaskLedger#polls()}.
 */
public class LedgerPolls {

    private final TaskLedger rows;

    /**
     * Open for a subclass that hooks a read (tests of the pipeline's races); the ledger makes its own
     * ({@link TaskLedger#polls()}).
     *
     * @param rows the ledger whose fenced writes, clock and row counters this part uses
     */
    public LedgerPolls(TaskLedger rows) {
        this.rows = rows;
    }

    /**
     * Asks for an immediate status query of an in-flight task (a callback arrived). A task that is already
     * terminal, or unknown in this batch, is left alone: that is what makes duplicate callbacks harmless. Not
     * fenced: it changes no row's state, only when the row is next queried.
     *
     * @param batchId  the batch
     * @param provider the provider the callback came for
     * @param taskId   the provider's taskId
     * @return true when an in-flight task was found and its next check moved to now
     */
    public boolean expediteCheck(String batchId, String provider, String taskId) {
        int[] updated = {0};
        rows.write(() -> updated[0] = rows.jdbc().sql("UPDATE IB_TASK_LEDGER SET NEXT_CHECK_AT = ?, UPDATED_AT = ?"
                        + " WHERE BATCH_ID = ? AND PROVIDER = ? AND TASK_ID = ? AND STATE IN ('SUBMITTED', 'RUNNING')")
                .params(rows.now(), rows.now(), batchId, provider, taskId).update());
        return updated[0] > 0;
    }

    /** The in-flight states, each read on its own so that the index serves the order (see {@link #dueForPoll}). */
    private static final List<String> IN_FLIGHT = List.of("SUBMITTED", "RUNNING");

    /** Earliest next check first, then row order: the order {@link #dueForPoll} returns rows in. */
    private static final Comparator<LedgerEntry> DUE_ORDER = Comparator.comparing(LedgerEntry::nextCheckAt)
            .thenComparingLong(LedgerEntry::rowNum).thenComparingInt(LedgerEntry::variant);

    /**
     * The in-flight entry ({@code SUBMITTED}, {@code RUNNING}) of the batch that holds a task: what an
     * authenticated callback may change (docs/design.md, Callbacks).
     *
     * @param batchId  the batch named in the callback's URL
     * @param provider the provider named in the callback's URL
     * @param taskId   the provider's taskId read from the callback's body
     * @return the entry, or empty when no in-flight entry of this batch and provider holds the task (an unknown
     *         task, another batch's, or one already ended)
     */
    public Optional<LedgerEntry> findInFlight(String batchId, String provider, String taskId) {
        return rows.jdbc().sql("SELECT * FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND PROVIDER = ? AND TASK_ID = ?"
                        + " AND STATE IN ('SUBMITTED', 'RUNNING') ORDER BY ROW_NUM, VARIANT FETCH FIRST 1 ROWS ONLY")
                .params(batchId, provider, taskId).query(ENTRY).optional();
    }

    /**
     * Brings forward the next status query of the batch's in-flight tasks of one provider and model that will be
     * overdue sooner than they are scheduled: a task is then queried once it has run {@code overdueAfterMillis}
     * without its callback (the generation times seen so far; {@code job.PollSchedule}). Only scheduling changes,
     * so, like {@link #expediteCheck}, it is not fenced.
     *
     * @param batchId            the batch
     * @param provider           the provider
     * @param model              the model, or null for entries without one
     * @param overdueAfterMillis a task's age, ms, past which it is queried
     * @return the entries brought forward
     */
    public int pullOverdueChecks(String batchId, String provider, String model, long overdueAfterMillis) {
        int[] updated = {0};
        rows.write(() -> updated[0] = rows.jdbc().sql("UPDATE IB_TASK_LEDGER SET NEXT_CHECK_AT = SUBMITTED_AT + ?"
                        + " WHERE BATCH_ID = ? AND PROVIDER = ? AND " + (model == null ? "MODEL IS NULL" : "MODEL = ?")
                        + " AND STATE IN ('SUBMITTED', 'RUNNING') AND SUBMITTED_AT IS NOT NULL"
                        + " AND NEXT_CHECK_AT > SUBMITTED_AT + ?")
                .params(model == null ? new Object[] {overdueAfterMillis, batchId, provider, overdueAfterMillis}
                        : new Object[] {overdueAfterMillis, batchId, provider, model, overdueAfterMillis})
                .update());
        return updated[0];
    }

    /**
     * The in-flight rows due for a status query. One query per in-flight state, each ordered as the index
     * {@code IB_TASK_LEDGER_DUE} (BATCH_ID, STATE, NEXT_CHECK_AT) is, so that the database reads only the rows it
     * returns, not every due row (let alone every row of the batch, as one query over both states did: an
     * {@code IN} list on STATE is no index prefix for H2, whose plan then read the whole batch each pass, and a
     * large run slowed down as its ledger grew; README.md, Performance, "A million rows"); the two are merged.
     *
     * @param batchId the batch
     * @param now     epoch ms
     * @param limit   most rows returned
     * @return in-flight rows ({@code SUBMITTED}, {@code RUNNING}) whose next check is due, earliest first (then in
     *         row order)
     */
    public List<LedgerEntry> dueForPoll(String batchId, long now, int limit) {
        List<LedgerEntry> due = new ArrayList<>();
        for (String state : IN_FLIGHT) {
            due.addAll(rows.jdbc().sql("SELECT * FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND STATE = ?"
                            + " AND NEXT_CHECK_AT <= ? ORDER BY BATCH_ID, STATE, NEXT_CHECK_AT, ROW_NUM, VARIANT"
                            + " FETCH FIRST " + limit + " ROWS ONLY")
                    .params(batchId, state, now).query(ENTRY).list());
        }
        due.sort(DUE_ORDER);
        return due.size() <= limit ? due : List.copyOf(due.subList(0, limit));
    }

    /**
     * @param batchId the batch
     * @return the earliest next check (epoch ms) of an in-flight row, empty when none is in flight; read as the
     *         first index entry of each in-flight state (as {@link #dueForPoll}), not by a scan
     */
    public Optional<Long> nextPollAt(String batchId) {
        Long earliest = null;
        for (String state : IN_FLIGHT) {
            Optional<Long> first = rows.jdbc().sql("SELECT NEXT_CHECK_AT FROM IB_TASK_LEDGER WHERE BATCH_ID = ?"
                            + " AND STATE = ? AND NEXT_CHECK_AT IS NOT NULL ORDER BY BATCH_ID, STATE, NEXT_CHECK_AT"
                            + " FETCH FIRST 1 ROW ONLY")
                    .params(batchId, state).query(Long.class).optional();
            if (first.isPresent() && (earliest == null || first.get() < earliest)) {
                earliest = first.get();
            }
        }
        return Optional.ofNullable(earliest);
    }

    /**
     * {@link #dueForPoll(String, long, int)} of one partition's rows (README.md, "More than one machine"): the same
     * index-ordered queries, with {@code ROW_NUM} between {@code fromRow} and {@code toRow} as a filter on the index
     * entries read, so that a pass reads at most the due rows ahead of the partition's own in that order.
     *
     * @param batchId the batch
     * @param fromRow the partition's first row, 1-based, inclusive
     * @param toRow   the partition's last row, inclusive
     * @param now     epoch ms
     * @param limit   most rows returned
     * @return the partition's in-flight rows whose next check is due, earliest first (then in row order)
     */
    public List<LedgerEntry> dueForPoll(String batchId, long fromRow, long toRow, long now, int limit) {
        List<LedgerEntry> due = new ArrayList<>();
        for (String state : IN_FLIGHT) {
            due.addAll(rows.jdbc().sql("SELECT * FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND STATE = ?"
                            + " AND NEXT_CHECK_AT <= ? AND ROW_NUM BETWEEN ? AND ?"
                            + " ORDER BY BATCH_ID, STATE, NEXT_CHECK_AT, ROW_NUM, VARIANT"
                            + " FETCH FIRST " + limit + " ROWS ONLY")
                    .params(batchId, state, now, fromRow, toRow).query(ENTRY).list());
        }
        due.sort(DUE_ORDER);
        return due.size() <= limit ? due : List.copyOf(due.subList(0, limit));
    }

    /**
     * {@link #nextPollAt(String)} of one partition's rows.
     *
     * @param batchId the batch
     * @param fromRow the partition's first row, 1-based, inclusive
     * @param toRow   the partition's last row, inclusive
     * @return the earliest next check (epoch ms) of the partition's in-flight rows, empty when none is in flight
     */
    public Optional<Long> nextPollAt(String batchId, long fromRow, long toRow) {
        Long earliest = null;
        for (String state : IN_FLIGHT) {
            Optional<Long> first = rows.jdbc().sql("SELECT NEXT_CHECK_AT FROM IB_TASK_LEDGER WHERE BATCH_ID = ?"
                            + " AND STATE = ? AND NEXT_CHECK_AT IS NOT NULL AND ROW_NUM BETWEEN ? AND ?"
                            + " ORDER BY BATCH_ID, STATE, NEXT_CHECK_AT FETCH FIRST 1 ROW ONLY")
                    .params(batchId, state, fromRow, toRow).query(Long.class).optional();
            if (first.isPresent() && (earliest == null || first.get() < earliest)) {
                earliest = first.get();
            }
        }
        return Optional.ofNullable(earliest);
    }

    /**
     * Records a non-terminal status answer and when to ask again. Only an in-flight row changes.
     *
     * @param batchId       the batch
     * @param rowNum        1-based row number
     * @param variant  the row's variant, 1 to 8 (1 for a row without variants; README.md, Variants)
     * @param state         {@link RowState#SUBMITTED} or {@link RowState#RUNNING}
     * @param providerState the provider's own word, cut to its column ({@link LedgerRows#fit})
     * @param nextCheckAt   epoch ms of the next status query
     * @throws LockLostException when this process lost the batch's lock; nothing was written
     */
    public void markPolled(String batchId, long rowNum, int variant, RowState state, String providerState,
            long nextCheckAt) {
        rows.update("UPDATE IB_TASK_LEDGER SET STATE = ?, PROVIDER_STATE = ?, POLLS = POLLS + 1, NEXT_CHECK_AT = ?,"
                        + " UPDATED_AT = ? WHERE BATCH_ID = ? AND ROW_NUM = ?"
                        + " AND VARIANT = ? AND STATE IN ('SUBMITTED', 'RUNNING')",
                state.name(), fit(providerState, PROVIDER_STATE_CHARS), nextCheckAt, rows.now(), batchId, rowNum,
                variant);
    }

    /**
     * Records a failed status query (provider busy): only when to ask again. Only an in-flight row changes.
     *
     * @param batchId     the batch
     * @param rowNum      1-based row number
     * @param variant  the row's variant, 1 to 8 (1 for a row without variants; README.md, Variants)
     * @param nextCheckAt epoch ms of the next status query
     * @param error       what went wrong, for the report
     * @throws LockLostException when this process lost the batch's lock; nothing was written
     */
    public void reschedule(String batchId, long rowNum, int variant, long nextCheckAt, String error) {
        rows.update("UPDATE IB_TASK_LEDGER SET POLLS = POLLS + 1, NEXT_CHECK_AT = ?, ERROR = ?, UPDATED_AT = ?"
                        + " WHERE BATCH_ID = ? AND ROW_NUM = ? AND VARIANT = ? AND STATE IN ('SUBMITTED', 'RUNNING')",
                nextCheckAt, error, rows.now(), batchId, rowNum, variant);
    }

    /**
     * Records a task the provider reports succeeded, with its result URL: the row becomes
     * {@link RowState#GENERATED} (its image is not stored yet); the download step takes it from here, at once.
     * Only an in-flight row changes.
     *
     * @param batchId       the batch
     * @param rowNum        1-based row number
     * @param variant  the row's variant, 1 to 8 (1 for a row without variants; README.md, Variants)
     * @param providerState the provider's own word, cut to its column
     * @param resultUrl     where the image can be fetched
     * @throws LockLostException when this process lost the batch's lock; nothing was written
     */
    public void markGenerated(String batchId, long rowNum, int variant, String providerState, String resultUrl) {
        int changed = rows.update("UPDATE IB_TASK_LEDGER SET STATE = 'GENERATED', PROVIDER_STATE = ?, RESULT_URL = ?,"
                        + " POLLS = POLLS + 1, ERROR = NULL, NEXT_CHECK_AT = ?, UPDATED_AT = ?"
                        + " WHERE BATCH_ID = ? AND ROW_NUM = ? AND VARIANT = ? AND STATE IN ('SUBMITTED', 'RUNNING')",
                fit(providerState, PROVIDER_STATE_CHARS), resultUrl, rows.now(), rows.now(), batchId, rowNum, variant);
        rows.counted(RowState.GENERATED, changed > 0);
    }

    /**
     * Records a task an authenticated callback reports succeeded, with its result URL, as
     * {@link #markGenerated(String, long, int, String, String)} records a status answer's success, but without
     * counting a status query ({@code POLLS}: none was made). Only the in-flight entry that still holds
     * {@code taskId} changes; fenced like every ledger write.
     *
     * @param batchId       the batch
     * @param rowNum        1-based row number
     * @param variant       the row's variant, 1 to 8 (1 for a row without variants; README.md, Variants)
     * @param taskId        the task the callback is about
     * @param providerState the provider's own word, cut to its column
     * @param resultUrl     where the image can be fetched (the download step checks it as any result URL)
     * @return true when the entry changed, false when it had already ended or holds another task
     * @throws LockLostException when this process lost the batch's lock; nothing was written
     */
    public boolean markGeneratedByCallback(String batchId, long rowNum, int variant, String taskId,
            String providerState, String resultUrl) {
        int changed = rows.update("UPDATE IB_TASK_LEDGER SET STATE = 'GENERATED', PROVIDER_STATE = ?, RESULT_URL = ?,"
                        + " ERROR = NULL, NEXT_CHECK_AT = ?, UPDATED_AT = ?"
                        + " WHERE BATCH_ID = ? AND ROW_NUM = ? AND VARIANT = ? AND TASK_ID = ?"
                        + " AND STATE IN ('SUBMITTED', 'RUNNING')",
                fit(providerState, PROVIDER_STATE_CHARS), resultUrl, rows.now(), rows.now(), batchId, rowNum, variant,
                taskId);
        return rows.counted(RowState.GENERATED, changed > 0);
    }

    /** As {@link #markPolled(String, long, int, RowState, String, long)} for variant 1 (a row without variants). */
    public void markPolled(String batchId, long rowNum, RowState state, String providerState, long nextCheckAt) {
        markPolled(batchId, rowNum, 1, state, providerState, nextCheckAt);
    }

    /** As {@link #reschedule(String, long, int, long, String)} for variant 1 (a row without variants). */
    public void reschedule(String batchId, long rowNum, long nextCheckAt, String error) {
        reschedule(batchId, rowNum, 1, nextCheckAt, error);
    }

    /** As {@link #markGenerated(String, long, int, String, String)} for variant 1 (a row without variants). */
    public void markGenerated(String batchId, long rowNum, String providerState, String resultUrl) {
        markGenerated(batchId, rowNum, 1, providerState, resultUrl);
    }
}
