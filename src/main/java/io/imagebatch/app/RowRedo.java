package io.imagebatch.app;

import io.imagebatch.catalogue.CatalogueException;
import io.imagebatch.catalogue.CatalogueItemReader;
import io.imagebatch.catalogue.CatalogueRow;
import io.imagebatch.job.BatchSettings;
import io.imagebatch.job.BatchSettingsStore;
import io.imagebatch.job.RowProcessor;
import io.imagebatch.job.SubmitItem;
import io.imagebatch.ledger.BatchRegistry;
import io.imagebatch.ledger.LedgerEntry;
import io.imagebatch.ledger.LedgerRetries;
import io.imagebatch.ledger.RowState;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.lock.BatchLocks;
import io.imagebatch.provider.ProviderRegistry;
import io.imagebatch.storage.OutputLocation;
import io.imagebatch.storage.OutputStore;
import io.imagebatch.storage.OutputStores;
import io.imagebatch.storage.StorageProperties;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.stereotype.Component;

/**
 * Redo one row of a batch with an edited prompt (README, "Redo a row"): a new attempt of that row, sent by the
 * batch's next run, with the earlier attempt kept in the ledger ({@code IB_TASK_ATTEMPT}) and its image kept in
 * the output store under the row's history ({@link #historyKey}). The {@code redo} command and the console's
 * redo both come here; the caller then runs the batch ({@link BatchRunner#run(BatchSettings, java.io.PrintStream)}).
 *
 * <p>The rules, in order (each refusal is a {@link RedoRefusedException} with its {@link RedoRefusedException.Reason}):
 * <ul>
 * <li>the batch must be known and not running anywhere: the redo takes the batch's lock
 *     ({@link BatchLocks#batchKey}) without waiting, and its fence ({@link BatchRegistry#takeFence}), so that a
 *     process that lost the lock writes nothing more for the batch;</li>
 * <li>the row must be in a state a batch ends in and that had a valid request: STORED, FAILED, or REJECTED by a
 *     provider's answer; a row REJECTED by our own rules (it has no valid request), HELD (not sent yet: it is
 *     sent by a budget round or the proof run's approval), UNCERTAIN (its first task may exist) or in flight is
 *     refused. A row already PENDING (an earlier redo or retry not sent yet) takes the new prompt instead, and is
 *     still created once;</li>
 * <li>except for such a PENDING row, the batch's last run must have completed (a stopped or failed batch is
 *     resumed first, as {@code retry-failed} requires);</li>
 * <li>the new prompt is checked with every rule a row's prompt meets ({@link RowProcessor#check}: the
 *     provider's own limits, for example HiAPI's 10,000 characters), on the row as the catalogue gives it.</li>
 * </ul>
 * Then the earlier image is copied to the history key ({@link OutputStore#copy}) and the ledger change is made
 * in one transaction ({@link LedgerRetries#startRedo}): a process killed between the two leaves a copy in the
 * history and the row as it was; a second redo copies it again to the same key.
 */
@Component
public class RowRedo {

    private final BatchSettingsStore settings;
    private final TaskLedger ledger;
    private final LedgerRetries retries;
    private final BatchRegistry registry;
    private final BatchLocks locks;
    private final ProviderRegistry providers;
    private final StorageProperties storage;
    private final BatchRunner runner;

    /**
     * @param settings  the batches' settings
     * @param ledger    the ledger, for the row
     * @param retries   the ledger's redo transaction
     * @param registry  the batch registry, for the lock's fence and holder
     * @param locks     the batch locks
     * @param providers the providers, whose rules check the new prompt
     * @param storage   the S3 settings the output store is opened with
     * @param runner    the runner, for the batch's last run
     */
    public RowRedo(BatchSettingsStore settings, TaskLedger ledger, LedgerRetries retries, BatchRegistry registry,
            BatchLocks locks, ProviderRegistry providers, StorageProperties storage, BatchRunner runner) {
        this.settings = settings;
        this.ledger = ledger;
        this.retries = retries;
        this.registry = registry;
        this.locks = locks;
        this.providers = providers;
        this.storage = storage;
        this.runner = runner;
    }

    /**
     * What a redo did.
     *
     * @param batchId     the batch
     * @param rowNum      the row's number (1 = first data row)
     * @param rowId       the row's id
     * @param attempt     the row's new attempt number (the same as before when it was PENDING already)
     * @param historyUri  where the earlier attempt's image was copied, or null when it had none (or it was no
     *                    longer stored)
     * @param replaced    true when the row was PENDING already and only its prompt was replaced
     */
    public record Redone(String batchId, long rowNum, String rowId, int attempt, String historyUri,
            boolean replaced) {
    }

