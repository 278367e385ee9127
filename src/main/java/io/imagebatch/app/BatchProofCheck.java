package io.imagebatch.app;

import org.springframework.beans.factory.annotation.Value;
import io.imagebatch.report.ContactSheet;
import io.imagebatch.job.BatchPreflight;
import io.imagebatch.job.ProofSelection;
import io.imagebatch.ledger.BatchRegistry;
import io.imagebatch.ledger.LedgerBudget;
import io.imagebatch.ledger.ProofState;
import io.imagebatch.ledger.RowState;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.job.BatchSettingsStore;
import io.imagebatch.job.ReportTasklet;
import io.imagebatch.lock.BatchLocks;
import io.imagebatch.provider.ProviderRegistry;
import io.imagebatch.report.ManifestFactory;
import io.imagebatch.storage.StorageProperties;
import java.io.PrintStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.function.Function;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The proof run of a batch, for {@link BatchRunner} (README.md, Spend, "The proof run"; docs/design.md, Spend):
 * its rows chosen in the preflight and stored with the batch, a run of a batch awaiting approval stopped before
 * anything is sent, its approval, and the exit code {@link ExitCodes#AWAITING_APPROVAL}.
 */
@Component
public class BatchProofCheck {

    private final BatchRegistry registry;
    private final TaskLedger ledger;

    BatchProofCheck(BatchRegistry registry, TaskLedger ledger) {
        this.registry = registry;
        this.ledger = ledger;
    }

    /**
     * Before anything else of a run under the batch's lock: a batch awaiting approval is approved when asked
     * ({@link ProofState#APPROVED}, after which its HELD rows are sent by a budget round), or else the run ends
     * here.
     *
     * @param approve whether the run approves the proof ({@code --approve}, {@code approve BATCH})
     * @return {@link ExitCodes#AWAITING_APPROVAL} when the batch awaits approval and {@code approve} is false
     *         (nothing is sent; the message says how to approve or reject), {@link ExitCodes#COMPLETED} when its
     *         proof was rejected (nothing is sent); empty to go on with the run
     */
    Optional<Integer> beforeRun(String batchId, boolean approve, PrintStream out) {
        Optional<BatchRegistry.Proof> proof = registry.proof(batchId);
        if (proof.isEmpty()) {
            if (approve) {
                out.printf("Batch %s has no proof run to approve; running it as usual.%n", batchId);
            }
            return Optional.empty();
        }
        ProofState state = proof.get().state();
        if (state == ProofState.AWAITING_APPROVAL && approve) {
            registry.recordProofState(batchId, ProofState.APPROVED);
            out.printf("Batch %s: proof approved; sending the rows it held.%n", batchId);
            return Optional.empty();
        }
        if (state == ProofState.AWAITING_APPROVAL) {
            out.printf("Batch %s is a proof run awaiting approval; nothing was sent.%n", batchId);
            return Optional.of(awaiting(batchId, out));
        }
        if (state == ProofState.REJECTED) {
            out.printf("Batch %s: its proof run was rejected; nothing more is sent.%n", batchId);
            return Optional.of(ExitCodes.COMPLETED);
        }
        return Optional.empty();
    }

    /**
     * In the preflight of a batch's first run with {@code --proof N}: chooses the proof rows
     * ({@link ProofSelection#choose}) and stores them with the batch ({@link BatchRegistry#recordProof}). A batch
     * that already has a proof, or ledger rows, keeps what it has (a proof applies to a batch's first run only).
     *
     * @param proof    N, the rows the proof run sends; null for no proof run
     * @param result   the preflight's result
     * @throws UsageException when N is less than 1
     */
    void choose(String batchId, Integer proof, BatchPreflight.Result result, PrintStream out) {
        if (proof == null) {
            return;
        }
        if (proof < 1) {
            throw new UsageException("--proof: '" + proof + "' is not a positive number of rows");
        }
        if (registry.proof(batchId).isPresent()) {
            return;
        }
        if (!ledger.report().countByState(batchId).isEmpty()) {
            out.printf("Batch %s has already been run; --proof applies only to a batch's first run and is ignored.%n",
                    batchId);
            return;
        }
        if (result.validRows().size() <= proof) {
            out.printf("Batch %s has %d valid row(s), no more than --proof %d: all are sent, no approval needed.%n",
                    batchId, result.validRows().size(), proof);
            return;
        }
        SortedSet<Long> rows = ProofSelection.choose(result.validRows(), proof);
        registry.recordProof(batchId, rows);
        out.printf("Batch %s: proof run of %d of its %d valid rows (rows %s); the others are HELD until approved.%n",
                batchId, rows.size(), result.validRows().size(), String.join(", ",
                        rows.stream().map(String::valueOf).toList()));
    }

    /**
     * At the end of a completed run.
     *
     * @param otherwise the exit code without a proof awaiting approval, asked only then
     * @return {@link ExitCodes#AWAITING_APPROVAL} when the batch awaits approval (saying how to approve or reject),
     *         else {@code otherwise}'s
     */
    int exit(String batchId, PrintStream out, java.util.function.IntSupplier otherwise) {
        return registry.proof(batchId).filter(p -> p.state() == ProofState.AWAITING_APPROVAL).isPresent()
                ? awaiting(batchId, out) : otherwise.getAsInt();
    }

    /** What {@code reject} needs beyond the registry and the ledger; set by Spring ({@link #rejectWith}). */
    private BatchLocks locks;
    private BatchSettingsStore batches;
    private ProviderRegistry providers;
    private StorageProperties storage;
    private ManifestFactory manifests;
    private int contactSheetPageSize;

    /**
     * @param locks     the batch locks, which {@code reject} takes as a run does
     * @param batches   the batches' settings, for the report's output and facts
     * @param providers the provider adapters, for the manifest's default model
     * @param storage   the output stores' settings
     * @param manifests builds the rewritten manifest
     * @param contactSheetPageSize entries per contact-sheet page ({@code imagebatch.report.contact-sheet-page-size})
     */
    @Autowired
    void rejectWith(BatchLocks locks, BatchSettingsStore batches, ProviderRegistry providers,
            StorageProperties storage, ManifestFactory manifests,
            @Value(ContactSheet.PAGE_SIZE_SETTING) int contactSheetPageSize) {
        this.locks = locks;
        this.batches = batches;
        this.providers = providers;
        this.storage = storage;
        this.manifests = manifests;
        this.contactSheetPageSize = contactSheetPageSize;
    }

    /**
     * {@code reject BATCH} (README.md, Spend, "The proof run"): under the batch's lock ({@link BatchLocks#batchKey},
     * fenced as a run's: docs/design.md, "Locks and fencing"), a batch awaiting approval becomes
     * {@link ProofState#REJECTED} and sends nothing more; its held rows stay HELD with the reason
     * {@value LedgerBudget#PROOF_REJECTED}. Then its
     * {@code report.csv}, contact sheet and {@code manifest.json} are written again by the report step's own code
     * ({@link ReportTasklet#write}), so that they show the rows {@value LedgerBudget#PROOF_REJECTED} and the proof
     * REJECTED. A batch whose proof is rejected already only gets its report written again (a reject whose report
     * could not be written is finished so).
     *
     * <p>While another process holds the batch's lock (a {@code run}, {@code approve} or {@code reject} of the
     * same batch), nothing is changed and the answer is {@link ExitCodes#FAILED}, with who holds it and what to do.
     *
     * @param batchId       the batch
     * @param lastExecution the batch's last job execution by batch id, for the rewritten manifest's start time
     *                      (null: the report is not rewritten)
     * @param out           where the outcome goes
     * @return {@link ExitCodes#COMPLETED}; {@link ExitCodes#FAILED} when another process holds the batch's lock
     *         (nothing changed), or when the report could not be written (the reject itself is done; running
     *         {@code reject BATCH} again writes the report)
     * @throws UsageException when the batch has no proof run awaiting approval (nor a rejected one)
     */
    public int reject(String batchId, Function<String, JobExecution> lastExecution, PrintStream out) {
        Optional<BatchLocks.Held> lock = locks.tryLock(BatchLocks.batchKey(batchId));
        if (lock.isEmpty()) {
            String who = registry.lockHolder(batchId).map(h -> "by " + h.process() + " since "
                    + Instant.ofEpochMilli(h.sinceMillis()).truncatedTo(ChronoUnit.SECONDS))
                    .orElse("by another process");
            out.printf("Batch %s is held %s (running, approving or rejecting it); nothing was rejected. Run reject %s"
                    + " again once that has ended (status %s shows it; a process killed while holding it lets go"
                    + " within %d s).%n", batchId, who, batchId, batchId, locks.ttl().toSeconds());
            return ExitCodes.FAILED;
        }
        try (BatchLocks.Held held = lock.get()) {
            registry.takeFence(batchId, BatchRunner.thisProcess());
            held.onLost(reason -> registry.revokeFence(batchId, "batch " + batchId + ": " + reason
                    + "; this reject stops (run it again)"));
            try {
                ProofState state = registry.proof(batchId).map(BatchRegistry.Proof::state).orElse(null);
                if (state == ProofState.REJECTED) {
                    out.printf("Batch %s: its proof run was rejected already; nothing is sent.%n", batchId);
                } else if (state != ProofState.AWAITING_APPROVAL) {
                    throw new UsageException("batch " + batchId + " has no proof run awaiting approval"
                            + (state == null ? "" : " (its proof is " + state + ")"));
                } else {
                    int rows = ledger.budget().rejectProof(batchId);
                    out.printf("Batch %s: proof rejected; its %d HELD row(s) are not sent (%s).%n", batchId, rows,
                            LedgerBudget.PROOF_REJECTED);
                }
                return ReportRewrite.rewrite(batches.get(batchId), lastExecution.apply(batchId), out,
                        "the proof is rejected", "reject " + batchId, providers, ledger, storage, manifests,
                        contactSheetPageSize);
            } finally {
                registry.releaseFence(batchId);
            }
        }
    }


    private int awaiting(String batchId, PrintStream out) {
        Map<RowState, Long> counts = ledger.report().countByState(batchId);
        out.printf("  proof: AWAITING_APPROVAL, %d row(s) HELD (%s); look at the contact sheet, then approve %s (or"
                + " run the same command with --approve) to send them, or reject %s to send nothing more%n",
                counts.getOrDefault(RowState.HELD, 0L), LedgerBudget.PROOF_AWAITING, batchId, batchId);
        return ExitCodes.AWAITING_APPROVAL;
    }
}
