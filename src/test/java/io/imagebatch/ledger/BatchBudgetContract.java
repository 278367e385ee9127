package io.imagebatch.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.imagebatch.metrics.ImageBatchMetrics;
import io.imagebatch.spend.PriceTable;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.imagebatch.spend.SpendProperties;
import io.imagebatch.spend.SpendReservations;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.StaticListableBeanFactory;

/**
 * The batch budget's reservations in the ledger (docs/design.md, Spend), against a real database: the same tests
 * on H2 ({@link BatchBudgetH2Test}) and PostgreSQL ({@link BatchBudgetPostgresTest}), so that the atomic
 * reservation is shown to hold on both.
 */
abstract class BatchBudgetContract extends LedgerTestDatabase {

    private static final BigDecimal PRICE = new BigDecimal("0.04");

    /** liangxin does not charge failed generations, hiapi does (the default). */
    private static PriceTable prices() {
        return PriceTable.from("USD", new SpendProperties(new SpendProperties.Prices("0.04", null, false, null), null,
                new SpendProperties.Prices("0.04", null, null, null), null));
    }

    private LedgerBudget.Intent reserve(long rowNum, String provider) {
        return ledger.budget().reserveIntent(BATCH, rowNum, "A" + rowNum, provider, "m", "p", "{}", PRICE);
    }

    private BatchSpend spend() {
        return batches.spend(BATCH).orElseThrow();
    }

    private BigDecimal sumOfCosts() {
        BigDecimal sum = jdbc.sql("SELECT SUM(COST) FROM IB_TASK_LEDGER WHERE BATCH_ID = ?").param(BATCH)
                .query(BigDecimal.class).single();
        return sum == null ? BigDecimal.ZERO : sum;
    }

    @Test
    void concurrentWritersNeverCommitPastTheBudget() throws Exception {
        ledger.spendWith(prices(), SpendReservations.NONE);
        batches.recordBatch(BATCH, "{}");
        batches.recordBudget(BATCH, new BigDecimal("1.00"));
        int rows = 120;
        ExecutorService threads = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<LedgerBudget.Intent>> results = new ArrayList<>();
        try {
            for (long row = 1; row <= rows; row++) {
                long rowNum = row;
                results.add(threads.submit(() -> {
                    start.await();
                    return reserve(rowNum, "liangxin");
                }));
            }
            start.countDown();
            Map<LedgerBudget.Intent, Integer> counts = new ConcurrentHashMap<>();
            for (Future<LedgerBudget.Intent> result : results) {
                counts.merge(result.get(120, TimeUnit.SECONDS), 1, Integer::sum);
            }
            // floor(1.00 / 0.04) = 25 reservations, whatever the interleaving
            assertThat(counts).containsEntry(LedgerBudget.Intent.TAKEN, 25)
                    .containsEntry(LedgerBudget.Intent.HELD, rows - 25);
        } finally {
            threads.shutdownNow();
        }
        assertThat(spend().committed()).isEqualByComparingTo("1.00");
        assertThat(sumOfCosts()).isEqualByComparingTo("1.00");
        assertThat(ledger.report().countByState(BATCH)).containsEntry(RowState.SUBMITTING, 25L)
                .containsEntry(RowState.HELD, (long) rows - 25);
    }

    @Test
    void aRowThatDoesNotFitIsHeldWithTheAmountsInItsReason() {
        ledger.spendWith(prices(), SpendReservations.NONE);
        batches.recordBatch(BATCH, "{}");
        batches.recordBudget(BATCH, new BigDecimal("0.05"));

        assertThat(reserve(1, "liangxin")).isEqualTo(LedgerBudget.Intent.TAKEN);
        assertThat(reserve(2, "liangxin")).isEqualTo(LedgerBudget.Intent.HELD);
        assertThat(reserve(2, "liangxin")).as("a HELD row is in the ledger").isEqualTo(LedgerBudget.Intent.ELSEWHERE);

        LedgerEntry held = ledger.find(BATCH, 2).orElseThrow();
        assertThat(held.state()).isEqualTo(RowState.HELD);
        assertThat(held.error()).isEqualTo("budget: 0.04 of 0.05 USD committed, this row costs 0.04");
        assertThat(spend().committed()).isEqualByComparingTo("0.04");
        assertThat(spend().remaining()).contains(new BigDecimal("0.010000"));
    }