    /**
     * Redoes a row with a new prompt, as the class describes; sends nothing itself.
     *
     * @param batchId the batch
     * @param rowNum  the row's number in the catalogue (1 = first data row)
     * @param prompt  the new prompt: not blank, and within the provider's rules
     * @return what was done
     * @throws RedoRefusedException when the batch or row is unknown ({@code UNKNOWN}), the batch is running
     *                              ({@code BATCH_RUNNING}), the row's state or the batch's last run does not allow
     *                              a redo ({@code NOT_REDOABLE}), or the prompt breaks a rule ({@code INVALID_PROMPT});
     *                              nothing was changed then
     * @throws io.imagebatch.storage.OutputStoreException when the earlier image could not be copied to the
     *                              history; nothing was changed in the ledger
     */
    public Redone redo(String batchId, long rowNum, String prompt) {
        return redo(batchId, rowNum, 1, prompt);
    }

    /**
     * Redoes one variant of a row (README.md, Variants: each variant is its own ledger entry) as
     * {@link #redo(String, long, String)} redoes a row: only that variant is archived and created again.
     *
     * @param batchId the batch
     * @param rowNum  the row's number in the catalogue (1 = first data row)
     * @param variant the row's variant, 1 to 8 (1 for a row without variants)
     * @param prompt  the new prompt: not blank, and within the provider's rules
     * @return what was done
     * @throws RedoRefusedException as {@link #redo(String, long, String)}; {@code UNKNOWN} also when the row has
     *                              no such variant
     */
    public Redone redo(String batchId, long rowNum, int variant, String prompt) {
        BatchSettings batch;
        try {
            batch = settings.get(batchId);
        } catch (IllegalArgumentException e) {
            throw new RedoRefusedException(RedoRefusedException.Reason.UNKNOWN, "no batch " + batchId
                    + " in this database (status lists the batches)");
        }
        if (prompt == null || prompt.isBlank()) {
            throw new RedoRefusedException(RedoRefusedException.Reason.INVALID_PROMPT, "row " + rowNum
                    + ", column prompt: the new prompt is empty");
        }
        Optional<BatchLocks.Held> lock = locks.tryLock(BatchLocks.batchKey(batchId));
        if (lock.isEmpty()) {
            throw new RedoRefusedException(RedoRefusedException.Reason.BATCH_RUNNING, "batch " + batchId
                    + " is running " + registry.lockHolder(batchId).map(h -> "in " + h.process() + " since "
                            + Instant.ofEpochMilli(h.sinceMillis()).truncatedTo(ChronoUnit.SECONDS))
                            .orElse("in another process")
                    + "; nothing was changed: redo the row once it has ended (or stop it first)");
        }
        try (BatchLocks.Held held = lock.get()) {
            registry.takeFence(batchId, BatchRunner.thisProcess());
            try {
                return redoLocked(batch, batchId, rowNum, variant, prompt);
            } finally {
                registry.releaseFence(batchId);
            }
        }
    }

    private Redone redoLocked(BatchSettings batch, String batchId, long rowNum, int variant, String prompt) {
        LedgerEntry row = ledger.find(batchId, rowNum, variant).orElseThrow(() -> new RedoRefusedException(
                RedoRefusedException.Reason.UNKNOWN, "batch " + batchId + " has no row " + rowNum
                        + (variant == 1 ? "" : " variant " + variant)
                        + " in its ledger (rows are numbered from 1, the first data row; a row not read yet"
                        + " cannot be redone)"));
        RowState state = row.state();
        boolean redoable = state == RowState.STORED || state == RowState.FAILED || state == RowState.PENDING
                || (state == RowState.REJECTED && row.request() != null);
        if (!redoable) {
            throw new RedoRefusedException(RedoRefusedException.Reason.NOT_REDOABLE, "row " + rowNum + " ("
                    + row.rowId() + ") is " + state + ": " + whyNot(row));
        }
        if (state != RowState.PENDING) {
            JobExecution last = runner.lastExecution(batchId);
            if (last == null || last.getStatus() != BatchStatus.COMPLETED) {
                throw new RedoRefusedException(RedoRefusedException.Reason.NOT_REDOABLE, "batch " + batchId
                        + " is not finished (" + (last == null ? "never run" : last.getStatus())
                        + "); resume it first with: restart " + batchId);
            }
        }
        checkPrompt(batch, rowNum, prompt);
        String historyUri = state == RowState.STORED && row.outputUri() != null ? keepImage(batch, row) : null;
        if (!retries.startRedo(batchId, rowNum, variant, state, row.attempt(), prompt, historyUri)) {
            throw new RedoRefusedException(RedoRefusedException.Reason.NOT_REDOABLE, "row " + rowNum
                    + " changed while it was being redone; nothing was changed, look at it again");
        }
        return new Redone(batchId, rowNum, row.rowId(), state == RowState.PENDING ? row.attempt()
                : row.attempt() + 1, historyUri, state == RowState.PENDING);
    }

