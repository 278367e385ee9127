package io.imagebatch.ledger;

import io.imagebatch.metrics.ImageBatchMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.DependsOn;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The task ledger ({@code IB_TASK_LEDGER}, {@code db/ledger-schema.sql}), written with Spring JDBC in the
 * database of the job repository.
 *
 * <p>Every write commits in its own transaction ({@code REQUIRES_NEW}), also when called from inside a chunk:
 * the invariants of docs/design.md need the intent committed before a create call and the taskId
 * committed the moment the call returns, not at the end of the chunk.
 *
 * <p>Its SQL means the same on H2 2.x and PostgreSQL (TaskLedgerH2Test, TaskLedgerPostgresTest). The schema is
 * made by {@code db/ledger-schema.sql} at every start and brought up to date by {@link LedgerSchemaUpgrade}.
 */
@Repository
@DependsOn(LedgerSchemaUpgrade.BEAN)
public class TaskLedger {

    private static final SecureRandom RANDOM = new SecureRandom();
    /**
     * The FAILED rows whose task was paid but whose image is not stored ({@link FailureKind}); rows failed by an
     * older version without a recorded kind count as such when they have a task ({@link FailureKind#of}).
     */
    private static final String RESULT_NOT_STORED = "STATE = 'FAILED' AND TASK_ID IS NOT NULL"
            + " AND (FAILURE_KIND IS NULL OR FAILURE_KIND = 'RESULT_NOT_STORED')";
    /** Written out by hand: a reflective DataClassRowMapper made a 100,000-row pass take seconds, not tenths. */
    private static final RowMapper<LedgerEntry> ENTRY = (rs, i) -> new LedgerEntry(
            rs.getString("BATCH_ID"), rs.getLong("ROW_NUM"), rs.getString("ROW_ID"),
            RowState.valueOf(rs.getString("STATE")), rs.getInt("ATTEMPT"), rs.getString("PROVIDER"),
            rs.getString("MODEL"), rs.getString("PROMPT"), rs.getString("REQUEST"), rs.getString("TASK_ID"),
            rs.getString("PROVIDER_STATE"), rs.getString("RESULT_URL"), rs.getString("OUTPUT_URI"),
            rs.getString("SHA256"), nullableLong(rs, "BYTES"), rs.getString("ERROR_CODE"), rs.getString("ERROR"),
            rs.getInt("POLLS"), rs.getInt("DOWNLOAD_ATTEMPTS"), nullableLong(rs, "SUBMITTED_AT"),
            nullableLong(rs, "NEXT_CHECK_AT"), nullableLong(rs, "DEADLINE_AT"), rs.getLong("UPDATED_AT"),
            rs.getInt("URL_REFRESHES"), failureKind(rs));

    private final JdbcClient jdbc;
    private final TransactionTemplate ownTransaction;
    /** Joins the caller's transaction, or starts a read-only one. */
    private final TransactionTemplate readTransaction;
    private final Clock clock;
    private final MeterRegistry meters;
    private final Counter bytesStored;
    /** The lock generation (fencing token) this process holds, per batch it runs; see {@link #takeFence}. */
    private final Map<String, Long> fences = new java.util.concurrent.ConcurrentHashMap<>();
    /** Batches whose lock this process lost, with why: their writes are refused without asking the database. */
    private final Map<String, String> revoked = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * A ledger without metrics (they go to a private registry).
     *
     * @param jdbc               the JDBC client on the job repository's database
     * @param transactionManager the transaction manager of that database
     * @param clock              the clock for {@code UPDATED_AT}
     */
    public TaskLedger(JdbcClient jdbc, PlatformTransactionManager transactionManager, Clock clock) {
        this(jdbc, transactionManager, clock, new SimpleMeterRegistry());
    }

    /**
     * @param jdbc               the JDBC client on the job repository's database
     * @param transactionManager the transaction manager of that database
     * @param clock              the clock for {@code UPDATED_AT}
     * @param meters             the application's meter registry, if it has one: rows reaching a state are
     *                           counted ({@value ImageBatchMetrics#ROWS}), and stored bytes
     *                           ({@value ImageBatchMetrics#BYTES_STORED})
     */
    @Autowired
    public TaskLedger(JdbcClient jdbc, PlatformTransactionManager transactionManager, Clock clock,
            ObjectProvider<MeterRegistry> meters) {
        this(jdbc, transactionManager, clock, ImageBatchMetrics.registry(meters));
    }

    private TaskLedger(JdbcClient jdbc, PlatformTransactionManager transactionManager, Clock clock,
            MeterRegistry meters) {
        this.jdbc = jdbc;
        this.ownTransaction = new TransactionTemplate(transactionManager);
        this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.readTransaction = new TransactionTemplate(transactionManager);
        this.readTransaction.setReadOnly(true);
        this.clock = clock;
        this.meters = meters;
        this.bytesStored = Counter.builder(ImageBatchMetrics.BYTES_STORED).baseUnit("bytes")
                .description("image bytes written to the output stores").register(meters);
    }

    // ---- batches ----

