package io.imagebatch.job;

import io.imagebatch.catalogue.CatalogueRow;
import io.imagebatch.ledger.LedgerFallbacks;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.provider.FailureClass;
import io.imagebatch.provider.ProviderAdapter;
import io.imagebatch.provider.ProviderException;
import io.imagebatch.provider.ProviderRegistry;
import io.imagebatch.provider.RowRejectedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.infrastructure.item.Chunk;

/**
 * The submit step's side of a batch's {@code fallback:} list (README, "A fallback provider"; {@link Fallback}).
 * The providers form a chain: position 0 is the batch's own provider and model, position n its n-th fallback
 * entry. Only rows without a {@code provider} column of their own follow the chain.
 *
 * <p>A row moves to the next position only when its create certainly did not happen where it is (the provider
 * answered; never a row whose call may have reached the provider, which is UNCERTAIN) and that provider cannot
 * take it:
 * <ul>
 * <li>the account is refused ({@link FailureClass#ACCOUNT}: 401, 402, 403, 505, docs/providers/PROVIDERS.md,
 *     "What a failure means"): a refused account refuses every row, so the <b>batch</b> switches, recorded in
 *     the ledger ({@link LedgerFallbacks#record}, row 0) before the row is sent on; later rows, and a resumed run
 *     ({@link RowProcessor}), go straight to the new position;</li>
 * <li>the provider stayed busy past every create attempt ({@link JobProperties#createAttempts()}): only that
 *     <b>row</b> moves (a busy spell is not a refused account), recorded per row;</li>
 * <li>with spend control, the provider key's daily budget has no room for the row
 *     ({@code LedgerBudget.Intent.DAILY_SPENT}; docs/design.md, Spend): that <b>row</b> moves instead of being
 *     HELD (nothing of it was written), recorded per row. A batch budget with no room still holds it.</li>
 * </ul>
 * The row's intent at the old provider is released first (no task exists there); its new intent is recorded
 * with the new provider and model before its create leaves ({@link TaskSubmitWriter}), so a run killed at any
 * point resumes it exactly once. Before it is sent the row is checked by the fallback's own rules
 * ({@link ProviderAdapter#prepare}); a row they reject is REJECTED with that provider's reason. After the last
 * position the writer stops the job as it always did.
 */
final class SubmitFallbacks {

    private static final Logger log = LoggerFactory.getLogger(SubmitFallbacks.class);

    /** No fallback: nothing moves. */
    static final SubmitFallbacks NONE = new SubmitFallbacks();

    private final String batchId;
    private final List<Fallback> chain;
    private final BatchSettings batch;
    private final ProviderRegistry providers;
    private final TaskLedger ledger;
    private final JobProperties properties;

    private SubmitFallbacks() {
        this.batchId = null;
        this.chain = List.of();
        this.batch = null;
        this.providers = null;
        this.ledger = null;
        this.properties = null;
    }

    /**
     * @param batch      the batch, with its own provider and model and its fallback list
     * @param providers  the adapters
     * @param ledger     the ledger, where moves are recorded
     * @param properties the create attempts
     */
    SubmitFallbacks(BatchSettings batch, ProviderRegistry providers, TaskLedger ledger, JobProperties properties) {
        this.batchId = batch.batchId();
        this.batch = batch;
        this.providers = providers;
        this.ledger = ledger;
        this.properties = properties;
        this.chain = chain(batch);
    }

    /** Position 0 (the batch's own provider and model), then the fallback entries. */
    private static List<Fallback> chain(BatchSettings batch) {
        if (batch.fallbacks().isEmpty()) {
            return List.of();
        }
        List<Fallback> chain = new ArrayList<>();
        chain.add(new Fallback(batch.provider(), batch.model()));
        chain.addAll(batch.fallbacks());
        return List.copyOf(chain);
    }

    /**
     * The provider and model a row without a provider column of its own is sent to at a position.
     *
     * @param batch    the batch
     * @param position 0 for the batch's own, n for its n-th fallback
     * @return the entry
     */
    static Fallback at(BatchSettings batch, int position) {
        return position == 0 ? new Fallback(batch.provider(), batch.model()) : batch.fallbacks().get(position - 1);
    }

    /**
     * Maps a chunk's items whose rows follow the chain and were read for an earlier position than the batch's
     * current one ({@link LedgerFallbacks#batchPosition}) to the current position, checked by its rules.
     *
     * @param chunk the processor's items
     * @return the same chunk when nothing moved, else a new one with the moved items
     */
    Chunk<? extends SubmitItem> toCurrent(Chunk<? extends SubmitItem> chunk) {
        if (chain.isEmpty()) {
            return chunk;
        }
        int position = ledger.fallbacks().batchPosition(batchId);
        if (position == 0) {
            return chunk;
        }
        List<SubmitItem> items = new ArrayList<>();
        boolean changed = false;
        for (SubmitItem item : chunk) {
            int at = item.rejection() == null ? positionOf(item) : -1;
            if (at >= 0 && at < position) {
                items.add(prepared(item.row(), position).withVariants(item.variants()));
                changed = true;
            } else {
                items.add(item);
            }
        }
        return changed ? new Chunk<>(items) : chunk;
    }

