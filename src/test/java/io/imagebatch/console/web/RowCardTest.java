package io.imagebatch.console.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.console.ConsoleBatches.RowView;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link RowCard}: the contact sheet's cards, a row's variants side by side, from a page of ledger lines. */
class RowCardTest {

    @Test
    void aPagesLinesBecomeOneCardPerRowWithItsVariantsInOrderAndARowWithoutVariantsStaysPlain() {
        List<RowCard> cards = RowCard.of(List.of(line(1, 1, false), line(1, 2, true), line(2, 1, false),
                line(2, 2, false), line(3, 1, false)));

        assertThat(cards).extracting(RowCard::rowNum).containsExactly(1L, 2L, 3L);
        assertThat(cards.get(0).variants()).extracting(RowView::variant).containsExactly(1, 2);
        assertThat(cards.get(0).hasVariants()).isTrue();
        assertThat(cards.get(2).hasVariants()).as("one line, variant 1, not chosen: a row without variants")
                .isFalse();
    }

    @Test
    void aRowWhoseVariantsStraddleAPageEndKeepsEveryVariantOnOneOfTheTwoPages() {
        // pages of 3 lines over rows of 2 variants: row 2 is split between page 0 and page 1
        List<RowCard> first = RowCard.of(List.of(line(1, 1, false), line(1, 2, false), line(2, 1, false)));
        List<RowCard> second = RowCard.of(List.of(line(2, 2, false), line(3, 1, false), line(3, 2, false)));

        assertThat(first.get(1).rowNum()).isEqualTo(2);
        assertThat(second.get(0).rowNum()).isEqualTo(2);
        assertThat(second.get(0).hasVariants()).as("variant 2 alone is still shown as a variant").isTrue();
        assertThat(first.stream().anyMatch(RowCard::hasVariants)).as("the page shows variant cards, row 2's too")
                .isTrue();
        assertThat(List.of(first, second).stream().flatMap(List::stream).flatMap(c -> c.variants().stream())
                .map(v -> v.rowNum() + "/" + v.variant())).containsExactly("1/1", "1/2", "2/1", "2/2", "3/1", "3/2");
    }

    private static RowView line(long row, int variant, boolean chosen) {
        return new RowView(row, "id-" + row, "STORED", 1, "liangxin", "m", "p", "t-" + row + "-" + variant, null,
                "file:/out/b/id-" + row + "-" + variant + ".png", variant, chosen);
    }
}
