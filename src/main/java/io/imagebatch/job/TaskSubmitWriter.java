package io.imagebatch.job;

import io.imagebatch.Sleeper;
import io.imagebatch.callback.CallbackUrls;
import io.imagebatch.catalogue.CatalogueRow;
import io.imagebatch.ledger.LedgerBudget;
import io.imagebatch.ledger.RowState;
import io.imagebatch.ledger.TaskIdJournal;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.provider.ContentRefusals;
import io.imagebatch.provider.FailureClass;
import io.imagebatch.provider.ProviderAdapter;
import io.imagebatch.provider.ProviderException;
import io.imagebatch.provider.ProviderRegistry;
import io.imagebatch.spend.PriceTable;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ItemWriter;
import org.springframework.core.retry.RetryException;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.core.retry.RetryTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * The submit step's writer: records each row in the ledger and creates the chunk's tasks concurrently
 * (Spring Batch 6 runs only processing concurrently).
 *
 * <p>A row of several variants (README.md, Variants; {@link SubmitItem#variants()}) is several ledger entries,
 * (row, 1) to (row, N), each one a create of its own under every rule below.
 *
 * <p>The exactly-once rules (README, "Exactly once" and the failure table), in order, per row:
 * <ol>
 * <li>a rejected row is recorded as REJECTED and never sent;</li>
 * <li>a row already in the ledger is not sent again, unless {@code retry-failed} made it PENDING; one found still
 *     SUBMITTING (its run died mid-call) becomes UNCERTAIN;</li>
 * <li>the intent (SUBMITTING) is committed right before the row's own create request leaves, after its turn in
 *     the provider's throttle ({@link ProviderAdapter#createTaskIf}); only the caller whose intent insert
 *     succeeds sends. So SUBMITTING and UNCERTAIN mean "a request was on the wire", and a row still waiting its
 *     turn when the run dies has no ledger line and is sent by the resumed run;</li>
 * <li>the taskId is committed the moment the call returns, in its own transaction, retried
 *     ({@link #LEDGER_WRITE_RETRIES}); a taskId the database still cannot take is logged at ERROR, written to the
 *     {@link TaskIdJournal} (replayed at the next start) and the job stops: a returned taskId is never
 *     dropped;</li>
 * <li>a call that may have reached the provider without an answer (no answer, 502, 504) makes the row
 *     UNCERTAIN, with its create window (intent to end of attempt) for reconciliation: never resent silently; a
 *     call the provider refused for the row (400, 413, 422) makes it REJECTED;</li>
 * <li>a busy provider (429 with Retry-After, 455, 500, 503, refused connection) is retried with backoff, up to
 *     {@link JobProperties#createAttempts()}, the intent released during each wait (no task exists then) and
 *     taken again before the next attempt leaves; a wrong account (401, 402, 403, 505), an answer that says the
 *     address is wrong (404, 3xx, 405, 415, ...: {@link FailureClass#CONFIGURATION}), or a provider still busy
 *     after every attempt, releases the row's intent and fails the step restartably
 *     ({@link BatchStoppedException}); rows not yet sent are not sent. With a {@code fallback:} list, a refused
 *     account or a provider busy to the last attempt moves the row (and, for an account, the batch) to the next
 *     provider instead ({@link SubmitFallbacks}; README, "A fallback provider");</li>
 * <li>a create refused for the provider's content policy ({@link ContentRefusals}) makes the row FAILED with the
 *     category {@code content_policy} (README, "Content refusals"), not REJECTED;</li>
 * <li>an error before a row's request left (the callback URL's database read, the intent's insert) fails the
 *     chunk with that error; the row holds no intent, so a resumed batch sends it.</li>
 * </ol>
 */
public class TaskSubmitWriter implements ItemWriter<SubmitItem> {

    private static final Logger log = LoggerFactory.getLogger(TaskSubmitWriter.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String batchId;
    private final ProviderRegistry providers;
    private final TaskLedger ledger;
    private final JobProperties properties;
    private final ExecutorService workers;
    private final Clock clock;
    private final CallbackUrls callbackUrls;
    private final PollSchedule schedule;
    private final TaskIdJournal journal;
    private final RetryTemplate ledgerWrites;
    private Sleeper sleeper = Sleeper.THREAD;
    private PriceTable prices = PriceTable.none();
    private SubmitFallbacks fallbacks = SubmitFallbacks.NONE;

    /** Retries of the ledger write that records a taskId, after the first attempt: 5, from 200 ms doubling to 2 s. */
    public static final int LEDGER_WRITE_RETRIES = 5;

    /**
     * @param batchId     the batch
     * @param providers   the adapters
     * @param ledger      the ledger
     * @param properties  attempts, backoff, deadline
     * @param workers     the pool the create calls run on (its size bounds the calls in flight)
     * @param clock       the clock
     * @param callbackUrls the callback URL of each create call (none when callbacks are off)
     * @param schedule    when to query a new task first
     */
    public TaskSubmitWriter(String batchId, ProviderRegistry providers, TaskLedger ledger, JobProperties properties,
            ExecutorService workers, Clock clock, CallbackUrls callbackUrls, PollSchedule schedule) {
        this(batchId, providers, ledger, properties, workers, clock, callbackUrls, schedule,
                new TaskIdJournal(TaskIdJournal.defaultFolder(null), ledger));
    }

    /**
     * @param batchId      the batch
     * @param providers    the adapters
     * @param ledger       the ledger
     * @param properties   attempts, backoff, deadline
     * @param workers      the pool the create calls run on (its size bounds the calls in flight)
     * @param clock        the clock
     * @param callbackUrls the callback URL of each create call (none when callbacks are off)
     * @param schedule     when to query a new task first
     * @param journal      where a taskId goes that the ledger cannot record (the database is down)
     */
    public TaskSubmitWriter(String batchId, ProviderRegistry providers, TaskLedger ledger, JobProperties properties,
            ExecutorService workers, Clock clock, CallbackUrls callbackUrls, PollSchedule schedule,
            TaskIdJournal journal) {
        this.journal = journal;
        this.ledgerWrites = new RetryTemplate(RetryPolicy.builder().maxRetries(LEDGER_WRITE_RETRIES)
                .delay(Duration.ofMillis(200)).multiplier(2).maxDelay(Duration.ofSeconds(2)).build());
        this.batchId = batchId;
        this.providers = providers;
        this.ledger = ledger;
        this.properties = properties;
        this.workers = workers;
        this.clock = clock;
        this.callbackUrls = callbackUrls;
        this.schedule = schedule;
    }

    /**
     * @param sleeper takes the backoff pauses between the create attempts of a busy provider (ms); the thread's
     *                own sleep unless set
     * @return this writer
     */
    public TaskSubmitWriter backoffWith(Sleeper sleeper) {
        this.sleeper = sleeper;
        return this;
    }

    /**
     * @param prices the price of each row, reserved from the batch budget with its intent
     *               ({@link LedgerBudget#reserveIntent}); a row without a price reserves nothing. No prices unless set
     * @return this writer
     */
    public TaskSubmitWriter pricedWith(PriceTable prices) {
        this.prices = prices;
        return this;
    }

    /**
     * @param batch the batch, whose {@code fallback:} list ({@link BatchSettings#fallbacks()}) its rows move along
     *              when their provider cannot take them (README, "A fallback provider"); none unless set
     * @return this writer
     */
    public TaskSubmitWriter fallbacksOf(BatchSettings batch) {
        this.fallbacks = new SubmitFallbacks(batch, providers, ledger, properties);
        return this;
    }

    @Override
    public void write(Chunk<? extends SubmitItem> chunk) {
        // rows read before the batch moved to a fallback provider are sent where it is now
        chunk = fallbacks.toCurrent(chunk);
        List<Long> toSend = new ArrayList<>();
        for (SubmitItem item : chunk) {
            if (item.rejection() == null) {
                toSend.add(item.row().rowNumber());
            }
        }
        // one read for the whole chunk: a chunk read again after a restart, or in a retry round, finds its rows'
        // entries (one per variant; README.md, Variants)
        Map<Long, Map<Integer, RowState>> known = ledger.entryStatesOf(batchId, toSend);
        // a proof run awaiting approval sends only its proof rows (docs/design.md, Spend)
        Optional<java.util.SortedSet<Long>> proof = toSend.isEmpty() ? Optional.empty()
                : ledger.budget().proofRowsAwaitingApproval(batchId);
        List<Variant> toCreate = new ArrayList<>();
        for (SubmitItem item : chunk) {
            // a row to send has one ledger entry per variant, each created exactly once on its own
            for (int variant = 1; variant <= (item.rejection() != null ? 1 : item.variants()); variant++) {
                CatalogueRow row = item.row();
                RowState state = known.getOrDefault(row.rowNumber(), Map.of()).get(variant);
                if (item.rejection() != null) {
                    // cut to what the ledger's columns hold: a rejected row is recorded, whatever its cells
                    String rowId = RowProcessor.ledgerRowId(row);
                    String prompt = RowProcessor.ledgerPrompt(row);
                    ledger.insertRejected(batchId, row.rowNumber(), rowId, item.provider(), item.model(), prompt,
                            item.rejection());
                } else if ((state == null || state == RowState.PENDING) && proof.isPresent()
                        && !proof.get().contains(row.rowNumber())) {
                    // outside the proof: held until approved, nothing reserved, nothing sent
                    ledger.budget().holdForProof(batchId, row.rowNumber(), variant, rowId(item), item.provider(),
                            item.model(), item.request().prompt(), JSON.writeValueAsString(item.request()));
                } else if (state == null || state == RowState.PENDING) {
                    // a new row, or one retry-failed asked to send again: its intent is taken right before its
                    // request leaves (create), so that a row waiting its turn is in no state at all
                    toCreate.add(new Variant(item, variant));
                } else if (state == RowState.SUBMITTING) {
                    // a chunk read again after a restart: this row's request was on the wire when its run died; the
                    // task may exist, so it must not be sent again
                    ledger.markUncertain(batchId, row.rowNumber(), variant, "the run stopped while the create call for"
                            + " this row was in flight, so the task may exist at the provider; not resent", null,
                            clock.millis());
                }
            }
        }
        AtomicReference<String> stop = new AtomicReference<>();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        FanOut.forEach(toCreate, workers, entry -> create(entry.item(), entry.variant(), stop, failure));
        if (failure.get() != null) {
            throw failure.get(); // nothing of the failed row was sent, and it holds no intent
        }
        if (stop.get() != null) {
            throw new BatchStoppedException(stop.get());
        }
    }

    /**
     * Sends one row: takes its intent at the last moment before the request leaves (after the throttle's waits
     * and the connection, {@link ProviderAdapter#createTaskIf}), so that a SUBMITTING or UNCERTAIN row always had
     * a request on the wire.
     *
     * @param failure set to the error that kept a row from being sent (a database error before its request left);
     *                the row then holds no intent and a resumed batch sends it
     */
    private void create(SubmitItem item, int variant, AtomicReference<String> stop,
            AtomicReference<RuntimeException> failure) {
        // a row moved to a fallback provider is sent there, as a new item (README, "A fallback provider")
        for (SubmitItem next = item; next != null; next = createAt(next, variant, stop, failure)) {
            // sent at next's provider, or moved on
        }
    }

    /**
     * Sends one variant of a row to its item's provider, as {@link #create} describes.
     *
     * @return the row as moved to the next fallback provider, to be sent there; null when the row is done here
     */
    private SubmitItem createAt(SubmitItem item, int variant, AtomicReference<String> stop,
            AtomicReference<RuntimeException> failure) {
        long rowNum = item.row().rowNumber();
        ProviderAdapter adapter = providers.find(item.provider()).orElseThrow();
        String callbackUrl;
        try {
            callbackUrl = callbackUrls.urlFor(batchId, adapter.name());
        } catch (RuntimeException e) {
            failed(failure, stop, rowNum, e);
            return null;
        }
        for (int attempt = 1; ; attempt++) {
            // set by the gate, which may run on one of the HTTP client's threads
            AtomicBoolean taken = new AtomicBoolean();
            AtomicBoolean dailySpent = new AtomicBoolean();
            AtomicLong takenAt = new AtomicLong();
            Optional<String> taskId;
            try {
                taskId = adapter.createTaskIf(item.request(), callbackUrl, () -> {
                    if (stop.get() != null) {
                        return false; // certainly not sent: a resumed batch sends it
                    }
                    takenAt.set(clock.millis());
                    // only the caller whose intent is committed may send (the primary key, also across
                    // processes); a PENDING row is claimed instead. The row's price is reserved from the
                    // budget in the same transaction, or the row is HELD and not sent (docs/design.md, Spend)
                    java.math.BigDecimal price = prices.price(item.provider(), item.model(),
                            item.request().resolution()).orElse(null);
                    LedgerBudget.Intent intent = ledger.budget().reserveIntent(batchId, rowNum, variant,
                            rowId(item), item.provider(), item.model(), item.request().prompt(),
                            JSON.writeValueAsString(item.request()), price, fallbacks.canMove(item));
                    // past the provider's daily budget with a fallback to go to: nothing written, moved below
                    dailySpent.set(intent == LedgerBudget.Intent.DAILY_SPENT);
                    taken.set(intent == LedgerBudget.Intent.TAKEN);
                    return taken.get();
                });
            } catch (ProviderException e) {
                Optional<SubmitItem> moved = fallbacks.moveOn(item, variant, e, attempt, taken.get(), stop);
                if (moved != null) {
                    return moved.orElse(null); // released here; sent at the fallback, or REJECTED by its rules
                }
                if (!handle(item, variant, e, attempt, taken.get(), takenAt.get(), stop)) {
                    return null;
                }
                continue;
            } catch (RuntimeException unexpected) {
                if (!taken.get()) {
                    // before the request left (the intent could not be written): nothing was sent
                    failed(failure, stop, rowNum, unexpected);
                    return null;
                }
                // not a classified provider answer: we cannot tell whether a task was made
                ledger.markUncertain(batchId, rowNum, variant, "create call failed unexpectedly (" + unexpected
                        + "); the task may exist at the provider, so the row is not resent", takenAt.get(),
                        clock.millis());
                log.warn("{}: row {} create failed unexpectedly", batchId, rowNum, unexpected);
                return null;
            }
            if (dailySpent.get()) {
                return fallbacks.moveOnDailyBudget(item, variant).orElse(null); // not sent here; the next provider's rules
            }
            if (taskId.isPresent()) {
                recordTaskId(item, variant, adapter, callbackUrl, taskId.get(), stop);
            }
            // else not sent: the job is stopping, or another process holds the row and sends it
            return null;
        }
    }

    /**
     * Handles a create answered with an error.
     *
     * @return true to try again (the provider was busy; the intent was released while waiting)
     */
    private boolean handle(SubmitItem item, int variant, ProviderException e, int attempt, boolean intentTaken,
            long intentAt, AtomicReference<String> stop) {
        long rowNum = item.row().rowNumber();
        if (!intentTaken) {
            // failed before the request left (interrupted while waiting its turn): nothing was sent, nothing held
            if (e.failureClass() == FailureClass.BUSY && attempt < properties.createAttempts() && sleep(
                    properties.backoffMillis(attempt, e.retryAfter()))) {
                return true;
            }
            stop.compareAndSet(null, e.getMessage());
            return false;
        }
        if (e.mayHaveReachedProvider()) {
            ledger.markUncertain(batchId, rowNum, variant, e.getMessage()
                    + "; the task may exist at the provider, so the row is not resent", intentAt, clock.millis());
            return false;
        }
        if ((e.failureClass() == FailureClass.ROW_INVALID || e.failureClass() == FailureClass.GENERATION_FAILED)
                && ContentRefusals.isRefusal(e.providerCode(), e.getMessage())) {
            // refused for the provider's content policy: FAILED content_policy, apart from technical failures
            ledger.markRefusedForContent(batchId, rowNum, variant, code(e), "row " + rowNum
                    + ": the provider refused the prompt for its content policy: " + e.getMessage());
            return false;
        }
        switch (e.failureClass()) {
            case ROW_INVALID -> {
                ledger.markRejectedByProvider(batchId, rowNum, variant, code(e), "row " + rowNum
                        + ": the provider refused the request: " + e.getMessage());
                return false;
            }
            case GENERATION_FAILED -> {
                ledger.markFailed(batchId, rowNum, variant, null, code(e), e.getMessage());
                return false;
            }
            case ACCOUNT -> {
                ledger.releaseIntent(batchId, rowNum, variant);
                stop.compareAndSet(null, e.getMessage() + " (the account or key is wrong; fix it, then run"
                        + " the same command again to resume)");
                return false;
            }
            case CONFIGURATION -> {
                ledger.releaseIntent(batchId, rowNum, variant);
                stop.compareAndSet(null, e.getMessage() + " (an answer no provider documents for a request it"
                        + " refuses: the base URL or API path is probably wrong; check imagebatch.providers."
                        + item.provider() + ".base-url, then run the same command again to resume; no row was"
                        + " rejected)");
                return false;
            }
            default -> {
                // BUSY
                if (attempt >= properties.createAttempts()) {
                    ledger.releaseIntent(batchId, rowNum, variant);
                    stop.compareAndSet(null, e.getMessage() + " (still busy after " + attempt
                            + " attempts; run the same command again later to resume)");
                    return false;
                }
                // no task exists (the provider answered, or was never reached): released at once, before
                // anything else, so a run killed while waiting sends it again instead of leaving it UNCERTAIN
                ledger.releaseIntent(batchId, rowNum, variant);
                long wait = properties.backoffMillis(attempt, e.retryAfter());
                log.info("{}: row {} create attempt {} busy ({}); retrying in {} ms", batchId, rowNum,
                        attempt, e.httpStatus() == 0 ? "no connection" : "HTTP " + e.httpStatus(), wait);
                if (!sleep(wait)) {
                    stop.compareAndSet(null, "interrupted while waiting to retry");
                    return false;
                }
                return true;
            }
        }
    }

    /**
     * Records a taskId the provider returned: it is never dropped. The ledger write is retried
     * ({@link #LEDGER_WRITE_RETRIES} times, backing off from 200 ms); if the database stays down, the taskId is
     * logged at ERROR, appended to the {@link TaskIdJournal} (replayed into the ledger at the next start) and
     * the job stops.
     */
    private void recordTaskId(SubmitItem item, int variant, ProviderAdapter adapter, String callbackUrl,
            String taskId, AtomicReference<String> stop) {
        long rowNum = item.row().rowNumber();
        long now = clock.millis();
        long nextCheckAt = now + schedule.nextDelayMillis(item.provider() + " " + item.model(), 0,
                callbackUrl != null && adapter.sendsCallbacks());
        long deadlineAt = now + properties.taskDeadline().toMillis();
        try {
            ledgerWrites.execute(() -> {
                ledger.markSubmitted(batchId, rowNum, variant, taskId, now, nextCheckAt, deadlineAt);
                return null;
            });
            return;
        } catch (RetryException e) {
            Throwable cause = e.getLastException() != null ? e.getLastException() : e.getCause();
            String where;
            try {
                journal.append(new TaskIdJournal.Entry(batchId, rowNum, taskId, now, nextCheckAt, deadlineAt,
                        variant));
                where = "it was written to the journal " + journal.file() + ", which the next start records in"
                        + " the ledger";
            } catch (RuntimeException journalDown) {
                where = "the journal " + journal.file() + " could not be written either (" + journalDown
                        + "): record it by hand";
            }
            log.error("{}: row {} was created at {} as task {}, but the ledger could not record it after {} attempts"
                    + " ({}); {}", batchId, rowNum, item.provider(), taskId, LEDGER_WRITE_RETRIES + 1, cause, where);
            stop.compareAndSet(null, "the ledger could not record task " + taskId + " of row " + rowNum + " ("
                    + cause + "); " + where + "; fix the database, then run the same command again to resume");
        }
    }

    private void failed(AtomicReference<RuntimeException> failure, AtomicReference<String> stop, long rowNum,
            RuntimeException e) {
        log.warn("{}: row {} not sent: {}", batchId, rowNum, e.toString());
        failure.compareAndSet(null, e);
        stop.compareAndSet(null, "row " + rowNum + " could not be sent: " + e);
    }

    /** One variant of a row to create: its own ledger entry (README.md, Variants). */
    private record Variant(SubmitItem item, int variant) {
    }

    private static String rowId(SubmitItem item) {
        return item.row().id() != null ? item.row().id() : String.valueOf(item.row().rowNumber());
    }

    private static String code(ProviderException e) {
        return e.providerCode() != null ? e.providerCode() : String.valueOf(e.httpStatus());
    }

    /**
     * The backoff pause before a busy create is tried again: deliberate (the provider asked for the time, or the
     * backoff set it), not a wait for something that could end it early, so it goes through the {@link Sleeper}
     * seam rather than a condition. False when interrupted.
     */
    private boolean sleep(long millis) {
        try {
            sleeper.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
