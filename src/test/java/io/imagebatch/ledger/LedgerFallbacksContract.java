package io.imagebatch.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * {@link LedgerFallbacks}: a batch's moves to its fallback providers (README, "A fallback provider"), the same on H2
 * and PostgreSQL. The batch's switch is recorded once and only grows, a row moved alone does not move the batch, a
 * stale lock holder cannot record a move, and the row's intent at the fallback carries the fallback's provider.
 */
abstract class LedgerFallbacksContract extends LedgerTestDatabase {

    @Test
    void aBatchSwitchIsRecordedOnceAndARowMovedAloneDoesNotMoveTheBatch() {
        assertThat(ledger.fallbacks().batchPosition(BATCH)).isZero();

        assertThat(ledger.fallbacks().record(BATCH, 0, 1, "hiapi", "Nano-Banana-Pro",
                LedgerFallbacks.Reason.ACCOUNT, "the account was refused at liangxin: HTTP 401")).isTrue();
        // the other rows of the chunk, refused at the same time, find it recorded
        assertThat(ledger.fallbacks().record(BATCH, 0, 1, "hiapi", "Nano-Banana-Pro",
                LedgerFallbacks.Reason.ACCOUNT, "again")).isFalse();
        assertThat(ledger.fallbacks().record(BATCH, 7, 2, "crun", null, LedgerFallbacks.Reason.BUSY,
                "still busy after 4 attempts at hiapi Nano-Banana-Pro")).isTrue();

        assertThat(ledger.fallbacks().batchPosition(BATCH)).isEqualTo(1);
        assertThat(ledger.fallbacks().batchPosition(OTHER)).isZero();
        assertThat(ledger.fallbacks().summary(BATCH)).containsExactly(
                "batch moved to hiapi Nano-Banana-Pro: the account was refused at liangxin: HTTP 401",
                "1 row(s) moved to crun: still busy after 4 attempts at hiapi Nano-Banana-Pro");
    }

    @Test
    void aStaleLockHolderCannotMoveTheBatch() {
        batches.recordBatch(BATCH, "{}");
        batches.takeFence(BATCH, "pid 1 on a");
        new BatchRegistry(jdbc, transactions, clock).takeFence(BATCH, "pid 2 on b");

        assertThatThrownBy(() -> ledger.fallbacks().record(BATCH, 0, 1, "hiapi", null,
                LedgerFallbacks.Reason.ACCOUNT, "refused")).isInstanceOf(LockLostException.class);
        assertThat(ledger.fallbacks().batchPosition(BATCH)).isZero();
    }

    @Test
    void aRowReleasedAtTheRefusingProviderTakesItsNextIntentAtTheFallbackUnderTheFallbacksName() {
        // the row's intent at the first provider, which answered 401: no task exists there
        assertThat(ledger.insertIntent(BATCH, 3, "A3", "liangxin", "nano-banana-pro-flash", "p", "{}")).isTrue();
        ledger.releaseIntent(BATCH, 3);
        ledger.fallbacks().record(BATCH, 0, 1, "hiapi", "Nano-Banana-Pro", LedgerFallbacks.Reason.ACCOUNT, "401");

        assertThat(ledger.budget().reserveIntent(BATCH, 3, "A3", "hiapi", "Nano-Banana-Pro", "p", "{}", null))
                .isEqualTo(LedgerBudget.Intent.TAKEN);

        // killed now, the row is SUBMITTING at hiapi: a resume makes it UNCERTAIN there, reconciled with hiapi's tasks
        LedgerEntry entry = ledger.find(BATCH, 3).orElseThrow();
        assertThat(entry.state()).isEqualTo(RowState.SUBMITTING);
        assertThat(entry.provider()).isEqualTo("hiapi");
        assertThat(entry.model()).isEqualTo("Nano-Banana-Pro");
        // and a second intent, at either provider, is refused: one create per row
        assertThat(ledger.insertIntent(BATCH, 3, "A3", "liangxin", "nano-banana-pro-flash", "p", "{}")).isFalse();
    }

    @Test
    void aRetriedRowClaimedAtTheFallbackRecordsTheFallbackAsItsProvider() {
        ledger.insertIntent(BATCH, 4, "A4", "liangxin", "nano-banana-pro-flash", "p", "{}");
        ledger.markFailed(BATCH, 4, "fail", "500", "generation failed", FailureKind.GENERATION_FAILED);
        retries.startRetryRound(BATCH, false);

        // retry-failed made it PENDING (attempt 2); the batch has since moved to hiapi
        assertThat(ledger.budget().reserveIntent(BATCH, 4, "A4", "hiapi", "Nano-Banana-Pro", "p", "{}", null))
                .isEqualTo(LedgerBudget.Intent.TAKEN);

        LedgerEntry entry = ledger.find(BATCH, 4).orElseThrow();
        assertThat(entry.attempt()).isEqualTo(2);
        assertThat(entry.provider()).isEqualTo("hiapi");
        assertThat(entry.model()).isEqualTo("Nano-Banana-Pro");
    }
}