    @Test
    void aCreateThatCertainlyDidNotHappenGivesItsReservationBack() {
        batches.recordBatch(BATCH, "{}");
        batches.recordBudget(BATCH, new BigDecimal("1.00"));
        reserve(1, "liangxin");
        reserve(2, "liangxin");
        reserve(3, "liangxin");
        assertThat(spend().committed()).isEqualByComparingTo("0.12");

        ledger.markRejectedByProvider(BATCH, 1, "422", "row 1: the provider refused the request");
        ledger.releaseIntent(BATCH, 2);
        ledger.markUncertain(BATCH, 3, "no answer", T0, T0 + 1);

        assertThat(spend().committed()).as("only the UNCERTAIN row keeps its reservation: it may have been paid")
                .isEqualByComparingTo("0.04");
        assertThat(sumOfCosts()).isEqualByComparingTo("0.04");
        assertThat(ledger.find(BATCH, 1).orElseThrow().state()).isEqualTo(RowState.REJECTED);
        assertThat(ledger.find(BATCH, 2)).isEmpty();
        assertThat(spend().refunded()).isEqualByComparingTo("0");
    }

    @Test
    void aFailedGenerationIsRefundedOnlyWhenItsProviderDoesNotChargeFailedGenerations() {
        ledger.spendWith(prices(), SpendReservations.NONE);
        batches.recordBatch(BATCH, "{}");
        reserve(1, "liangxin");
        reserve(2, "hiapi");
        ledger.markSubmitted(BATCH, 1, "t1", T0, T0, T0 + 60_000);
        ledger.markSubmitted(BATCH, 2, "t2", T0, T0, T0 + 60_000);

        ledger.markFailed(BATCH, 1, "failed", "fail", "generation failed", FailureKind.GENERATION_FAILED);
        ledger.markFailed(BATCH, 2, "failed", "fail", "generation failed", FailureKind.GENERATION_FAILED);

        assertThat(spend().committed()).as("hiapi charges failed generations").isEqualByComparingTo("0.04");
        assertThat(spend().refunded()).as("liangxin has charges-failed=false").isEqualByComparingTo("0.04");
    }

    @Test
    void aRowTheDailyBudgetRefusesIsHeldWithItsReasonAndReservesNothing() {
        SpendReservations daily = new SpendReservations() {
            @Override
            public Optional<String> reserve(String provider, BigDecimal amount) {
                return Optional.of(SpendReservations.dailyBudgetReason(new BigDecimal("119.98"),
                        new BigDecimal("120"), "USD", provider, amount));
            }

            @Override
            public void release(String provider, BigDecimal amount) {
            }
        };
        ledger.spendWith(prices(), daily);
        batches.recordBatch(BATCH, "{}");
        batches.recordBudget(BATCH, new BigDecimal("1.00"));

        assertThat(reserve(1, "hiapi")).isEqualTo(LedgerBudget.Intent.HELD);
        assertThat(ledger.find(BATCH, 1).orElseThrow().error())
                .isEqualTo("daily budget: 119.98 of 120.00 USD committed today for hiapi, this row costs 0.04");
        assertThat(spend().committed()).isEqualByComparingTo("0");
    }

    @Test
    void aBudgetRoundMakesOnlyTheHeldRowsPendingAndTheyReserveWhenClaimed() {
        ledger.spendWith(prices(), SpendReservations.NONE);
        batches.recordBatch(BATCH, "{}");
        batches.recordBudget(BATCH, new BigDecimal("0.04"));
        reserve(1, "liangxin");
        ledger.markSubmitted(BATCH, 1, "t1", T0, T0, T0 + 60_000);
        assertThat(reserve(2, "liangxin")).isEqualTo(LedgerBudget.Intent.HELD);

        batches.recordBudget(BATCH, new BigDecimal("0.08"));
        assertThat(retries.startHeldRound(BATCH)).isEqualTo(1);
        assertThat(batches.retryRounds(BATCH)).isEqualTo(1);
        assertThat(ledger.report().countByState(BATCH)).containsEntry(RowState.SUBMITTED, 1L)
                .containsEntry(RowState.PENDING, 1L);

        assertThat(reserve(2, "liangxin")).isEqualTo(LedgerBudget.Intent.TAKEN);
        assertThat(spend().committed()).isEqualByComparingTo("0.08");
        assertThat(retries.startHeldRound(BATCH)).as("no HELD row left: no round").isZero();
    }
    @Test
    void theSpendGaugesShowTheBatchsCommittedSpendAndWhatIsLeft() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        TaskLedger measured = measured(meters);
        batches.recordBatch(BATCH, "{}");
        batches.recordBudget(BATCH, new BigDecimal("1.00"));
        measured.budget().reserveIntent(BATCH, 1, "A1", "liangxin", "m", "p", "{}", PRICE);
        measured.budget().reserveIntent(BATCH, 2, "A2", "liangxin", "m", "p", "{}", PRICE);
        measured.budget().reserveIntent(BATCH, 3, "A3", "hiapi", "m", "p", "{}", PRICE);