    private static String whyNot(LedgerEntry row) {
        return switch (row.state()) {
            case REJECTED -> "it was rejected by our own rules before anything was sent (" + row.error()
                    + "); fix the catalogue and run it as a new batch";
            case HELD -> "it was not sent yet (" + row.error() + "); it is sent with its prompt once the budget"
                    + " or the proof run's approval lets it";
            case UNCERTAIN -> "its create call may have made a task at the provider, so a redo could pay twice;"
                    + " retry-failed --include-uncertain sends it again knowingly";
            default -> "it is in flight; redo it once it has ended";
        };
    }

    /** Checks the new prompt with every rule the row's prompt meets, on the row as the catalogue gives it. */
    private void checkPrompt(BatchSettings batch, long rowNum, String prompt) {
        CatalogueRow row = catalogueRow(batch, rowNum);
        SubmitItem checked = new RowProcessor(batch, providers, ledger, false)
                .check(RowProcessor.withPrompt(row, prompt));
        if (checked.rejection() != null) {
            throw new RedoRefusedException(RedoRefusedException.Reason.INVALID_PROMPT, "the new prompt is refused: "
                    + checked.rejection());
        }
    }

    /** Reads one row of the batch's catalogue (a streaming pass up to it). */
    private static CatalogueRow catalogueRow(BatchSettings batch, long rowNum) {
        CatalogueItemReader reader = new CatalogueItemReader(Path.of(batch.catalogue()), batch.format());
        try {
            reader.open(new ExecutionContext());
            for (CatalogueRow row = reader.read(); row != null; row = reader.read()) {
                if (row.rowNumber() == rowNum) {
                    return row;
                }
            }
        } catch (CatalogueException e) {
            throw new RedoRefusedException(RedoRefusedException.Reason.NOT_REDOABLE, "batch " + batch.batchId()
                    + ": its catalogue cannot be read to check the new prompt: " + e.getMessage());
        } finally {
            reader.close();
        }
        throw new RedoRefusedException(RedoRefusedException.Reason.UNKNOWN, "row " + rowNum + " is not in the"
                + " catalogue " + batch.catalogue());
    }

    /**
     * Copies the row's stored image to its history key.
     *
     * @return the copy's URI, or null when the image is no longer stored
     */
    private String keepImage(BatchSettings batch, LedgerEntry row) {
        try (OutputStore store = OutputStores.open(OutputLocation.parse(batch.destination()), storage)) {
            String name = fileName(row.outputUri());
            String key = row.batchId() + "/" + name;
            if (!store.uriOf(key).toString().equals(row.outputUri())) {
                throw new RedoRefusedException(RedoRefusedException.Reason.NOT_REDOABLE, "row " + row.rowNum()
                        + ": its image " + row.outputUri() + " is not in the batch's output " + batch.destination()
                        + " any more, so it cannot be kept in the row's history; nothing was changed");
            }
            if (store.size(key).isEmpty()) {
                return null; // deleted since: nothing to keep
            }
            return store.copy(key, historyKey(row.batchId(), name, row.attempt())).toString();
        }
    }

    /**
     * The key a redo keeps a row's earlier image under.
     *
     * @param batchId the batch
     * @param name    the image's file name in the batch's folder, e.g. {@code A1.png}
     * @param attempt the attempt that made it
     * @return {@code <batch>/history/<name without extension>-attempt-<n>.<extension>}, e.g.
     *         {@code demo-3f9a0c12be47/history/A1-attempt-1.png}
     */
    public static String historyKey(String batchId, String name, int attempt) {
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : "";
        return batchId + "/history/" + stem + "-attempt-" + attempt + ext;
    }

    private static String fileName(String uri) {
        String path;
        try {
            path = new URI(uri).getPath();
        } catch (URISyntaxException e) {
            path = null;
        }
        if (path == null || path.endsWith("/")) {
            throw new RedoRefusedException(RedoRefusedException.Reason.NOT_REDOABLE, "the row's image URI " + uri
                    + " names no object");
        }
        return path.substring(path.lastIndexOf('/') + 1);
    }

}
