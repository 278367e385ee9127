package io.imagebatch.ledger;

import static io.imagebatch.ledger.LedgerRows.ENTRY;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
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
     * Who made the batch's images: the SUCCEEDED (STORED) rows counted by the provider and model recorded on
     * them (a row a fallback made carries the fallback's; README, "A fallback provider").
     *
     * @param batchId the batch
     * @return {@code "provider model"} (or {@code provider} alone without a model) to rows, sorted by name
     */
    public Map<String, Long> storedByProvider(String batchId) {
        Map<String, Long> counts = new java.util.TreeMap<>();
        rows.jdbc().sql("SELECT PROVIDER, MODEL, COUNT(*) AS N FROM IB_TASK_LEDGER WHERE BATCH_ID = ?"
                        + " AND STATE = 'STORED' GROUP BY PROVIDER, MODEL")
                .param(batchId)
                .query((rs, i) -> Map.entry(rs.getString("PROVIDER") + (rs.getString("MODEL") == null ? ""
                        : " " + rs.getString("MODEL")), rs.getLong("N")))
                .list().forEach(e -> counts.merge(e.getKey(), e.getValue(), Long::sum));
        return counts;
    }

    /**
     * @param batchId the batch
     * @return its FAILED rows refused for content policy ({@link FailureKind#CONTENT_POLICY})
     */
    public long refusedForContent(String batchId) {
        return rows.jdbc().sql("SELECT COUNT(*) FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND STATE = 'FAILED'"
                + " AND FAILURE_KIND = 'CONTENT_POLICY'").param(batchId).query(Long.class).single();
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
            try (Stream<LedgerEntry> lines = jdbc.sql("SELECT * FROM IB_TASK_LEDGER WHERE BATCH_ID = ?"
                    + " ORDER BY ROW_NUM, VARIANT")
                    .param(batchId).withFetchSize(500).query(ENTRY).stream()) {
                lines.forEach(consumer);
            }
        });
    }

    /** The most rows {@link #rowPage} returns at once. */
    public static final int MAX_PAGE_SIZE = 500;

    /**
     * One page of the batch's lines, filtered by state and searched by row id or prompt, in row order, with how
     * many match in all: the console's table of rows. Two statements (a count and the page, with
     * {@code OFFSET}/{@code FETCH}), each served by an index: the primary key without a state, and
     * {@code IB_TASK_LEDGER_STATE_ROW} (BATCH_ID, STATE, ROW_NUM) with one ({@code db/ledger-schema.sql}); the page's
     * row numbers are found in the index before its lines are read, so the lines skipped by the offset are index
     * entries. (A count as a window over the page's query, to make it one statement, was slower on H2: it
     * materializes every match.) A search reads every line of the batch (a substring is found by no index): under
     * a second for 100,000 lines on H2 on a busy two-core machine (LedgerRowPageContract prints the times).
     *
     * @param batchId the batch
     * @param state   only the lines in this state, or null for all
     * @param search  text to find in the row id or the prompt, ignoring case (the characters {@code %} and
     *                {@code _} match themselves); null or blank for no search
     * @param page    the page, 0 first
     * @param size    lines per page, 1 to {@value #MAX_PAGE_SIZE}
     * @return the page (empty past the last one) and the number of matching lines
     * @throws IllegalArgumentException when {@code page} is negative or {@code size} is out of range
     */
    public LedgerRowPage rowPage(String batchId, RowState state, String search, int page, int size) {
        if (page < 0) {
            throw new IllegalArgumentException("page " + page + ": pages start at 0");
        }
        if (size < 1 || size > MAX_PAGE_SIZE) {
            throw new IllegalArgumentException("size " + size + ": a page has 1 to " + MAX_PAGE_SIZE + " rows");
        }
        StringBuilder where = new StringBuilder(" WHERE BATCH_ID = ?");
        List<Object> params = new ArrayList<>();
        params.add(batchId);
        if (state != null) {
            where.append(" AND STATE = ?");
            params.add(state.name());
        }
        boolean searching = search != null && !search.isBlank();
        if (searching) {
            String like = "%" + search.strip().toLowerCase(Locale.ROOT).replace("\\", "\\\\").replace("%", "\\%")
                    .replace("_", "\\_") + "%";
            where.append(" AND (LOWER(ROW_ID) LIKE ? ESCAPE '\\' OR LOWER(PROMPT) LIKE ? ESCAPE '\\')");
            params.add(like);
            params.add(like);
        }
        JdbcClient jdbc = rows.jdbc();
        long total = jdbc.sql("SELECT COUNT(*) FROM IB_TASK_LEDGER" + where).params(params).query(Long.class).single();
        if (total <= (long) page * size) {
            return new LedgerRowPage(List.of(), total);
        }
        List<Object> pageParams = new ArrayList<>(params);
        pageParams.add((long) page * size);
        pageParams.add(size);
        String sql;
        if (searching) {
            sql = "SELECT * FROM IB_TASK_LEDGER" + where
                    + " ORDER BY ROW_NUM, VARIANT OFFSET ? ROWS FETCH NEXT ? ROWS ONLY";
        } else {
            // the page's row numbers first, from the index alone, then only those lines: the OFFSET lines skipped
            // are index entries, not whole lines
            pageParams.add(batchId);
            sql = "SELECT L.* FROM IB_TASK_LEDGER L JOIN (SELECT ROW_NUM, VARIANT FROM IB_TASK_LEDGER" + where
                    + " ORDER BY ROW_NUM, VARIANT OFFSET ? ROWS FETCH NEXT ? ROWS ONLY) P ON L.ROW_NUM = P.ROW_NUM"
                    + " AND L.VARIANT = P.VARIANT WHERE L.BATCH_ID = ? ORDER BY L.ROW_NUM, L.VARIANT";
        }
        List<LedgerEntry> lines = jdbc.sql(sql).params(pageParams).query(ENTRY).list();
        return new LedgerRowPage(lines, total);
    }

    /**
     * Every earlier attempt of a row, as {@code retry-failed} rounds and redos archived them
     * ({@code IB_TASK_ATTEMPT}); the row's current attempt is its ledger line ({@link TaskLedger#find}).
     *
     * @param batchId the batch
     * @param rowNum  1-based row number
     * @param variant  the row's variant, 1 to 8 (1 for a row without variants; README.md, Variants)
     * @return its earlier attempts, oldest first; empty when it had none
     */
    public List<LedgerAttempt> attempts(String batchId, long rowNum, int variant) {
        return rows.jdbc().sql("SELECT * FROM IB_TASK_ATTEMPT WHERE BATCH_ID = ? AND ROW_NUM = ?"
                + " AND VARIANT = ? ORDER BY ATTEMPT")
                .params(batchId, rowNum, variant)
                .query((rs, i) -> {
                    long submitted = rs.getLong("SUBMITTED_AT");
                    Long submittedAt = rs.wasNull() ? null : submitted;
                    return new LedgerAttempt(rs.getInt("ATTEMPT"), RowState.fromStored(rs.getString("STATE")),
                            rs.getString("TASK_ID"), rs.getString("PROMPT"), rs.getString("ERROR_CODE"),
                            rs.getString("ERROR"), rs.getString("OUTPUT_URI"), submittedAt, rs.getLong("ENDED_AT"));
                })
                .list();
    }

    /**
     * As {@link #attempts(String, long, int)} for variant 1 (a row without variants).
     *
     * @return the earlier attempts, oldest first
     */
    public List<LedgerAttempt> attempts(String batchId, long rowNum) {
        return attempts(batchId, rowNum, 1);
    }

    /**
     * The batch's chosen variants ({@code choose}, README.md, Variants): at most one entry per row.
     *
     * @param batchId the batch
     * @return the entries marked chosen, in row order; empty when none
     */
    public List<LedgerEntry> chosen(String batchId) {
        return rows.jdbc().sql("SELECT * FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND CHOSEN = TRUE ORDER BY ROW_NUM")
                .param(batchId).query(ENTRY).list();
    }

    /**
     * Whether an image of the batch is stored at this URI: {@code choose} refuses to copy over one (README.md,
     * Variants). Reads the batch's lines (no index on {@code OUTPUT_URI}); for one command, not a step.
     *
     * @param batchId the batch
     * @param uri     an output URI, as {@code OUTPUT_URI} holds it
     * @return true when a line of the batch is STORED there
     */
    public boolean storedAt(String batchId, String uri) {
        return rows.jdbc().sql("SELECT COUNT(*) FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND STATE = 'STORED'"
                + " AND OUTPUT_URI = ?").params(batchId, uri).query(Long.class).single() > 0;
    }
}