    /**
     * Moves a row whose create was answered with {@code e}, if it may move (see the class description): its
     * intent is released, the move recorded, and the row checked by the next provider's rules (a rejected row is
     * recorded REJECTED here).
     *
     * @param item        the row as sent
     * @param variant     the variant sent, 1 to 8 (README.md, Variants); the others move on their own
     * @param e           the provider's answer
     * @param attempt     1-based create attempt at this provider
     * @param intentTaken whether the row's intent was committed (its request left)
     * @param stop        the job's stop reason; a row does not move once it is set
     * @return null when the row does not move (the writer handles the answer as before); empty when it moved and
     *         the next provider's rules rejected it; else the row to send at the next provider
     */
    Optional<SubmitItem> moveOn(SubmitItem item, int variant, ProviderException e, int attempt,
            boolean intentTaken, AtomicReference<String> stop) {
        if (chain.isEmpty() || !intentTaken || e.mayHaveReachedProvider() || stop.get() != null) {
            return null;
        }
        boolean account = e.failureClass() == FailureClass.ACCOUNT;
        boolean busyToTheEnd = e.failureClass() == FailureClass.BUSY && attempt >= properties.createAttempts();
        int at = positionOf(item);
        if ((!account && !busyToTheEnd) || at < 0 || at + 1 >= chain.size()) {
            return null;
        }
        long rowNum = item.row().rowNumber();
        // no task exists at this provider: it answered
        ledger.releaseIntent(batchId, rowNum, variant);
        int batchAt = ledger.fallbacks().batchPosition(batchId);
        int next = Math.max(at + 1, batchAt);
        if (next >= chain.size()) {
            return null;
        }
        Fallback target = chain.get(next);
        String why = (account ? "the account was refused at " : "still busy after " + attempt + " attempts at ")
                + chain.get(at).label() + ": " + e.getMessage();
        if (account && next > batchAt) {
            if (ledger.fallbacks().record(batchId, 0, next, target.provider(), target.model(),
                    LedgerFallbacks.Reason.ACCOUNT, why)) {
                log.warn("{}: batch moved to fallback {} ({}); the remaining rows are sent there", batchId,
                        target.label(), why);
            }
        } else if (!account) {
            ledger.fallbacks().record(batchId, rowNum, next, target.provider(), target.model(),
                    LedgerFallbacks.Reason.BUSY, why);
            log.warn("{}: row {} moved to fallback {} ({})", batchId, rowNum, target.label(), why);
        }
        return checkedAt(item, variant, next);
    }

    /**
     * @param item a row about to be sent
     * @return true when it follows the chain and a position after its own exists: a row past its provider's daily
     *         budget may then move instead of being HELD
     */
    boolean canMove(SubmitItem item) {
        if (chain.isEmpty()) {
            return false;
        }
        int at = positionOf(item);
        return at >= 0 && at + 1 < chain.size();
    }

    /**
     * Moves a row its provider's daily budget had no room for (nothing of it was written:
     * {@code LedgerBudget.Intent.DAILY_SPENT}) to the next position, recorded per row; the row is checked by that
     * provider's rules (a rejected row is recorded REJECTED here).
     *
     * @param item    the row as it was to be sent
     * @param variant the variant that was to be sent, 1 to 8 (README.md, Variants)
     * @return empty when the next provider's rules rejected it (or there is none); else the row to send there
     */
    Optional<SubmitItem> moveOnDailyBudget(SubmitItem item, int variant) {
        int at = positionOf(item);
        int next = Math.max(at + 1, ledger.fallbacks().batchPosition(batchId));
        if (at < 0 || next >= chain.size()) {
            return Optional.empty();
        }
        long rowNum = item.row().rowNumber();
        Fallback target = chain.get(next);
        String why = "the daily budget of " + chain.get(at).provider() + " has no room for the row";
        ledger.fallbacks().record(batchId, rowNum, next, target.provider(), target.model(),
                LedgerFallbacks.Reason.BUDGET, why);
        log.info("{}: row {} moved to fallback {} ({})", batchId, rowNum, target.label(), why);
        return checkedAt(item, variant, next);
    }

    /**
     * The moved row as the provider at {@code position} takes it, or recorded REJECTED (this variant) by its rules.
     *
     * @return empty when that provider's rules rejected it; else the row to send there
     */
    private Optional<SubmitItem> checkedAt(SubmitItem item, int variant, int position) {
        SubmitItem moved = prepared(item.row(), position).withVariants(item.variants());
        if (moved.rejection() != null) {
            ledger.insertRejected(batchId, item.row().rowNumber(), variant, RowProcessor.ledgerRowId(item.row()),
                    moved.provider(), moved.model(), RowProcessor.ledgerPrompt(item.row()), moved.rejection());
            return Optional.empty();
        }
        return Optional.of(moved);
    }

    /** The row checked and mapped by the rules of the provider at {@code position}. */
    private SubmitItem prepared(CatalogueRow row, int position) {
        Fallback target = chain.get(position);
        ProviderAdapter adapter = providers.find(target.provider()).orElseThrow(() -> new IllegalStateException(
                "fallback provider " + target.provider() + " is not a provider (checked before the batch ran)"));
        String model = target.model() != null ? target.model() : adapter.defaultModel();
        try {
            return SubmitItem.send(row, adapter.prepare(row, model, batch.defaults()));
        } catch (RowRejectedException r) {
            return SubmitItem.reject(row, adapter.name(), model, r.column(), r.getMessage()
                    + " (rule of the fallback provider " + adapter.name() + ")");
        }
    }

    /**
     * @return the item's position in the chain; -1 when its row names its own provider (it does not follow the
     *         chain) or its provider and model are not in the chain
     */
    private int positionOf(SubmitItem item) {
        if (item.row().provider() != null) {
            return -1;
        }
        for (int i = chain.size() - 1; i >= 0; i--) {
            Fallback f = chain.get(i);
            if (f.provider().equalsIgnoreCase(item.provider()) && (f.model() == null
                    ? providers.find(f.provider()).map(a -> a.defaultModel().equalsIgnoreCase(item.model()))
                            .orElse(false)
                    : f.model().equalsIgnoreCase(item.model()))) {
                return i;
            }
        }
        return -1;
    }
}