    /**
     * Records a batch's settings the first time it is seen; later calls leave them as they are.
     *
     * @param batchId  the batch id
     * @param settings the batch settings as JSON (no secrets)
     */
    public void recordBatch(String batchId, String settings) {
        ownTransaction.executeWithoutResult(tx -> {
            try {
                jdbc.sql("INSERT INTO IB_BATCH (BATCH_ID, SETTINGS, CREATED_AT) VALUES (?, ?, ?)")
                        .params(batchId, settings, now()).update();
            } catch (DuplicateKeyException alreadyThere) {
                // a resumed batch keeps the settings it started with. PostgreSQL has aborted this transaction
                // with the failed statement: end it with a rollback, as insert() does, not with a commit
                tx.setRollbackOnly();
            }
        });
    }

    /**
     * The batch's callback token, made on first use: 32 random bytes from {@link SecureRandom}, as 64 hex
     * digits. It is kept, so that tasks created before a restart can still call back.
     *
     * @param batchId a known batch
     * @return the token
     * @throws IllegalArgumentException when the batch is unknown
     */
    public String callbackToken(String batchId) {
        Optional<String> existing = storedCallbackToken(batchId);
        if (existing.isPresent()) {
            return existing.get();
        }
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        String token = HexFormat.of().formatHex(random);
        update("UPDATE IB_BATCH SET CALLBACK_TOKEN = ? WHERE BATCH_ID = ? AND CALLBACK_TOKEN IS NULL", token, batchId);
        return storedCallbackToken(batchId)
                .orElseThrow(() -> new IllegalArgumentException("no batch " + batchId + " in this database"));
    }

    /** @return the batch's callback token if it has one; empty for an unknown batch */
    public Optional<String> storedCallbackToken(String batchId) {
        return jdbc.sql("SELECT CALLBACK_TOKEN FROM IB_BATCH WHERE BATCH_ID = ?").param(batchId)
                .query(String.class).list().stream().filter(Objects::nonNull).findFirst();
    }

    /**
     * Asks for an immediate status query of an in-flight task (a callback arrived). A task that is already
     * terminal, or unknown in this batch, is left alone: that is what makes duplicate callbacks harmless.
     *
     * @param batchId  the batch
     * @param provider the provider the callback came for
     * @param taskId   the provider's taskId
     * @return true when an in-flight task was found and its next check moved to now
     */
    public boolean expediteCheck(String batchId, String provider, String taskId) {
        int[] updated = {0};
        write(() -> updated[0] = jdbc.sql("UPDATE IB_TASK_LEDGER SET NEXT_CHECK_AT = ?, UPDATED_AT = ?"
                        + " WHERE BATCH_ID = ? AND PROVIDER = ? AND TASK_ID = ? AND STATE IN ('SUBMITTED', 'RUNNING')")
                .params(now(), now(), batchId, provider, taskId).update());
        return updated[0] > 0;
    }

    /** @return the batch's settings JSON, if the batch is known */
    public Optional<String> batchSettings(String batchId) {
        return jdbc.sql("SELECT SETTINGS FROM IB_BATCH WHERE BATCH_ID = ?").param(batchId)
                .query(String.class).optional();
    }

    // ---- fencing (the batch lock's generation) ----

    /**
     * Called right after this process took the batch's lock ({@code io.imagebatch.lock.BatchLocks}): makes the
     * lock's generation one more ({@code IB_BATCH.LOCK_GENERATION}), records who holds it, and from now on every
     * ledger write of this process for the batch carries that generation. A write is refused
     * ({@link LockLostException}, nothing committed) once the batch's generation in the database is another one,
     * that is once another process has taken the lock since: the fencing of README.md (Running nightly). Writes
     * for batches this process holds no fence for are not checked ({@code status}, {@code retry-failed}'s
     * preparation, tests).
     *
     * @param batchId a batch recorded with {@link #recordBatch}
     * @param holder  who holds the lock, for the message of a second run, e.g. {@code pid 1234 on host}; at most
     *                200 characters, never a secret
     * @return the generation this process now holds (1 for the batch's first lock)
     * @throws IllegalArgumentException when the batch is unknown
     */
    public long takeFence(String batchId, String holder) {
        Long generation = ownTransaction.execute(tx -> {
            int updated = jdbc.sql("UPDATE IB_BATCH SET LOCK_GENERATION = LOCK_GENERATION + 1, LOCK_HOLDER = ?,"
                            + " LOCK_SINCE = ? WHERE BATCH_ID = ?")
                    .params(holder.length() > 200 ? holder.substring(0, 200) : holder, now(), batchId).update();
            if (updated == 0) {
                throw new IllegalArgumentException("no batch " + batchId + " in this database");
            }
            return jdbc.sql("SELECT LOCK_GENERATION FROM IB_BATCH WHERE BATCH_ID = ?").param(batchId)
                    .query(Long.class).single();
        });
        revoked.remove(batchId);
        fences.put(batchId, generation);
        return generation;
    }

    /**
     * The lock of the batch is lost (its renewal failed): from now on every write of this process for the batch
     * is refused at once ({@link LockLostException} with {@code reason}), without asking the database, so that
     * no create is sent after this call. A batch without a fence here is left alone.
     *
     * @param batchId the batch
     * @param reason  why, as the refused writes' message; names the batch, never a secret
     */
    public void revokeFence(String batchId, String reason) {
        if (fences.containsKey(batchId)) {
            revoked.put(batchId, reason);
        }
    }

    /** Forgets the batch's fence (this process released the lock): its writes are no longer checked. */
    public void releaseFence(String batchId) {
        fences.remove(batchId);
        revoked.remove(batchId);
    }

