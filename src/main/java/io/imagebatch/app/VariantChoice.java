package io.imagebatch.app;

import org.springframework.beans.factory.annotation.Value;
import io.imagebatch.report.ContactSheet;
import io.imagebatch.job.BatchOutputKeys;
import io.imagebatch.job.BatchSettings;
import io.imagebatch.job.BatchSettingsStore;
import io.imagebatch.job.ReportTasklet;
import io.imagebatch.ledger.BatchRegistry;
import io.imagebatch.ledger.LedgerEntry;
import io.imagebatch.ledger.RowState;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.lock.BatchLocks;
import io.imagebatch.provider.ProviderRegistry;
import io.imagebatch.report.ManifestFactory;
import io.imagebatch.storage.OutputLocation;
import io.imagebatch.storage.OutputStore;
import io.imagebatch.storage.OutputStores;
import io.imagebatch.storage.StorageProperties;
import java.io.PrintStream;
import java.net.URI;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.function.Function;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.stereotype.Component;

/**
 * {@code choose BATCH ROW_NUM K} (README.md, Variants): picks one stored variant of a row as the row's image. Under
 * the batch's lock ({@link BatchLocks#batchKey}, fenced as a run's: docs/design.md, "Locks and fencing"; taken
 * without waiting, as {@code reject} takes it in {@link BatchProofCheck}), the variant's image
 * {@code <row id>-<k>.<ext>} is copied to {@code <row id>.<ext>} beside it ({@link OutputStore#copy}), then the
 * choice is recorded in the ledger ({@link TaskLedger#choose}), and the batch's {@code report.csv} ({@code chosen}
 * column), contact sheet and {@code manifest.json} ({@code variants.chosen}) are written again by the report
 * step's own code ({@link ReportTasklet#write}). Choosing again replaces the copy and the choice. A process killed
 * between the copy and the record leaves the copy and the old choice; running the command again finishes it.
 * A copy that would overwrite another entry's stored image (row id {@code X-1} beside row id {@code X}) is refused.
 */
@Component
public class VariantChoice {

    private final BatchSettingsStore batches;
    private final BatchRegistry registry;
    private final TaskLedger ledger;
    private final BatchLocks locks;
    private final ProviderRegistry providers;
    private final StorageProperties storage;
    private final ManifestFactory manifests;
    private final int contactSheetPageSize;

    /**
     * @param batches   the batches' settings: output, identity
     * @param registry  the batch registry, for the lock's fence and its holder
     * @param ledger    the ledger
     * @param locks     the batch locks
     * @param providers the provider adapters, for the rewritten manifest's default model
     * @param storage   the output stores' settings
     * @param manifests builds the rewritten manifest
     * @param contactSheetPageSize entries per contact-sheet page ({@code imagebatch.report.contact-sheet-page-size})
     */
    public VariantChoice(BatchSettingsStore batches, BatchRegistry registry, TaskLedger ledger, BatchLocks locks,
            ProviderRegistry providers, StorageProperties storage, ManifestFactory manifests,
            @Value(ContactSheet.PAGE_SIZE_SETTING) int contactSheetPageSize) {
        this.batches = batches;
        this.registry = registry;
        this.ledger = ledger;
        this.locks = locks;
        this.providers = providers;
        this.storage = storage;
        this.manifests = manifests;
        this.contactSheetPageSize = contactSheetPageSize;
    }

