package io.imagebatch.ledger;

import java.math.BigDecimal;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.context.annotation.DependsOn;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The batch registry ({@code IB_BATCH}, {@code db/ledger-schema.sql}): one line per batch with the settings it
 * started with, its callback token, its number of {@code retry-failed} rounds, and its lock's fencing token
 * (generation) with who took the lock last. Written with Spring JDBC in the database of the job repository.
 *
 * <p>The rows of a batch are in the {@link TaskLedger}; its writes are fenced by this registry
 * ({@link #takeFence}): the lock fencing of README.md (Running nightly) and docs/design.md.
 *
 * <p>Every write commits in its own transaction ({@code REQUIRES_NEW}), also when called from inside a chunk.
 * Its SQL means the same on H2 2.x and PostgreSQL (BatchRegistryContract's H2 and PostgreSQL variants).
 */
@Repository
@DependsOn(LedgerSchemaUpgrade.BEAN)
public class BatchRegistry {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final JdbcClient jdbc;
    private final TransactionTemplate ownTransaction;
    private final Clock clock;
    /** The lock generation (fencing token) this process holds, per batch it runs; see {@link #takeFence}. */
    private final Map<String, Long> fences = new ConcurrentHashMap<>();
    /** Batches whose lock this process lost, with why: their writes are refused without asking the database. */
    private final Map<String, String> revoked = new ConcurrentHashMap<>();
    /**
     * The partition fences this process (a {@code worker}) holds, per batch, then per partition name; see
     * {@link #takePartitionFence}. Revoked ones are in {@link #revoked} under {@code batchId#partition}.
     */
    private final Map<String, Map<String, Long>> partitionFences = new ConcurrentHashMap<>();

    /**
     * @param jdbc               the JDBC client on the job repository's database
     * @param transactionManager the transaction manager of that database
     * @param clock              the clock for {@code CREATED_AT} and {@code LOCK_SINCE}
     */
    public BatchRegistry(JdbcClient jdbc, PlatformTransactionManager transactionManager, Clock clock) {
        this.jdbc = jdbc;
        this.ownTransaction = new TransactionTemplate(transactionManager);
        this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.clock = clock;
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
                // with the failed statement: end it with a rollback, as TaskLedger's inserts do, not with a commit
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

    /** @return the batch's settings JSON, if the batch is known */
    public Optional<String> batchSettings(String batchId) {
        return jdbc.sql("SELECT SETTINGS FROM IB_BATCH WHERE BATCH_ID = ?").param(batchId)
                .query(String.class).optional();
    }

    /** @return how many retry rounds the batch has had (0 before any {@code retry-failed}) */
    public int retryRounds(String batchId) {
        return jdbc.sql("SELECT RETRIES FROM IB_BATCH WHERE BATCH_ID = ?").param(batchId).query(Integer.class)
                .optional().orElse(0);
    }

    /**
     * @param limit most batches returned
     * @return every known batch id with its creation time (epoch ms), newest first
     */
    public List<Map.Entry<String, Long>> batches(int limit) {
        return jdbc.sql("SELECT BATCH_ID, CREATED_AT FROM IB_BATCH ORDER BY CREATED_AT DESC FETCH FIRST " + limit
                        + " ROWS ONLY")
                .query((rs, i) -> Map.entry(rs.getString(1), rs.getLong(2))).list();
    }

    // ---- the batch budget (docs/design.md, Spend) ----

    /**
     * Records the batch budget in force ({@code IB_BATCH.BUDGET}); not part of the batch's identity, so the same
     * batch run again with a larger budget goes on with it. The committed spend is kept.
     *
     * @param batchId a batch recorded with {@link #recordBatch}
     * @param budget  a positive amount in {@code imagebatch.spend.currency}
     * @throws IllegalArgumentException when the batch is unknown
     * @throws LockLostException        when this process lost the batch's lock
     */
    public void recordBudget(String batchId, BigDecimal budget) {
        if (update("UPDATE IB_BATCH SET BUDGET = ? WHERE BATCH_ID = ?", budget, batchId) == 0) {
            throw new IllegalArgumentException("no batch " + batchId + " in this database");
        }
    }

    /** @return the batch's budget, committed and refunded spend; empty for an unknown batch */
    public Optional<BatchSpend> spend(String batchId) {
        return jdbc.sql("SELECT BUDGET, COMMITTED_SPEND, REFUNDED_SPEND FROM IB_BATCH WHERE BATCH_ID = ?")
                .param(batchId)
                .query((rs, i) -> new BatchSpend(rs.getBigDecimal(1), rs.getBigDecimal(2), rs.getBigDecimal(3)))
                .optional();
    }

    // ---- the proof run (docs/design.md, Spend) ----

    /**
     * A batch's proof run ({@code IB_BATCH.PROOF_ROWS}, {@code PROOF_STATE}).
     *
     * @param state the proof's state
     * @param rows  the 1-based row numbers the proof run sends, ascending
     */
    public record Proof(ProofState state, java.util.SortedSet<Long> rows) {
    }

    /**
     * Records the rows a proof run sends and makes the batch {@link ProofState#AWAITING_APPROVAL}.
     *
     * @param batchId a batch recorded with {@link #recordBatch}
     * @param rows    the 1-based row numbers, at least one
     * @throws IllegalArgumentException when the batch is unknown or {@code rows} is empty
     * @throws LockLostException        when this process lost the batch's lock
     */
    public void recordProof(String batchId, java.util.SortedSet<Long> rows) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("a proof run sends at least one row");
        }
        String list = String.join(",", rows.stream().map(String::valueOf).toList());
        if (update("UPDATE IB_BATCH SET PROOF_ROWS = ?, PROOF_STATE = ? WHERE BATCH_ID = ?", list,
                ProofState.AWAITING_APPROVAL.name(), batchId) == 0) {
            throw new IllegalArgumentException("no batch " + batchId + " in this database");
        }
    }

    /**
     * Sets the state of a batch's proof run.
     *
     * @param batchId a batch with a proof ({@link #recordProof})
     * @param state   the new state
     * @throws LockLostException when this process lost the batch's lock
     */
    public void recordProofState(String batchId, ProofState state) {
        update("UPDATE IB_BATCH SET PROOF_STATE = ? WHERE BATCH_ID = ? AND PROOF_STATE IS NOT NULL", state.name(),
                batchId);
    }

    /** @return the batch's proof run; empty for a batch run without {@code --proof}, or an unknown batch */
    public Optional<Proof> proof(String batchId) {
        return jdbc.sql("SELECT PROOF_STATE, PROOF_ROWS FROM IB_BATCH WHERE BATCH_ID = ? AND PROOF_STATE IS NOT NULL")
                .param(batchId)
                .query((rs, i) -> {
                    java.util.SortedSet<Long> rows = new java.util.TreeSet<>();
                    for (String n : rs.getString(2).split(",")) {
                        rows.add(Long.parseLong(n.trim()));
                    }
                    return new Proof(ProofState.valueOf(rs.getString(1)), java.util.Collections.unmodifiableSortedSet(rows));
                })
                .optional();
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

    /**
     * Whether this process runs the batch: it took the batch's fence ({@link #takeFence}) and has neither lost
     * nor released it. Answered from memory; the database's generation is still checked by every write. A
     * callback's terminal state is recorded only by the process running its batch (docs/design.md, Callbacks).
     *
     * @param batchId the batch
     * @return true while this process holds the batch's fence
     */
    public boolean holdsFence(String batchId) {
        return batchId != null && fences.containsKey(batchId) && !revoked.containsKey(batchId);
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
     * own transaction, before its statement (a {@link TaskLedger} write, or one of this registry). The batch is
     * found among the statement's parameters, so that every write is fenced without naming its batch twice.
     *
     * @param params the statement's parameters; the first that is the id of a fenced batch is checked
     * @throws LockLostException as {@link #checkFence(String)}
     */
    void checkFence(Object... params) {
        if (fences.isEmpty() && partitionFences.isEmpty()) {
            return;
        }
        for (Object param : params) {
            if (param instanceof String batchId
                    && (fences.containsKey(batchId) || partitionFences.containsKey(batchId))) {
                checkFence(batchId);
                return;
            }
        }
    }

    /**
     * Refuses a write for the batch when this process holds a fence for it ({@link #takeFence}) but lost the lock
     * ({@link #revokeFence}) or the database's generation is another one; called in the write's own transaction.
     *
     * @param batchId the batch written
     * @throws LockLostException when the write must not happen; nothing was written
     */
    void checkFence(String batchId) {
        Long generation = fences.get(batchId);
        if (generation == null) {
            checkPartitionFences(batchId);
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

    // ---- fencing of a worker's partitions (README.md, "More than one machine") ----

    /**
     * Called by a {@code worker} right after it took the lock of one partition of a batch (its key
     * {@code BatchLocks.batchKey(batchId) + "#" + partition}): makes the partition's generation one more
     * ({@code IB_PARTITION_FENCE}), and from now on every ledger write of this process for the batch is refused
     * ({@link LockLostException}, nothing committed) once that generation in the database is another one, that is
     * once another worker took the partition since (the manager sent it again). The batch's own fence
     * ({@link #takeFence}) stays with the manager; the rule is the design's "locks are fenced: a stale holder's
     * writes are refused" (README.md, Running nightly), per partition.
     *
     * <p>A process holding several partitions of one batch has each checked on every write of the batch: a write
     * is refused when any of them is stale (the rows of a write do not name their partition).
     *
     * @param batchId   the batch
     * @param partition the partition's name, e.g. {@code partition3}; at most 100 characters
     * @param holder    who holds it, e.g. {@code pid 1234 on host}; never a secret (cut to 200 characters)
     * @return the generation this process now holds (1 for the partition's first lock)
     */
    public long takePartitionFence(String batchId, String partition, String holder) {
        String who = holder.length() > 200 ? holder.substring(0, 200) : holder;
        Long generation = ownTransaction.execute(tx -> {
            int updated = jdbc.sql("UPDATE IB_PARTITION_FENCE SET GENERATION = GENERATION + 1, HOLDER = ?,"
                            + " SINCE = ? WHERE BATCH_ID = ? AND PARTITION_NAME = ?")
                    .params(who, now(), batchId, partition).update();
            if (updated == 0) {
                // the partition's lock is held, so no other process inserts this row now
                jdbc.sql("INSERT INTO IB_PARTITION_FENCE (BATCH_ID, PARTITION_NAME, GENERATION, HOLDER, SINCE)"
                        + " VALUES (?, ?, 1, ?, ?)").params(batchId, partition, who, now()).update();
            }
            return jdbc.sql("SELECT GENERATION FROM IB_PARTITION_FENCE WHERE BATCH_ID = ? AND PARTITION_NAME = ?")
                    .params(batchId, partition).query(Long.class).single();
        });
        revoked.remove(batchId + "#" + partition);
        partitionFences.computeIfAbsent(batchId, b -> new ConcurrentHashMap<>()).put(partition, generation);
        return generation;
    }

    /**
     * The partition's lock is lost: from now on every write of this process for the batch is refused at once
     * ({@link LockLostException} with {@code reason}), without asking the database. A partition without a fence
     * here is left alone.
     *
     * @param batchId   the batch
     * @param partition the partition's name
     * @param reason    why; names the batch and the partition, never a secret
     */
    public void revokePartitionFence(String batchId, String partition, String reason) {
        Map<String, Long> held = partitionFences.get(batchId);
        if (held != null && held.containsKey(partition)) {
            revoked.put(batchId + "#" + partition, reason);
        }
    }

    /**
     * Forgets the partition's fence (this process released the partition's lock).
     *
     * @param batchId   the batch
     * @param partition the partition's name
     */
    public void releasePartitionFence(String batchId, String partition) {
        partitionFences.computeIfPresent(batchId, (b, held) -> {
            held.remove(partition);
            return held.isEmpty() ? null : held;
        });
        revoked.remove(batchId + "#" + partition);
    }

    /** Refuses a write for the batch when one of this process's partition fences of it is revoked or stale. */
    private void checkPartitionFences(String batchId) {
        Map<String, Long> held = partitionFences.get(batchId);
        if (held == null) {
            return;
        }
        for (Map.Entry<String, Long> fence : held.entrySet()) {
            String key = batchId + "#" + fence.getKey();
            String lost = revoked.get(key);
            if (lost != null) {
                throw new LockLostException(batchId, lost);
            }
            long current = jdbc.sql("SELECT COUNT(*) FROM IB_PARTITION_FENCE WHERE BATCH_ID = ? AND PARTITION_NAME = ?"
                            + " AND GENERATION = ?")
                    .params(batchId, fence.getKey(), fence.getValue()).query(Long.class).single();
            if (current == 0) {
                String reason = "batch " + batchId + ", " + fence.getKey() + ": another worker took this partition"
                        + " (this process held generation " + fence.getValue() + "), so this process sends nothing"
                        + " more for it and stops; the partition goes on in that worker";
                revoked.putIfAbsent(key, reason);
                throw new LockLostException(batchId, reason);
            }
        }
    }

    // ---- helpers ----

    /**
     * The batch's spend estimate at its last preflight (README.md, Spend): the whole batch, every valid row times
     * its price, in the price table's currency.
     *
     * @param amount   the total over the priced groups, stored as {@code DECIMAL(18,6)}
     * @param currency the price table's currency, e.g. {@code USD} or {@code credits}
     * @param complete false when some valid rows had no price (then the real total is higher)
     */
    public record Estimate(java.math.BigDecimal amount, String currency, boolean complete) {
    }

    /**
     * Stores the batch's estimate, replacing the one of an earlier preflight ({@code IB_BATCH.ESTIMATED_SPEND},
     * {@code ESTIMATED_CURRENCY}, {@code ESTIMATE_COMPLETE}). Not fenced: it is written by the preflight, before
     * the run sends anything, and changes no row of the ledger.
     *
     * @param batchId  the batch, as {@link #recordBatch} stored it; nothing is written for an unknown batch
     * @param estimate the estimate
     * @throws org.springframework.dao.DataAccessException when the database refuses the write
     */
    public void recordEstimate(String batchId, Estimate estimate) {
        jdbc.sql("UPDATE IB_BATCH SET ESTIMATED_SPEND = ?, ESTIMATED_CURRENCY = ?, ESTIMATE_COMPLETE = ?"
                + " WHERE BATCH_ID = ?").params(estimate.amount(), estimate.currency(), estimate.complete(), batchId)
                .update();
    }

    /**
     * @param batchId the batch
     * @return its estimate at its last preflight ({@link #recordEstimate}), or empty for an unknown batch or one
     *         that was never preflighted by a version that estimates
     */
    public Optional<Estimate> estimate(String batchId) {
        return jdbc.sql("SELECT ESTIMATED_SPEND, ESTIMATED_CURRENCY, ESTIMATE_COMPLETE FROM IB_BATCH"
                + " WHERE BATCH_ID = ?").param(batchId)
                .query((rs, i) -> rs.getBigDecimal(1) == null ? null
                        : new Estimate(rs.getBigDecimal(1).stripTrailingZeros(), rs.getString(2), rs.getBoolean(3)))
                .list().stream().filter(Objects::nonNull).findFirst();
    }

    /**
     * Records the provider's balance before the batch's first create (README.md, Spend: observed spend), once:
     * a later call for the same batch changes nothing.
     *
     * @param batchId the batch
     * @param credits the balance, in the provider's credits ({@code IB_BATCH.BALANCE_BEFORE}, DECIMAL(18,6))
     * @throws org.springframework.dao.DataAccessException when the database refuses the write
     */
    public void recordBalanceBefore(String batchId, java.math.BigDecimal credits) {
        jdbc.sql("UPDATE IB_BATCH SET BALANCE_BEFORE = ? WHERE BATCH_ID = ? AND BALANCE_BEFORE IS NULL")
                .params(credits, batchId).update();
    }

    /**
     * Records the provider's balance at the batch's end (its last report), replacing an earlier one.
     *
     * @param batchId the batch
     * @param credits the balance, in the provider's credits ({@code IB_BATCH.BALANCE_AFTER}, DECIMAL(18,6))
     * @throws org.springframework.dao.DataAccessException when the database refuses the write
     */
    public void recordBalanceAfter(String batchId, java.math.BigDecimal credits) {
        jdbc.sql("UPDATE IB_BATCH SET BALANCE_AFTER = ? WHERE BATCH_ID = ?").params(credits, batchId).update();
    }

    /**
     * @param batchId the batch
     * @return the provider's balance before its first create ({@link #recordBalanceBefore}), in credits, or empty
     *         when none was recorded (a provider that reports no balance)
     */
    public Optional<java.math.BigDecimal> balanceBefore(String batchId) {
        return balance(batchId, "BALANCE_BEFORE");
    }

    /**
     * @param batchId the batch
     * @return the observed spend: the balance before the first create minus the balance at the end, in the
     *         provider's credits; empty unless both were recorded
     */
    public Optional<java.math.BigDecimal> observedSpend(String batchId) {
        Optional<java.math.BigDecimal> after = balance(batchId, "BALANCE_AFTER");
        return balanceBefore(batchId).flatMap(before -> after.map(a -> before.subtract(a).stripTrailingZeros()));
    }

    private Optional<java.math.BigDecimal> balance(String batchId, String column) {
        return jdbc.sql("SELECT " + column + " FROM IB_BATCH WHERE BATCH_ID = ?").param(batchId)
                .query(java.math.BigDecimal.class).list().stream().filter(Objects::nonNull).findFirst();
    }

    /** @return the number of rows the statement changed, in a transaction of its own, after {@link #checkFence} */
    private int update(String sql, Object... params) {
        Integer changed = ownTransaction.execute(tx -> {
            checkFence(params);
            return jdbc.sql(sql).params(params).update();
        });
        return changed == null ? 0 : changed;
    }

    private long now() {
        return clock.millis();
    }
}
