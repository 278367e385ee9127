package io.imagebatch.job;

import io.imagebatch.ledger.FailureKind;
import io.imagebatch.ledger.LedgerEntry;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.provider.ProviderException;
import io.imagebatch.provider.ProviderRegistry;
import io.imagebatch.provider.TaskState;
import io.imagebatch.provider.TaskStatus;
import io.imagebatch.storage.DownloadException;
import io.imagebatch.storage.ImageDownloader;
import io.imagebatch.storage.OutputStore;
import io.imagebatch.storage.OutputStoreException;
import io.imagebatch.storage.StoredImage;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * The download step: one pass per call, until no succeeded row waits. Each result image is streamed from its
 * URL to the output store under {@code <batch id>/<row id>.<ext>} ({@link ObjectKeys}), checked to be an
 * image, and recorded in the ledger with its URI, SHA-256 and size ({@link ImageDownloader}).
 *
 * <p>It runs while the poll step runs (a split, {@link PipelineState}) and finishes once the poll step has
 * completed and no succeeded row waits.
 *
 * <p>A download that fails for a reason that may pass (403, 404, 410, 5xx, a body cut short or not an image)
 * is tried again with backoff, up to {@link JobProperties#downloadAttempts()} attempts; then the task's status is
 * queried once more for a fresh result URL (result URLs expire: docs/providers/), and the download starts over
 * with it; then the row is FAILED with the reason. A refused URL (private address, not http) fails the row at
 * once. Nothing partial is ever stored ({@link ImageDownloader}). Each fetch is bounded in time by
 * {@code imagebatch.download.timeout} and, while it is ahead, by its task's deadline; a fetch that passes its
 * deadline or arrives too slowly counts as a failed attempt, like a cut one. A fetch aborted because the process
 * is stopping counts as nothing: the row is downloaded when the batch resumes. An output store that cannot be
 * written (after the store's own retries of passing errors) fails the step: it is not the row's fault, and the
 * batch resumes once the store is back.
 */
public class DownloadTasklet implements Tasklet, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DownloadTasklet.class);
    private static final long MAX_IDLE_MILLIS = 1000;
    /** How long an idle pass waits while the poll step may still find results, ms. */
    private static final long IDLE_MILLIS = 50;

    private final String batchId;
    private final TaskLedger ledger;
    private final ProviderRegistry providers;
    private final ImageDownloader downloader;
    private final OutputStore store;
    private final JobProperties properties;
    private final ExecutorService workers;
    private final Clock clock;
    private final PipelineState pipeline;
    /** The batch's keys that differ only in case ({@link ObjectKeys#caseCollisions}); empty until set. */
    private java.util.Set<String> caseCollisions = java.util.Set.of();

    /**
     * @param batchId    the batch
     * @param ledger     the ledger
     * @param providers  the adapters, for a fresh result URL
     * @param downloader fetches and stores one image
     * @param store      the batch's output store (owned by this tasklet: closed by {@link #close()})
     * @param properties attempts and backoff
     * @param workers    the pool the downloads run on
     * @param clock      the clock
     * @param pipeline   how the poll step ended: downloading is done when it completed and nothing waits
     */
    public DownloadTasklet(String batchId, TaskLedger ledger, ProviderRegistry providers, ImageDownloader downloader,
            OutputStore store,
            JobProperties properties, ExecutorService workers, Clock clock, PipelineState pipeline) {
        this.batchId = batchId;
        this.ledger = ledger;
        this.providers = providers;
        this.downloader = downloader;
        this.store = store;
        this.properties = properties;
        this.workers = workers;
        this.clock = clock;
        this.pipeline = pipeline;
    }

    /**
     * @param caseCollisions the batch's keys that differ only in case ({@link ObjectKeys#caseCollisions}), whose
     *                       images get a hash suffix so that no two keys of the batch differ only in case
     * @return this tasklet
     */
    public DownloadTasklet caseCollisions(java.util.Set<String> caseCollisions) {
        this.caseCollisions = java.util.Set.copyOf(caseCollisions);
        return this;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws InterruptedException {
        long jobExecution = contribution.getStepExecution().getJobExecutionId();
        pipeline.checkUpstream(jobExecution, ImageProductionJobConfiguration.POLL_STEP);
        if (pipeline.upstreamStopped(jobExecution, ImageProductionJobConfiguration.POLL_STEP)) {
            // stopped on request: stop too, gracefully (Spring Batch ends the step STOPPED before the next pass)
            contribution.getStepExecution().setTerminateOnly();
            return RepeatStatus.CONTINUABLE;
        }
        // the poll step's state first, then the ledger: read the other way round, the poll step could record its
        // last success between the two reads, and this step would finish with that image not stored
        boolean pollCompleted = pipeline.upstreamCompleted(jobExecution, ImageProductionJobConfiguration.POLL_STEP);
        long now = clock.millis();
        List<LedgerEntry> due = ledger.dueForDownload(batchId, now, properties.pollBatch());
        if (due.isEmpty()) {
            var next = ledger.nextDownloadAt(batchId);
            if (next.isEmpty() && pollCompleted) {
                return RepeatStatus.FINISHED;
            }
            // nothing due yet, or the poll step may still find results: wait a little
            Thread.sleep(Math.max(1, Math.min(MAX_IDLE_MILLIS, next.map(n -> n - now).orElse(IDLE_MILLIS))));
            return RepeatStatus.CONTINUABLE;
        }
        AtomicReference<OutputStoreException> storeDown = new AtomicReference<>();
        CompletableFuture.allOf(due.stream()
                        .map(entry -> CompletableFuture.runAsync(() -> download(entry, storeDown), workers))
                        .toArray(CompletableFuture[]::new))
                .join();
        if (storeDown.get() != null) {
            throw storeDown.get();
        }
        contribution.incrementWriteCount(due.size());
        return RepeatStatus.CONTINUABLE;
    }

    /** Asks the provider once more for the task's result URL; true when a URL came back. */
    private boolean refreshUrl(LedgerEntry entry, DownloadException cause) {
        try {
            TaskStatus status = providers.find(entry.provider()).orElseThrow().queryTask(entry.taskId());
            if (status.state() != TaskState.SUCCESS || status.resultUrls().isEmpty()) {
                return false;
            }
            ledger.refreshResultUrl(batchId, entry.rowNum(), status.resultUrls().get(0),
                    "fresh result URL after: " + cause.getMessage());
            return true;
        } catch (ProviderException e) {
            return false;
        }
    }

    private void download(LedgerEntry entry, AtomicReference<OutputStoreException> storeDown) {
        long rowNum = entry.rowNum();
        try {
            StoredImage image = downloader.download(URI.create(entry.resultUrl()), store,
                    ObjectKeys.imageStem(batchId, entry.rowId(), caseCollisions), timeLeft(entry));
            ledger.markStored(batchId, rowNum, image.uri().toString(), image.sha256(), image.bytes());
        } catch (DownloadException e) {
            if (e.aborted()) {
                // the process is stopping: not the image's fault, no attempt counted; resumed with the batch
                log.info("{}: row {} download aborted ({}); it starts over when the batch resumes", batchId, rowNum,
                        e.getMessage());
                return;
            }
            int attempt = entry.downloadAttempts() + 1;
            if (e.retryable() && attempt < properties.downloadAttempts()) {
                long wait = properties.backoffMillis(attempt, null);
                log.info("{}: row {} download attempt {} failed ({}); retrying in {} ms", batchId, rowNum, attempt,
                        e.getMessage(), wait);
                ledger.rescheduleDownload(batchId, rowNum, clock.millis() + wait, e.getMessage());
            } else if (e.retryable() && entry.urlRefreshes() == 0 && refreshUrl(entry, e)) {
                log.info("{}: row {} download failed {} times ({}); trying a fresh result URL", batchId, rowNum,
                        attempt, e.getMessage());
            } else {
                ledger.markFailed(batchId, rowNum, null, "download", "the result image could not be stored after "
                        + attempt + " attempt" + (attempt == 1 ? "" : "s")
                        + (entry.urlRefreshes() > 0 ? " (and a fresh result URL)" : "") + ": " + e.getMessage(),
                        FailureKind.RESULT_NOT_STORED);
            }
        } catch (OutputStoreException e) {
            storeDown.compareAndSet(null, e);
        } catch (IllegalArgumentException e) {
            ledger.markFailed(batchId, rowNum, null, "download", "the provider gave an unusable result URL: "
                    + e.getMessage(), FailureKind.RESULT_NOT_STORED);
        }
    }

    /**
     * How long a download of {@code entry} may take: until its task's deadline, when that is still ahead (the
     * task deadline covers the call in flight); null (the download's own overall timeout alone) when the task has
     * no deadline or it has passed, so that a task that finished just before its deadline still gets one bounded
     * fetch per attempt.
     */
    private java.time.Duration timeLeft(LedgerEntry entry) {
        Long deadlineAt = entry.deadlineAt();
        long now = clock.millis();
        return deadlineAt == null || deadlineAt <= now ? null : java.time.Duration.ofMillis(deadlineAt - now);
    }

    /** Closes the output store; called by the step scope when the step ends. */
    @Override
    public void close() {
        store.close();
    }
}