    /** @return who took the batch's lock last, and when; empty for an unknown batch or one never locked */
    public Optional<LockHolder> lockHolder(String batchId) {
        return jdbc.sql("SELECT LOCK_HOLDER, LOCK_SINCE, LOCK_GENERATION FROM IB_BATCH WHERE BATCH_ID = ?"
                        + " AND LOCK_SINCE IS NOT NULL")
                .param(batchId).query((rs, i) -> new LockHolder(rs.getString(1), rs.getLong(2), rs.getLong(3)))
                .optional();
    }

    /**
     * Refuses a write for a fenced batch whose lock this process lost or no longer holds; called in the write's
     * own transaction, before its statement. The batch is found among the statement's parameters, so that every
     * write through {@link #update} is fenced without naming its batch twice.
     */
    private void checkFence(Object... params) {
        if (fences.isEmpty()) {
            return;
        }
        for (Object param : params) {
            if (param instanceof String batchId && fences.containsKey(batchId)) {
                checkFence(batchId);
                return;
            }
        }
    }

    private void checkFence(String batchId) {
        Long generation = fences.get(batchId);
        if (generation == null) {
            return;
        }
        String lost = revoked.get(batchId);
        if (lost != null) {
            throw new LockLostException(batchId, lost);
        }
        long current = jdbc.sql("SELECT COUNT(*) FROM IB_BATCH WHERE BATCH_ID = ? AND LOCK_GENERATION = ?")
                .params(batchId, generation).query(Long.class).single();
        if (current == 0) {
            String reason = "batch " + batchId + ": another process took its lock (this process held generation "
                    + generation + "), so this process sends nothing more for it and stops; the batch goes on"
                    + " in that process";
            revoked.putIfAbsent(batchId, reason);
            throw new LockLostException(batchId, reason);
        }
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
                insert(batchId, rowNum, rowId, RowState.REJECTED, provider, model, prompt, null, reason)
                        || rejectPending(batchId, rowNum, provider, model, prompt, reason));
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
     * @param rowId    the row id
     * @param provider provider name
     * @param model    model name
     * @param prompt   the prompt to send
     * @param request  the request as JSON
     * @return true when the intent was recorded now (a new line, or a PENDING line claimed as by
     *         {@link #claimPending}, keeping its attempt number); false when the row is already in the ledger in
     *         any other state
     */
    public boolean insertIntent(String batchId, long rowNum, String rowId, String provider, String model,
            String prompt, String request) {
        return insert(batchId, rowNum, rowId, RowState.SUBMITTING, provider, model, prompt, request, null)
                || claimPending(batchId, rowNum);
    }

    /**
     * Records the taskId the create call returned.
     *
     * @param submittedAt epoch ms when the call returned
     * @param nextCheckAt epoch ms of the first status query
     * @param deadlineAt  epoch ms after which the task is given up
     */
    public void markSubmitted(String batchId, long rowNum, String taskId, long submittedAt, long nextCheckAt,
            long deadlineAt) {
        int changed = update("UPDATE IB_TASK_LEDGER SET STATE = 'SUBMITTED', TASK_ID = ?, SUBMITTED_AT = ?, NEXT_CHECK_AT = ?,"
                + " DEADLINE_AT = ?, ERROR = NULL, ERROR_CODE = NULL, UPDATED_AT = ?"
                + " WHERE BATCH_ID = ? AND ROW_NUM = ? AND STATE = 'SUBMITTING'",
                taskId, submittedAt, nextCheckAt, deadlineAt, now(), batchId, rowNum);
        counted(RowState.SUBMITTED, changed > 0);
    }

    /**
     * Claims a row that {@code retry-failed} made PENDING: PENDING becomes SUBMITTING (the intent of the new
     * attempt), for exactly one caller.
     *
     * @return true when this caller claimed it
     */
    public boolean claimPending(String batchId, long rowNum) {
        int[] updated = {0};
        write(() -> updated[0] = checkedFence(batchId).sql("UPDATE IB_TASK_LEDGER SET STATE = 'SUBMITTING', UPDATED_AT = ?"
                        + " WHERE BATCH_ID = ? AND ROW_NUM = ? AND STATE = 'PENDING'")
                .params(now(), batchId, rowNum).update());
        return updated[0] > 0;
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
        String states = includeUncertain ? "('FAILED', 'UNCERTAIN')" : "('FAILED')";
        Integer rows = ownTransaction.execute(tx -> {
            // paid results first, so that the rows left FAILED below are exactly those to create again
            long now = now();
            int fetchAgain = jdbc.sql("UPDATE IB_TASK_LEDGER SET STATE = 'SUBMITTED', PROVIDER_STATE = NULL,"
                            + " RESULT_URL = NULL, ERROR_CODE = NULL, ERROR = NULL, FAILURE_KIND = NULL,"
                            + " DOWNLOAD_ATTEMPTS = 0, URL_REFRESHES = 0, NEXT_CHECK_AT = ?,"
                            + " DEADLINE_AT = " + (deadlineMillis == null ? "? + (DEADLINE_AT - SUBMITTED_AT)" : "?")
                            + ", UPDATED_AT = ? WHERE BATCH_ID = ? AND " + RESULT_NOT_STORED)
                    .params(now, deadlineMillis == null ? now : now + deadlineMillis, now, batchId).update();
            jdbc.sql("INSERT INTO IB_TASK_ATTEMPT (BATCH_ID, ROW_NUM, ATTEMPT, STATE, TASK_ID, ERROR_CODE, ERROR,"
                            + " SUBMITTED_AT, ENDED_AT) SELECT BATCH_ID, ROW_NUM, ATTEMPT, STATE, TASK_ID, ERROR_CODE,"
                            + " ERROR, SUBMITTED_AT, UPDATED_AT FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND STATE IN "
                            + states)
                    .param(batchId).update();
            int changed = jdbc.sql("UPDATE IB_TASK_LEDGER SET STATE = 'PENDING', ATTEMPT = ATTEMPT + 1, TASK_ID = NULL,"
                            + " PROVIDER_STATE = NULL, RESULT_URL = NULL, ERROR_CODE = NULL, ERROR = NULL, POLLS = 0,"
                            + " FAILURE_KIND = NULL, URL_REFRESHES = 0,"
                            + " DOWNLOAD_ATTEMPTS = 0, SUBMITTED_AT = NULL, NEXT_CHECK_AT = NULL, DEADLINE_AT = NULL,"
                            + " UPDATED_AT = ? WHERE BATCH_ID = ? AND STATE IN " + states)
                    .params(now(), batchId).update();
            jdbc.sql("UPDATE IB_BATCH SET RETRIES = RETRIES + 1 WHERE BATCH_ID = ?").param(batchId).update();
            return changed + fetchAgain;
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

    /** @return how many retry rounds the batch has had (0 before any {@code retry-failed}) */
    public int retryRounds(String batchId) {
        return jdbc.sql("SELECT RETRIES FROM IB_BATCH WHERE BATCH_ID = ?").param(batchId).query(Integer.class)
                .optional().orElse(0);
    }

    /** @return the number of archived attempts of the batch's rows ({@code IB_TASK_ATTEMPT}) */
    public long archivedAttempts(String batchId) {
        return jdbc.sql("SELECT COUNT(*) FROM IB_TASK_ATTEMPT WHERE BATCH_ID = ?").param(batchId)
                .query(Long.class).single();
    }

    /** @return every known batch id with its creation time (epoch ms), newest first */
    public List<Map.Entry<String, Long>> batches(int limit) {
        return jdbc.sql("SELECT BATCH_ID, CREATED_AT FROM IB_BATCH ORDER BY CREATED_AT DESC FETCH FIRST " + limit
                        + " ROWS ONLY")
                .query((rs, i) -> Map.entry(rs.getString(1), rs.getLong(2))).list();
    }

    /**
     * Releases an intent whose create call certainly made no task (the provider refused it, or the request
     * never left this machine), so that a resumed batch sends the row again. A first attempt's line is removed;
     * a later attempt's line (a row {@code retry-failed} sends again) goes back to PENDING with its attempt
     * number, so that its earlier attempts in {@code IB_TASK_ATTEMPT} stay unique and the next
     * {@link #insertIntent} or {@link #claimPending} takes it up again.
     */
    public void releaseIntent(String batchId, long rowNum) {
        update("UPDATE IB_TASK_LEDGER SET STATE = 'PENDING', UPDATED_AT = ?"
                + " WHERE BATCH_ID = ? AND ROW_NUM = ? AND STATE = 'SUBMITTING' AND ATTEMPT > 1", now(), batchId, rowNum);
        update("DELETE FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND ROW_NUM = ? AND STATE = 'SUBMITTING' AND ATTEMPT = 1",
                batchId, rowNum);
    }

    /**
     * Marks a row whose create call may or may not have made a task. Such a row is never resent silently.
     *
     * @param reason what happened, for the report
     */
    public void markUncertain(String batchId, long rowNum, String reason) {
        int changed = update("UPDATE IB_TASK_LEDGER SET STATE = 'UNCERTAIN', ERROR = ?, UPDATED_AT = ?"
                        + " WHERE BATCH_ID = ? AND ROW_NUM = ? AND STATE = 'SUBMITTING'",
                reason, now(), batchId, rowNum);
        counted(RowState.UNCERTAIN, changed > 0);
    }

    /** @return the batch's UNCERTAIN rows, in row order */
    public List<LedgerEntry> uncertainRows(String batchId) {
        return jdbc.sql("SELECT * FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND STATE = 'UNCERTAIN' ORDER BY ROW_NUM")
                .param(batchId).query(ENTRY).list();
    }

    /** @return the taskIds the batch's rows hold */
    public java.util.Set<String> taskIds(String batchId) {
        return new java.util.HashSet<>(jdbc.sql("SELECT TASK_ID FROM IB_TASK_LEDGER WHERE BATCH_ID = ?"
                + " AND TASK_ID IS NOT NULL").param(batchId).query(String.class).list());
    }

    /**
     * Reconciles an UNCERTAIN row: its lost create call did make this task, found by listing the provider's
     * tasks. The row carries on as SUBMITTED, and no second task is ever created for it.
     *
     * @param taskId      the task found
     * @param nextCheckAt epoch ms of its first status query
     * @param deadlineAt  epoch ms after which it is given up
     */
    public void reconcile(String batchId, long rowNum, String taskId, long nextCheckAt, long deadlineAt) {
        update("UPDATE IB_TASK_LEDGER SET STATE = 'SUBMITTED', TASK_ID = ?, SUBMITTED_AT = ?, NEXT_CHECK_AT = ?,"
                        + " DEADLINE_AT = ?, ERROR = NULL, UPDATED_AT = ? WHERE BATCH_ID = ? AND ROW_NUM = ?"
                        + " AND STATE = 'UNCERTAIN'",
                taskId, now(), nextCheckAt, deadlineAt, now(), batchId, rowNum);
    }

    /** Marks a row the provider refused at create time (HTTP 400/413/422): never resent unchanged. */
    public void markRejectedByProvider(String batchId, long rowNum, String errorCode, String reason) {
        int changed = update("UPDATE IB_TASK_LEDGER SET STATE = 'REJECTED', ERROR_CODE = ?, ERROR = ?, UPDATED_AT = ?"
                        + " WHERE BATCH_ID = ? AND ROW_NUM = ? AND STATE = 'SUBMITTING'",
                fit(errorCode, ERROR_CODE_CHARS), reason, now(), batchId, rowNum);
        counted(RowState.REJECTED, changed > 0);
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
    public Optional<LedgerEntry> find(String batchId, long rowNum) {
        return jdbc.sql("SELECT * FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND ROW_NUM = ?")
                .params(batchId, rowNum).query(ENTRY).optional();
    }

    // ---- submit step: the rows of a chunk, create windows, journalled taskIds, provider rejections ----

    /**
     * The states of some rows, in one query: the submit step's writer reads a chunk's rows with it before it
     * sends anything.
     *
     * @param batchId the batch
     * @param rowNums 1-based row numbers (any number; empty gives an empty map)
     * @return the state of each row that has a ledger line; rows without one are absent
     */
    public Map<Long, RowState> statesOf(String batchId, java.util.Collection<Long> rowNums) {
        Map<Long, RowState> states = new java.util.HashMap<>();
        if (rowNums.isEmpty()) {
            return states;
        }
        long from = rowNums.stream().mapToLong(Long::longValue).min().orElseThrow();
        long to = rowNums.stream().mapToLong(Long::longValue).max().orElseThrow();
        java.util.Set<Long> wanted = new java.util.HashSet<>(rowNums);
        jdbc.sql("SELECT ROW_NUM, STATE FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND ROW_NUM BETWEEN ? AND ?")
                .params(batchId, from, to)
                .query((rs, i) -> Map.entry(rs.getLong(1), RowState.valueOf(rs.getString(2)))).list().stream()
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
    public void markUncertain(String batchId, long rowNum, String reason, Long windowStart, long windowEnd) {
        int changed = update("UPDATE IB_TASK_LEDGER SET STATE = 'UNCERTAIN', ERROR = ?,"
                        + " CREATE_WINDOW_START = COALESCE(?, UPDATED_AT), CREATE_WINDOW_END = ?, UPDATED_AT = ?"
                        + " WHERE BATCH_ID = ? AND ROW_NUM = ? AND STATE = 'SUBMITTING'",
                reason, windowStart, windowEnd, now(), batchId, rowNum);
        counted(RowState.UNCERTAIN, changed > 0);
    }

    /**
     * When an UNCERTAIN row's lost create could have made its task.
     *
     * @param from epoch ms of the intent
     * @param to   epoch ms of the end of the attempt
     */
    public record CreateWindow(long from, long to) {
    }

    /** @return the create window of an UNCERTAIN row; empty when none was recorded (rows from older versions) */
    public Optional<CreateWindow> createWindow(String batchId, long rowNum) {
        return jdbc.sql("SELECT CREATE_WINDOW_START, CREATE_WINDOW_END FROM IB_TASK_LEDGER WHERE BATCH_ID = ?"
                        + " AND ROW_NUM = ? AND CREATE_WINDOW_START IS NOT NULL AND CREATE_WINDOW_END IS NOT NULL")
                .params(batchId, rowNum).query((rs, i) -> new CreateWindow(rs.getLong(1), rs.getLong(2)))
                .optional();
    }

    /**
     * @param taskId a provider's taskId
     * @return true when a row of any batch holds it, now or in an earlier attempt ({@code IB_TASK_ATTEMPT})
     */
    public boolean isTaskClaimed(String taskId) {
        return jdbc.sql("SELECT COUNT(*) FROM IB_TASK_LEDGER WHERE TASK_ID = ?").param(taskId)
                .query(Long.class).single() > 0
                || jdbc.sql("SELECT COUNT(*) FROM IB_TASK_ATTEMPT WHERE TASK_ID = ?").param(taskId)
                .query(Long.class).single() > 0;
    }

    /**
     * Records a taskId that a create call returned while the ledger could not be written, replayed from the
     * local journal ({@link TaskIdJournal}) at the next start: a row still SUBMITTING, or found so by a resumed
     * run and made UNCERTAIN, becomes SUBMITTED with its task.
     *
     * @param submittedAt epoch ms when the call returned
     * @param nextCheckAt epoch ms of the first status query
     * @param deadlineAt  epoch ms after which the task is given up
     * @return true when the row took the taskId now; false when it is in no such state (already recorded)
     */
    public boolean recordJournalledTaskId(String batchId, long rowNum, String taskId, long submittedAt,
            long nextCheckAt, long deadlineAt) {
        int changed = update("UPDATE IB_TASK_LEDGER SET STATE = 'SUBMITTED', TASK_ID = ?, SUBMITTED_AT = ?,"
                        + " NEXT_CHECK_AT = ?, DEADLINE_AT = ?, ERROR = NULL, ERROR_CODE = NULL, UPDATED_AT = ?"
                        + " WHERE BATCH_ID = ? AND ROW_NUM = ? AND STATE IN ('SUBMITTING', 'UNCERTAIN')",
                taskId, submittedAt, nextCheckAt, deadlineAt, now(), batchId, rowNum);
        return counted(RowState.SUBMITTED, changed > 0);
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
            jdbc.sql("INSERT INTO IB_TASK_ATTEMPT (BATCH_ID, ROW_NUM, ATTEMPT, STATE, TASK_ID, ERROR_CODE, ERROR,"
                            + " SUBMITTED_AT, ENDED_AT) SELECT BATCH_ID, ROW_NUM, ATTEMPT, STATE, TASK_ID, ERROR_CODE,"
                            + " ERROR, SUBMITTED_AT, UPDATED_AT FROM IB_TASK_LEDGER WHERE BATCH_ID = ?"
                            + " AND STATE = 'REJECTED' AND REQUEST IS NOT NULL")
                    .param(batchId).update();
            return jdbc.sql("UPDATE IB_TASK_LEDGER SET STATE = 'PENDING', ATTEMPT = ATTEMPT + 1, ERROR_CODE = NULL,"
                            + " ERROR = NULL, UPDATED_AT = ? WHERE BATCH_ID = ? AND STATE = 'REJECTED'"
                            + " AND REQUEST IS NOT NULL")
                    .params(now(), batchId).update();
        });
        return rows == null ? 0 : rows;
    }

    // ---- poll step ----

    /**
     * @param now   epoch ms
     * @param limit most rows returned
     * @return in-flight rows ({@code SUBMITTED}, {@code RUNNING}) whose next check is due, earliest first
     */
    public List<LedgerEntry> dueForPoll(String batchId, long now, int limit) {
        return jdbc.sql("SELECT * FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND STATE IN ('SUBMITTED', 'RUNNING')"
                        + " AND NEXT_CHECK_AT <= ? ORDER BY NEXT_CHECK_AT, ROW_NUM FETCH FIRST " + limit + " ROWS ONLY")
                .params(batchId, now).query(ENTRY).list();
    }

    /** @return the earliest next check of an in-flight row, empty when none is in flight */
    public Optional<Long> nextPollAt(String batchId) {
        return jdbc.sql("SELECT MIN(NEXT_CHECK_AT) FROM IB_TASK_LEDGER WHERE BATCH_ID = ?"
                        + " AND STATE IN ('SUBMITTED', 'RUNNING')")
                .param(batchId).query(Long.class).list().stream().filter(Objects::nonNull).findFirst();
    }

    /** Records a non-terminal status answer and when to ask again. */
    public void markPolled(String batchId, long rowNum, RowState state, String providerState, long nextCheckAt) {
        update("UPDATE IB_TASK_LEDGER SET STATE = ?, PROVIDER_STATE = ?, POLLS = POLLS + 1, NEXT_CHECK_AT = ?,"
                        + " UPDATED_AT = ? WHERE BATCH_ID = ? AND ROW_NUM = ? AND STATE IN ('SUBMITTED', 'RUNNING')",
                state.name(), fit(providerState, PROVIDER_STATE_CHARS), nextCheckAt, now(), batchId, rowNum);
    }

    /** Records a failed status query (provider busy): only when to ask again. */
    public void reschedule(String batchId, long rowNum, long nextCheckAt, String error) {
        update("UPDATE IB_TASK_LEDGER SET POLLS = POLLS + 1, NEXT_CHECK_AT = ?, ERROR = ?, UPDATED_AT = ?"
                        + " WHERE BATCH_ID = ? AND ROW_NUM = ? AND STATE IN ('SUBMITTED', 'RUNNING')",
                nextCheckAt, error, now(), batchId, rowNum);
    }

    /** Records a task that succeeded, with its result URL; the download step takes it from here. */
    public void markSucceeded(String batchId, long rowNum, String providerState, String resultUrl) {
        int changed = update("UPDATE IB_TASK_LEDGER SET STATE = 'SUCCEEDED', PROVIDER_STATE = ?, RESULT_URL = ?, POLLS = POLLS + 1,"
                        + " ERROR = NULL, NEXT_CHECK_AT = ?, UPDATED_AT = ?"
                        + " WHERE BATCH_ID = ? AND ROW_NUM = ? AND STATE IN ('SUBMITTED', 'RUNNING')",
                fit(providerState, PROVIDER_STATE_CHARS), resultUrl, now(), now(), batchId, rowNum);
        counted(RowState.SUCCEEDED, changed > 0);
    }

    /**
     * Records a row that failed, without saying of which {@link FailureKind}: a row without a task is recorded
     * as {@link FailureKind#GENERATION_FAILED}, a row with one as {@link FailureKind#RESULT_NOT_STORED} (the
     * safe side: {@code retry-failed} then queries the task again instead of paying for a second one). Callers
     * that know the kind use {@link #markFailed(String, long, String, String, String, FailureKind)}.
     *
     * @param errorCode the provider's failure code or ours ({@code deadline}, {@code download})
     * @param reason    the provider's message or ours
     */
    public void markFailed(String batchId, long rowNum, String providerState, String errorCode, String reason) {
        markFailed(batchId, rowNum, providerState, errorCode, reason, null);
    }

    /**
     * Records a row that failed: the provider said fail ({@link FailureKind#GENERATION_FAILED}), or the deadline
     * passed or its image could not be fetched or stored ({@link FailureKind#RESULT_NOT_STORED}). Only a row in
     * flight (SUBMITTING to SUCCEEDED) changes.
     *
     * @param errorCode the provider's failure code or ours ({@code deadline}, {@code download})
     * @param reason    the provider's message or ours
     * @param kind      what {@code retry-failed} does with the row; null to decide by whether it has a task, as
     *                  {@link #markFailed(String, long, String, String, String)} does
     */
    public void markFailed(String batchId, long rowNum, String providerState, String errorCode, String reason,
            FailureKind kind) {
        int changed = update("UPDATE IB_TASK_LEDGER SET STATE = 'FAILED', PROVIDER_STATE = COALESCE(?, PROVIDER_STATE),"
                        + " ERROR_CODE = ?, ERROR = ?, UPDATED_AT = ?, FAILURE_KIND = COALESCE(?, CASE WHEN TASK_ID IS NULL"
                        + " THEN 'GENERATION_FAILED' ELSE 'RESULT_NOT_STORED' END)"
                        + " WHERE BATCH_ID = ? AND ROW_NUM = ? AND STATE IN ('SUBMITTING', 'SUBMITTED', 'RUNNING', 'SUCCEEDED')",
                fit(providerState, PROVIDER_STATE_CHARS), fit(errorCode, ERROR_CODE_CHARS), reason, now(),
                kind == null ? null : kind.name(), batchId, rowNum);
        counted(RowState.FAILED, changed > 0);
    }

    // ---- download step ----

    /** @return succeeded rows whose download is due, in row order */
    public List<LedgerEntry> dueForDownload(String batchId, long now, int limit) {
        return jdbc.sql("SELECT * FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND STATE = 'SUCCEEDED'"
                        + " AND NEXT_CHECK_AT <= ? ORDER BY ROW_NUM FETCH FIRST " + limit + " ROWS ONLY")
                .params(batchId, now).query(ENTRY).list();
    }

    /** @return the earliest next download attempt of a succeeded row, empty when none is waiting */
    public Optional<Long> nextDownloadAt(String batchId) {
        return jdbc.sql("SELECT MIN(NEXT_CHECK_AT) FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND STATE = 'SUCCEEDED'")
                .param(batchId).query(Long.class).list().stream().filter(Objects::nonNull).findFirst();
    }

    /** Records a failed download attempt and when to try again. */
    public void rescheduleDownload(String batchId, long rowNum, long nextAttemptAt, String error) {
        update("UPDATE IB_TASK_LEDGER SET DOWNLOAD_ATTEMPTS = DOWNLOAD_ATTEMPTS + 1, NEXT_CHECK_AT = ?, ERROR = ?,"
                        + " UPDATED_AT = ? WHERE BATCH_ID = ? AND ROW_NUM = ? AND STATE = 'SUCCEEDED'",
                nextAttemptAt, error, now(), batchId, rowNum);
    }

    /**
     * Records a fresh result URL, asked for after the downloads of the old one failed (expired or broken
     * results): the download starts over, at once.
     *
     * @param resultUrl the new URL
     * @param reason    why the old one was given up
     */
    public void refreshResultUrl(String batchId, long rowNum, String resultUrl, String reason) {
        update("UPDATE IB_TASK_LEDGER SET RESULT_URL = ?, DOWNLOAD_ATTEMPTS = 0, URL_REFRESHES = URL_REFRESHES + 1,"
                        + " NEXT_CHECK_AT = ?, ERROR = ?, UPDATED_AT = ? WHERE BATCH_ID = ? AND ROW_NUM = ?"
                        + " AND STATE = 'SUCCEEDED'",
                resultUrl, now(), reason, now(), batchId, rowNum);
    }

    /**
     * Records a stored image.
     *
     * @param outputUri where it is
     * @param sha256    lower-case hex SHA-256 of its bytes
     * @param bytes     its size in bytes
     */
    public void markStored(String batchId, long rowNum, String outputUri, String sha256, long bytes) {
        int changed = update("UPDATE IB_TASK_LEDGER SET STATE = 'STORED', OUTPUT_URI = ?, SHA256 = ?, BYTES = ?,"
                        + " DOWNLOAD_ATTEMPTS = DOWNLOAD_ATTEMPTS + 1, ERROR = NULL, UPDATED_AT = ?"
                        + " WHERE BATCH_ID = ? AND ROW_NUM = ? AND STATE = 'SUCCEEDED'",
                outputUri, sha256, bytes, now(), batchId, rowNum);
        if (counted(RowState.STORED, changed > 0)) {
            bytesStored.increment(bytes);
        }
    }

    // ---- report and progress ----

    /**
     * Ends the rows a completed submit step left behind without a create call in flight, so that the report
     * knows every row's state: a PENDING row (made so by {@code retry-failed} and never claimed) becomes FAILED
     * ({@link FailureKind#GENERATION_FAILED}, code {@code not-sent}: the next {@code retry-failed} sends it), and
     * a SUBMITTING row (its create may have left) becomes UNCERTAIN. Called by the report step only, once the
     * submit step has completed.
     *
     * @param batchId the batch
     * @return the rows changed
     */
    public int endRowsLeftBySubmit(String batchId) {
        int failed = update("UPDATE IB_TASK_LEDGER SET STATE = 'FAILED', FAILURE_KIND = 'GENERATION_FAILED',"
                        + " ERROR_CODE = 'not-sent', ERROR = 'this row was to be sent again but was not read by the"
                        + " submit step; retry-failed sends it', UPDATED_AT = ? WHERE BATCH_ID = ? AND STATE = 'PENDING'",
                now(), batchId);
        int uncertain = update("UPDATE IB_TASK_LEDGER SET STATE = 'UNCERTAIN', ERROR = 'the create call of this row"
                        + " did not end before the submit step did, so the task may exist at the provider; not resent',"
                        + " UPDATED_AT = ? WHERE BATCH_ID = ? AND STATE = 'SUBMITTING'",
                now(), batchId);
        return failed + uncertain;
    }

    /** @return the number of ledger lines per state (states with none are absent) */
    public Map<RowState, Long> countByState(String batchId) {
        Map<RowState, Long> counts = new EnumMap<>(RowState.class);
        jdbc.sql("SELECT STATE, COUNT(*) AS N FROM IB_TASK_LEDGER WHERE BATCH_ID = ? GROUP BY STATE")
                .param(batchId)
                .query((rs, i) -> Map.entry(RowState.valueOf(rs.getString("STATE")), rs.getLong("N")))
                .list().forEach(e -> counts.put(e.getKey(), e.getValue()));
        return counts;
    }

    /**
     * Streams the batch's lines in row order, without holding them all in memory.
     *
     * @param consumer called once per line, in row order
     */
    public void forEachInRowOrder(String batchId, Consumer<LedgerEntry> consumer) {
        // in a transaction (the caller's, or a read-only one of its own): PostgreSQL's driver honours the fetch
        // size only with auto-commit off, and otherwise reads the whole result into memory first
        readTransaction.executeWithoutResult(tx -> {
            try (Stream<LedgerEntry> rows = jdbc.sql("SELECT * FROM IB_TASK_LEDGER WHERE BATCH_ID = ? ORDER BY ROW_NUM")
                    .param(batchId).withFetchSize(500).query(ENTRY).stream()) {
                rows.forEach(consumer);
            }
        });
    }

    // ---- helpers ----

    /** The width of {@code PROVIDER_STATE VARCHAR(60)} ({@code db/ledger-schema.sql}), in characters. */
    static final int PROVIDER_STATE_CHARS = 60;
    /** The width of {@code ERROR_CODE VARCHAR(120)} ({@code db/ledger-schema.sql}), in characters. */
    static final int ERROR_CODE_CHARS = 120;

    /**
     * Cuts a provider's word to the column that stores it, so that an undocumented, over-long status word or code
     * is recorded (cut, with a trailing {@code …}) instead of failing the update and with it the step.
     *
     * @param text  the text, or null
     * @param chars the column's width in characters
     * @return {@code text} when it fits (or is null), else its first {@code chars - 1} characters and {@code …}
     */
    static String fit(String text, int chars) {
        if (text == null || text.length() <= chars) {
            return text;
        }
        int end = chars - 1;
        if (Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end) + "\u2026";
    }

    private boolean insert(String batchId, long rowNum, String rowId, RowState state, String provider,
            String model, String prompt, String request, String error) {
        Boolean inserted = ownTransaction.execute(tx -> {
            checkFence(batchId);
            try {
                jdbc.sql("INSERT INTO IB_TASK_LEDGER (BATCH_ID, ROW_NUM, ROW_ID, STATE, PROVIDER, MODEL, PROMPT,"
                                + " REQUEST, ERROR, UPDATED_AT) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                        .params(batchId, rowNum, rowId, state.name(), provider, model, prompt, request, error, now())
                        .update();
                return true;
            } catch (DuplicateKeyException alreadyThere) {
                tx.setRollbackOnly();
                return false;
            }
        });
        return Boolean.TRUE.equals(inserted);
    }

    /** The FAILED row's kind ({@link FailureKind#of}); null for a row in any other state. */
    private static FailureKind failureKind(java.sql.ResultSet rs) throws java.sql.SQLException {
        return RowState.FAILED.name().equals(rs.getString("STATE"))
                ? FailureKind.of(rs.getString("FAILURE_KIND"), rs.getString("TASK_ID")) : null;
    }

    private static Long nullableLong(java.sql.ResultSet rs, String column) throws java.sql.SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

    /** @return the number of rows the statement changed */
    private int update(String sql, Object... params) {
        int[] changed = {0};
        write(() -> {
            checkFence(params);
            changed[0] = jdbc.sql(sql).params(params).update();
        });
        return changed[0];
    }

    /** @return the JDBC client, after {@link #checkFence(String)} for the batch */
    private JdbcClient checkedFence(String batchId) {
        checkFence(batchId);
        return jdbc;
    }

    /** Counts a row that reached {@code state} now ({@value ImageBatchMetrics#ROWS}); a repeated write counts not. */
    private boolean counted(RowState state, boolean changed) {
        if (changed) {
            Counter.builder(ImageBatchMetrics.ROWS).description("catalogue rows that reached a state")
                    .tag(ImageBatchMetrics.STATE, state.name()).register(meters).increment();
        }
        return changed;
    }

    private void write(Runnable work) {
        ownTransaction.executeWithoutResult(tx -> work.run());
    }

    private long now() {
        return clock.millis();
    }
}
