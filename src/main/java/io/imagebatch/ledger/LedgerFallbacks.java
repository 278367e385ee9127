package io.imagebatch.ledger;

import java.util.List;
import org.springframework.dao.DuplicateKeyException;

/**
 * The fallback part of the task ledger (README, "A fallback provider"): the moves of a batch's rows to the next
 * provider of its {@code fallback:} list, in {@code IB_FALLBACK_MOVE} ({@code db/ledger-schema.sql}). A batch
 * switch (its provider refused the account) is recorded before any row is sent to the new provider, so a resumed
 * run continues there; the rows themselves record who made them in {@code IB_TASK_LEDGER.PROVIDER/MODEL}, written
 * with their intent before the create call leaves (exactly once: docs/design.md, "Invariants and why"). Writes
 * are fenced by the batch's lock. Obtained from {@link TaskLedger#fallbacks()}.
 */
public final class LedgerFallbacks {

    /** Why rows moved, as {@code IB_FALLBACK_MOVE.REASON_KIND} holds it. */
    public enum Reason {
        /** The provider refused the account (401, 402, 403, 505): the batch moves. */
        ACCOUNT,
        /** The provider stayed busy past every create attempt: the row moves. */
        BUSY,
        /** The provider key's daily budget had no room for the row: the row moves instead of being HELD. */
        BUDGET
    }

    /**
     * One recorded move.
     *
     * @param rowNum   0 for the batch's switch, else the row moved alone
     * @param position 1-based position in the fallback list moved to
     * @param target   {@code provider model} moved to
     * @param kind     why
     * @param reason   the answer that made it move
     */
    public record Move(long rowNum, int position, String target, Reason kind, String reason) {
    }

    private final TaskLedger rows;

    LedgerFallbacks(TaskLedger rows) {
        this.rows = rows;
    }

    /**
     * @param batchId the batch
     * @return the batch's current position in its fallback list: 0 while its own provider takes the rows, n after
     *         it switched to the n-th entry (the highest switch recorded)
     */
    public int batchPosition(String batchId) {
        Integer position = rows.jdbc().sql("SELECT MAX(POSITION) FROM IB_FALLBACK_MOVE WHERE BATCH_ID = ?"
                + " AND ROW_NUM = 0").param(batchId).query(Integer.class).optional().orElse(null);
        return position == null ? 0 : position;
    }

    /**
     * Records a move, at most once for its key: the batch's switch ({@code rowNum} 0) to {@code position}, or one
     * row's move there. Called before the row is sent to the new provider, fenced.
     *
     * @param batchId  the batch
     * @param rowNum   0 for the whole batch, else the row
     * @param position the 1-based position moved to
     * @param provider the provider moved to
     * @param model    its model, or null for its default
     * @param kind     why
     * @param reason   the provider's answer, safe to store (never a key: {@code ProviderException} messages)
     * @return true when recorded now; false when the same move was recorded before (by another row of the chunk,
     *         or a run before a restart)
     * @throws LockLostException when this process lost the batch's lock; nothing was written
     */
    public boolean record(String batchId, long rowNum, int position, String provider, String model, Reason kind,
            String reason) {
        Boolean inserted = rows.writeReturning(tx -> {
            rows.batches().checkFence(batchId);
            try {
                rows.jdbc().sql("INSERT INTO IB_FALLBACK_MOVE (BATCH_ID, ROW_NUM, POSITION, PROVIDER, MODEL,"
                                + " REASON_KIND, REASON, MOVED_AT) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                        .params(batchId, rowNum, position, provider, model, kind.name(), reason, rows.now()).update();
                return true;
            } catch (DuplicateKeyException already) {
                tx.setRollbackOnly();
                return false;
            }
        });
        return Boolean.TRUE.equals(inserted);
    }

    /**
     * Why the batch's rows moved, for the run's summary: one line per batch switch
     * ({@code batch moved to hiapi Nano-Banana-Pro: the account was refused at liangxin: ...}), and one per
     * fallback rows moved to alone, with their number and the first reason
     * ({@code 3 row(s) moved to hiapi: still busy after 4 attempts at liangxin: ...}).
     *
     * @param batchId the batch
     * @return the lines, without indentation; empty when nothing moved
     */
    public List<String> summary(String batchId) {
        List<String> lines = new java.util.ArrayList<>();
        java.util.Map<String, List<Move>> rowMoves = new java.util.LinkedHashMap<>();
        for (Move move : moves(batchId)) {
            if (move.rowNum() == 0) {
                lines.add("batch moved to " + move.target() + ": " + move.reason());
            } else {
                rowMoves.computeIfAbsent(move.target(), t -> new java.util.ArrayList<>()).add(move);
            }
        }
        rowMoves.forEach((target, moved) -> lines.add(moved.size() + " row(s) moved to " + target + ": "
                + moved.get(0).reason()));
        return lines;
    }

    /**
     * @param batchId the batch
     * @return its moves, the batch's switches first, then rows in order
     */
    public List<Move> moves(String batchId) {
        return rows.jdbc().sql("SELECT ROW_NUM, POSITION, PROVIDER, MODEL, REASON_KIND, REASON FROM IB_FALLBACK_MOVE"
                        + " WHERE BATCH_ID = ? ORDER BY ROW_NUM, POSITION").param(batchId)
                .query((rs, i) -> new Move(rs.getLong(1), rs.getInt(2), rs.getString(3)
                        + (rs.getString(4) == null ? "" : " " + rs.getString(4)), Reason.valueOf(rs.getString(5)),
                        rs.getString(6)))
                .list();
    }
}