        assertThat(meters.get(ImageBatchMetrics.SPEND_COMMITTED).tags("batch", BATCH).gauge().value())
                .isEqualTo(0.12, within(1e-9));
        assertThat(meters.get(ImageBatchMetrics.SPEND_BUDGET_REMAINING).tags("batch", BATCH).gauge().value())
                .isEqualTo(0.88, within(1e-9));

        measured.releaseIntent(BATCH, 1);
        assertThat(meters.get(ImageBatchMetrics.SPEND_BUDGET_REMAINING).tags("batch", BATCH).gauge().value())
                .isEqualTo(0.92, within(1e-9));
    }

    /**
     * A charged failed generation keeps its reservation in the batch's committed spend when a retry round makes
     * its row PENDING again (without a cost of its own): the gauge shows what {@code status} shows, not the rows'
     * costs.
     */
    @Test
    void theCommittedGaugeEqualsTheCommittedSpendStatusShowsAfterARetryRound() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        TaskLedger measured = measured(meters);
        measured.spendWith(prices(), SpendReservations.NONE);
        batches.recordBatch(BATCH, "{}");
        batches.recordBudget(BATCH, new BigDecimal("1.00"));
        measured.budget().reserveIntent(BATCH, 1, "A1", "hiapi", "m", "p", "{}", PRICE);
        measured.markSubmitted(BATCH, 1, "t1", T0, T0, T0 + 60_000);
        measured.markFailed(BATCH, 1, "failed", "fail", "generation failed", FailureKind.GENERATION_FAILED);
        assertThat(retries.startRetryRound(BATCH, false)).isEqualTo(1);
        measured.budget().reserveIntent(BATCH, 1, "A1", "hiapi", "m", "p", "{}", PRICE);

        assertThat(spend().committed()).as("both attempts are paid for").isEqualByComparingTo("0.08");
        assertThat(sumOfCosts()).as("the row holds only its current attempt's cost").isEqualByComparingTo("0.04");
        assertThat(meters.get(ImageBatchMetrics.SPEND_COMMITTED).tags("batch", BATCH).gauge().value())
                .isEqualTo(spend().committed().doubleValue(), within(1e-9));
    }

    @Test
    void aBatchsSpendGaugesAreRemovedWhenItsRunEnds() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        TaskLedger measured = measured(meters);
        batches.recordBatch(BATCH, "{}");
        measured.budget().reserveIntent(BATCH, 1, "A1", "liangxin", "m", "p", "{}", PRICE);
        assertThat(meters.find(ImageBatchMetrics.SPEND_COMMITTED).tags("batch", BATCH).gauge()).isNotNull();

        measured.budget().removeGauges(BATCH);
        assertThat(meters.find(ImageBatchMetrics.SPEND_COMMITTED).gauges()).isEmpty();
        assertThat(meters.find(ImageBatchMetrics.SPEND_BUDGET_REMAINING).gauges()).isEmpty();

        measured.budget().reserveIntent(BATCH, 2, "A2", "liangxin", "m", "p", "{}", PRICE);
        assertThat(meters.get(ImageBatchMetrics.SPEND_COMMITTED).tags("batch", BATCH).gauge().value())
                .as("a later run registers them again").isEqualTo(0.08, within(1e-9));
    }

    /** @return a ledger on this test's database that records its meters to {@code meters} */
    private TaskLedger measured(SimpleMeterRegistry meters) {
        StaticListableBeanFactory beans = new StaticListableBeanFactory();
        beans.addBean("meters", meters);
        return new TaskLedger(jdbc, transactions, clock, batches, beans.getBeanProvider(MeterRegistry.class));
    }
}
