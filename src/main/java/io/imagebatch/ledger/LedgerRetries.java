package io.imagebatch.ledger;

import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import org.springframework.context.annotation.DependsOn;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The rows' side of {@code retry-failed} (README, "Other commands"; docs/design.md, Retries): starting a retry
 * round, which sends again the rows whose generation failed and queries again the tasks whose paid result was not
 * stored; re-opening rows a provider's answer rejected; and the counts {@code status} and {@code retry-failed}
 * show. Earlier attempts are archived in {@code IB_TASK_ATTEMPT}; rounds are counted in {@code IB_BATCH.RETRIES}
 * ({@link BatchRegistry#retryRounds}). Rows are in {@code IB_TASK_LEDGER} ({@link TaskLedger}).
 *
 * <p>Each round is one transaction of its own ({@code REQUIRES_NEW}). Its SQL means the same on H2 2.x and
 * PostgreSQL (TaskLedgerContract's H2 and PostgreSQL variants).
 */
@Repository
@DependsOn(LedgerSchemaUpgrade.BEAN)
public class LedgerRetries {

    /**
     * The FAILED rows whose task was paid but whose image is not stored ({@link FailureKind}); rows failed by an
     * older version without a recorded kind count as such when they have a task ({@link FailureKind#of}).
     */
    private static final String RESULT_NOT_STORED = "STATE = 'FAILED' AND TASK_ID IS NOT NULL"
            + " AND (FAILURE_KIND IS NULL OR FAILURE_KIND = 'RESULT_NOT_STORED')";

    /** The columns of {@code IB_TASK_ATTEMPT} an archived attempt fills, in the order of {@link #ARCHIVED_FROM}. */
    private static final String ARCHIVED = "BATCH_ID, ROW_NUM, VARIANT, ATTEMPT, STATE, TASK_ID, ERROR_CODE, ERROR,"
            + " SUBMITTED_AT,"
            + " ENDED_AT, PROMPT, OUTPUT_URI";
    /** What an archived attempt copies from its {@code IB_TASK_LEDGER} line: its prompt and image too (history). */
    private static final String ARCHIVED_FROM = "BATCH_ID, ROW_NUM, VARIANT, ATTEMPT, STATE, TASK_ID, ERROR_CODE,"
            + " ERROR,"
            + " SUBMITTED_AT, UPDATED_AT, PROMPT, OUTPUT_URI";

    private final JdbcClient jdbc;
    private final TransactionTemplate ownTransaction;
    private final Clock clock;

    /**
     * @param jdbc               the JDBC client on the job repository's database
     * @param transactionManager the transaction manager of that database
     * @param clock              the clock for {@code UPDATED_AT} and the fresh deadlines, epoch ms
     */
    public LedgerRetries(JdbcClient jdbc, PlatformTransactionManager transactionManager, Clock clock) {
        this.jdbc = jdbc;
        this.ownTransaction = new TransactionTemplate(transactionManager);
        this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.clock = clock;
    }

    /**
     * Starts a retry round. A FAILED row whose task was paid but whose image is not stored
     * ({@link FailureKind#RESULT_NOT_STORED}: its download failed or its deadline passed) is not created again:
     * it goes back to SUBMITTED with the same task and attempt, due for a status query at once (which brings a
     * fresh result URL, or the task's end), with a fresh deadline as long as its first one. Every other FAILED
     * row (and UNCERTAIN row, when asked) has its current attempt archived in {@code IB_TASK_ATTEMPT} and is made
     * PENDING with the next attempt number, to be created again. The round is counted in
     * {@code IB_BATCH.RETRIES}. One transaction.
     *
     * @param batchId           the batch
     * @param includeUncertain  also retry UNCERTAIN rows (their first task may exist and be paid for)
     * @return the number of rows retried: made PENDING, or SUBMITTED to fetch their result again
     */
    public int startRetryRound(String batchId, boolean includeUncertain) {
        return startRetryRound(batchId, includeUncertain, null);
    }

    /**
     * Starts a retry round as {@link #startRetryRound(String, boolean)} does, giving the tasks queried again a
     * deadline of this length from now (the configured {@code imagebatch.job.task-deadline}).
     *
     * @param batchId          the batch
     * @param includeUncertain also retry UNCERTAIN rows
     * @param deadlineMillis   how long from now a task queried again may take before it is FAILED again, ms;
     *                         null for as long as its first deadline
     * @return the number of rows retried
     */
    public int startRetryRound(String batchId, boolean includeUncertain, Long deadlineMillis) {
        return startRetryRound(batchId, includeUncertain, deadlineMillis, false);
    }

    /**
     * Starts a retry round as {@link #startRetryRound(String, boolean, Long)} does; FAILED rows refused for
     * content policy ({@link FailureKind#CONTENT_POLICY}) are created again only when asked (README, "Content
     * refusals": the same prompt would be refused again), else they stay FAILED and untouched.
     *
     * @param batchId              the batch
     * @param includeUncertain     also retry UNCERTAIN rows
     * @param deadlineMillis       the deadline of a task queried again, ms from now; null for as long as its first
     * @param includeContentPolicy also create again the rows refused for content policy
     * @return the number of rows retried
     */
    public int startRetryRound(String batchId, boolean includeUncertain, Long deadlineMillis,
            boolean includeContentPolicy) {
        String states = (includeUncertain ? "('FAILED', 'UNCERTAIN')" : "('FAILED')")
                + (includeContentPolicy ? "" : " AND (FAILURE_KIND IS NULL OR FAILURE_KIND <> 'CONTENT_POLICY')");
        Integer rows = ownTransaction.execute(tx -> {
            // paid results first, so that the rows left FAILED below are exactly those to create again
            long now = now();
            int fetchAgain = jdbc.sql("UPDATE IB_TASK_LEDGER SET STATE = 'SUBMITTED', PROVIDER_STATE = NULL,"
                            + " RESULT_URL = NULL, ERROR_CODE = NULL, ERROR = NULL, FAILURE_KIND = NULL,"
                            + " DOWNLOAD_ATTEMPTS = 0, URL_REFRESHES = 0, NEXT_CHECK_AT = ?,"
                            + " DEADLINE_AT = " + (deadlineMillis == null ? "? + (DEADLINE_AT - SUBMITTED_AT)" : "?")
                            + ", UPDATED_AT = ? WHERE BATCH_ID = ? AND " + RESULT_NOT_STORED)
                    .params(now, deadlineMillis == null ? now : now + deadlineMillis, now, batchId).update();
            jdbc.sql("INSERT INTO IB_TASK_ATTEMPT (" + ARCHIVED + ") SELECT " + ARCHIVED_FROM
                            + " FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND STATE IN " + states)
                    .param(batchId).update();
            int changed = jdbc.sql("UPDATE IB_TASK_LEDGER SET STATE = 'PENDING', ATTEMPT = ATTEMPT + 1, TASK_ID = NULL,"
                            + " PROVIDER_STATE = NULL, RESULT_URL = NULL, ERROR_CODE = NULL, ERROR = NULL, POLLS = 0,"
                            + " FAILURE_KIND = NULL, URL_REFRESHES = 0, COST = NULL,"
                            + " DOWNLOAD_ATTEMPTS = 0, SUBMITTED_AT = NULL, NEXT_CHECK_AT = NULL, DEADLINE_AT = NULL,"
                            + " UPDATED_AT = ? WHERE BATCH_ID = ? AND STATE IN " + states)
                    .params(now(), batchId).update();
            jdbc.sql("UPDATE IB_BATCH SET RETRIES = RETRIES + 1 WHERE BATCH_ID = ?").param(batchId).update();
            return changed + fetchAgain;
        });
        return rows == null ? 0 : rows;
    }

    /**
     * Redoes one row with an edited prompt (README, "Redo a row"): in one transaction, the row's current attempt
     * is archived in {@code IB_TASK_ATTEMPT} with its prompt and, as its image, {@code historyUri} (where the
     * caller copied it), and the row becomes PENDING with the next attempt number, the new prompt as its
     * {@code PROMPT} and its {@code PROMPT_OVERRIDE} (which the submit step sends instead of the template's
     * prompt, also after a crash and resume), and its task, result, image and reservation cleared; the round is
     * counted in {@code IB_BATCH.RETRIES}, so that the batch's next run is a new job instance whose submit step
     * sends exactly this row. A row already PENDING (redone, or retried, and not sent yet) only gets the new
     * prompt: nothing is archived, no round is counted, and it is still created once. Nothing is written when the
     * row is no longer in {@code state} with {@code attempt} (another process changed it since it was read).
     *
     * <p>Which states may be redone is the caller's rule ({@code io.imagebatch.app.RowRedo}); this method only
     * makes the change, atomically: a process killed during it leaves either the row as it was, or the row
     * PENDING with its earlier attempt archived.
     *
     * @param batchId    the batch
     * @param rowNum     1-based row number
     * @param variant  the row's variant, 1 to 8 (1 for a row without variants; README.md, Variants)
     * @param state      the row's state as the caller read it
     * @param attempt    the row's attempt number as the caller read it
     * @param prompt     the new prompt (checked by the caller against the provider's rules)
     * @param historyUri the URI of the attempt's image under the row's history, or null when it stored none
     * @return true when the row was changed; false when it was not in {@code state} with {@code attempt}
     */
    public boolean startRedo(String batchId, long rowNum, int variant, RowState state, int attempt, String prompt,
            String historyUri) {
        Boolean changed = ownTransaction.execute(tx -> {
            long now = now();
            if (state == RowState.PENDING) {
                return jdbc.sql("UPDATE IB_TASK_LEDGER SET PROMPT = ?, PROMPT_OVERRIDE = ?, UPDATED_AT = ?"
                                + " WHERE BATCH_ID = ? AND ROW_NUM = ?"
                                + " AND VARIANT = ? AND STATE = 'PENDING' AND ATTEMPT = ?")
                        .params(prompt, prompt, now, batchId, rowNum, variant, attempt).update() > 0;
            }
            int archived = jdbc.sql("INSERT INTO IB_TASK_ATTEMPT (" + ARCHIVED + ") SELECT BATCH_ID, ROW_NUM, VARIANT,"
                            + " ATTEMPT,"
                            + " STATE, TASK_ID, ERROR_CODE, ERROR, SUBMITTED_AT, UPDATED_AT, PROMPT, ? FROM IB_TASK_LEDGER"
                            + " WHERE BATCH_ID = ? AND ROW_NUM = ? AND VARIANT = ? AND STATE = ? AND ATTEMPT = ?")
                    .params(historyUri, batchId, rowNum, variant, state.name(), attempt).update();
            if (archived == 0) {
                return false;
            }
            jdbc.sql("UPDATE IB_TASK_LEDGER SET STATE = 'PENDING', ATTEMPT = ATTEMPT + 1, PROMPT = ?,"
                            + " PROMPT_OVERRIDE = ?, TASK_ID = NULL, PROVIDER_STATE = NULL, RESULT_URL = NULL,"
                            + " OUTPUT_URI = NULL, SHA256 = NULL, BYTES = NULL, ERROR_CODE = NULL, ERROR = NULL, POLLS = 0,"
                            + " DOWNLOAD_ATTEMPTS = 0, SUBMITTED_AT = NULL, NEXT_CHECK_AT = NULL, DEADLINE_AT = NULL,"
                            + " URL_REFRESHES = 0, FAILURE_KIND = NULL, CREATE_WINDOW_START = NULL,"
                            + " CREATE_WINDOW_END = NULL, COST = NULL, UPDATED_AT = ?"
                            + " WHERE BATCH_ID = ? AND ROW_NUM = ? AND VARIANT = ? AND STATE = ? AND ATTEMPT = ?")
                    .params(prompt, prompt, now, batchId, rowNum, variant, state.name(), attempt).update();
            jdbc.sql("UPDATE IB_BATCH SET RETRIES = RETRIES + 1 WHERE BATCH_ID = ?").param(batchId).update();
            return true;
        });
        return Boolean.TRUE.equals(changed);
    }

    /**
     * Starts a budget round (docs/design.md, Spend): every HELD row (its price did not fit in the budget) becomes
     * PENDING, keeping its attempt number, so that the submit step of the round's new job instance sends it, if
     * its price now fits; no other row changes, so no row already sent is sent again. The round is counted in
     * {@code IB_BATCH.RETRIES}, as a {@code retry-failed} round is. One transaction.
     *
     * @param batchId the batch
     * @return the rows made PENDING; 0 (and no round counted) when none was HELD
     */
    public int startHeldRound(String batchId) {
        Integer rows = ownTransaction.execute(tx -> {
            int changed = jdbc.sql("UPDATE IB_TASK_LEDGER SET STATE = 'PENDING', ERROR = NULL, UPDATED_AT = ?"
                    + " WHERE BATCH_ID = ? AND STATE = 'HELD'").params(now(), batchId).update();
            if (changed > 0) {
                jdbc.sql("UPDATE IB_BATCH SET RETRIES = RETRIES + 1 WHERE BATCH_ID = ?").param(batchId).update();
            }
            return changed;
        });
        return rows == null ? 0 : rows;
    }

    /**
     * Counts the batch's FAILED rows by {@link FailureKind}, as {@code status} and {@code retry-failed} show
     * them; rows failed by an older version that recorded no kind are counted as {@link FailureKind#of} says.
     *
     * @param batchId the batch
     * @return the FAILED rows per kind (kinds with none are absent)
     */
    public Map<FailureKind, Long> countFailedByKind(String batchId) {
        Map<FailureKind, Long> counts = new EnumMap<>(FailureKind.class);
        jdbc.sql("SELECT FAILURE_KIND, TASK_ID IS NULL AS NO_TASK, COUNT(*) AS N FROM IB_TASK_LEDGER"
                        + " WHERE BATCH_ID = ? AND STATE = 'FAILED' GROUP BY FAILURE_KIND, TASK_ID IS NULL")
                .param(batchId)
                .query((rs, i) -> Map.entry(FailureKind.of(rs.getString("FAILURE_KIND"),
                        rs.getBoolean("NO_TASK") ? null : "task"), rs.getLong("N")))
                .list().forEach(e -> counts.merge(e.getKey(), e.getValue(), Long::sum));
        return counts;
    }

    /** @return the number of archived attempts of the batch's rows ({@code IB_TASK_ATTEMPT}) */
    public long archivedAttempts(String batchId) {
        return jdbc.sql("SELECT COUNT(*) FROM IB_TASK_ATTEMPT WHERE BATCH_ID = ?").param(batchId)
                .query(Long.class).single();
    }


    /**
     * @return the batch's rows REJECTED by a provider's answer to their create call (they carry the request
     *         that was sent), not by our own rules before sending
     */
    public long rejectedByProvider(String batchId) {
        return jdbc.sql("SELECT COUNT(*) FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND STATE = 'REJECTED'"
                + " AND REQUEST IS NOT NULL").param(batchId).query(Long.class).single();
    }

    /**
     * {@code retry-failed --include-rejected}: archives the current attempt of every row REJECTED by a
     * provider's answer ({@link #rejectedByProvider}) in {@code IB_TASK_ATTEMPT} and makes it PENDING with the
     * next attempt number. Rows rejected by our own rules are not touched. One transaction.
     *
     * @return the number of rows made PENDING
     */
    public int reopenRejectedByProvider(String batchId) {
        Integer rows = ownTransaction.execute(tx -> {
            jdbc.sql("INSERT INTO IB_TASK_ATTEMPT (" + ARCHIVED + ") SELECT " + ARCHIVED_FROM
                            + " FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND STATE = 'REJECTED' AND REQUEST IS NOT NULL")
                    .param(batchId).update();
            return jdbc.sql("UPDATE IB_TASK_LEDGER SET STATE = 'PENDING', ATTEMPT = ATTEMPT + 1, ERROR_CODE = NULL,"
                            + " ERROR = NULL, UPDATED_AT = ? WHERE BATCH_ID = ? AND STATE = 'REJECTED'"
                            + " AND REQUEST IS NOT NULL")
                    .params(now(), batchId).update();
        });
        return rows == null ? 0 : rows;
    }

    private long now() {
        return clock.millis();
    }

    /**
     * As {@link #startRedo(String, long, int, RowState, int, String, String)} for variant 1 (a row without
     * variants).
     *
     * @return true when the row was changed
     */
    public boolean startRedo(String batchId, long rowNum, RowState state, int attempt, String prompt,
            String historyUri) {
        return startRedo(batchId, rowNum, 1, state, attempt, prompt, historyUri);
    }
}
