package io.imagebatch.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Every {@link BatchRegistry} method against a real database, with the fencing of the {@link TaskLedger}'s
 * writes: on H2 ({@link BatchRegistryH2Test}, the default database) and on PostgreSQL
 * ({@link BatchRegistryPostgresTest}).
 */
abstract class BatchRegistryContract extends LedgerTestDatabase {

    // ---- the spend estimate of the last preflight ----

    @Test
    void theEstimateOfTheLastPreflightIsKeptExactlyToSixDecimalsWithItsCurrency() {
        batches.recordBatch(BATCH, "{}");
        assertThat(batches.estimate(BATCH)).isEmpty();

        batches.recordEstimate(BATCH, new BatchRegistry.Estimate(new java.math.BigDecimal("1234.567891"), "EUR",
                true));
        batches.recordEstimate(BATCH, new BatchRegistry.Estimate(new java.math.BigDecimal("0.039"), "credits",
                false));

        BatchRegistry.Estimate estimate = batches.estimate(BATCH).orElseThrow();
        assertThat(estimate.amount()).isEqualByComparingTo("0.039");
        assertThat(estimate.currency()).isEqualTo("credits");
        assertThat(estimate.complete()).isFalse();
        assertThat(batches.estimate(OTHER)).isEmpty();
        assertThat(columns("IB_BATCH")).contains("ESTIMATED_SPEND", "ESTIMATED_CURRENCY", "ESTIMATE_COMPLETE");
    }

    @Test
    void theObservedSpendIsTheFirstBalanceBeforeMinusTheLastBalanceAfter() {
        batches.recordBatch(BATCH, "{}");
        batches.recordBalanceAfter(BATCH, new java.math.BigDecimal("900"));
        assertThat(batches.observedSpend(BATCH)).isEmpty();

        batches.recordBalanceBefore(BATCH, new java.math.BigDecimal("1000.5"));
        batches.recordBalanceBefore(BATCH, new java.math.BigDecimal("990")); // a resume: the first one stays
        batches.recordBalanceAfter(BATCH, new java.math.BigDecimal("987.25"));

        assertThat(batches.balanceBefore(BATCH).orElseThrow()).isEqualByComparingTo("1000.5");
        assertThat(batches.observedSpend(BATCH).orElseThrow()).isEqualByComparingTo("13.25");
        assertThat(batches.observedSpend(OTHER)).isEmpty();
    }

    // ---- fencing: the batch lock's generation ----

    @Test
    void aStaleLockHoldersWritesAreRefusedOnceAnotherProcessTookTheLock() {
        batches.recordBatch(BATCH, "{}");
        assertThat(batches.takeFence(BATCH, "pid 1 on a")).isEqualTo(1);
        ledger.insertIntent(BATCH, 1, "A1", "liangxin", "m", "p", "{}");
        ledger.insertIntent(BATCH, 2, "A2", "liangxin", "m", "p", "{}");

        // another process (its own ledger on the same database) takes the batch's lock
        BatchRegistry otherBatches = new BatchRegistry(jdbc, transactions, clock);
        TaskLedger other = new TaskLedger(jdbc, transactions, clock, otherBatches);
        assertThat(otherBatches.takeFence(BATCH, "pid 2 on b")).isEqualTo(2);
        other.markUncertain(BATCH, 1, "its run died mid-call");

        // the first one's writes carry generation 1: refused, nothing committed, of any kind
        assertThatThrownBy(() -> ledger.markSubmitted(BATCH, 2, "task-2", T0, T0, T0))
                .isInstanceOf(LockLostException.class).hasMessageContaining(BATCH);
        assertThatThrownBy(() -> ledger.insertIntent(BATCH, 3, "A3", "liangxin", "m", "p", "{}"))
                .isInstanceOf(LockLostException.class);
        assertThatThrownBy(() -> ledger.claimPending(BATCH, 2)).isInstanceOf(LockLostException.class);
        assertThat(ledger.find(BATCH, 2).orElseThrow().state()).isEqualTo(RowState.SUBMITTING);
        assertThat(ledger.find(BATCH, 3)).isEmpty();
        // the new holder writes on, and so do processes that hold no fence for the batch (status, tests)
        other.markSubmitted(BATCH, 2, "task-2b", T0, T0, T0);
        new TaskLedger(jdbc, transactions, clock).markFailed(BATCH, 2, null, "x", "y");
        assertThat(ledger.find(BATCH, 2).orElseThrow().state()).isEqualTo(RowState.FAILED);
        assertThat(otherBatches.lockHolder(BATCH).orElseThrow())
                .extracting(LockHolder::process, LockHolder::sinceMillis, LockHolder::generation)
                .containsExactly("pid 2 on b", T0, 2L);
    }

    @Test
    void aLockLostLocallyRefusesEveryWriteAtOnceWithoutTheDatabase() {
        batches.recordBatch(BATCH, "{}");
        batches.recordBatch(OTHER, "{}");
        batches.takeFence(BATCH, "pid 1 on a");
        batches.takeFence(OTHER, "pid 1 on a");

        batches.revokeFence(BATCH, "batch " + BATCH + ": the lock could not be renewed");

        assertThatThrownBy(() -> ledger.insertIntent(BATCH, 1, "A1", "liangxin", "m", "p", "{}"))
                .isInstanceOf(LockLostException.class).hasMessage("batch " + BATCH + ": the lock could not be renewed");
        assertThat(ledger.find(BATCH, 1)).isEmpty();
        // the other batch's lock is held still
        assertThat(ledger.insertIntent(OTHER, 1, "A1", "liangxin", "m", "p", "{}")).isTrue();
        // taken again (a later run in this process): writes go on, with the new generation
        assertThat(batches.takeFence(BATCH, "pid 1 on a")).isEqualTo(2);
        assertThat(ledger.insertIntent(BATCH, 1, "A1", "liangxin", "m", "p", "{}")).isTrue();
        batches.releaseFence(BATCH);
        assertThat(batches.lockHolder(OTHER)).isPresent();
        assertThat(batches.lockHolder("unknown-000000000000")).isEmpty();
    }

