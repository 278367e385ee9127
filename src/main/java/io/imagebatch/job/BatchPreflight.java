package io.imagebatch.job;

import io.imagebatch.catalogue.CatalogueItemReader;
import io.imagebatch.catalogue.CatalogueRow;
import io.imagebatch.ledger.LedgerEntry;
import io.imagebatch.ledger.RowState;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.provider.ProviderAdapter;
import io.imagebatch.provider.ProviderRegistry;
import io.imagebatch.spend.SpendEstimate;
import io.imagebatch.storage.OutputLocation;
import io.imagebatch.storage.OutputStore;
import io.imagebatch.storage.OutputStoreException;
import io.imagebatch.storage.OutputStores;
import io.imagebatch.storage.StorageProperties;
import io.imagebatch.ledger.LedgerEntry;
import io.imagebatch.ledger.RowState;
import io.imagebatch.spend.PriceTable;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.Optional;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.stereotype.Component;

/**
 * A dry run of the submit step's reading and validation over a whole catalogue: the same reader and processor,
 * nothing sent, nothing written. Used by {@code validate}, and before every run to check what can be checked
 * before paying: every provider a row uses is configured, and a provider that reports credits (crun.ai) has
 * enough for the valid rows not yet sent.
 */
@Component
public class BatchPreflight {

    /** Rejections kept in a result for display; the count covers all. */
    static final int MAX_LISTED_REJECTIONS = 200;

    private final ProviderRegistry providers;
    private final TaskLedger ledger;
    private final StorageProperties storage;

    /**
     * @param providers the adapters
     * @param ledger    the ledger, for repeated ids and rows already sent in a resumed batch
     * @param storage   the S3 settings the output store is opened with, for {@link #checkOutput}
     */
    public BatchPreflight(ProviderRegistry providers, TaskLedger ledger, StorageProperties storage) {
        this.providers = providers;
        this.ledger = ledger;
        this.storage = storage;
    }

    /**
     * Checks that the batch's output store can be written, before the first create is paid for: a probe object
     * written and deleted ({@link OutputStore#checkWritable()}; {@code HeadBucket} first for S3).
     *
     * @param settings the batch
     * @throws OutputStoreException     when the output cannot be written; the message names the output
     * @throws IllegalArgumentException when the output is not a valid location
     */
    public void checkOutput(BatchSettings settings) {
        try (OutputStore store = OutputStores.open(OutputLocation.parse(settings.destination()), storage)) {
            store.checkWritable();
        }
    }

    /**
     * What a dry run found.
     *
     * @param rows              catalogue data rows
     * @param validByProvider   rows that would be sent, by provider name (and model, as {@code provider model})
     * @param rejected          rows that would be rejected
     * @param rejections        the first {@value #MAX_LISTED_REJECTIONS} rejection reasons, in row order
     * @param creditsByProvider credits the valid rows not yet sent would cost, by provider, where known
     * @param spendGroups       the valid rows per provider/model/resolution, with those the ledger already holds
     *                          past the intent ({@link #alreadySent}), for the estimate ({@link SpendEstimate})
     * @param validRows         the valid rows in catalogue order, for a proof run's choice ({@link ProofSelection})
     */
    public record Result(long rows, Map<String, Long> validByProvider, long rejected, List<String> rejections,
            Map<String, Double> creditsByProvider, List<SpendEstimate.Group> spendGroups,
            List<ProofSelection.Candidate> validRows) {
    }

    /**
     * Whether a valid row counts as already sent in the estimate: the ledger holds it in any state but
     * {@link RowState#PENDING} (which {@code retry-failed} set to send it again). An intent counts as sent: its
     * create may have been made, and is never made a second time silently (docs/design.md, Spend).
     *
     * @param entry the row's ledger entry, if any
     * @return true when the row will not be sent (paid for) again by this batch's next run
     */
    static boolean alreadySent(java.util.Optional<LedgerEntry> entry) {
        return entry.isPresent() && entry.get().state() != RowState.PENDING;
    }

