package io.imagebatch.job;

import io.imagebatch.callback.CallbackProperties;
import io.imagebatch.callback.TaskOutcomes;
import io.imagebatch.ledger.FailureKind;
import io.imagebatch.ledger.LedgerEntry;
import io.imagebatch.ledger.LedgerPolls;
import io.imagebatch.ledger.RowState;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.metrics.ImageBatchMetrics;
import io.imagebatch.provider.FailureClass;
import io.imagebatch.provider.ProviderAdapter;
import io.imagebatch.provider.ProviderException;
import io.imagebatch.provider.ProviderHttp;
import io.imagebatch.provider.ProviderRegistry;
import io.imagebatch.provider.TaskState;
import io.imagebatch.provider.TaskStatus;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.step.StepContribution;

/**
 * The poll step's row action ({@link LedgerPassTasklet}, downstream of the submit step): queries the status of
 * each in-flight row whose next check is due and records the answer in the ledger at once. The step finishes
 * once the submit step has completed and no task is in flight, after one look for the tasks of lost create calls
 * ({@link UncertainRowReconciler}).
 *
 * <p>Per row: success records the result URL; fail records the provider's code and message; any other state
 * (an undocumented one included) schedules the next query from the task's age and the generation times seen
 * so far ({@link PollSchedule});
 * a busy answer schedules it by backoff. A task still not terminal at its deadline is FAILED. A wrong account
 * (401, 402, 403) ends the step, restartably, once the pass is over ({@link BatchStoppedException}).
 */
public class TaskPoller implements LedgerPassTasklet.RowAction {

    private static final Logger log = LoggerFactory.getLogger(TaskPoller.class);
    /** The time a status query of a task at or past its deadline gets, ms. */
    private static final long LAST_QUERY_MILLIS = 2000;

    private final String batchId;
    private final ProviderRegistry providers;
    private final TaskLedger ledger;
    private final JobProperties properties;
    private final Clock clock;
    private final PollSchedule schedule;
    private boolean reconciled;
    /** Per provider and model ({@link PollSchedule#key}): the overdue age its tasks were last brought forward to. */
    private final java.util.Map<String, Long> pulledAt = new java.util.concurrent.ConcurrentHashMap<>();
    private final CallbackProperties callbackProperties;
    private final MeterRegistry meters;
    /** The first wrong-account answer of the current pass, or null. */
    private final AtomicReference<String> accountProblem = new AtomicReference<>();
    /** The partition's rows, or null for the whole batch. */
    private PartitionRows rows;

    /**
     * Makes this poller follow only one partition's rows (README.md, "More than one machine"): the rows due, the
     * next due time and the reconciliation of UNCERTAIN rows are those of the range.
     *
     * @param rows the partition's rows, or null for every row of the batch (the default)
     * @return this poller
     */
    public TaskPoller rows(PartitionRows rows) {
        this.rows = rows;
        return this;
    }

    /**
     * A poller without metrics (they go to a private registry); see the full constructor.
     *
     * @param batchId    the batch
     * @param providers  the adapters
     * @param ledger     the ledger
     * @param properties poll schedule and deadline
     * @param clock      the clock
     * @param schedule   when to query a task next
     * @param callbackProperties whether callbacks are on (then polling is only their fallback)
     */
    public TaskPoller(String batchId, ProviderRegistry providers, TaskLedger ledger, JobProperties properties,
            Clock clock, PollSchedule schedule, CallbackProperties callbackProperties) {
        this(batchId, providers, ledger, properties, clock, schedule, callbackProperties, new SimpleMeterRegistry());
    }

    /**
     * @param batchId    the batch
     * @param providers  the adapters
     * @param ledger     the ledger
     * @param properties poll schedule and deadline
     * @param clock      the clock
     * @param schedule   when to query a task next
     * @param callbackProperties whether callbacks are on (then polling is only their fallback)
     * @param meters     where the status queries a task took are recorded when it ends
     *                   ({@value ImageBatchMetrics#STATUS_QUERIES_PER_TASK})
     */
    public TaskPoller(String batchId, ProviderRegistry providers, TaskLedger ledger, JobProperties properties,
            Clock clock, PollSchedule schedule, CallbackProperties callbackProperties, MeterRegistry meters) {
        this.meters = meters;
        this.batchId = batchId;
        this.providers = providers;
        this.ledger = ledger;
        this.properties = properties;
        this.clock = clock;
        this.schedule = schedule;
        this.callbackProperties = callbackProperties;
    }

    /**
     * @return the in-flight rows whose next check is due ({@link LedgerPolls#dueForPoll}); with callbacks on,
     *         first brings forward the tasks overdue by the generation times seen since they were scheduled
     *         ({@link #pullOverdueTasks})
     */
    @Override
    public List<LedgerEntry> due(long now, int max) {
        pullOverdueTasks();
        return rows == null ? ledger.polls().dueForPoll(batchId, now, max)
                : ledger.polls().dueForPoll(batchId, rows.from(), rows.to(), now, max);
    }

