package io.imagebatch.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The console's reads of the ledger ({@link LedgerReport#rowPage}, {@link LedgerReport#attempts}) and the redo's
 * ledger change ({@link LedgerRetries#startRedo}), on H2 ({@link LedgerRowPageH2Test}) and PostgreSQL
 * ({@link LedgerRowPagePostgresTest}).
 */
abstract class LedgerRowPageContract extends LedgerTestDatabase {

    /** A row whose image is stored, with the given id and prompt. */
    void stored(long row, String rowId, String prompt) {
        ledger.insertIntent(BATCH, row, rowId, "liangxin", "m", prompt, "{\"prompt\":\"" + prompt + "\"}");
        ledger.markSubmitted(BATCH, row, "task-" + row, T0, T0, T0 + 900_000);
        ledger.polls().markGenerated(BATCH, row, "SUCCESS", "https://img.example/" + row + ".png");
        ledger.downloads().markStored(BATCH, row, "file:/out/" + BATCH + "/" + rowId + ".png", "00".repeat(32), 10);
    }

    void failed(long row, String rowId, String prompt) {
        ledger.insertIntent(BATCH, row, rowId, "liangxin", "m", prompt, "{}");
        ledger.markSubmitted(BATCH, row, "task-" + row, T0, T0, T0 + 900_000);
        ledger.markFailed(BATCH, row, "FAILED", "E1", "generation failed", FailureKind.GENERATION_FAILED);
    }

    @Test
    void aPageOfRowsIsFilteredByStateAndSearchedByIdOrPromptIgnoringCaseInRowOrderWithTheTotal() {
        batches.recordBatch(BATCH, "{}");
        stored(1, "SKU-1", "A Red Chair");
        failed(2, "SKU-2", "a blue lamp");
        stored(3, "sku-3", "a red lamp");
        ledger.insertRejected(BATCH, 4, "SKU-4", null, null, "100% red_wool", "row 4, column prompt: rule");
        stored(5, "SKU-5", "a green door");
        ledger.insertIntent(OTHER, 1, "SKU-1", "liangxin", "m", "a red chair", "{}");

        LedgerRowPage all = ledger.report().rowPage(BATCH, null, null, 0, 2);
        assertThat(all.total()).isEqualTo(5);
        assertThat(all.rows()).extracting(LedgerEntry::rowNum).containsExactly(1L, 2L);
        assertThat(ledger.report().rowPage(BATCH, null, null, 2, 2).rows()).extracting(LedgerEntry::rowNum)
                .containsExactly(5L);
        assertThat(ledger.report().rowPage(BATCH, null, null, 3, 2)).satisfies(p -> {
            assertThat(p.rows()).isEmpty();
            assertThat(p.total()).isEqualTo(5);
        });

        LedgerRowPage stored = ledger.report().rowPage(BATCH, RowState.STORED, null, 0, 10);
        assertThat(stored.rows()).extracting(LedgerEntry::rowNum).containsExactly(1L, 3L, 5L);
        assertThat(stored.total()).isEqualTo(3);

        // the prompt, ignoring case
        assertThat(ledger.report().rowPage(BATCH, null, "RED", 0, 10).rows()).extracting(LedgerEntry::rowNum)
                .containsExactly(1L, 3L, 4L);
        // the id, ignoring case, with a state
        LedgerRowPage skuStored = ledger.report().rowPage(BATCH, RowState.STORED, "sku-", 0, 1);
        assertThat(skuStored.rows()).extracting(LedgerEntry::rowNum).containsExactly(1L);
        assertThat(skuStored.total()).isEqualTo(3);
        // % and _ are the user's characters, not patterns
        assertThat(ledger.report().rowPage(BATCH, null, "0% red_", 0, 10).rows()).extracting(LedgerEntry::rowNum)
                .containsExactly(4L);
        assertThat(ledger.report().rowPage(BATCH, null, "a_b", 0, 10).total()).isZero();
        assertThat(ledger.report().rowPage(BATCH, null, "   ", 0, 10).total()).isEqualTo(5);

        assertThatThrownBy(() -> ledger.report().rowPage(BATCH, null, null, -1, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pages start at 0");
        assertThatThrownBy(() -> ledger.report().rowPage(BATCH, null, null, 0, 501))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 to 500 rows");
    }

    @Test
    void aRetryRoundKeepsTheAttemptsPromptAndARowsHistoryListsItsAttemptsOldestFirst() {
        batches.recordBatch(BATCH, "{}");
        failed(1, "A1", "a red chair");
        clock.advance(1000);
        assertThat(retries.startRetryRound(BATCH, false)).isEqualTo(1);
        ledger.budget().reserveIntent(BATCH, 1, "A1", "liangxin", "m", "a red chair", "{}", null);
        ledger.markSubmitted(BATCH, 1, "task-1b", T0 + 2000, T0 + 2000, T0 + 900_000);
        ledger.markFailed(BATCH, 1, "FAILED", "E2", "failed again", FailureKind.GENERATION_FAILED);
        clock.advance(1000);
        assertThat(retries.startRetryRound(BATCH, false)).isEqualTo(1);

        List<LedgerAttempt> history = ledger.report().attempts(BATCH, 1);

        assertThat(history).extracting(LedgerAttempt::attempt, LedgerAttempt::state, LedgerAttempt::taskId,
                        LedgerAttempt::prompt, LedgerAttempt::errorCode, LedgerAttempt::endedAt)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(1, RowState.FAILED, "task-1", "a red chair", "E1", T0),
                        org.assertj.core.groups.Tuple.tuple(2, RowState.FAILED, "task-1b", "a red chair", "E2",
                                T0 + 1000));
        assertThat(history.get(0).submittedAt()).isEqualTo(T0);
        assertThat(ledger.report().attempts(BATCH, 2)).isEmpty();
    }

    @Test
    void aRedoArchivesTheStoredAttemptWithItsPromptAndHistoryImageAndMakesTheRowPendingWithTheNewPrompt() {
        batches.recordBatch(BATCH, "{}");
        stored(1, "A1", "a red chair");
        stored(2, "A2", "a blue lamp");
        clock.advance(5000);

        assertThat(retries.startRedo(BATCH, 2, RowState.STORED, 1, "a violet lamp",
                "file:/out/" + BATCH + "/history/A2-attempt-1.png")).isTrue();

        LedgerEntry row = ledger.find(BATCH, 2).orElseThrow();
        assertThat(row).extracting(LedgerEntry::state, LedgerEntry::attempt, LedgerEntry::prompt)
                .containsExactly(RowState.PENDING, 2, "a violet lamp");
        assertThat(new Object[] {row.taskId(), row.resultUrl(), row.outputUri(), row.sha256(), row.bytes(),
            row.error(), row.submittedAt(), row.deadlineAt()}).containsOnlyNulls();
        assertThat(ledger.promptOverrides(BATCH)).containsExactly(java.util.Map.entry(2L, "a violet lamp"));
        assertThat(batches.retryRounds(BATCH)).isEqualTo(1);
        assertThat(ledger.report().attempts(BATCH, 2)).singleElement().satisfies(a -> {
            assertThat(a.attempt()).isEqualTo(1);
            assertThat(a.state()).isEqualTo(RowState.STORED);
            assertThat(a.taskId()).isEqualTo("task-2");
            assertThat(a.prompt()).isEqualTo("a blue lamp");
            assertThat(a.outputUri()).isEqualTo("file:/out/" + BATCH + "/history/A2-attempt-1.png");
        });
        // the other row is untouched
        assertThat(ledger.find(BATCH, 1).orElseThrow().state()).isEqualTo(RowState.STORED);

        // the submit step's claim sends the new prompt and records its request
        assertThat(ledger.budget().reserveIntent(BATCH, 2, "A2", "liangxin", "m", "a violet lamp",
                "{\"prompt\":\"a violet lamp\"}", null)).isEqualTo(LedgerBudget.Intent.TAKEN);
        assertThat(ledger.find(BATCH, 2).orElseThrow()).extracting(LedgerEntry::state, LedgerEntry::request)
                .containsExactly(RowState.SUBMITTING, "{\"prompt\":\"a violet lamp\"}");
    }

    @Test
    void aSecondRedoBeforeTheFirstIsSentOnlyReplacesThePromptAndAStaleRedoChangesNothing() {
        batches.recordBatch(BATCH, "{}");
        stored(1, "A1", "a red chair");
        assertThat(retries.startRedo(BATCH, 1, RowState.STORED, 1, "a green chair", null)).isTrue();

        // read before the first redo: its state and attempt are no longer the row's
        assertThat(retries.startRedo(BATCH, 1, RowState.STORED, 1, "a stale chair", null)).isFalse();
        assertThat(retries.startRedo(BATCH, 1, RowState.PENDING, 2, "a yellow chair", null)).isTrue();

        assertThat(ledger.find(BATCH, 1).orElseThrow())
                .extracting(LedgerEntry::state, LedgerEntry::attempt, LedgerEntry::prompt)
                .containsExactly(RowState.PENDING, 2, "a yellow chair");
        assertThat(ledger.promptOverrides(BATCH)).containsExactly(java.util.Map.entry(1L, "a yellow chair"));
        assertThat(retries.archivedAttempts(BATCH)).isEqualTo(1);
        assertThat(batches.retryRounds(BATCH)).isEqualTo(1);
    }

    /**
     * A redo's new attempt reserves its price like any create (docs/design.md, Spend): what the earlier attempt
     * committed stays committed (it was paid), and the new one is HELD when the budget has no room for it.
     */
    @Test
    void aRedoneRowReservesItsPriceAgainAndIsHeldWhenTheBudgetHasNoRoom() {
        java.math.BigDecimal price = new java.math.BigDecimal("0.04");
        batches.recordBatch(BATCH, "{}");
        batches.recordBudget(BATCH, new java.math.BigDecimal("0.10"));
        for (long row = 1; row <= 2; row++) {
            assertThat(ledger.budget().reserveIntent(BATCH, row, "A" + row, "liangxin", "m", "p" + row, "{}", price))
                    .isEqualTo(LedgerBudget.Intent.TAKEN);
            ledger.markSubmitted(BATCH, row, "task-" + row, T0, T0, T0 + 900_000);
            ledger.polls().markGenerated(BATCH, row, "SUCCESS", "https://img.example/" + row + ".png");
            ledger.downloads().markStored(BATCH, row, "file:/out/A" + row + ".png", "00".repeat(32), 10);
        }
        // a failed row is redone too; it stored no image, so its archived attempt has none
        failed(3, "A3", "p3");

        assertThat(retries.startRedo(BATCH, 1, RowState.STORED, 1, "new 1", "file:/out/history/A1-attempt-1.png"))
                .isTrue();
        assertThat(retries.startRedo(BATCH, 3, RowState.FAILED, 1, "new 3", null)).isTrue();

        assertThat(batches.spend(BATCH).orElseThrow().committed()).isEqualByComparingTo("0.08");
        assertThat(ledger.report().attempts(BATCH, 3)).singleElement()
                .extracting(LedgerAttempt::state, LedgerAttempt::prompt, LedgerAttempt::outputUri)
                .containsExactly(RowState.FAILED, "p3", null);
        assertThat(ledger.budget().reserveIntent(BATCH, 3, "A3", "liangxin", "m", "new 3", "{}", price))
                .isEqualTo(LedgerBudget.Intent.HELD);
        assertThat(ledger.budget().reserveIntent(BATCH, 1, "A1", "liangxin", "m", "new 1", "{}",
                new java.math.BigDecimal("0.02"))).isEqualTo(LedgerBudget.Intent.TAKEN);
        assertThat(batches.spend(BATCH).orElseThrow().committed()).isEqualByComparingTo("0.10");
        assertThat(ledger.find(BATCH, 3).orElseThrow()).extracting(LedgerEntry::state, LedgerEntry::attempt,
                LedgerEntry::prompt).containsExactly(RowState.HELD, 2, "new 3");
    }

    /**
     * 100,000 rows, as a big batch has: a page of each kind is one indexed count and one indexed page read. The
     * times are printed for the reader, not asserted (they depend on the machine's load).
     */
    @Test
    void aPageOfAHundredThousandRowBatchIsReadWithoutReadingTheBatch() throws Exception {
        batches.recordBatch(BATCH, "{}");
        int rows = 100_000;
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO IB_TASK_LEDGER (BATCH_ID, ROW_NUM, ROW_ID,"
                    + " STATE, PROVIDER, MODEL, PROMPT, UPDATED_AT) VALUES (?, ?, ?, ?, 'liangxin', 'm', ?, ?)")) {
                for (int i = 1; i <= rows; i++) {
                    insert.setString(1, BATCH);
                    insert.setLong(2, i);
                    insert.setString(3, "SKU-" + i);
                    insert.setString(4, i % 100 == 0 ? "FAILED" : "STORED");
                    insert.setString(5, "product photo of item " + i + " on a white background");
                    insert.setLong(6, T0);
                    insert.addBatch();
                    if (i % 5000 == 0) {
                        insert.executeBatch();
                    }
                }
                insert.executeBatch();
            }
            c.commit();
        }
        ledger.report().rowPage(BATCH, null, null, 0, 100); // warm-up

        long t0 = System.nanoTime();
        LedgerRowPage last = ledger.report().rowPage(BATCH, null, null, 999, 100);
        long t1 = System.nanoTime();
        LedgerRowPage failed = ledger.report().rowPage(BATCH, RowState.FAILED, null, 5, 100);
        long t2 = System.nanoTime();
        LedgerRowPage search = ledger.report().rowPage(BATCH, null, "ITEM 9999", 0, 100);
        long t3 = System.nanoTime();
        System.out.printf("100,000 rows on %s: last page %d ms, FAILED page 5 %d ms, search %d ms%n",
                getClass().getSimpleName(), (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000);

        assertThat(last.total()).isEqualTo(rows);
        assertThat(last.rows()).extracting(LedgerEntry::rowNum).startsWith(99_901L).endsWith(100_000L).hasSize(100);
        assertThat(failed.total()).isEqualTo(1000);
        assertThat(failed.rows()).extracting(LedgerEntry::rowNum).startsWith(50_100L).hasSize(100);
        assertThat(search.rows()).extracting(LedgerEntry::rowNum).containsExactly(9999L, 99_990L, 99_991L, 99_992L,
                99_993L, 99_994L, 99_995L, 99_996L, 99_997L, 99_998L, 99_999L);
    }
}
