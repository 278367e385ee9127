package io.imagebatch.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * {@link LedgerImages}: a batch's STORED lines a page at a time, in row order, by keyset (the last row number of
 * a page starts the next); the same on H2 and PostgreSQL.
 */
abstract class LedgerImagesContract extends LedgerTestDatabase {

    @Test
    void pagesAfterTheLastRowReadGiveEveryStoredLineOnceInRowOrderAndNothingElse() {
        List<Long> rows = new ArrayList<>(LongStream.rangeClosed(1, 250).boxed().toList());
        Collections.shuffle(rows, new Random(7));
        List<Long> expected = new ArrayList<>();
        for (long row : rows) {
            if (row % 5 == 0) {
                ledger.insertRejected(BATCH, row, "r" + row, null, null, "p" + row, "row " + row + ": rejected");
            } else if (row % 7 == 0) {
                ledger.insertIntent(BATCH, row, "A" + row, "liangxin", "m", "p" + row, "{}");
                ledger.markSubmitted(BATCH, row, "task-" + row, T0, T0, T0 + 900_000);
            } else {
                ledger.insertIntent(BATCH, row, "A" + row, "liangxin", "m", "p" + row, "{}");
                ledger.markSubmitted(BATCH, row, "task-" + row, T0, T0, T0 + 900_000);
                ledger.polls().markGenerated(BATCH, row, "SUCCESS", "https://img.example/" + row + ".png");
                ledger.downloads().markStored(BATCH, row, "file:/out/" + BATCH + "/A" + row + ".png",
                        "00".repeat(32), 10);
                expected.add(row);
            }
        }
        ledger.insertIntent(OTHER, 3, "A3", "liangxin", "m", "p", "{}");
        ledger.markSubmitted(OTHER, 3, "task-o3", T0, T0, T0 + 900_000);
        ledger.polls().markGenerated(OTHER, 3, "SUCCESS", "https://img.example/o3.png");
        ledger.downloads().markStored(OTHER, 3, "file:/out/" + OTHER + "/A3.png", "00".repeat(32), 10);
        Collections.sort(expected);

        LedgerImages images = new LedgerImages(ledger);
        List<Long> read = new ArrayList<>();
        List<Integer> pageSizes = new ArrayList<>();
        long after = 0;
        while (true) {
            List<LedgerEntry> page = images.storedAfter(BATCH, after, 64);
            pageSizes.add(page.size());
            for (LedgerEntry line : page) {
                assertThat(line.state()).isEqualTo(RowState.STORED);
                assertThat(line.outputUri()).endsWith("/A" + line.rowNum() + ".png");
                read.add(line.rowNum());
                after = line.rowNum();
            }
            if (page.size() < 64) {
                break;
            }
        }

        assertThat(read).containsExactlyElementsOf(expected);
        assertThat(pageSizes).hasSize(expected.size() / 64 + 1).allMatch(n -> n <= 64);
        assertThat(images.storedAfter(BATCH, 250, 10)).isEmpty();
        assertThat(images.storedAfter("unknown-000000000000", 0, 10)).isEmpty();
        assertThatThrownBy(() -> images.storedAfter(BATCH, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> images.storedAfter(BATCH, 0, LedgerImages.MAX_PAGE + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void pagesThatEndInsideARowsVariantsLoseNoneOfItsOtherVariants() {
        // 5 rows of 3 variants (README.md, Variants): pages of 4 lines end inside rows 2, 3 and 4
        List<String> expected = new ArrayList<>();
        for (long row = 1; row <= 5; row++) {
            for (int variant = 1; variant <= 3; variant++) {
                ledger.insertIntent(BATCH, row, variant, "A" + row, "liangxin", "m", "p" + row, "{}");
                ledger.markSubmitted(BATCH, row, variant, "task-" + row + "-" + variant, T0, T0, T0 + 900_000);
                ledger.polls().markGenerated(BATCH, row, variant, "SUCCESS", "https://img.example/" + row + ".png");
                ledger.downloads().markStored(BATCH, row, variant, "file:/out/" + BATCH + "/A" + row + "-" + variant
                        + ".png", "00".repeat(32), 10);
                expected.add(row + "/" + variant);
            }
        }

        LedgerImages images = new LedgerImages(ledger);
        List<String> read = new ArrayList<>();
        long after = 0;
        int afterVariant = 0;
        while (true) {
            List<LedgerEntry> page = images.storedAfter(BATCH, after, afterVariant, 4);
            for (LedgerEntry line : page) {
                read.add(line.rowNum() + "/" + line.variant());
                after = line.rowNum();
                afterVariant = line.variant();
            }
            if (page.size() < 4) {
                break;
            }
        }

        assertThat(read).containsExactlyElementsOf(expected);
    }
}
