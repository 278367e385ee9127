package io.imagebatch.ledger;

import static io.imagebatch.ledger.LedgerRows.ENTRY;

import java.util.List;
import java.util.Objects;

/**
 * The stored images of a batch, read from the task ledger ({@code IB_TASK_LEDGER}) a page at a time in row
 * order: for readers that stream every image of a batch out (the console's ZIP archive, README "The console's
 * files") and must not hold a database connection or a transaction for as long as a slow client takes to
 * download them. Each page is one short query on the ledger's primary key ({@code BATCH_ID, ROW_NUM}); nothing is
 * written.
 */
public final class LedgerImages {

    /** The most lines one page may ask for. */
    public static final int MAX_PAGE = 1_000;

    private final TaskLedger ledger;

    /** @param ledger the ledger to read */
    public LedgerImages(TaskLedger ledger) {
        this.ledger = Objects.requireNonNull(ledger, "ledger");
    }

    /**
     * The next page of a batch's STORED lines after a row (keyset paging: a page's last row number is the next
     * page's {@code afterRowNum}).
     *
     * @param batchId     the batch
     * @param afterRowNum the last row number already read; 0 for the first page
     * @param limit       the most lines to return, 1 to {@value #MAX_PAGE}
     * @return the STORED lines with a row number above {@code afterRowNum}, in row order; fewer than
     *         {@code limit} (possibly none) on the last page
     * @throws IllegalArgumentException when {@code limit} is out of range
     */
    public List<LedgerEntry> storedAfter(String batchId, long afterRowNum, int limit) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_PAGE + ", got " + limit);
        }
        return ledger.jdbc().sql("SELECT * FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND ROW_NUM > ?"
                        + " AND STATE = 'STORED' ORDER BY ROW_NUM LIMIT ?")
                .params(batchId, afterRowNum, limit).query(ENTRY).list();
    }

    /**
     * The next page of a batch's STORED lines after a (row, variant) (README.md, Variants: a row has one line per
     * variant): keyset paging on the ledger's key, so a page that ends inside a row's variants loses none of the
     * rest (a page's last line's row and variant are the next page's {@code afterRowNum} and
     * {@code afterVariant}).
     *
     * @param batchId      the batch
     * @param afterRowNum  the row of the last line already read; 0 for the first page
     * @param afterVariant the variant of the last line already read; 0 for the first page
     * @param limit        the most lines to return, 1 to {@value #MAX_PAGE}
     * @return the STORED lines after ({@code afterRowNum}, {@code afterVariant}), in row then variant order
     * @throws IllegalArgumentException when {@code limit} is out of range
     */
    public List<LedgerEntry> storedAfter(String batchId, long afterRowNum, int afterVariant, int limit) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_PAGE + ", got " + limit);
        }
        return ledger.jdbc().sql("SELECT * FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND STATE = 'STORED'"
                        + " AND (ROW_NUM > ? OR (ROW_NUM = ? AND VARIANT > ?)) ORDER BY ROW_NUM, VARIANT LIMIT ?")
                .params(batchId, afterRowNum, afterRowNum, afterVariant, limit).query(ENTRY).list();
    }
}