    /**
     * Reads and validates every row, as {@link #check(BatchSettings, boolean, boolean)} without a proof run's
     * candidates ({@link Result#validRows()} empty).
     *
     * @param settings          the batch
     * @param requireConfigured whether every provider a row uses must be configured (false for {@code validate})
     * @return what it found
     * @throws BatchStoppedException when a row uses a provider that is not configured
     * @throws io.imagebatch.catalogue.CatalogueException when the catalogue cannot be read
     */
    public Result check(BatchSettings settings, boolean requireConfigured) {
        return check(settings, requireConfigured, false);
    }

    /**
     * Reads and validates every row.
     *
     * @param settings          the batch
     * @param requireConfigured whether every provider a row uses must be configured (false for {@code validate})
     * @param proofCandidates   whether to keep every valid row for a proof run's choice ({@link Result#validRows()});
     *                          only then, as it holds one small record per valid row in memory
     * @return what it found
     * @throws BatchStoppedException when a row uses a provider that is not configured
     * @throws io.imagebatch.catalogue.CatalogueException when the catalogue cannot be read
     */
    public Result check(BatchSettings settings, boolean requireConfigured, boolean proofCandidates) {
        return check(settings, requireConfigured, proofCandidates, item -> { });
    }

    /**
     * Reads and validates every row, as {@link #check(BatchSettings, boolean, boolean)}, and hands each row's
     * outcome to {@code eachRow} as it is checked: the console's check (docs/console.md) shows every rejection
     * with its row, column and rule, and the first rows' prompts, from the very items the submit step would make.
     *
     * @param settings          the batch
     * @param requireConfigured whether every provider a row uses must be configured (false for {@code validate})
     * @param proofCandidates   see {@link #check(BatchSettings, boolean, boolean)}
     * @param eachRow           called once per data row, in catalogue order, with the processor's item (a request
     *                          to send, or a rejection with {@link SubmitItem#column()})
     * @return what it found
     * @throws BatchStoppedException when a row uses a provider that is not configured
     * @throws io.imagebatch.catalogue.CatalogueException when the catalogue cannot be read
     */
    public Result check(BatchSettings settings, boolean requireConfigured, boolean proofCandidates,
            java.util.function.Consumer<SubmitItem> eachRow) {
        RowProcessor processor = new RowProcessor(settings, providers, ledger, requireConfigured);
        String batchId = settings.batchId();
        Map<String, Long> valid = new TreeMap<>();
        Map<String, Double> credits = new TreeMap<>();
        Map<List<String>, long[]> spend = new TreeMap<>(BatchPreflight::compareGroups);
        List<String> rejections = new ArrayList<>();
        List<ProofSelection.Candidate> validRows = new ArrayList<>();
        long rows = 0;
        long rejected = 0;
        // a batch without any ledger line (its first run, or validate) has sent nothing: no lookup per row
        boolean anySent = !ledger.report().countByState(batchId).isEmpty();
        CatalogueItemReader reader = new CatalogueItemReader(Path.of(settings.catalogue()), settings.format());
        reader.open(new ExecutionContext());
        try {
            for (CatalogueRow row = reader.read(); row != null; row = reader.read()) {
                rows++;
                SubmitItem item = processor.process(row);
                eachRow.accept(item);
                if (item.rejection() != null) {
                    rejected++;
                    if (rejections.size() < MAX_LISTED_REJECTIONS) {
                        rejections.add(item.rejection());
                    }
                    continue;
                }
                valid.merge(item.provider() + " " + item.model(), 1L, Long::sum);
                if (proofCandidates) {
                    validRows.add(new ProofSelection.Candidate(row.rowNumber(), item.provider(), item.model(),
                            item.request().resolution(), item.request().aspectRatio()));
                }
                ProviderAdapter adapter = providers.find(item.provider()).orElseThrow();
                // every variant is a task of its own, priced as one (README.md, Variants)
                for (int variant = 1; variant <= item.variants(); variant++) {
                    java.util.Optional<LedgerEntry> entry = anySent ? ledger.find(batchId, row.rowNumber(), variant)
                            : java.util.Optional.empty();
                    long[] counts = spend.computeIfAbsent(java.util.Arrays.asList(item.provider(), item.model(),
                            item.request().resolution()), k -> new long[2]);
                    counts[0]++;
                    if (alreadySent(entry)) {
                        counts[1]++;
                    }
                    OptionalDouble cost = adapter.creditsPerTask(item.request());
                    if (cost.isPresent() && entry.isEmpty()) {
                        credits.merge(adapter.name(), cost.getAsDouble(), Double::sum);
                    }
                }
            }
        } finally {
            reader.close();
        }
        List<SpendEstimate.Group> groups = new ArrayList<>();
        spend.forEach((k, counts) -> groups.add(new SpendEstimate.Group(k.get(0), k.get(1), k.get(2), counts[0],
                counts[1])));
        return new Result(rows, valid, rejected, rejections, credits, List.copyOf(groups), validRows);
    }

