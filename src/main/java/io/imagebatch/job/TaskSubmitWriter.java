package io.imagebatch.job;

import io.imagebatch.callback.CallbackUrls;
import io.imagebatch.catalogue.CatalogueRow;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.provider.ProviderAdapter;
import io.imagebatch.provider.ProviderException;
import io.imagebatch.provider.ProviderRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ItemWriter;
import tools.jackson.databind.json.JsonMapper;

/**
 * The submit step's writer: records each row in the ledger and creates the chunk's tasks concurrently
 * (Spring Batch 6 runs only processing concurrently; ../shared/STACK.md).
 *
 * <p>The exactly-once rules of ../shared/DESIGN.md, in order, per row:
 * <ol>
 * <li>a rejected row is recorded as REJECTED and never sent;</li>
 * <li>the intent (SUBMITTING) is committed before the create call; a row already in the ledger is not sent
 *     again, unless {@code retry-failed} made it PENDING; one found still SUBMITTING (its run died mid-call)
 *     becomes UNCERTAIN;</li>
 * <li>the taskId is committed the moment the call returns, in its own transaction;</li>
 * <li>a call that may have reached the provider without an answer makes the row UNCERTAIN: never resent
 *     silently; a call the provider refused for the row (400, 413, 422) makes it REJECTED;</li>
 * <li>a busy provider (429 with Retry-After, 455, 5xx, refused connection) is retried with backoff, up to
 *     {@link JobProperties#createAttempts()}, the intent released during each wait (no task exists then) and
 *     committed again before the next attempt; a wrong account (401, 402, 403, 505), or a provider still busy
 *     after every attempt, releases the row's intent and fails the step restartably
 *     ({@link SubmissionStoppedException}); rows not yet sent are not sent.</li>
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
        this.batchId = batchId;
        this.providers = providers;
        this.ledger = ledger;
        this.properties = properties;
        this.workers = workers;
        this.clock = clock;
        this.callbackUrls = callbackUrls;
        this.schedule = schedule;
    }

    @Override
    public void write(Chunk<? extends SubmitItem> chunk) {
        List<SubmitItem> toCreate = new ArrayList<>();
        for (SubmitItem item : chunk) {
            CatalogueRow row = item.row();
            if (item.rejection() != null) {
                // cut to what the ledger's columns hold: a rejected row is recorded, whatever its cells
                String rowId = RowProcessor.ledgerRowId(row);
                String prompt = RowProcessor.ledgerPrompt(row);
                ledger.insertRejected(batchId, row.rowNumber(), rowId, item.provider(), item.model(), prompt,
                        item.rejection());
            } else if (ledger.insertIntent(batchId, row.rowNumber(), row.id(), item.provider(), item.model(),
                    item.request().prompt(), JSON.writeValueAsString(item.request()))
                    || ledger.claimPending(batchId, row.rowNumber())) {
                // a new row, or one retry-failed asked to send again
                toCreate.add(item);
            } else {
                // already in the ledger: a chunk read again after a restart. A row left SUBMITTING was in
                // flight when its run died; the task may exist, so it must not be sent again.
                ledger.markUncertain(batchId, row.rowNumber(), "the run stopped while the create call for this row"
                        + " was in flight, so the task may exist at the provider; not resent");
            }
        }
        AtomicReference<String> stop = new AtomicReference<>();
        CompletableFuture.allOf(toCreate.stream()
                        .map(item -> CompletableFuture.runAsync(() -> create(item, stop), workers))
                        .toArray(CompletableFuture[]::new))
                .join();
        if (stop.get() != null) {
            throw new SubmissionStoppedException(stop.get());
        }
    }

    private void create(SubmitItem item, AtomicReference<String> stop) {
        long rowNum = item.row().rowNumber();
        ProviderAdapter adapter = providers.find(item.provider()).orElseThrow();
        String callbackUrl = callbackUrls.urlFor(batchId, adapter.name());
        for (int attempt = 1; ; attempt++) {
            if (stop.get() != null) {
                ledger.releaseIntent(batchId, rowNum); // certainly not sent: a resumed batch sends it
                return;
            }
            try {
                String taskId = adapter.createTask(item.request(), callbackUrl);
                long now = clock.millis();
                ledger.markSubmitted(batchId, rowNum, taskId, now,
                        now + schedule.nextDelayMillis(item.provider() + " " + item.model(), 0,
                                callbackUrl != null && adapter.sendsCallbacks()),
                        now + properties.taskDeadline().toMillis());
                return;
            } catch (ProviderException e) {
                if (e.mayHaveReachedProvider()) {
                    ledger.markUncertain(batchId, rowNum, e.getMessage()
                            + "; the task may exist at the provider, so the row is not resent");
                    return;
                }
                switch (e.failureClass()) {
                    case ROW_INVALID -> {
                        ledger.markRejectedByProvider(batchId, rowNum, code(e), "row " + rowNum
                                + ": the provider refused the request: " + e.getMessage());
                        return;
                    }
                    case GENERATION_FAILED -> {
                        ledger.markFailed(batchId, rowNum, null, code(e), e.getMessage());
                        return;
                    }
                    case ACCOUNT -> {
                        ledger.releaseIntent(batchId, rowNum);
                        stop.compareAndSet(null, e.getMessage() + " (the account or key is wrong; fix it, then run"
                                + " the same command again to resume)");
                        return;
                    }
                    case BUSY -> {
                        if (attempt >= properties.createAttempts()) {
                            ledger.releaseIntent(batchId, rowNum);
                            stop.compareAndSet(null, e.getMessage() + " (still busy after " + attempt
                                    + " attempts; run the same command again later to resume)");
                            return;
                        }
                        long wait = properties.backoffMillis(attempt, e.retryAfter());
                        log.info("{}: row {} create attempt {} busy ({}); retrying in {} ms", batchId, rowNum,
                                attempt, e.httpStatus() == 0 ? "no connection" : "HTTP " + e.httpStatus(), wait);
                        // no task exists (the provider answered, or was never reached): while waiting the row is
                        // not in flight, so a run killed now sends it again instead of leaving it UNCERTAIN
                        ledger.releaseIntent(batchId, rowNum);
                        if (!sleep(wait)) {
                            stop.compareAndSet(null, "interrupted while waiting to retry");
                            return;
                        }
                        if (!ledger.insertIntent(batchId, rowNum, rowId(item), item.provider(), item.model(),
                                item.request().prompt(), JSON.writeValueAsString(item.request()))) {
                            return; // another process took the row meanwhile: it is its to send
                        }
                    }
                }
            } catch (RuntimeException unexpected) {
                // not a classified provider answer: we cannot tell whether a task was made
                ledger.markUncertain(batchId, rowNum, "create call failed unexpectedly (" + unexpected
                        + "); the task may exist at the provider, so the row is not resent");
                log.warn("{}: row {} create failed unexpectedly", batchId, rowNum, unexpected);
                return;
            }
        }
    }

    private static String rowId(SubmitItem item) {
        return item.row().id() != null ? item.row().id() : String.valueOf(item.row().rowNumber());
    }

    private static String code(ProviderException e) {
        return e.providerCode() != null ? e.providerCode() : String.valueOf(e.httpStatus());
    }

    private static boolean sleep(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
