package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagebatch.ledger.LedgerEntry;
import io.imagebatch.ledger.RowState;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.batch.test.MetaDataInstanceFactory;

/**
 * The rules of a step that works through the ledger rows due for it while its upstream step may still add rows
 * (docs/design.md, "The job"): when it finishes, stops or ends, from how its upstream step ended. The per-row
 * action is an in-memory one here; the real poll and download actions against a real ledger are in
 * {@link PipelineFinishRaceTest} and the end-to-end tests.
 */
class LedgerPassTaskletTest {

    private final PipelineState pipeline = new PipelineState(null);
    private final JobExecution job = MetaDataInstanceFactory.createJobExecution(11L);
    private final ExecutorService workers = Executors.newFixedThreadPool(2);
    private final StepExecution step = new StepExecution(2L, PipelineSteps.POLL, job);
    private final StepContribution contribution = new StepContribution(step);

    /** Rows due now, rows it worked on, and whether it finds more work at its last look. */
    private static final class Rows implements LedgerPassTasklet.RowAction {
        final List<LedgerEntry> due = new ArrayList<>();
        final Set<Long> done = ConcurrentHashMap.newKeySet();
        final AtomicInteger passes = new AtomicInteger();
        Optional<Long> next = Optional.empty();
        int moreAtLastLook;

        @Override
        public List<LedgerEntry> due(long now, int max) {
            List<LedgerEntry> pass = List.copyOf(due.subList(0, Math.min(max, due.size())));
            due.removeAll(pass);
            return pass;
        }

        @Override
        public Optional<Long> nextDueAt() {
            return next;
        }

        @Override
        public void run(LedgerEntry entry) {
            done.add(entry.rowNum());
        }

        @Override
        public void passEnded(StepContribution contribution, int rows) {
            passes.incrementAndGet();
            contribution.incrementWriteCount(rows);
        }

        @Override
        public boolean foundMoreBeforeFinishing() {
            return moreAtLastLook-- > 0;
        }
    }

    @AfterEach
    void stopWorkers() {
        workers.shutdownNow();
    }

    private LedgerPassTasklet tasklet(Rows rows) {
        return new LedgerPassTasklet(PipelineSteps.SUBMIT, rows, pipeline, pipeline::awaitChange, Clock.systemUTC(),
                2, workers);
    }

    private void upstreamEnded(BatchStatus status) {
        StepExecution upstream = new StepExecution(1L, PipelineSteps.SUBMIT, job);
        upstream.setStatus(status);
        pipeline.afterStep(upstream);
    }

    private static LedgerEntry row(long rowNum) {
        return new LedgerEntry("b", rowNum, "R" + rowNum, RowState.RUNNING, 1, "sandbox", "m", "p", "{}",
                "task-" + rowNum, null, null, null, null, null, null, null, 0, 0, 0L, 0L, null, 0L, 0, null);
    }

    @Test
    void aDownstreamStepFinishesOnlyOnceItsUpstreamStepCompletedAndNoRowIsDueOrScheduled() throws Exception {
        Rows rows = new Rows();
        rows.due.addAll(List.of(row(1), row(2), row(3)));
        LedgerPassTasklet tasklet = tasklet(rows);

        assertThat(tasklet.execute(contribution, null)).isEqualTo(RepeatStatus.CONTINUABLE);
        assertThat(tasklet.execute(contribution, null)).isEqualTo(RepeatStatus.CONTINUABLE);
        assertThat(rows.done).as("every due row, two per pass").containsExactlyInAnyOrder(1L, 2L, 3L);
        assertThat(rows.passes.get()).isEqualTo(2);
        assertThat(contribution.getWriteCount()).isEqualTo(3);
        assertThat(tasklet.execute(contribution, null)).as("nothing due, the upstream step still runs")
                .isEqualTo(RepeatStatus.CONTINUABLE);

        upstreamEnded(BatchStatus.COMPLETED);
        rows.next = Optional.of(System.currentTimeMillis() + 1);
        assertThat(tasklet.execute(contribution, null)).as("a row is scheduled").isEqualTo(RepeatStatus.CONTINUABLE);
        rows.next = Optional.empty();
        rows.moreAtLastLook = 1;
        assertThat(tasklet.execute(contribution, null)).as("the last look found more")
                .isEqualTo(RepeatStatus.CONTINUABLE);
        assertThat(tasklet.execute(contribution, null)).isEqualTo(RepeatStatus.FINISHED);
    }

    @Test
    void aDownstreamStepStopsGracefullyWhenItsUpstreamStepWasStopped() throws Exception {
        Rows rows = new Rows();
        rows.due.add(row(1));
        upstreamEnded(BatchStatus.STOPPED);

        assertThat(tasklet(rows).execute(contribution, null)).isEqualTo(RepeatStatus.CONTINUABLE);

        assertThat(step.isTerminateOnly()).as("Spring Batch ends the step STOPPED before the next pass").isTrue();
        assertThat(rows.done).as("no row worked on after the stop").isEmpty();
    }

    @Test
    void aDownstreamStepEndsAtOnceWithoutCompletingWhenItsUpstreamStepFailed() {
        Rows rows = new Rows();
        rows.due.add(row(1));
        upstreamEnded(BatchStatus.FAILED);

        assertThatThrownBy(() -> tasklet(rows).execute(contribution, null))
                .isInstanceOf(PipelineState.UpstreamStepEndedException.class)
                .hasMessageContaining("the submit step ended FAILED");
        assertThat(rows.done).isEmpty();
    }

    @Test
    void aStepsEndWakesTheIdleWaitOfItsDownstreamStep() throws Exception {
        // a wait far longer than the test's patience: only a wake-up ends it in time
        CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> {
            try {
                pipeline.awaitChange(TimeUnit.MINUTES.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, workers);
        // the waiter may not be waiting yet when a step ends: end steps until it has woken
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!waiting.isDone() && System.nanoTime() < giveUp) {
            upstreamEnded(BatchStatus.COMPLETED);
            try {
                waiting.get(20, TimeUnit.MILLISECONDS);
            } catch (TimeoutException stillWaiting) {
                // end another step
            }
        }
        assertThat(waiting).as("woken long before its ten minutes").isCompleted();
    }
}