    /**
     * Chooses variant {@code variant} of row {@code rowNum}, as the class describes.
     *
     * @param batchId       the batch (known: the caller checked it)
     * @param rowNum        the row's number (1 = first data row; report.csv's {@code row_number})
     * @param variant       the variant to choose, 1 to 8 (report.csv's {@code variant})
     * @param lastExecution the batch's last job execution by batch id, for the rewritten manifest (null result:
     *                      the report files are not rewritten, the batch never ran to its report)
     * @param out           where the outcome goes
     * @return {@link ExitCodes#COMPLETED} when the variant was copied and recorded; {@link ExitCodes#FAILED} when
     *         another process holds the batch's lock (nothing changed), the variant is not STORED (nothing
     *         changed; the message says its state), the copy would overwrite another entry's image (nothing
     *         changed), or the report files could not be written again (the choice is
     *         recorded; running the command again writes them)
     * @throws UsageException when the batch has no variants, or the row or variant is not in its ledger
     * @throws io.imagebatch.storage.OutputStoreException when the image cannot be copied; nothing is recorded
     */
    public int choose(String batchId, long rowNum, int variant, Function<String, JobExecution> lastExecution,
            PrintStream out) {
        BatchSettings settings = batches.get(batchId);
        LedgerEntry entry = ledger.find(batchId, rowNum, variant).orElseThrow(() -> new UsageException("batch "
                + batchId + " has no row " + rowNum + " variant " + variant + " in its ledger (rows are numbered from"
                + " 1, the first data row; variants from 1 to the row's number of variants: report.csv's row_number"
                + " and variant)"));
        if (!BatchOutputKeys.namesVariants(settings)) {
            throw new UsageException("batch " + batchId + " has no variants (variants: 1 and no variants column);"
                    + " there is nothing to choose from");
        }
        if (entry.state() != RowState.STORED || entry.outputUri() == null) {
            out.printf("Row %d (%s) variant %d of batch %s is %s, not STORED: only a stored image can be chosen;"
                    + " nothing was changed.%n", rowNum, entry.rowId(), variant, batchId, entry.state());
            return ExitCodes.FAILED;
        }
        Optional<BatchLocks.Held> lock = locks.tryLock(BatchLocks.batchKey(batchId));
        if (lock.isEmpty()) {
            String who = registry.lockHolder(batchId).map(h -> "by " + h.process() + " since "
                    + Instant.ofEpochMilli(h.sinceMillis()).truncatedTo(ChronoUnit.SECONDS))
                    .orElse("by another process");
            out.printf("Batch %s is held %s; nothing was chosen. Run choose again once that has ended (status %s"
                    + " shows it).%n", batchId, who, batchId);
            return ExitCodes.FAILED;
        }
        try (BatchLocks.Held held = lock.get();
                OutputStore store = OutputStores.open(OutputLocation.parse(settings.destination()), storage)) {
            registry.takeFence(batchId, BatchRunner.thisProcess());
            held.onLost(reason -> registry.revokeFence(batchId, "batch " + batchId + ": " + reason
                    + "; this choose stops (run it again)"));
            try {
                String from = keyOf(store, batchId, entry.outputUri());
                String to = BatchOutputKeys.chosenUri(from, variant);
                if (ledger.report().storedAt(batchId, store.uriOf(to).toString())) {
                    // row id "X-1" beside row id "X": "X-1"'s chosen copy would overwrite "X"'s variant 1
                    out.printf("Row %d (%s) of batch %s cannot be chosen: its name %s is the stored image of another"
                            + " row's variant (a row id ending in -<k> beside the same id without it); nothing was"
                            + " changed. Rename one of the ids in the catalogue to choose it.%n", rowNum,
                            entry.rowId(), batchId, store.uriOf(to));
                    return ExitCodes.FAILED;
                }
                URI copy = store.copy(from, to);
                if (!ledger.choose(batchId, rowNum, variant)) {
                    out.printf("Row %d variant %d of batch %s changed while it was being chosen; look at it again.%n",
                            rowNum, variant, batchId);
                    return ExitCodes.FAILED;
                }
                out.printf("Chose variant %d of row %d (%s) of batch %s: copied to %s.%n", variant, rowNum,
                        entry.rowId(), batchId, copy);
                return ReportRewrite.rewrite(settings, lastExecution.apply(batchId), out, "the variant is chosen",
                        "choose", providers, ledger, storage, manifests, contactSheetPageSize);
            } finally {
                registry.releaseFence(batchId);
            }
        }
    }

    /** The variant's key in the batch's store: its URI is {@code store.uriOf(<batch id>/<file name>)}. */
    private static String keyOf(OutputStore store, String batchId, String outputUri) {
        String key = batchId + "/" + outputUri.substring(outputUri.lastIndexOf('/') + 1);
        if (!store.uriOf(key).toString().equals(outputUri)) {
            throw new UsageException("the stored image " + outputUri + " is not in the batch's output "
                    + store.location() + " any more; nothing was chosen");
        }
        return key;
    }

}