    // ---- fencing of a worker's partition (README.md, "More than one machine") ----

    @Test
    void aStaleWorkersWritesAreRefusedOnceAnotherWorkerTookItsPartition() {
        runScript("db/lock-schema.sql");
        batches.recordBatch(BATCH, "{}");
        // the manager holds the batch's own fence in its process; worker A runs partition0 in its process
        BatchRegistry manager = new BatchRegistry(jdbc, transactions, clock);
        assertThat(manager.takeFence(BATCH, "manager pid 1 on m")).isEqualTo(1);
        assertThat(batches.takePartitionFence(BATCH, "partition0", "worker pid 2 on a")).isEqualTo(1);
        ledger.insertIntent(BATCH, 1, "A1", "liangxin", "m", "p", "{}");
        ledger.insertIntent(BATCH, 2, "A2", "liangxin", "m", "p", "{}");

        // the manager sent partition0 again; worker B (its own ledger on the same database) took it
        BatchRegistry workerB = new BatchRegistry(jdbc, transactions, clock);
        TaskLedger ledgerB = new TaskLedger(jdbc, transactions, clock, workerB);
        assertThat(workerB.takePartitionFence(BATCH, "partition0", "worker pid 3 on b")).isEqualTo(2);
        ledgerB.markUncertain(BATCH, 1, "its worker died mid-call");

        // worker A's writes carry generation 1 of partition0: refused, nothing committed
        assertThatThrownBy(() -> ledger.markSubmitted(BATCH, 2, "task-2", T0, T0, T0))
                .isInstanceOf(LockLostException.class).hasMessageContaining(BATCH).hasMessageContaining("partition0");
        assertThatThrownBy(() -> ledger.insertIntent(BATCH, 3, "A3", "liangxin", "m", "p", "{}"))
                .isInstanceOf(LockLostException.class);
        assertThat(ledger.find(BATCH, 2).orElseThrow().state()).isEqualTo(RowState.SUBMITTING);
        assertThat(ledger.find(BATCH, 3)).isEmpty();
        // worker B writes on; the manager's batch fence is untouched by partition fences
        ledgerB.markSubmitted(BATCH, 2, "task-2b", T0, T0, T0);
        new TaskLedger(jdbc, transactions, clock, manager).markFailed(BATCH, 2, null, "x", "y");
        assertThat(ledger.find(BATCH, 2).orElseThrow().state()).isEqualTo(RowState.FAILED);
        // a lock lost locally refuses at once; released, the fence no longer checks the batch's writes
        workerB.revokePartitionFence(BATCH, "partition0", "batch " + BATCH + ", partition0: lock lost");
        assertThatThrownBy(() -> ledgerB.insertIntent(BATCH, 4, "A4", "liangxin", "m", "p", "{}"))
                .isInstanceOf(LockLostException.class).hasMessage("batch " + BATCH + ", partition0: lock lost");
        workerB.releasePartitionFence(BATCH, "partition0");
        assertThat(ledgerB.insertIntent(BATCH, 4, "A4", "liangxin", "m", "p", "{}")).isTrue();
    }

    // ---- batches ----

    @Test
    void aBatchKeepsTheSettingsItStartedWith() {
        assertThat(batches.batchSettings(BATCH)).isEmpty();
        batches.recordBatch(BATCH, "{\"v\":1}");
        batches.recordBatch(BATCH, "{\"v\":2}");
        assertThat(batches.batchSettings(BATCH)).contains("{\"v\":1}");
        assertThat(batches.retryRounds(BATCH)).isZero();
    }

    @Test
    void recordingAKnownBatchInsideATransactionLeavesThatTransactionUsable() {
        batches.recordBatch(BATCH, "{\"v\":1}");
        long count = new TransactionTemplate(transactions).execute(tx -> {
            batches.recordBatch(BATCH, "{\"v\":2}");
            return jdbc.sql("SELECT COUNT(*) FROM IB_BATCH").query(Long.class).single();
        });
        assertThat(count).isEqualTo(1);
    }

    @Test
    void batchesAreListedNewestFirstUpToTheLimit() {
        for (String id : List.of("a-000000000001", "b-000000000002", "c-000000000003")) {
            batches.recordBatch(id, "{}");
            clock.advance(1000);
        }
        assertThat(batches.batches(2)).containsExactly(Map.entry("c-000000000003", T0 + 2000),
                Map.entry("b-000000000002", T0 + 1000));
        assertThat(batches.batches(10)).hasSize(3);
    }

    @Test
    void theCallbackTokenIsMadeOnceAndKept() {
        batches.recordBatch(BATCH, "{}");
        assertThat(batches.storedCallbackToken(BATCH)).isEmpty();

        String token = batches.callbackToken(BATCH);

        assertThat(token).matches("[0-9a-f]{64}");
        assertThat(batches.callbackToken(BATCH)).isEqualTo(token);
        assertThat(batches.storedCallbackToken(BATCH)).contains(token);
        assertThat(batches.storedCallbackToken(OTHER)).isEmpty();
        assertThatThrownBy(() -> batches.callbackToken(OTHER)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(OTHER);
    }
}
