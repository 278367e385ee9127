package io.imagebatch.console.web;

import io.imagebatch.console.ConsoleBatches.RowView;
import java.util.ArrayList;
import java.util.List;

/**
 * One card of the console's contact sheet: a row with its variants side by side (README.md, Variants; one variant
 * for a row without variants). The contact sheet pages the ledger's lines, one line per (row, variant)
 * ({@code LedgerReport.rowPage}), so every variant is on exactly one page; a row whose variants straddle a page's
 * end shows the rest of them on the next page, in a card of the same row.
 *
 * @param rowNum   the row's number (1 = first data row)
 * @param rowId    the row's id
 * @param variants the row's lines on this page, in variant order (at least one)
 */
public record RowCard(long rowNum, String rowId, List<RowView> variants) {

    /** Copies {@code variants}, so the card is immutable. */
    public RowCard {
        variants = List.copyOf(variants);
    }

    /** @return whether the batch names variants: more than one line, or a line above variant 1, or a chosen one */
    public boolean hasVariants() {
        return variants.size() > 1 || variants.stream().anyMatch(v -> v.variant() > 1 || v.chosen());
    }

    /**
     * Groups a page's lines into cards: consecutive lines of the same row make one card.
     *
     * @param lines a page's lines, in row then variant order (as {@code LedgerReport.rowPage} returns them)
     * @return the cards, in row order; empty for no lines
     */
    public static List<RowCard> of(List<RowView> lines) {
        List<RowCard> cards = new ArrayList<>();
        List<RowView> current = new ArrayList<>();
        for (RowView line : lines) {
            if (!current.isEmpty() && current.get(0).rowNum() != line.rowNum()) {
                cards.add(new RowCard(current.get(0).rowNum(), current.get(0).rowId(), current));
                current = new ArrayList<>();
            }
            current.add(line);
        }
        if (!current.isEmpty()) {
            cards.add(new RowCard(current.get(0).rowNum(), current.get(0).rowId(), current));
        }
        return List.copyOf(cards);
    }
}