    /** Provider, model, then resolution; a missing resolution first. */
    private static int compareGroups(List<String> a, List<String> b) {
        java.util.Comparator<String> nullsFirst = java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder());
        for (int i = 0; i < a.size(); i++) {
            int c = nullsFirst.compare(a.get(i), b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }
    /**
     * What the batch budget would do with the rows not yet sent (docs/design.md, Spend).
     *
     * @param unpriced rows without a configured price, by {@link PriceTable#describe} group
     *                 ({@code liangxin/nano-banana-pro 4K}), in name order
     * @param fit      rows whose price fits in the room, taken in row order
     * @param fitCost  what those rows cost, in {@code imagebatch.spend.currency}
     * @param held     rows that would be HELD: their price did not fit in what was left
     */
    public record Prices(Map<String, Long> unpriced, long fit, BigDecimal fitCost, long held) {
    }

    /**
     * Reads and validates every row, and prices the valid rows not yet sent (no ledger line, or PENDING or HELD),
     * in row order, as the submit step reserves them.
     *
     * @param settings the batch
     * @param prices   the price table
     * @param room     what is left of the budget, in {@code imagebatch.spend.currency}; null for no budget
     * @return what the budget would send and hold, and the rows without a price
     * @throws io.imagebatch.catalogue.CatalogueException when the catalogue cannot be read
     */
    public Prices prices(BatchSettings settings, PriceTable prices, BigDecimal room) {
        RowProcessor processor = new RowProcessor(settings, providers, ledger, false);
        String batchId = settings.batchId();
        Map<String, Long> unpriced = new TreeMap<>();
        long fit = 0;
        long held = 0;
        BigDecimal cost = BigDecimal.ZERO;
        boolean anySent = !ledger.report().countByState(batchId).isEmpty();
        CatalogueItemReader reader = new CatalogueItemReader(Path.of(settings.catalogue()), settings.format());
        reader.open(new ExecutionContext());
        try {
            for (CatalogueRow row = reader.read(); row != null; row = reader.read()) {
                SubmitItem item = processor.process(row);
                if (item.rejection() != null) {
                    continue;
                }
                RowState state = !anySent ? null
                        : ledger.find(batchId, row.rowNumber()).map(LedgerEntry::state).orElse(null);
                if (state != null && state != RowState.PENDING && state != RowState.HELD) {
                    continue;
                }
                Optional<BigDecimal> price = prices.price(item.provider(), item.model(), item.request().resolution());
                if (price.isEmpty()) {
                    unpriced.merge(PriceTable.describe(item.provider(), item.model(), item.request().resolution()),
                            1L, Long::sum);
                } else if (room == null || cost.add(price.get()).compareTo(room) <= 0) {
                    fit++;
                    cost = cost.add(price.get());
                } else {
                    held++;
                }
            }
        } finally {
            reader.close();
        }
        return new Prices(unpriced, fit, cost, held);
    }
}
