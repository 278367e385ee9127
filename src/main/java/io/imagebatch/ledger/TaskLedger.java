package io.imagebatch.ledger;

import static io.imagebatch.ledger.LedgerRows.ENTRY;
import static io.imagebatch.ledger.LedgerRows.ERROR_CODE_CHARS;
import static io.imagebatch.ledger.LedgerRows.PROVIDER_STATE_CHARS;
import static io.imagebatch.ledger.LedgerRows.fit;

import io.imagebatch.metrics.ImageBatchMetrics;
import io.imagebatch.spend.PriceTable;
import io.imagebatch.spend.SpendReservations;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.DependsOn;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionCallback;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The task ledger: one line per catalogue row of a batch, and per variant of a row that has several (an entry is
 * (batch, row number, variant); README.md, Variants) ({@code IB_TASK_LEDGER}, {@code db/ledger-schema.sql}),
 * with its intent, taskId, state, failure kind and create window, written with Spring JDBC in the database of
 * the job repository. The batches themselves (settings, callback tokens, retry rounds, lock fencing) are in the
 * {@link BatchRegistry}; a {@code retry-failed} round's row changes are in {@link LedgerRetries}. This class
 * holds the submit step's transitions and the failure every step records; the other steps' reads and
 * transitions are its parts, each on the same fenced writes: {@link #polls()}, {@link #downloads()},
 * {@link #reconciliation()} and {@link #report()}; the intent with its reservation from the budgets is
 * {@link #budget()}.
 *
 * <p>Every write commits in its own transaction ({@code REQUIRES_NEW}), also when called from inside a chunk:
 * the invariants of docs/design.md need the intent committed before a create call and the taskId
 * committed the moment the call returns, not at the end of the chunk. Writes for a batch this process holds the
 * lock of are fenced ({@link BatchRegistry#takeFence}): they throw {@link LockLostException} once it is lost.
 *
 * <p>Its SQL means the same on H2 2.x and PostgreSQL (TaskLedgerH2Test, TaskLedgerPostgresTest). The schema is
 * made by {@code db/ledger-schema.sql} at every start and brought up to date by {@link LedgerSchemaUpgrade}.
 */
@Repository
@DependsOn(LedgerSchemaUpgrade.BEAN)
public class TaskLedger {

    private final JdbcClient jdbc;
    private final TransactionTemplate ownTransaction;
    private final Clock clock;
    private final MeterRegistry meters;
    /** The batches, whose lock fences this ledger's writes. */
    private final BatchRegistry batches;
    private final LedgerPolls polls;
    private final LedgerDownloads downloads;
    private final LedgerReconciliation reconciliation;
    private final LedgerReport report;
    private final LedgerBudget budget;
    private final LedgerFallbacks fallbacks;
    /** The intents and taskIds of concurrent create calls, committed together ({@link #markSubmitted}). */
    private final GroupCommit submitted;

    /**
     * A ledger without metrics (they go to a private registry) and with a batch registry of its own, on which no
     * process takes a fence: its writes are never refused (tools and tests that run no batch).
     *
     * @param jdbc               the JDBC client on the job repository's database
     * @param transactionManager the transaction manager of that database
     * @param clock              the clock for {@code UPDATED_AT}
     */
    public TaskLedger(JdbcClient jdbc, PlatformTransactionManager transactionManager, Clock clock) {
        this(jdbc, transactionManager, clock, new BatchRegistry(jdbc, transactionManager, clock));
    }

    /**
     * A ledger without metrics (they go to a private registry).
     *
     * @param jdbc               the JDBC client on the job repository's database
     * @param transactionManager the transaction manager of that database
     * @param clock              the clock for {@code UPDATED_AT}
     * @param batches            the batch registry whose fences ({@link BatchRegistry#takeFence}) this ledger's
     *                           writes honour
     */
    public TaskLedger(JdbcClient jdbc, PlatformTransactionManager transactionManager, Clock clock,
            BatchRegistry batches) {
        this(jdbc, transactionManager, clock, batches, new SimpleMeterRegistry());
    }

    /**
     * @param jdbc               the JDBC client on the job repository's database
     * @param transactionManager the transaction manager of that database
     * @param clock              the clock for {@code UPDATED_AT}
     * @param batches            the batch registry whose fences ({@link BatchRegistry#takeFence}) this ledger's
     *                           writes honour
     * @param meters             the application's meter registry, if it has one: rows reaching a state are
     *                           counted ({@value ImageBatchMetrics#ROWS}), and stored bytes
     *                           ({@value ImageBatchMetrics#BYTES_STORED})
     */
    @Autowired
    public TaskLedger(JdbcClient jdbc, PlatformTransactionManager transactionManager, Clock clock,
            BatchRegistry batches, ObjectProvider<MeterRegistry> meters) {
        this(jdbc, transactionManager, clock, batches, ImageBatchMetrics.registry(meters));
    }

    private TaskLedger(JdbcClient jdbc, PlatformTransactionManager transactionManager, Clock clock,
            BatchRegistry batches, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.ownTransaction = new TransactionTemplate(transactionManager);
        this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.clock = clock;
        this.batches = batches;
        this.meters = meters;
        this.polls = new LedgerPolls(this);
        this.downloads = new LedgerDownloads(this, meters);
        this.reconciliation = new LedgerReconciliation(this);
        this.report = new LedgerReport(this, transactionManager);
        this.budget = new LedgerBudget(this, meters);
        this.fallbacks = new LedgerFallbacks(this);
        this.submitted = new GroupCommit(this, transactionManager);
    }

    /**
     * Sets what the batch budget's reservations need (docs/design.md, Spend); set by Spring when the beans exist.
     *
     * @param prices       the price table: its currency words a held row's reason, and a generation the provider
     *                     reports failed gives its reservation back when {@link PriceTable#chargesFailed} is false
     * @param reservations the reservations made in the same transaction as the batch budget's (daily budgets)
     */
    @Autowired(required = false)
    public void spendWith(PriceTable prices, SpendReservations reservations) {
        budget.spendWith(prices, reservations);
    }

    // ---- the ledger's parts, one per step ----

    /** @return the poll step's reads and transitions (due rows, status answers) */
    public LedgerPolls polls() {
        return polls;
    }

    /** @return the download step's reads and transitions (due rows, fresh URLs, stored images) */
    public LedgerDownloads downloads() {
        return downloads;
    }

    /** @return the reconciliation of rows whose create answer was lost (journalled taskIds, UNCERTAIN rows) */
    public LedgerReconciliation reconciliation() {
        return reconciliation;
    }

    /** @return the report's reads (counts by state, rows in order) and its ending of rows left by submit */
    public LedgerReport report() {
        return report;
    }

    /** @return the submit step's intent with its reservation from the budgets, and the spend gauges */
    public LedgerBudget budget() {
        return budget;
    }

    /** @return the moves of the batch's rows to its fallback providers (README, "A fallback provider") */
    public LedgerFallbacks fallbacks() {
        return fallbacks;
    }

    // ---- submit step ----

    /**
     * Records a row that is never sent.
     *
     * @param batchId the batch
     * @param rowNum  1-based row number
     * @param rowId   the row id
     * @param provider provider name or null
     * @param model    model name or null
     * @param prompt   the prompt as read, or null
     * @param reason   the rejection, naming row, column and rule
     * @return false when the row was already in the ledger (a re-read chunk after a restart)
     */
    public boolean insertRejected(String batchId, long rowNum, String rowId, String provider, String model,
            String prompt, String reason) {
        return counted(RowState.REJECTED,
                insert(batchId, rowNum, 1, rowId, RowState.REJECTED, provider, model, prompt, null, reason)
                        || rejectPending(batchId, rowNum, provider, model, prompt, reason));
    }

    /**
     * Records one variant of a row as never sent: a variant moved to a fallback provider whose own rules reject
     * the row (README, "A fallback provider"). Its line is inserted REJECTED, or, when it is PENDING (sent again
     * by {@code retry-failed}), made REJECTED.
     *
     * @param batchId  the batch
     * @param rowNum   1-based row number
     * @param variant  the row's variant, 1 to 8 (README.md, Variants)
     * @param rowId    the row id
     * @param provider provider name or null
     * @param model    model name or null
     * @param prompt   the prompt as read, or null
     * @param reason   the rejection, naming row, column and rule
     * @return false when the variant's line was already there in another state
     * @throws LockLostException when this process lost the batch's lock; nothing was written
     */
    public boolean insertRejected(String batchId, long rowNum, int variant, String rowId, String provider,
            String model, String prompt, String reason) {
        return counted(RowState.REJECTED,
                insert(batchId, rowNum, variant, rowId, RowState.REJECTED, provider, model, prompt, null, reason)
                        || update("UPDATE IB_TASK_LEDGER SET STATE = 'REJECTED', PROVIDER = COALESCE(?, PROVIDER),"
                                + " MODEL = COALESCE(?, MODEL), PROMPT = COALESCE(?, PROMPT), ERROR_CODE = NULL,"
                                + " ERROR = ?, FAILURE_KIND = NULL, UPDATED_AT = ? WHERE BATCH_ID = ? AND ROW_NUM = ?"
                                + " AND VARIANT = ? AND STATE = 'PENDING'",
                        provider, model, prompt, reason, now(), batchId, rowNum, variant) > 0);
    }

    /**
     * A row that {@code retry-failed} made PENDING and that is now rejected when read again (the rules changed
     * between two runs of the batch) ends REJECTED, keeping its attempt number: no row is left PENDING by a
     * finished submit step, so the report knows every row's state.
     *
     * @return true when a PENDING row was rejected now
     */
    private boolean rejectPending(String batchId, long rowNum, String provider, String model, String prompt,
            String reason) {
        return update("UPDATE IB_TASK_LEDGER SET STATE = 'REJECTED', PROVIDER = COALESCE(?, PROVIDER),"
                        + " MODEL = COALESCE(?, MODEL), PROMPT = COALESCE(?, PROMPT), ERROR_CODE = NULL, ERROR = ?,"
                        + " FAILURE_KIND = NULL, UPDATED_AT = ? WHERE BATCH_ID = ? AND ROW_NUM = ? AND STATE = 'PENDING'",
                provider, model, prompt, reason, now(), batchId, rowNum) > 0;
    }

    /**
     * Commits the intent to create a task for a row (state {@code SUBMITTING}). Only the caller whose insert
     * succeeds may make the create call: the primary key makes this safe also between processes.
     *
     * @param batchId  the batch
     * @param rowNum   1-based row number
     * @param variant  the row's variant, 1 to 8 (1 for a row without variants; README.md, Variants)
     * @param rowId    the row id
     * @param provider provider name
     * @param model    model name
     * @param prompt   the prompt to send
     * @param request  the request as JSON
     * @return true when the intent was recorded now (a new line, or a PENDING line claimed as by
     *         {@link #claimPending}, keeping its attempt number); false when the row is already in the ledger in
     *         any other state
     */
    public boolean insertIntent(String batchId, long rowNum, int variant, String rowId, String provider, String model,
            String prompt, String request) {
        return insert(batchId, rowNum, variant, rowId, RowState.SUBMITTING, provider, model, prompt, request, null)
                || claimPending(batchId, rowNum, variant);
    }

    /**
     * Records the taskId the create call returned. Committed before it returns, fenced, as every write; the
     * taskIds other threads record for the same batch meanwhile share its transaction (a group commit: one
     * commit for the create calls that returned together, not one each; README.md, Performance, "A million
     * rows"), which changes nothing of when a caller may go on.
     *
     * @param submittedAt epoch ms when the call returned
     * @param nextCheckAt epoch ms of the first status query
     * @param deadlineAt  epoch ms after which the task is given up
     * @throws LockLostException when this process lost the batch's lock; nothing was written
     */
    public void markSubmitted(String batchId, long rowNum, int variant, String taskId, long submittedAt,
            long nextCheckAt,
            long deadlineAt) {
        long now = now();
        int changed = submitted.write(batchId, tx -> jdbc.sql("UPDATE IB_TASK_LEDGER SET STATE = 'SUBMITTED',"
                        + " TASK_ID = ?, SUBMITTED_AT = ?, NEXT_CHECK_AT = ?, DEADLINE_AT = ?, ERROR = NULL,"
                        + " ERROR_CODE = NULL, UPDATED_AT = ?"
                        + " WHERE BATCH_ID = ? AND ROW_NUM = ? AND VARIANT = ? AND STATE = 'SUBMITTING'")
                .params(taskId, submittedAt, nextCheckAt, deadlineAt, now, batchId, rowNum, variant).update());
        counted(RowState.SUBMITTED, changed > 0);
    }

    /**
     * Claims a row that {@code retry-failed} made PENDING: PENDING becomes SUBMITTING (the intent of the new
     * attempt), for exactly one caller.
     *
     * @return true when this caller claimed it
     */
    public boolean claimPending(String batchId, long rowNum, int variant) {
        int[] updated = {0};
        write(() -> updated[0] = checkedFence(batchId).sql("UPDATE IB_TASK_LEDGER SET STATE = 'SUBMITTING', UPDATED_AT = ?"
                        + " WHERE BATCH_ID = ? AND ROW_NUM = ? AND VARIANT = ? AND STATE = 'PENDING'")
                .params(now(), batchId, rowNum, variant).update());
        return updated[0] > 0;
    }

    /**
     * Releases an intent whose create call certainly made no task (the provider refused it, or the request
     * never left this machine), so that a resumed batch sends the row again. A first attempt's line is removed;
     * a later attempt's line (a row {@code retry-failed} sends again) goes back to PENDING with its attempt
     * number, so that its earlier attempts in {@code IB_TASK_ATTEMPT} stay unique and the next
     * {@link #insertIntent} or {@link #claimPending} takes it up again. Its reservation
     * ({@link LedgerBudget#reserveIntent}) is given back in the same transaction.
     */
    public void releaseIntent(String batchId, long rowNum, int variant) {
        // one transaction: the reservation is given back with the intent (docs/design.md, Spend)
        write(() -> {
            batches.checkFence(batchId);
            budget.giveBack(batchId, rowNum, variant, "('SUBMITTING')", false);
            jdbc.sql("UPDATE IB_TASK_LEDGER SET STATE = 'PENDING', UPDATED_AT = ?"
                    + " WHERE BATCH_ID = ? AND ROW_NUM = ? AND VARIANT = ? AND STATE = 'SUBMITTING' AND ATTEMPT > 1")
                    .params(now(), batchId, rowNum, variant).update();
            jdbc.sql("DELETE FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND ROW_NUM = ?"
                    + " AND VARIANT = ? AND STATE = 'SUBMITTING'"
                    + " AND ATTEMPT = 1").params(batchId, rowNum, variant).update();
        });
    }

    /**
     * Marks a row whose create call may or may not have made a task. Such a row is never resent silently.
     *
     * @param reason what happened, for the report
     */
    public void markUncertain(String batchId, long rowNum, int variant, String reason) {
        int changed = update("UPDATE IB_TASK_LEDGER SET STATE = 'UNCERTAIN', ERROR = ?, UPDATED_AT = ?"
                        + " WHERE BATCH_ID = ? AND ROW_NUM = ? AND VARIANT = ? AND STATE = 'SUBMITTING'",
                reason, now(), batchId, rowNum, variant);
        counted(RowState.UNCERTAIN, changed > 0);
    }

    /**
     * Marks a row the provider refused at create time (HTTP 400/413/422): never resent unchanged. No task was
     * made, so its reservation ({@link LedgerBudget#reserveIntent}) is given back in the same transaction.
     */
    public void markRejectedByProvider(String batchId, long rowNum, int variant, String errorCode, String reason) {
        int[] changed = {0};
        // one transaction: a refused create made no task, so its reservation is given back with it
        write(() -> {
            batches.checkFence(batchId);
            budget.giveBack(batchId, rowNum, variant, "('SUBMITTING')", false);
            changed[0] = jdbc.sql("UPDATE IB_TASK_LEDGER SET STATE = 'REJECTED', ERROR_CODE = ?, ERROR = ?,"
                            + " UPDATED_AT = ? WHERE BATCH_ID = ? AND ROW_NUM = ?"
                            + " AND VARIANT = ? AND STATE = 'SUBMITTING'")
                    .params(fit(errorCode, ERROR_CODE_CHARS), reason, now(), batchId, rowNum, variant).update();
        });
        counted(RowState.REJECTED, changed[0] > 0);
    }

    /**
     * Marks a row the provider refused at create time for its content policy
     * ({@code io.imagebatch.provider.ContentRefusals}; docs/providers/content-policy.md): FAILED with
     * {@link FailureKind#CONTENT_POLICY}, which {@code retry-failed} leaves unless asked. No task was made, so its
     * reservation ({@link LedgerBudget#reserveIntent}) is given back in the same transaction. Only a SUBMITTING
     * row changes.
     *
     * @param batchId   the batch
     * @param rowNum    1-based row number
     * @param variant   the row's variant, 1 to 8 (1 for a row without variants; README.md, Variants)
     * @param errorCode the provider's code (or HTTP status), cut to the column
     * @param reason    the provider's message, naming the row
     * @throws LockLostException when this process lost the batch's lock; nothing was written
     */
    public void markRefusedForContent(String batchId, long rowNum, int variant, String errorCode, String reason) {
        int[] changed = {0};
        write(() -> {
            batches.checkFence(batchId);
            budget.giveBack(batchId, rowNum, variant, "('SUBMITTING')", false);
            changed[0] = jdbc.sql("UPDATE IB_TASK_LEDGER SET STATE = 'FAILED', ERROR_CODE = ?, ERROR = ?,"
                            + " FAILURE_KIND = 'CONTENT_POLICY', UPDATED_AT = ?"
                            + " WHERE BATCH_ID = ? AND ROW_NUM = ? AND VARIANT = ? AND STATE = 'SUBMITTING'")
                    .params(fit(errorCode, ERROR_CODE_CHARS), reason, now(), batchId, rowNum, variant).update();
        });
        counted(RowState.FAILED, changed[0] > 0);
    }

    /**
     * @return the ledger line of the first row (lowest row number) with this id, if any; used to find repeated
     *         ids also after a restart
     */
    public Optional<Long> firstRowWithId(String batchId, String rowId) {
        return jdbc.sql("SELECT MIN(ROW_NUM) FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND ROW_ID = ?")
                .params(batchId, rowId).query(Long.class).list().stream().filter(Objects::nonNull).findFirst();
    }

    /** @return the row's ledger line, if it has one */
    public Optional<LedgerEntry> find(String batchId, long rowNum, int variant) {
        return jdbc.sql("SELECT * FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND ROW_NUM = ? AND VARIANT = ?")
                .params(batchId, rowNum, variant).query(ENTRY).optional();
    }

    /**
     * The prompts redos gave the batch's rows ({@code PROMPT_OVERRIDE}, {@link LedgerRetries#startRedo}): the
     * submit step sends them instead of the prompts the template builds. One query, read once per step.
     *
     * @param batchId the batch
     * @return row number to prompt; empty for a batch never redone
     */
    public Map<Long, String> promptOverrides(String batchId) {
        Map<Long, String> overrides = new java.util.HashMap<>();
        jdbc.sql("SELECT ROW_NUM, PROMPT_OVERRIDE FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND PROMPT_OVERRIDE IS NOT NULL")
                .param(batchId).query((rs, i) -> Map.entry(rs.getLong(1), rs.getString(2))).list()
                .forEach(e -> overrides.put(e.getKey(), e.getValue()));
        return overrides;
    }

    // ---- submit step: the rows of a chunk, create windows, provider rejections ----

    /**
     * The states of some rows, in one query: the submit step's writer reads a chunk's rows with it before it
     * sends anything.
     *
     * @param batchId the batch
     * @param rowNums 1-based row numbers (any number; empty gives an empty map)
     * @param variant  the row's variant, 1 to 8 (1 for a row without variants; README.md, Variants)
     * @return the state of each row's first variant (its only one for a row without variants) that has a ledger
     *         line; rows without one are absent
     */
    public Map<Long, RowState> statesOf(String batchId, java.util.Collection<Long> rowNums) {
        Map<Long, RowState> states = new java.util.HashMap<>();
        if (rowNums.isEmpty()) {
            return states;
        }
        long from = rowNums.stream().mapToLong(Long::longValue).min().orElseThrow();
        long to = rowNums.stream().mapToLong(Long::longValue).max().orElseThrow();
        java.util.Set<Long> wanted = new java.util.HashSet<>(rowNums);
        jdbc.sql("SELECT ROW_NUM, STATE FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND ROW_NUM BETWEEN ? AND ?"
                        + " AND VARIANT = 1")
                .params(batchId, from, to)
                .query((rs, i) -> Map.entry(rs.getLong(1), RowState.fromStored(rs.getString(2)))).list().stream()
                .filter(e -> wanted.contains(e.getKey())).forEach(e -> states.put(e.getKey(), e.getValue()));
        return states;
    }

    /**
     * Marks a row whose create call may or may not have made a task, with the window in which that task would
     * have been created: from the intent (committed right before the request left) to the end of the attempt.
     * Reconciliation adopts only a task created inside it (README, "Exactly once").
     *
     * @param reason      what happened, for the report
     * @param windowStart epoch ms of the intent; null to take the intent's own time (the row's last write, as a
     *                    SUBMITTING row is written only by its intent)
     * @param windowEnd   epoch ms when the attempt ended (its answer was lost, or it was found in flight)
     */
    public void markUncertain(String batchId, long rowNum, int variant, String reason, Long windowStart,
            long windowEnd) {
        int changed = update("UPDATE IB_TASK_LEDGER SET STATE = 'UNCERTAIN', ERROR = ?,"
                        + " CREATE_WINDOW_START = COALESCE(?, UPDATED_AT), CREATE_WINDOW_END = ?, UPDATED_AT = ?"
                        + " WHERE BATCH_ID = ? AND ROW_NUM = ? AND VARIANT = ? AND STATE = 'SUBMITTING'",
                reason, windowStart, windowEnd, now(), batchId, rowNum, variant);
        counted(RowState.UNCERTAIN, changed > 0);
    }

    // ---- the entry of a row without variants (variant 1): the calls as they were before variants ----

    /** As {@link #insertIntent(String, long, int, String, String, String, String, String)} for variant 1. */
    public boolean insertIntent(String batchId, long rowNum, String rowId, String provider, String model,
            String prompt, String request) {
        return insertIntent(batchId, rowNum, 1, rowId, provider, model, prompt, request);
    }

    /** As {@link #markSubmitted(String, long, int, String, long, long, long)} for variant 1. */
    public void markSubmitted(String batchId, long rowNum, String taskId, long submittedAt, long nextCheckAt,
            long deadlineAt) {
        markSubmitted(batchId, rowNum, 1, taskId, submittedAt, nextCheckAt, deadlineAt);
    }

    /** As {@link #claimPending(String, long, int)} for variant 1. */
    public boolean claimPending(String batchId, long rowNum) {
        return claimPending(batchId, rowNum, 1);
    }

    /** As {@link #releaseIntent(String, long, int)} for variant 1. */
    public void releaseIntent(String batchId, long rowNum) {
        releaseIntent(batchId, rowNum, 1);
    }

    /** As {@link #markUncertain(String, long, int, String)} for variant 1. */
    public void markUncertain(String batchId, long rowNum, String reason) {
        markUncertain(batchId, rowNum, 1, reason);
    }

    /** As {@link #markUncertain(String, long, int, String, Long, long)} for variant 1. */
    public void markUncertain(String batchId, long rowNum, String reason, Long windowStart, long windowEnd) {
        markUncertain(batchId, rowNum, 1, reason, windowStart, windowEnd);
    }

    /** As {@link #markRejectedByProvider(String, long, int, String, String)} for variant 1. */
    public void markRejectedByProvider(String batchId, long rowNum, String errorCode, String reason) {
        markRejectedByProvider(batchId, rowNum, 1, errorCode, reason);
    }

    /** As {@link #find(String, long, int)} for variant 1. */
    public Optional<LedgerEntry> find(String batchId, long rowNum) {
        return find(batchId, rowNum, 1);
    }

    /** As {@link #markFailed(String, long, int, String, String, String)} for variant 1. */
    public void markFailed(String batchId, long rowNum, String providerState, String errorCode, String reason) {
        markFailed(batchId, rowNum, 1, providerState, errorCode, reason);
    }

    /** As {@link #markFailed(String, long, int, String, String, String, FailureKind)} for variant 1. */
    public void markFailed(String batchId, long rowNum, String providerState, String errorCode, String reason,
            FailureKind kind) {
        markFailed(batchId, rowNum, 1, providerState, errorCode, reason, kind);
    }

    /**
     * The states of some rows' entries, in one query: the submit step's writer reads a chunk's entries with it
     * before it sends anything (README.md, Variants).
     *
     * @param batchId the batch
     * @param rowNums 1-based row numbers (any number; empty gives an empty map)
     * @return row number to (variant to state) for each entry in the ledger; rows without one are absent
     */
    public Map<Long, Map<Integer, RowState>> entryStatesOf(String batchId, java.util.Collection<Long> rowNums) {
        Map<Long, Map<Integer, RowState>> states = new java.util.HashMap<>();
        if (rowNums.isEmpty()) {
            return states;
        }
        long from = rowNums.stream().mapToLong(Long::longValue).min().orElseThrow();
        long to = rowNums.stream().mapToLong(Long::longValue).max().orElseThrow();
        java.util.Set<Long> wanted = new java.util.HashSet<>(rowNums);
        jdbc.sql("SELECT ROW_NUM, VARIANT, STATE FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND ROW_NUM BETWEEN ? AND ?")
                .params(batchId, from, to).query((rs, i) -> {
                    long row = rs.getLong(1);
                    if (wanted.contains(row)) {
                        states.computeIfAbsent(row, r -> new java.util.HashMap<>())
                                .put(rs.getInt(2), RowState.fromStored(rs.getString(3)));
                    }
                    return row;
                }).list();
        return states;
    }

    /**
     * Records {@code choose}'s pick (README.md, Variants): in one fenced transaction, this STORED variant of the
     * row becomes its chosen one ({@code CHOSEN}) and every other variant of the row is not chosen any more, so a
     * row has at most one chosen variant and choosing again replaces the choice.
     *
     * @param batchId the batch
     * @param rowNum  1-based row number
     * @param variant the chosen variant, 1 to 8
     * @return true when it was recorded; false (nothing changed) when that variant is not STORED
     * @throws LockLostException when this process lost the batch's lock; nothing was written
     */
    public boolean choose(String batchId, long rowNum, int variant) {
        Boolean chosen = writeReturning(tx -> {
            batches.checkFence(batchId);
            if (jdbc.sql("UPDATE IB_TASK_LEDGER SET CHOSEN = TRUE, UPDATED_AT = ? WHERE BATCH_ID = ? AND ROW_NUM = ?"
                    + " AND VARIANT = ? AND STATE = 'STORED'").params(now(), batchId, rowNum, variant).update() == 0) {
                return false;
            }
            jdbc.sql("UPDATE IB_TASK_LEDGER SET CHOSEN = FALSE, UPDATED_AT = ? WHERE BATCH_ID = ? AND ROW_NUM = ?"
                    + " AND VARIANT <> ? AND CHOSEN = TRUE").params(now(), batchId, rowNum, variant).update();
            return true;
        });
        return Boolean.TRUE.equals(chosen);
    }

    // ---- any step: a row that failed ----

    /**
     * Records a row that failed, without saying of which {@link FailureKind}: a row without a task is recorded
     * as {@link FailureKind#GENERATION_FAILED}, a row with one as {@link FailureKind#RESULT_NOT_STORED} (the
     * safe side: {@code retry-failed} then queries the task again instead of paying for a second one). Callers
     * that know the kind use {@link #markFailed(String, long, String, String, String, FailureKind)}.
     *
     * @param errorCode the provider's failure code or ours ({@code deadline}, {@code download})
     * @param reason    the provider's message or ours
     */
    public void markFailed(String batchId, long rowNum, int variant, String providerState, String errorCode,
            String reason) {
        markFailed(batchId, rowNum, variant, providerState, errorCode, reason, null);
    }

    /**
     * Records a row that failed: the provider said fail ({@link FailureKind#GENERATION_FAILED}), or the deadline
     * passed or its image could not be fetched or stored ({@link FailureKind#RESULT_NOT_STORED}). Only a row in
     * flight (SUBMITTING to GENERATED) changes.
     *
     * @param errorCode the provider's failure code or ours ({@code deadline}, {@code download})
     * @param reason    the provider's message or ours
     * @param kind      what {@code retry-failed} does with the row; null to decide by whether it has a task, as
     *                  {@link #markFailed(String, long, String, String, String)} does. A
     *                  {@link FailureKind#GENERATION_FAILED} row of a provider that does not charge failed
     *                  generations ({@link PriceTable#chargesFailed} false) gives its reservation back in the same
     *                  transaction, counted as refunded ({@code IB_BATCH.REFUNDED_SPEND})
     */
    public void markFailed(String batchId, long rowNum, int variant, String providerState, String errorCode,
            String reason,
            FailureKind kind) {
        int[] changed = {0};
        write(() -> {
            batches.checkFence(batchId);
            if (kind == null || kind == FailureKind.GENERATION_FAILED || kind == FailureKind.CONTENT_POLICY) {
                // a generation the provider reports failed is refunded, in this transaction, when the provider
                // does not charge for it (charges-failed=false; docs/design.md, Spend)
                budget.refundUncharged(batchId, rowNum, variant, kind == null);
            }
            changed[0] = jdbc.sql("UPDATE IB_TASK_LEDGER SET STATE = 'FAILED', PROVIDER_STATE = COALESCE(?, PROVIDER_STATE),"
                            + " ERROR_CODE = ?, ERROR = ?, UPDATED_AT = ?, FAILURE_KIND = COALESCE(?, CASE WHEN TASK_ID IS NULL"
                            + " THEN 'GENERATION_FAILED' ELSE 'RESULT_NOT_STORED' END)"
                            + " WHERE BATCH_ID = ? AND ROW_NUM = ?"
                            + " AND VARIANT = ? AND STATE IN ('SUBMITTING', 'SUBMITTED', 'RUNNING', 'GENERATED')")
                    .params(fit(providerState, PROVIDER_STATE_CHARS), fit(errorCode, ERROR_CODE_CHARS), reason, now(),
                            kind == null ? null : kind.name(), batchId, rowNum, variant).update();
        });
        counted(RowState.FAILED, changed[0] > 0);
    }

    private boolean insert(String batchId, long rowNum, int variant, String rowId, RowState state, String provider,
            String model, String prompt, String request, String error) {
        Boolean inserted = ownTransaction.execute(tx -> {
            batches.checkFence(batchId);
            try {
                jdbc.sql("INSERT INTO IB_TASK_LEDGER (BATCH_ID, ROW_NUM, VARIANT, ROW_ID, STATE, PROVIDER, MODEL,"
                                + " PROMPT,"
                                + " REQUEST, ERROR, UPDATED_AT) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                        .params(batchId, rowNum, variant, rowId, state.name(), provider, model, prompt, request, error,
                                now())
                        .update();
                return true;
            } catch (DuplicateKeyException alreadyThere) {
                tx.setRollbackOnly();
                return false;
            }
        });
        return Boolean.TRUE.equals(inserted);
    }


    /**
     * Runs one fenced write in a transaction of its own ({@code REQUIRES_NEW}): the fence of the batch among
     * {@code params} is checked first ({@link BatchRegistry#checkFence(Object...)}).
     *
     * @return the number of rows the statement changed
     * @throws LockLostException when this process lost the batch's lock; nothing was written
     */
    int update(String sql, Object... params) {
        int[] changed = {0};
        write(() -> {
            batches.checkFence(params);
            changed[0] = jdbc.sql(sql).params(params).update();
        });
        return changed[0];
    }

    /** @return the JDBC client, after {@link BatchRegistry#checkFence(String)} for the batch */
    private JdbcClient checkedFence(String batchId) {
        batches.checkFence(batchId);
        return jdbc;
    }

    /** Counts a row that reached {@code state} now ({@value ImageBatchMetrics#ROWS}); a repeated write counts not. */
    boolean counted(RowState state, boolean changed) {
        if (changed) {
            Counter.builder(ImageBatchMetrics.ROWS).description("catalogue rows that reached a state")
                    .tag(ImageBatchMetrics.STATE, state.name()).register(meters).increment();
        }
        return changed;
    }

    /** Runs {@code work} in a transaction of its own ({@code REQUIRES_NEW}), without a fence check. */
    void write(Runnable work) {
        ownTransaction.executeWithoutResult(tx -> work.run());
    }

    /**
     * Runs {@code work} in a transaction of its own ({@code REQUIRES_NEW}), without a fence check.
     *
     * @return what {@code work} returned; null when it returned null
     */
    <T> T writeReturning(TransactionCallback<T> work) {
        return ownTransaction.execute(work);
    }

    /**
     * Runs {@code work} in a fenced transaction shared with the writes other threads hand in for the same batch
     * meanwhile (a group commit, {@link GroupCommit#write}), each in a savepoint of its own; returns once it is
     * committed.
     *
     * @return what {@code work} returned
     * @throws LockLostException when this process lost the batch's lock; nothing was written
     */
    <T> T groupWrite(String batchId, TransactionCallback<T> work) {
        return submitted.write(batchId, work);
    }

    /** @return the batch registry whose fences this ledger's writes honour */
    BatchRegistry batches() {
        return batches;
    }

    /** @return the JDBC client on the ledger's database, for the reads of the ledger's parts */
    JdbcClient jdbc() {
        return jdbc;
    }

    /** @return epoch ms by the ledger's clock, for {@code UPDATED_AT} */
    long now() {
        return clock.millis();
    }
}