    /**
     * A task that will call back was scheduled, when it was created, to be queried once overdue by what was known
     * then (before any generation time was known: {@link JobProperties#pollCallbackFallback()}). Once the
     * generation times of its provider and model are known, or have come down by a tenth, the tasks scheduled
     * later than that are brought forward ({@link LedgerPolls#pullOverdueChecks}), so that a lost callback costs
     * the generation times seen, not a fixed wait.
     */
    private void pullOverdueTasks() {
        if (!callbackProperties.enabled()) {
            return;
        }
        for (PollSchedule.Overdue rule : schedule.overdueRules()) {
            String key = PollSchedule.key(rule.provider(), rule.model());
            Long pulled = pulledAt.get(key);
            if (pulled == null || rule.overdueAfterMillis() < pulled - pulled / 10) {
                int moved = ledger.polls().pullOverdueChecks(batchId, rule.provider(), rule.model(),
                        rule.overdueAfterMillis());
                pulledAt.put(key, rule.overdueAfterMillis());
                log.debug("{}: {} tasks of {} will be queried once {} ms old, if their callback has not come",
                        batchId, moved, key, rule.overdueAfterMillis());
            }
        }
    }

    /** @return when the next in-flight row is due ({@link LedgerPolls#nextPollAt}); empty when none is in flight */
    @Override
    public Optional<Long> nextDueAt() {
        return rows == null ? ledger.polls().nextPollAt(batchId)
                : ledger.polls().nextPollAt(batchId, rows.from(), rows.to());
    }

    /** Queries the row's task once and records the answer at once (a transaction of its own). */
    @Override
    public void run(LedgerEntry entry) {
        poll(entry, accountProblem, null);
    }

    /**
     * Queries the task of each row of the pass once, concurrently, and records the pass's answers (succeeded,
     * not yet, query failed) in one fenced transaction ({@link LedgerPolls#recordAll}) once every query has
     * ended: one commit per pass instead of one per row (README.md, Performance, "A million rows"). A failed
     * generation or a passed deadline is still recorded at once ({@code TaskLedger#markFailed}, which may give a
     * reservation back). The answers that were collected are recorded also when a row's work threw.
     *
     * @throws java.util.concurrent.CompletionException when a row's work threw, after the answers were recorded
     * @throws io.imagebatch.ledger.LockLostException  when this process lost the batch's lock; nothing of the
     *                                                  pass's answers was written
     */
    @Override
    public void runPass(List<LedgerEntry> due, Executor workers) {
        Queue<LedgerPolls.Answer> answers = new ConcurrentLinkedQueue<>();
        try {
            FanOut.forEach(due, workers, entry -> poll(entry, accountProblem, answers));
        } finally {
            ledger.polls().recordAll(batchId, List.copyOf(answers));
        }
    }

    /**
     * Counts the pass as one read.
     *
     * @throws BatchStoppedException when a status query of the pass was refused for a wrong account (401, 402, 403)
     */
    @Override
    public void passEnded(StepContribution contribution, int rows) {
        contribution.incrementReadCount(); // one pass
        String problem = accountProblem.getAndSet(null);
        if (problem != null) {
            throw new BatchStoppedException(problem);
        }
    }

    /**
     * All submitted: before finishing, looks once per step execution for the tasks of lost create calls, where
     * the provider can ({@link #reconcileUncertainRows}).
     */
    @Override
    public boolean foundMoreBeforeFinishing() {
        return reconcileUncertainRows() > 0;
    }

