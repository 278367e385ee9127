package io.imagebatch.job;

import io.imagebatch.label.ImageLabel;
import io.imagebatch.label.MetadataLevel;
import io.imagebatch.ledger.FailureKind;
import io.imagebatch.ledger.LedgerDownloads;
import io.imagebatch.ledger.LedgerEntry;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.provider.ProviderException;
import io.imagebatch.provider.ProviderRegistry;
import io.imagebatch.provider.TaskState;
import io.imagebatch.provider.TaskStatus;
import io.imagebatch.rendition.Rendition;
import io.imagebatch.rendition.RenditionException;
import io.imagebatch.rendition.Renditions;
import io.imagebatch.storage.DownloadException;
import io.imagebatch.storage.ImageDownloader;
import io.imagebatch.storage.OutputStore;
import io.imagebatch.storage.OutputStoreException;
import io.imagebatch.storage.StoredImage;
import java.net.URI;
import java.time.Clock;
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
 * The download step's row action ({@link LedgerPassTasklet}, downstream of the poll step): each result image
 * due is streamed from its URL to the output store under {@code <batch id>/<row id>.<ext>}
 * ({@link BatchOutputKeys}), checked to be an image, and recorded in the ledger with its URI, SHA-256 and size
 * ({@link ImageDownloader}). The step finishes once the poll step has completed and no succeeded row waits.
 *
 * <p>A download that fails for a reason that may pass (403, 404, 410, 5xx, a body cut short or not an image)
 * is tried again with backoff, up to {@link JobProperties#downloadAttempts()} attempts; then the task's status is
 * queried once more for a fresh result URL (result URLs expire: docs/providers/), and the download starts over
 * with it; then the row is FAILED with the reason. A refused URL (private address, not http) fails the row at
 * once. Nothing partial is ever stored ({@link ImageDownloader}). Each fetch is bounded in time by
 * {@code imagebatch.download.timeout} and, while it is ahead, by its task's deadline; a fetch that passes its
 * deadline or arrives too slowly counts as a failed attempt, like a cut one. A fetch aborted because the process
 * is stopping counts as nothing: the row is downloaded when the batch resumes. An output store that cannot be
 * written (after the store's own retries of passing errors) fails the step once the pass is over: it is not the
 * row's fault, and the batch resumes once the store is back.
 *
 * <p>A batch with renditions (README.md, "Renditions") has each made from the stored image before the row is
 * recorded as stored ({@link Renditions#make}): a crash in between downloads the row again and makes only
 * the renditions still missing; a later attempt of the row (a redo, a new image under the same key) makes every
 * rendition again. A rendition that cannot be made fails that row (code {@code rendition}, with the
 * reason; {@code retry-failed} fetches it again, never pays twice), never the batch.
 *
 * <p>Every stored image and rendition is labelled as AI-generated (README.md, "Labelled as AI-generated"): an
 * XMP packet with the IPTC digital source type, the row id and, unless {@link #metadata(MetadataLevel)} is
 * {@link MetadataLevel#MINIMAL}, the row's prompt and model ({@link ImageLabel}); the ledger's SHA-256 and size
 * are those of the labelled bytes. An image the provider sent that cannot take the label is stored as it came and
 * its row recorded with the warning ({@link LedgerDownloads#markStoredUnlabelled}), never failed.
 */
public class ResultDownloader implements LedgerPassTasklet.RowAction, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ResultDownloader.class);

    private final String batchId;
    private final TaskLedger ledger;
    private final ProviderRegistry providers;
    private final ImageDownloader downloader;
    private final OutputStore store;
    private final JobProperties properties;
    private final Clock clock;
    /** The batch's keys that differ only in case ({@link BatchOutputKeys#caseCollisions}); empty until set. */
    private java.util.Set<String> caseCollisions = java.util.Set.of();
    /** The renditions made of each stored image; empty for none. */
    private List<Rendition> renditions = List.of();
    /** Whether images are named per variant (README.md, Variants); false unless set. */
    private boolean namesVariants;
    private final Renditions renditionMaker = new Renditions();
    /** How much each stored image's and rendition's XMP label says. */
    private MetadataLevel metadata = MetadataLevel.FULL;
    /** The first output store failure of the current pass, or null. */
    private final AtomicReference<OutputStoreException> storeDown = new AtomicReference<>();
    /** The partition's rows, or null for the whole batch. */
    private PartitionRows rows;

    /**
     * @param batchId    the batch
     * @param ledger     the ledger
     * @param providers  the adapters, for a fresh result URL
     * @param downloader fetches and stores one image
     * @param store      the batch's output store (owned by this action: closed by {@link #close()})
     * @param properties attempts and backoff
     * @param clock      the clock
     */
    public ResultDownloader(String batchId, TaskLedger ledger, ProviderRegistry providers, ImageDownloader downloader,
            OutputStore store, JobProperties properties, Clock clock) {
        this.batchId = batchId;
        this.ledger = ledger;
        this.providers = providers;
        this.downloader = downloader;
        this.store = store;
        this.properties = properties;
        this.clock = clock;
    }

    /**
     * @param caseCollisions the batch's keys that differ only in case ({@link BatchOutputKeys#caseCollisions}),
     *                       whose images get a hash suffix so that no two keys of the batch differ only in case
     * @return this downloader
     */
    public ResultDownloader caseCollisions(java.util.Set<String> caseCollisions) {
        this.caseCollisions = java.util.Set.copyOf(caseCollisions);
        return this;
    }

    /**
     * Makes this downloader store only one partition's images (README.md, "More than one machine").
     *
     * @param rows the partition's rows, or null for every row of the batch (the default)
     * @return this downloader
     */
    public ResultDownloader rows(PartitionRows rows) {
        this.rows = rows;
        return this;
    }

    /**
     * @param namesVariants whether the batch names its images per variant, {@code <row id>-<k>.<ext>}, and so its
     *                      renditions {@code <rendition>/<row id>-<k>.<ext>} ({@link BatchOutputKeys#namesVariants},
     *                      README.md, Variants); false unless set
     * @return this downloader
     */
    public ResultDownloader namesVariants(boolean namesVariants) {
        this.namesVariants = namesVariants;
        return this;
    }

    /**
     * @param renditions the batch's renditions ({@link BatchSettings#renditions()}), made of each image stored
     * @return this downloader
     */
    public ResultDownloader renditions(List<Rendition> renditions) {
        this.renditions = List.copyOf(renditions);
        return this;
    }

    /**
     * @param level how much the XMP label of each stored image and rendition says (README.md, "Labelled as
     *              AI-generated"; a job file's {@code metadata:}); {@link MetadataLevel#FULL} unless set
     * @return this downloader
     */
    public ResultDownloader metadata(MetadataLevel level) {
        this.metadata = java.util.Objects.requireNonNull(level, "level");
        return this;
    }

    /**
     * The label of a row's image: its row id, and its prompt and model (the provider's default model when the
     * row names none).
     */
    private ImageLabel label(LedgerEntry entry) {
        String model = entry.model() != null ? entry.model()
                : providers.find(entry.provider()).map(io.imagebatch.provider.ProviderAdapter::defaultModel)
                        .orElse(null);
        return new ImageLabel(entry.rowId(), entry.prompt(), model, metadata);
    }

    /** @return the succeeded rows whose image is due to be stored ({@link LedgerDownloads#dueForDownload}) */
    @Override
    public List<LedgerEntry> due(long now, int max) {
        return rows == null ? ledger.downloads().dueForDownload(batchId, now, max)
                : ledger.downloads().dueForDownload(batchId, rows.from(), rows.to(), now, max);
    }

    /** @return when the next image is due ({@link LedgerDownloads#nextDownloadAt}); empty when none waits */
    @Override
    public Optional<Long> nextDueAt() {
        return rows == null ? ledger.downloads().nextDownloadAt(batchId)
                : ledger.downloads().nextDownloadAt(batchId, rows.from(), rows.to());
    }

    /** Fetches and stores the row's image once, and records the outcome at once (a transaction of its own). */
    @Override
    public void run(LedgerEntry entry) {
        download(entry, storeDown, null);
    }

    /**
     * Fetches and stores the image of each row of the pass once, concurrently, and records the pass's stored
     * images and failed attempts in one fenced transaction ({@link LedgerDownloads#recordAll}) once every row has
     * ended: one commit per pass instead of one per row (README.md, Performance, "A million rows"). Each image is
     * in the store, under its deterministic key, before its row is recorded STORED; a process killed before the
     * commit fetches and puts the same images again when the batch resumes, and pays nothing twice. A row that
     * fails for good, a rendition that cannot be made and a fresh result URL are still recorded at once. The
     * outcomes that were collected are recorded also when a row's work threw.
     *
     * @throws java.util.concurrent.CompletionException when a row's work threw, after the outcomes were recorded
     * @throws io.imagebatch.ledger.LockLostException  when this process lost the batch's lock; nothing of the
     *                                                  pass's outcomes was written
     */
    @Override
    public void runPass(List<LedgerEntry> due, Executor workers) {
        Queue<LedgerDownloads.Outcome> outcomes = new ConcurrentLinkedQueue<>();
        try {
            FanOut.forEach(due, workers, entry -> download(entry, storeDown, outcomes));
        } finally {
            ledger.downloads().recordAll(batchId, List.copyOf(outcomes));
        }
    }

    /** Records one outcome: at once when {@code outcomes} is null, else with the pass's others. */
    private void record(Queue<LedgerDownloads.Outcome> outcomes, LedgerDownloads.Outcome outcome) {
        if (outcomes != null) {
            outcomes.add(outcome);
        } else if (outcome.outputUri() == null) {
            ledger.downloads().rescheduleDownload(batchId, outcome.rowNum(), outcome.variant(),
                    outcome.nextAttemptAt(), outcome.error());
        } else if (outcome.unlabelled() != null) {
            ledger.downloads().markStoredUnlabelled(batchId, outcome.rowNum(), outcome.variant(),
                    outcome.outputUri(), outcome.sha256(), outcome.bytes(), outcome.unlabelled());
        } else {
            ledger.downloads().markStored(batchId, outcome.rowNum(), outcome.variant(), outcome.outputUri(),
                    outcome.sha256(), outcome.bytes());
        }
    }

    /**
     * Counts the pass's rows as writes.
     *
     * @throws OutputStoreException when the output store could not be written during the pass
     */
    @Override
    public void passEnded(StepContribution contribution, int rows) {
        OutputStoreException down = storeDown.getAndSet(null);
        if (down != null) {
            throw down;
        }
        contribution.incrementWriteCount(rows);
    }

    /** Asks the provider once more for the task's result URL; true when a URL came back. */
    private boolean refreshUrl(LedgerEntry entry, DownloadException cause) {
        try {
            TaskStatus status = providers.find(entry.provider()).orElseThrow().queryTask(entry.taskId());
            if (status.state() != TaskState.SUCCESS || status.resultUrls().isEmpty()) {
                return false;
            }
            ledger.downloads().refreshResultUrl(batchId, entry.rowNum(), entry.variant(), status.resultUrls().get(0),
                    "fresh result URL after: " + cause.getMessage());
            return true;
        } catch (ProviderException e) {
            return false;
        }
    }

    /**
     * @param outcomes where the outcome goes when the pass records its outcomes together ({@link #runPass}); null
     *                 to record it at once
     */
    private void download(LedgerEntry entry, AtomicReference<OutputStoreException> storeDown,
            Queue<LedgerDownloads.Outcome> outcomes) {
        long rowNum = entry.rowNum();
        try {
            String stem = BatchOutputKeys.variantStem(BatchOutputKeys.imageStem(batchId, entry.rowId(), caseCollisions),
                    entry.variant(), namesVariants);
            ImageLabel label = label(entry);
            StoredImage image = downloader.download(URI.create(entry.resultUrl()), store, stem, timeLeft(entry),
                    label);
            if (!renditions.isEmpty()) {
                try {
                    // a later attempt (a redo) stored a new image under the same key: none of the renditions
                    // of the earlier image may stay, so every one is made again; a first attempt's resume
                    // makes only those still missing
                    renditionMaker.make(store, image.key(), batchId, stem.substring(batchId.length() + 1),
                            renditions, label, entry.attempt() <= 1);
                } catch (RenditionException e) {
                    ledger.markFailed(batchId, rowNum, entry.variant(), null, "rendition", e.getMessage(),
                            FailureKind.RESULT_NOT_STORED);
                    return;
                }
            }
            record(outcomes, LedgerDownloads.Outcome.stored(rowNum, entry.variant(), image.uri().toString(),
                    image.sha256(), image.bytes(), image.unlabelled()));
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
                record(outcomes, LedgerDownloads.Outcome.rescheduled(rowNum, entry.variant(), clock.millis() + wait,
                        e.getMessage()));
            } else if (e.retryable() && entry.urlRefreshes() == 0 && refreshUrl(entry, e)) {
                log.info("{}: row {} download failed {} times ({}); trying a fresh result URL", batchId, rowNum,
                        attempt, e.getMessage());
            } else {
                ledger.markFailed(batchId, rowNum, entry.variant(), null, "download",
                        "the result image could not be stored after " + attempt + " attempt" + (attempt == 1 ? "" : "s")
                        + (entry.urlRefreshes() > 0 ? " (and a fresh result URL)" : "") + ": " + e.getMessage(),
                        FailureKind.RESULT_NOT_STORED);
            }
        } catch (OutputStoreException e) {
            storeDown.compareAndSet(null, e);
        } catch (IllegalArgumentException e) {
            ledger.markFailed(batchId, rowNum, entry.variant(), null, "download",
                    "the provider gave an unusable result URL: " + e.getMessage(), FailureKind.RESULT_NOT_STORED);
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

    /** Closes the output store; called when the step ends ({@link LedgerPassTasklet#close()}). */
    @Override
    public void close() {
        store.close();
    }
}
