package io.imagebatch.ledger;

import io.imagebatch.metrics.ImageBatchMetrics;
import io.imagebatch.spend.Budget;
import io.imagebatch.spend.PriceTable;
import io.imagebatch.spend.SpendReservations;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The spend part of the task ledger (docs/design.md, Spend): the intent committed together with its reservation
 * from the batch budget ({@code IB_BATCH.BUDGET}, {@code COMMITTED_SPEND}) and the other reservations
 * ({@link SpendReservations}: the daily budgets), the giving back of a reservation, and the spend gauges. The
 * ledger's transitions that give a reservation back ({@link TaskLedger#releaseIntent},
 * {@link TaskLedger#markRejectedByProvider}, {@link TaskLedger#markFailed}) call {@link #giveBack} inside their
 * own transaction, so that the reservation leaves with the row's change or not at all. Obtained from
 * {@link TaskLedger#budget()}.
 */
public class LedgerBudget {

    private final TaskLedger rows;
    private final MeterRegistry meters;
    /** The prices (currency, charges-failed) of the batch budget; none until {@link #spendWith}. */
    private volatile PriceTable prices = PriceTable.none();
    /** The reservations beside the batch budget's (the daily budgets); none until {@link #spendWith}. */
    private volatile SpendReservations reservations = SpendReservations.NONE;
    /** The spend gauges registered, per batch ({@link #spendGauges}). */
    private final Map<String, List<Meter>> gauges = new ConcurrentHashMap<>();

    /**
     * Open for a subclass that hooks a write (tests of the submit step's failures); the ledger makes its own
     * ({@link TaskLedger#budget()}).
     *
     * @param rows   the ledger whose transactions, fences, clock and row counters this part uses
     * @param meters where the spend gauges are registered ({@value ImageBatchMetrics#SPEND_COMMITTED},
     *               {@value ImageBatchMetrics#SPEND_BUDGET_REMAINING})
     */
    public LedgerBudget(TaskLedger rows, MeterRegistry meters) {
        this.rows = rows;
        this.meters = meters;
    }

    /**
     * Sets what the batch budget's reservations need (docs/design.md, Spend); {@link TaskLedger#spendWith} passes
     * them on.
     *
     * @param prices       the price table: its currency words a held row's reason, and a generation the provider
     *                     reports failed gives its reservation back when {@link PriceTable#chargesFailed} is false
     * @param reservations the reservations made in the same transaction as the batch budget's (daily budgets)
     */
    void spendWith(PriceTable prices, SpendReservations reservations) {
        this.prices = prices;
        this.reservations = reservations;
    }

    /** What {@link #reserveIntent} did. */
    public enum Intent {
        /** The intent is committed (SUBMITTING) with its reservation: this caller sends the row. */
        TAKEN,
        /** The row's price did not fit: it is HELD, with the amounts in its error, and is not sent. */
        HELD,
        /** The row is already in the ledger in another state (another caller or process has it): not sent. */
        ELSEWHERE,
        /**
         * The provider key's daily budget has no room for the row, and the caller asked to move such a row to a
         * fallback provider rather than hold it (README, "A fallback provider"): nothing was written or reserved.
         */
        DAILY_SPENT
    }

    /**
     * Commits the intent to create a task for a row together with its reservation, in one transaction
     * (docs/design.md, Spend): the row's price is added to the batch's committed spend only if it fits in the
     * batch's budget ({@code IB_BATCH.BUDGET}; an atomic conditional update that locks the batch's line, so that
     * concurrent writers, threads or processes, never pass the budget together), then in the other reservations
     * ({@link SpendReservations}: the daily budgets), and the row becomes SUBMITTING with its {@code COST}. A row
     * whose price does not fit becomes HELD instead, its reason in its error
     * ({@code budget: 49.96 of 50.00 USD committed, this row costs 0.04}), and nothing is reserved. A killed
     * process therefore never leaves a create without its reservation. The transaction is shared with the
     * intents and taskIds other threads hand in for the batch meanwhile (a group commit, {@link GroupCommit}), this
     * intent in a savepoint of its own; it is committed before this returns, as a transaction of its own was.
     *
     * <p>A new row gets a new line; a PENDING row (retry-failed, a redo, or a budget round) is claimed keeping its
     * attempt number, its prompt, request, provider and model replaced by those sent now.
     *
     * @param batchId  the batch
     * @param rowNum   1-based row number
     * @param variant  the row's variant, 1 to 8 (1 for a row without variants; README.md, Variants)
     * @param rowId    the row id
     * @param provider provider name
     * @param model    model name
     * @param prompt   the prompt to send
     * @param request  the request as JSON
     * @param cost     the price of the row's image in {@code imagebatch.spend.currency}; null when none is
     *                 configured (then nothing is reserved and the row is never held)
     * @return what happened
     * @throws LockLostException when this process lost the batch's lock; nothing was written
     */
    public Intent reserveIntent(String batchId, long rowNum, int variant, String rowId, String provider, String model,
            String prompt, String request, BigDecimal cost) {
        return reserveIntent(batchId, rowNum, variant, rowId, provider, model, prompt, request, cost, false);
    }

    /**
     * As {@link #reserveIntent(String, long, int, String, String, String, String, String, BigDecimal)}; with
     * {@code dailySpentMoves}, a row that only the provider key's daily budget has no room for is not HELD:
     * {@link Intent#DAILY_SPENT} is returned and nothing is written, so the caller may send it to a fallback
     * provider (README, "A fallback provider"). A row the batch budget has no room for is HELD as always.
     *
     * @param batchId         the batch
     * @param rowNum          1-based row number
     * @param variant         the row's variant, 1 to 8 (1 for a row without variants; README.md, Variants)
     * @param rowId           the row id
     * @param provider        provider name
     * @param model           model name
     * @param prompt          the prompt to send
     * @param request         the request as JSON
     * @param cost            the price of the row's image, or null (nothing reserved, never held)
     * @param dailySpentMoves whether a row past the daily budget is left to the caller instead of HELD
     * @return what happened
     * @throws LockLostException when this process lost the batch's lock; nothing was written
     */
    public Intent reserveIntent(String batchId, long rowNum, int variant, String rowId, String provider,
            String model, String prompt, String request, BigDecimal cost, boolean dailySpentMoves) {
        JdbcClient jdbc = rows.jdbc();
        // committed before this returns, in a transaction shared with the intents and taskIds other create calls
        // of the batch hand in meanwhile (a group commit, fenced once; this write in a savepoint of its own)
        Intent intent = rows.groupWrite(batchId, tx -> {
            boolean[] daily = {false};
            String held = cost == null ? null : reserve(batchId, provider, cost, daily);
            if (held != null && daily[0] && dailySpentMoves) {
                return Intent.DAILY_SPENT; // nothing was reserved (reserve gave the batch's share back)
            }
            long now = rows.now();
            if (held == null) {
                // the request sent now (a redo's new prompt) replaces the earlier attempt's, and so does who it is
                // sent to (a row moved to a fallback provider: README, "A fallback provider")
                if (jdbc.sql("UPDATE IB_TASK_LEDGER SET STATE = 'SUBMITTING', COST = ?, ERROR = NULL, UPDATED_AT = ?,"
                                + " PROMPT = ?, REQUEST = ?, PROVIDER = ?, MODEL = ? WHERE BATCH_ID = ? AND ROW_NUM = ?"
                                + " AND VARIANT = ? AND STATE = 'PENDING'")
                        .params(cost, now, prompt, request, provider, model, batchId, rowNum, variant).update() > 0) {
                    return Intent.TAKEN;
                }
            } else if (jdbc.sql("UPDATE IB_TASK_LEDGER SET STATE = 'HELD', COST = NULL, ERROR = ?, UPDATED_AT = ?"
                            + " WHERE BATCH_ID = ? AND ROW_NUM = ? AND VARIANT = ? AND STATE = 'PENDING'")
                    .params(held, now, batchId, rowNum, variant).update() > 0) {
                return Intent.HELD;
            }
            try {
                jdbc.sql("INSERT INTO IB_TASK_LEDGER (BATCH_ID, ROW_NUM, VARIANT, ROW_ID, STATE, PROVIDER, MODEL,"
                                + " PROMPT,"
                                + " REQUEST, ERROR, COST, UPDATED_AT) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                        .params(batchId, rowNum, variant, rowId, held == null ? "SUBMITTING" : "HELD", provider, model,
                                prompt,
                                request, held, held == null ? cost : null, now)
                        .update();
                return held == null ? Intent.TAKEN : Intent.HELD;
            } catch (DuplicateKeyException alreadyThere) {
                tx.setRollbackOnly(); // the reservation too
                return Intent.ELSEWHERE;
            }
        });
        if (intent == Intent.HELD) {
            rows.counted(RowState.HELD, true);
        }
        if (cost != null) {
            spendGauges(batchId);
        }
        return intent == null ? Intent.ELSEWHERE : intent;
    }

    /** The reason of a row a proof run holds (README.md, Spend, "The proof run"). */
    public static final String PROOF_AWAITING = "proof: awaiting approval";
    /** The reason of a held row of a rejected proof run. */
    public static final String PROOF_REJECTED = "proof: rejected";

    /**
     * @param batchId the batch
     * @return the 1-based row numbers a proof run sends while the batch awaits approval
     *         ({@link ProofState#AWAITING_APPROVAL}); empty when the batch has no proof run or it is approved or
     *         rejected (every valid row may then be sent, within the budget)
     */
    public Optional<java.util.SortedSet<Long>> proofRowsAwaitingApproval(String batchId) {
        return rows.batches().proof(batchId).filter(p -> p.state() == ProofState.AWAITING_APPROVAL)
                .map(BatchRegistry.Proof::rows);
    }

    /**
     * Holds a row outside a proof run's rows (docs/design.md, Spend): a new row gets a HELD line, a PENDING row
     * becomes HELD, with the reason {@value #PROOF_AWAITING}; nothing is reserved and nothing is sent. One
     * transaction, fenced as {@link #reserveIntent}.
     *
     * @param batchId  the batch
     * @param rowNum   1-based row number
     * @param variant  the row's variant, 1 to 8 (1 for a row without variants; README.md, Variants)
     * @param rowId    the row id
     * @param provider provider name
     * @param model    model name
     * @param prompt   the prompt that would be sent
     * @param request  the request as JSON
     * @return {@link Intent#HELD}, or {@link Intent#ELSEWHERE} when the row is already in the ledger in another
     *         state
     * @throws LockLostException when this process lost the batch's lock; nothing was written
     */
    public Intent holdForProof(String batchId, long rowNum, int variant, String rowId, String provider, String model,
            String prompt, String request) {
        JdbcClient jdbc = rows.jdbc();
        Intent intent = rows.writeReturning(tx -> {
            rows.batches().checkFence(batchId);
            long now = rows.now();
            if (jdbc.sql("UPDATE IB_TASK_LEDGER SET STATE = 'HELD', COST = NULL, ERROR = ?, UPDATED_AT = ?"
                            + " WHERE BATCH_ID = ? AND ROW_NUM = ? AND VARIANT = ? AND STATE = 'PENDING'")
                    .params(PROOF_AWAITING, now, batchId, rowNum, variant).update() > 0) {
                return Intent.HELD;
            }
            try {
                jdbc.sql("INSERT INTO IB_TASK_LEDGER (BATCH_ID, ROW_NUM, VARIANT, ROW_ID, STATE, PROVIDER, MODEL,"
                                + " PROMPT,"
                                + " REQUEST, ERROR, UPDATED_AT) VALUES (?, ?, ?, ?, 'HELD', ?, ?, ?, ?, ?, ?)")
                        .params(batchId, rowNum, variant, rowId, provider, model, prompt, request, PROOF_AWAITING, now)
                        .update();
                return Intent.HELD;
            } catch (DuplicateKeyException alreadyThere) {
                tx.setRollbackOnly();
                return Intent.ELSEWHERE;
            }
        });
        if (intent == Intent.HELD) {
            rows.counted(RowState.HELD, true);
        }
        return intent == null ? Intent.ELSEWHERE : intent;
    }

    /**
     * Rejects a batch's proof run (README.md, Spend, "The proof run"): the batch becomes
     * {@link ProofState#REJECTED} and its rows held by the proof keep HELD with the reason {@value #PROOF_REJECTED}.
     * One transaction; nothing is sent.
     *
     * @param batchId the batch
     * @return the rows held by the proof
     */
    public int rejectProof(String batchId) {
        Integer held = rows.writeReturning(tx -> {
            rows.jdbc().sql("UPDATE IB_BATCH SET PROOF_STATE = ? WHERE BATCH_ID = ?")
                    .params(ProofState.REJECTED.name(), batchId).update();
            return rows.jdbc().sql("UPDATE IB_TASK_LEDGER SET ERROR = ?, UPDATED_AT = ? WHERE BATCH_ID = ?"
                            + " AND STATE = 'HELD' AND ERROR = ?")
                    .params(PROOF_REJECTED, rows.now(), batchId, PROOF_AWAITING).update();
        });
        return held == null ? 0 : held;
    }

    /**
     * Registers, once per batch while it runs here, the gauges {@value ImageBatchMetrics#SPEND_COMMITTED} (the
     * batch's committed spend, {@code IB_BATCH.COMMITTED_SPEND}: the same figure {@code status} and the manifest
     * show, which keeps what earlier attempts of a retry round committed) and
     * {@value ImageBatchMetrics#SPEND_BUDGET_REMAINING} (the batch's budget less its committed spend; NaN without a
     * budget), tagged {@value ImageBatchMetrics#BATCH}, read from the database when scraped, so that they count the
     * reservations of every process on it. {@link #removeGauges} takes them away when the run ends.
     */
    private void spendGauges(String batchId) {
        gauges.computeIfAbsent(batchId, id -> List.of(
                Gauge.builder(ImageBatchMetrics.SPEND_COMMITTED, () -> rows.batches().spend(id)
                                .map(spend -> spend.committed().doubleValue()).orElse(0.0))
                        .description("the batch's committed spend, in imagebatch.spend.currency")
                        .tag(ImageBatchMetrics.BATCH, id).strongReference(true).register(meters),
                Gauge.builder(ImageBatchMetrics.SPEND_BUDGET_REMAINING, () -> rows.batches().spend(id)
                                .flatMap(BatchSpend::remaining).map(BigDecimal::doubleValue).orElse(Double.NaN))
                        .description("what is left of the batch budget, in imagebatch.spend.currency")
                        .tag(ImageBatchMetrics.BATCH, id).strongReference(true).register(meters)));
    }

    /**
     * Removes the batch's spend gauges ({@link #spendGauges}) from the meter registry, so that a long-lived process
     * ({@code serve}) keeps none for the batches it ran before; called when a run of the batch ends (README.md,
     * Running nightly, {@code serve}). A run that reserves again registers them again.
     *
     * @param batchId the batch; one without gauges here is left alone
     */
    public void removeGauges(String batchId) {
        List<Meter> registered = gauges.remove(batchId);
        if (registered != null) {
            registered.forEach(meters::remove);
        }
    }

    /**
     * Reserves {@code cost} in the caller's transaction: the batch budget first (an atomic conditional update of
     * the batch's line), then the other reservations.
     *
     * @param dailyRefused set to true when the daily budget (not the batch's) has no room
     * @return null when reserved; otherwise why the row is held
     */
    private String reserve(String batchId, String provider, BigDecimal cost, boolean[] dailyRefused) {
        JdbcClient jdbc = rows.jdbc();
        int fits = jdbc.sql("UPDATE IB_BATCH SET COMMITTED_SPEND = COMMITTED_SPEND + ? WHERE BATCH_ID = ?"
                        + " AND (BUDGET IS NULL OR COMMITTED_SPEND + ? <= BUDGET)")
                .params(cost, batchId, cost).update();
        if (fits == 0) {
            return jdbc.sql("SELECT COMMITTED_SPEND, BUDGET FROM IB_BATCH WHERE BATCH_ID = ?").param(batchId)
                    .query((rs, i) -> rs.getBigDecimal(2) == null ? "batch " + batchId + " is not in this database"
                            : Budget.heldReason(rs.getBigDecimal(1), rs.getBigDecimal(2), prices.currency(), cost))
                    .optional().orElse("batch " + batchId + " is not in this database");
        }
        // the daily budget per provider key (spend.DailyBudgets) reserves here, in this transaction
        Optional<String> daily = reservations.reserve(provider, cost);
        if (daily.isPresent()) {
            jdbc.sql("UPDATE IB_BATCH SET COMMITTED_SPEND = COMMITTED_SPEND - ? WHERE BATCH_ID = ?")
                    .params(cost, batchId).update();
            dailyRefused[0] = true;
            return daily.get();
        }
        return null;
    }

    /**
     * Gives back, in the caller's transaction, the reservation of a failed generation the provider does not charge
     * for ({@link PriceTable#chargesFailed} false; docs/design.md, Spend), counted as refunded
     * ({@code IB_BATCH.REFUNDED_SPEND}). Only a row in flight (SUBMITTING to GENERATED) is refunded.
     *
     * @param withoutTaskOnly true to refund the row only while it has no taskId (a failure whose kind is decided
     *                        by whether it has a task)
     */
    void refundUncharged(String batchId, long rowNum, int variant, boolean withoutTaskOnly) {
        rows.jdbc().sql("SELECT PROVIDER FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND ROW_NUM = ? AND VARIANT = ?"
                        + (withoutTaskOnly ? " AND TASK_ID IS NULL" : ""))
                .params(batchId, rowNum, variant).query(String.class).optional()
                .filter(provider -> !prices.chargesFailed(provider))
                .ifPresent(provider -> giveBack(batchId, rowNum, variant,
                        "('SUBMITTING', 'SUBMITTED', 'RUNNING', 'GENERATED')", true));
    }

    /**
     * Gives back, in the caller's transaction, the reservation of a row in one of {@code states}: its
     * {@code COST} leaves the batch's committed spend (and is added to its refunded spend when {@code refund}),
     * the other reservations are released ({@link SpendReservations#release}), and the row's {@code COST} is
     * cleared. A row without a reservation is left alone.
     *
     * @param states an SQL list of states, e.g. {@code ('SUBMITTING')}
     */
    void giveBack(String batchId, long rowNum, int variant, String states, boolean refund) {
        JdbcClient jdbc = rows.jdbc();
        jdbc.sql("SELECT PROVIDER, COST FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND ROW_NUM = ?"
                + " AND VARIANT = ? AND COST IS NOT NULL"
                        + " AND STATE IN " + states)
                .params(batchId, rowNum, variant)
                .query((rs, i) -> Map.entry(String.valueOf(rs.getString(1)), rs.getBigDecimal(2))).optional()
                .ifPresent(reserved -> {
                    BigDecimal cost = reserved.getValue();
                    jdbc.sql("UPDATE IB_BATCH SET COMMITTED_SPEND = COMMITTED_SPEND - ?"
                                    + (refund ? ", REFUNDED_SPEND = REFUNDED_SPEND + ?" : "") + " WHERE BATCH_ID = ?")
                            .params(refund ? new Object[] {cost, cost, batchId} : new Object[] {cost, batchId})
                            .update();
                    // what the daily budget reserved for this row is released here
                    reservations.release(reserved.getKey(), cost);
                    jdbc.sql("UPDATE IB_TASK_LEDGER SET COST = NULL WHERE BATCH_ID = ? AND ROW_NUM = ? AND VARIANT = ?")
                            .params(batchId, rowNum, variant).update();
                });
    }

    /**
     * As {@link #reserveIntent(String, long, int, String, String, String, String, String, BigDecimal)} for variant
     * 1 (a row without variants).
     *
     * @return what happened
     */
    public Intent reserveIntent(String batchId, long rowNum, String rowId, String provider, String model,
            String prompt, String request, BigDecimal cost) {
        return reserveIntent(batchId, rowNum, 1, rowId, provider, model, prompt, request, cost);
    }

    /**
     * As {@link #holdForProof(String, long, int, String, String, String, String, String)} for variant 1 (a row
     * without variants).
     *
     * @return what happened
     */
    public Intent holdForProof(String batchId, long rowNum, String rowId, String provider, String model,
            String prompt, String request) {
        return holdForProof(batchId, rowNum, 1, rowId, provider, model, prompt, request);
    }
}
