package io.imagebatch.ledger;

import java.util.List;

/**
 * One page of a batch's ledger lines ({@link LedgerReport#rowPage}).
 *
 * @param rows  the lines of the page, in row order; at most the page size
 * @param total how many lines match the filter and search, on all pages
 */
public record LedgerRowPage(List<LedgerEntry> rows, long total) {

    /** Copies {@code rows}, so the page is immutable. */
    public LedgerRowPage {
        rows = List.copyOf(rows);
    }
}
