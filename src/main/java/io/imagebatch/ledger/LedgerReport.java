package io.imagebatch.ledger;

import static io.imagebatch.ledger.LedgerRows.ENTRY;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The report's part of the task ledger ({@code IB_TASK_LEDGER}): the batch's rows counted by state and read in
 * row order, and the one write of the report step, which ends the rows a completed submit step left without a
 * create call in flight, so that the report knows every row's state (docs/design.md, the ledger state
 * machine). Obtained from {@link TaskLedger#report()}.
 */
public final class LedgerReport {

    private final TaskLedger rows;
    /** Joins the caller's transaction, or starts a read-only one. */
    private final TransactionTemplate readTransaction;

    /**
     * @param rows               the ledger whose fenced writes and clock this part uses
     * @param transactionManager the transaction manager of the ledger's database, for streaming reads
     */
    LedgerReport(TaskLedger rows, PlatformTransactionManager transactionManager) {
        this.rows = rows;
        this.readTransaction = new TransactionTemplate(transactionManager);
        this.readTransaction.setReadOnly(true);
    }

    /**
     * Ends the rows a completed submit step left behind without a create call in flight, so that the report
     * knows every row's state: a PENDING row (made so by {@code retry-failed} and never claimed) becomes FAILED
     * ({@link FailureKind#GENERATION_FAILED}, code {@code not-sent}: the next {@code retry-failed} sends it), and
     * a SUBMITTING row (its create may have left) becomes UNCERTAIN. Called by the report step only, once the
     * submit step has completed.
     *
     * @param batchId the batch
     * @return the rows changed
     * @throws LockLostException when this process lost the batch's lock; nothing more was written
     */
    public int endRowsLeftBySubmit(String batchId) {
        int failed = rows.update("UPDATE IB_TASK_LEDGER SET STATE = 'FAILED', FAILURE_KIND = 'GENERATION_FAILED',"
                        + " ERROR_CODE = 'not-sent', ERROR = 'this row was to be sent again but was not read by the"
                        + " submit step; retry-failed sends it', UPDATED_AT = ? WHERE BATCH_ID = ? AND STATE = 'PENDING'",
                rows.now(), batchId);
        int uncertain = rows.update("UPDATE IB_TASK_LEDGER SET STATE = 'UNCERTAIN', ERROR = 'the create call of this row"
                        + " did not end before the submit step did, so the task may exist at the provider; not resent',"
                        + " UPDATED_AT = ? WHERE BATCH_ID = ? AND STATE = 'SUBMITTING'",
                rows.now(), batchId);
        return failed + uncertain;
    }

    /**
     * @param batchId the batch
     * @return the number of ledger lines per state (states with none are absent)
     */
    public Map<RowState, Long> countByState(String batchId) {
        Map<RowState, Long> counts = new EnumMap<>(RowState.class);
        rows.jdbc().sql("SELECT STATE, COUNT(*) AS N FROM IB_TASK_LEDGER WHERE BATCH_ID = ? GROUP BY STATE")
                .param(batchId)
                .query((rs, i) -> Map.entry(RowState.fromStored(rs.getString("STATE")), rs.getLong("N")))
                .list().forEach(e -> counts.put(e.getKey(), e.getValue()));
        return counts;
    }

    /**
     * Streams the batch's lines in row order, without holding them all in memory (500 lines a fetch).
     *
     * @param batchId  the batch
     * @param consumer called once per line, in row order
     */
    public void forEachInRowOrder(String batchId, Consumer<LedgerEntry> consumer) {
        JdbcClient jdbc = rows.jdbc();
        // in a transaction (the caller's, or a read-only one of its own): PostgreSQL's driver honours the fetch
        // size only with auto-commit off, and otherwise reads the whole result into memory first
        readTransaction.executeWithoutResult(tx -> {
            try (Stream<LedgerEntry> lines = jdbc.sql("SELECT * FROM IB_TASK_LEDGER WHERE BATCH_ID = ? ORDER BY ROW_NUM")
                    .param(batchId).withFetchSize(500).query(ENTRY).stream()) {
                lines.forEach(consumer);
            }
        });
    }
}
