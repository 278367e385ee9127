package io.imagebatch.job;

import io.imagebatch.ledger.LedgerEntry;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * A step that works through the ledger rows due for it while its upstream step may still be adding rows: the
 * poll step ({@link TaskPoller}, downstream of submit) and the download step ({@link ResultDownloader}, downstream
 * of poll), docs/design.md, "The job". One pass per call: the rows due now (at most
 * {@link JobProperties#pollBatch()}) are worked on concurrently ({@link FanOut}), their outcomes recorded in the
 * ledger before the next pass ({@link RowAction#runPass}); the ledger is the checkpoint, so a restarted step
 * simply carries on. A call with nothing due
 * waits at most a second, so that a stop request is honoured between passes.
 *
 * <p>How it ends, from how its upstream step ended ({@link PipelineState#ended}):
 * <ul>
 * <li>upstream still running: it keeps passing, waiting between passes while nothing is due (until the next row
 *     is due, at most 1000 ms; 50 ms when no row is scheduled; the wait ends early on a wake-up);</li>
 * <li>upstream COMPLETED: it finishes (COMPLETED) once no row is due or scheduled for it, after its row action's
 *     {@link RowAction#foundMoreBeforeFinishing() last look};</li>
 * <li>upstream STOPPED (a stop request, SIGTERM, a lost lock): it stops too, gracefully (STOPPED), and resumes
 *     with the batch;</li>
 * <li>upstream ended otherwise (FAILED): it ends at once with {@link PipelineState.UpstreamStepEndedException},
 *     without completing, so that a restart runs it again.</li>
 * </ul>
 */
public class LedgerPassTasklet implements Tasklet, AutoCloseable {

    /** The longest idle wait, ms: a stop request is honoured within about this. */
    private static final long MAX_IDLE_MILLIS = 1000;
    /** How long an idle pass waits while no row is scheduled and the upstream step may still add one, ms. */
    private static final long IDLE_MILLIS = 50;

    /**
     * One step's work on the ledger rows due for it. {@link #run} is called concurrently on the batch's worker
     * threads; the other methods on the step's thread.
     */
    public interface RowAction {

        /**
         * @param now the time, ms since the epoch
         * @param max the most rows to return
         * @return the rows due now, at most {@code max}
         */
        List<LedgerEntry> due(long now, int max);

        /** @return when the next row is due (ms since the epoch), or empty when no row is scheduled for this step */
        Optional<Long> nextDueAt();

        /**
         * Works on one row and records the outcome in the ledger. Runs on a worker thread.
         *
         * @param entry the row
         */
        void run(LedgerEntry entry);

        /**
         * Works on the rows of one pass: each concurrently on {@code workers}, as {@link #run} does; returns when
         * every row has ended and its outcome is in the ledger. The default records each outcome at once (one
         * transaction per row); an action may record the pass's outcomes together, in one transaction, where that
         * keeps the promises of docs/design.md (the poll and download steps: README.md, Performance, "A million
         * rows").
         *
         * @param due     the rows of the pass
         * @param workers the pool the rows run on
         * @throws java.util.concurrent.CompletionException when a row's work threw (as {@link FanOut#forEach})
         * @throws RuntimeException                         when the pass's outcomes could not be recorded (a lost
         *                                                  lock: {@code ledger.LockLostException})
         */
        default void runPass(List<LedgerEntry> due, Executor workers) {
            FanOut.forEach(due, workers, this::run);
        }

        /**
         * Called on the step's thread once every row of a pass has been worked on: counts the pass in the step's
         * contribution, and ends the step when a row's outcome means it cannot go on.
         *
         * @param contribution the step's contribution
         * @param rows         the rows of the pass
         * @throws RuntimeException when the step must end (the row action documents which)
         */
        void passEnded(StepContribution contribution, int rows);

        /**
         * The last look before the step finishes (its upstream step completed and nothing is due or scheduled).
         *
         * @return true when it found more work (the step then passes again), false to finish
         */
        default boolean foundMoreBeforeFinishing() {
            return false;
        }

        /** Frees what the action holds (an output store); called when the step ends. */
        default void close() {
        }
    }

    /** The idle wait between passes; may end early (a callback, an upstream step's progress). */
    @FunctionalInterface
    public interface IdleWait {

        /**
         * @param millis the longest wait, ms (at least 1)
         * @throws InterruptedException when the thread is interrupted
         */
        void await(long millis) throws InterruptedException;
    }

    private final String upstream;
    private final RowAction action;
    private final PipelineState pipeline;
    private final IdleWait idleWait;
    private final Clock clock;
    private final int passSize;
    private final Executor workers;

    /**
     * @param upstream the step it follows ({@link PipelineSteps})
     * @param action   the per-row work
     * @param pipeline how the upstream step has ended; woken after each pass (the downstream step may have rows)
     * @param idleWait the wait while nothing is due
     * @param clock    the clock that says which rows are due
     * @param passSize the most rows per pass ({@link JobProperties#pollBatch()})
     * @param workers  the pool the rows of a pass run on
     */
    public LedgerPassTasklet(String upstream, RowAction action, PipelineState pipeline, IdleWait idleWait,
            Clock clock, int passSize, Executor workers) {
        this.upstream = upstream;
        this.action = action;
        this.pipeline = pipeline;
        this.idleWait = idleWait;
        this.clock = clock;
        this.passSize = passSize;
        this.workers = workers;
    }

    /** @return the per-row work of this step */
    public RowAction action() {
        return action;
    }

    /**
     * One pass.
     *
     * @throws PipelineState.UpstreamStepEndedException when the upstream step ended without completing or stopping
     * @throws InterruptedException                     when interrupted in the idle wait
     * @throws RuntimeException                         what the row action's {@link RowAction#passEnded} throws
     */
    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws InterruptedException {
        // the upstream step's state first, then the ledger: read the other way round, the upstream step could
        // record its last row between the two reads, and this step would finish with that row left over
        Optional<BatchStatus> upstreamEnd = pipeline.ended(contribution.getStepExecution().getJobExecutionId(),
                upstream);
        if (upstreamEnd.isPresent() && upstreamEnd.get() == BatchStatus.STOPPED) {
            // stopped on request: stop too, gracefully (Spring Batch ends the step STOPPED before the next pass)
            contribution.getStepExecution().setTerminateOnly();
            return RepeatStatus.CONTINUABLE;
        }
        if (upstreamEnd.isPresent() && upstreamEnd.get() != BatchStatus.COMPLETED) {
            // the job fails anyway and a restart runs both again: waiting out the work in flight only delays it
            throw new PipelineState.UpstreamStepEndedException("the " + upstream + " step ended " + upstreamEnd.get()
                    + "; this step ends too, and resumes with the batch");
        }
        boolean upstreamCompleted = upstreamEnd.isPresent();
        long now = clock.millis();
        List<LedgerEntry> due = action.due(now, passSize);
        if (due.isEmpty()) {
            Optional<Long> next = action.nextDueAt();
            if (next.isEmpty() && upstreamCompleted) {
                return action.foundMoreBeforeFinishing() ? RepeatStatus.CONTINUABLE : RepeatStatus.FINISHED;
            }
            // nothing due yet, or the upstream step may still add rows: wait a little
            idleWait.await(Math.max(1, Math.min(MAX_IDLE_MILLIS, next.map(n -> n - now).orElse(IDLE_MILLIS))));
            return RepeatStatus.CONTINUABLE;
        }
        action.runPass(due, workers);
        pipeline.changed(); // the downstream step may have rows now
        action.passEnded(contribution, due.size());
        return RepeatStatus.CONTINUABLE;
    }

    /** Closes the row action ({@link RowAction#close()}); called by the step scope when the step ends. */
    @Override
    public void close() {
        action.close();
    }
}