    /**
     * @param answers where the answer goes when the pass records its answers together ({@link #runPass}); null to
     *                record it at once
     */
    private void poll(LedgerEntry entry, AtomicReference<String> accountProblem,
            Queue<LedgerPolls.Answer> answers) {
        ProviderAdapter adapter = providers.find(entry.provider()).orElseThrow();
        long rowNum = entry.rowNum();
        try {
            // the task's deadline covers the call in flight: a dripping answer is cut there (README)
            // (a task due past its deadline still gets one short last query: it may have finished just now)
            TaskStatus status = entry.deadlineAt() == null ? adapter.queryTask(entry.taskId())
                    : ProviderHttp.callsWithin(Duration.ofMillis(Math.max(LAST_QUERY_MILLIS,
                            entry.deadlineAt() - clock.millis())), () -> adapter.queryTask(entry.taskId()));
            long now = clock.millis();
            switch (status.state()) {
                case SUCCESS -> {
                    observe(entry, status, now);
                    record(answers, LedgerPolls.Answer.generated(rowNum, entry.variant(), status.rawState(),
                            status.resultUrls().get(0)));
                    taskEnded(entry);
                }
                case FAIL -> {
                    TaskOutcomes.recordFailed(ledger, batchId, entry, status);
                    taskEnded(entry);
                }
                default -> {
                    if (pastDeadline(entry, now)) {
                        failDeadline(entry, status.rawState());
                    } else {
                        RowState state = status.state() == TaskState.QUEUED && entry.state() == RowState.SUBMITTED
                                ? RowState.SUBMITTED : RowState.RUNNING;
                        record(answers, LedgerPolls.Answer.polled(rowNum, entry.variant(), state, status.rawState(),
                                now + schedule.nextDelayMillis(entry.provider() + " " + entry.model(),
                                        now - entry.submittedAt(),
                                        callbackProperties.enabled() && adapter.sendsCallbacks())));
                    }
                }
            }
        } catch (ProviderException e) {
            long now = clock.millis();
            if (e.failureClass() == FailureClass.ACCOUNT) {
                accountProblem.compareAndSet(null, e.getMessage());
            } else if (pastDeadline(entry, now)) {
                failDeadline(entry, null, e.getMessage());
            } else {
                long wait = properties.backoffMillis(Math.min(entry.polls() + 1, 6), e.retryAfter());
                log.info("{}: row {} status query failed ({}); next in {} ms", batchId, rowNum, e.getMessage(), wait);
                record(answers, LedgerPolls.Answer.rescheduled(rowNum, entry.variant(), now + wait, e.getMessage()));
            }
        }
    }

    /** Records one answer: at once when {@code answers} is null, else with the pass's others. */
    private void record(Queue<LedgerPolls.Answer> answers, LedgerPolls.Answer answer) {
        if (answers != null) {
            answers.add(answer);
        } else if (answer.state() == RowState.GENERATED) {
            ledger.polls().markGenerated(batchId, answer.rowNum(), answer.variant(), answer.providerState(),
                    answer.resultUrl());
        } else if (answer.state() != null) {
            ledger.polls().markPolled(batchId, answer.rowNum(), answer.variant(), answer.state(),
                    answer.providerState(), answer.nextCheckAt());
        } else {
            ledger.polls().reschedule(batchId, answer.rowNum(), answer.variant(), answer.nextCheckAt(),
                    answer.error());
        }
    }

    /**
     * Reconciles UNCERTAIN rows where the provider can list its tasks (HiAPI), by the rules of
     * {@link UncertainRowReconciler}: only a task made from the row's request inside its create window and held by
     * no ledger row is adopted. Done once per step execution.
     *
     * @return the rows reconciled now
     */
    private int reconcileUncertainRows() {
        if (reconciled) {
            return 0;
        }
        reconciled = true;
        return rows == null ? new UncertainRowReconciler(providers, ledger, properties, clock).reconcile(batchId)
                : new UncertainRowReconciler(providers, ledger, properties, clock).reconcile(batchId, rows.from(),
                        rows.to());
    }

    /** Teaches the schedule how long this provider and model take. */
    private void observe(LedgerEntry entry, TaskStatus status, long now) {
        long took = status.generationMillis() != null ? status.generationMillis() : now - entry.submittedAt();
        if (took <= properties.taskDeadline().toMillis()) {
            // a task queried again by retry-failed long after it finished tells nothing about generation times
            schedule.observe(entry.provider(), entry.model(), took);
        }
    }

    private boolean pastDeadline(LedgerEntry entry, long now) {
        return entry.deadlineAt() != null && now >= entry.deadlineAt();
    }

    /** Records the status queries the task took, this last one included. */
    private void taskEnded(LedgerEntry entry) {
        DistributionSummary.builder(ImageBatchMetrics.STATUS_QUERIES_PER_TASK)
                .description("status queries a task took, recorded when it ends")
                .tag(ImageBatchMetrics.PROVIDER, String.valueOf(entry.provider())).register(meters)
                .record(entry.polls() + 1);
    }

    private void failDeadline(LedgerEntry entry, String rawState) {
        failDeadline(entry, rawState, null);
    }

    /** As above; {@code lastError}: why the last status query failed, or null when it was answered. */
    private void failDeadline(LedgerEntry entry, String rawState, String lastError) {
        taskEnded(entry);
        ledger.markFailed(batchId, entry.rowNum(), entry.variant(), rawState, "deadline",
                "the task was not finished " + (properties.taskDeadline().toMinutes() > 0
                        ? properties.taskDeadline().toMinutes() + " minutes"
                        : properties.taskDeadline().toSeconds() + " seconds") + " after it was created (last state: "
                        + (rawState != null ? rawState : entry.providerState()) + ")"
                        + (lastError != null ? "; last status query: " + lastError : ""),
                // the task exists and may still finish: retry-failed queries it again, never creates it again
                FailureKind.RESULT_NOT_STORED);
    }
}
