package io.imagebatch.job;

import io.imagebatch.catalogue.CatalogueRow;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.provider.ProviderAdapter;
import io.imagebatch.provider.ProviderRegistry;
import io.imagebatch.provider.RowRejectedException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.batch.infrastructure.item.ItemProcessor;

/**
 * The submit step's processor: validates a catalogue row by the rules of its own provider and model and maps
 * it to a request. It never filters a row out: a rejected row goes on to the writer with its reason, so it is
 * recorded in the ledger and the report.
 *
 * <p>Rejections, each naming the row and the column: a problem found while reading (ragged row, empty
 * template value, empty id, a cell or row over the reader's limits); a NUL character in a cell; a value that the
 * ledger or an object key could not hold ({@link #MAX_ID_CHARS}, {@link #MAX_MODEL_CHARS},
 * {@link #MAX_PROMPT_CHARS}, control characters in an id); a repeated id (the first row with an id keeps it, also across a restart, as the
 * ledger remembers earlier chunks); an unknown provider; a provider rule
 * ({@link ProviderAdapter#prepare}); a {@code variants} cell that is not a whole number from 1 to 8 (README.md,
 * Variants). A row to send carries its number of variants: its cell, else the batch's
 * ({@link BatchSettings#variants()}).
 *
 * <p>A row a redo gave a new prompt ({@link TaskLedger#promptOverrides}) is checked and sent with that prompt
 * instead of the one the template builds.
 */
public class RowProcessor implements ItemProcessor<CatalogueRow, SubmitItem> {

    /**
     * The longest row id accepted, in characters (UTF-16 units): well inside the ledger's
     * {@code ROW_ID VARCHAR(500)} ({@code src/main/resources/db/ledger-schema.sql}); an object key keeps at most
     * 100 characters of it anyway ({@link BatchOutputKeys#safeRowId}).
     */
    public static final int MAX_ID_CHARS = 200;
    /** The longest model name accepted, in characters: the ledger's {@code MODEL VARCHAR(120)}. */
    public static final int MAX_MODEL_CHARS = 120;
    /**
     * The longest prompt accepted, in characters: ten times the longest any provider documents (HiAPI, 10,000;
     * README, "A real provider"), and far inside what H2 stores in a {@code VARCHAR} (1,000,000).
     */
    public static final int MAX_PROMPT_CHARS = 100_000;

    private final BatchSettings batch;
    private final String batchId;
    private final ProviderRegistry providers;
    private final TaskLedger ledger;
    private final boolean requireConfigured;
    /**
     * The prompts redos gave rows ({@link TaskLedger#promptOverrides}), read once: a redo needs the batch's lock,
     * which the running step holds, so none is added while it runs.
     */
    private final Map<Long, String> promptOverrides;
    /** ids seen in this step execution, for repeats within a chunk that is not in the ledger yet. */
    private final Map<String, Long> firstRowById = new HashMap<>();

    /**
     * @param batch     the batch's settings
     * @param providers the adapters
     * @param ledger    the ledger, to find ids of rows read before a restart
     */
    public RowProcessor(BatchSettings batch, ProviderRegistry providers, TaskLedger ledger) {
        this(batch, providers, ledger, true);
    }

    /**
     * @param batch             the batch's settings
     * @param providers         the adapters
     * @param ledger            the ledger, to find ids of rows read before a restart
     * @param requireConfigured whether a row whose provider has no key stops the step ({@code validate} checks
     *                          rows without keys)
     */
    public RowProcessor(BatchSettings batch, ProviderRegistry providers, TaskLedger ledger,
            boolean requireConfigured) {
        this.requireConfigured = requireConfigured;
        this.batch = batch;
        this.batchId = batch.batchId();
        this.providers = providers;
        this.ledger = ledger;
        this.promptOverrides = ledger.promptOverrides(batchId);
        // a batch that switched to a fallback provider (README, "A fallback provider") sends its rows there
        this.current = batch.fallbacks().isEmpty() ? null
                : SubmitFallbacks.at(batch, ledger.fallbacks().batchPosition(batchId));
    }

    /**
     * Makes rows whose id an earlier catalogue row has, outside the rows this processor sees, rejected as repeats
     * of that row: a partition of a partitioned batch (README.md, "More than one machine") reads only its own rows,
     * and its repeat of an id first used in an earlier partition must be rejected whatever the order the
     * partitions run in ({@link PartitionRows#earlierIds}).
     *
     * @param earlier ids by the number of the first row that has each (1-based), all before this processor's rows
     * @return this processor
     */
    public RowProcessor earlierRows(Map<String, Long> earlier) {
        earlier.forEach(firstRowById::putIfAbsent);
        return this;
    }

    /** The batch's current provider and model after a fallback switch; null when it has no fallback list. */
    private final Fallback current;

    /**
     * @param row a catalogue row
     * @return the row's request, or its rejection; never null
     */
    @Override
    public SubmitItem process(CatalogueRow row) {
        String override = promptOverrides.get(row.rowNumber());
        // a redo's prompt replaces the template's, and every rule applies to it
        return check(override != null ? withPrompt(row, override) : row);
    }

    /**
     * Checks and maps a row exactly as given, without a redo's prompt ({@link #process} applies it first): a
     * redo checks its new prompt with it before it is accepted.
     *
     * @param row a catalogue row
     * @return the row's request, or its rejection naming row, column and rule; never null
     * @throws BatchStoppedException when the row's provider is not configured and this processor requires it
     */
    public SubmitItem check(CatalogueRow row) {
        if (row.problem() != null) {
            return SubmitItem.reject(row, null, null, row.problem());
        }
        Optional<String> nul = nulCharacter(row);
        if (nul.isPresent()) {
            return SubmitItem.reject(row, null, null, nul.get(), "row " + row.rowNumber() + ", column " + nul.get()
                    + ": contains a NUL character (U+0000), which no provider accepts");
        }
        Optional<Unstorable> unstorable = unstorable(row);
        if (unstorable.isPresent()) {
            return SubmitItem.reject(row, null, null, unstorable.get().column(), unstorable.get().reason());
        }
        Optional<String> repeat = repeatedId(row);
        if (repeat.isPresent()) {
            return SubmitItem.reject(row, null, null, "id", repeat.get());
        }
        String providerName = row.provider() != null ? row.provider().trim().toLowerCase()
                : current != null ? current.provider() : batch.provider();
        String batchModel = current != null ? current.model() : batch.model();
        Optional<ProviderAdapter> adapter = providers.find(providerName);
        if (adapter.isEmpty()) {
            return SubmitItem.reject(row, null, null, "provider", "row " + row.rowNumber() + ", column provider: \""
                    + providerName + "\" is not a supported provider (supported: "
                    + String.join(", ", providers.names()) + ")");
        }
        if (requireConfigured && !providers.isConfigured(adapter.get().name())) {
            // not the row's fault: stop, so the row is read again once the provider is configured
            String env = "IMAGEBATCH_PROVIDERS_" + adapter.get().name().toUpperCase(java.util.Locale.ROOT);
            throw new BatchStoppedException("row " + row.rowNumber() + " uses provider " + adapter.get().name()
                    + ", which is not configured: set " + env + "_APIKEY (and " + env + "_BASEURL where it has no"
                    + " documented default), then run the same command again");
        }
        String model = row.model() != null ? row.model()
                : row.provider() == null && batchModel != null ? batchModel : adapter.get().defaultModel();
        Integer variants = BatchSettings.variantsOf(row.variants());
        if (variants == null) {
            return SubmitItem.reject(row, adapter.get().name(), model, "variants", "row " + row.rowNumber()
                    + ", column variants: \"" + row.variants() + "\" is not a whole number from 1 to "
                    + BatchSettings.MAX_VARIANTS + " (the images to make of the row; README.md, Variants)");
        }
        try {
            return SubmitItem.send(row, adapter.get().prepare(row, model, batch.defaults()))
                    .withVariants(row.variants() == null ? batch.variants() : variants);
        } catch (RowRejectedException e) {
            return SubmitItem.reject(row, adapter.get().name(), model, e.column(), e.getMessage());
        }
    }

    /**
     * @param row    a catalogue row
     * @param prompt the prompt to send instead of the row's own (a redo's)
     * @return the same row with that prompt
     */
    public static CatalogueRow withPrompt(CatalogueRow row, String prompt) {
        return new CatalogueRow(row.rowNumber(), row.id(), prompt, row.provider(), row.model(), row.aspectRatio(),
                row.resolution(), row.outputFormat(), row.referenceImages(), row.problem(), row.variants());
    }

    /**
     * A NUL character (U+0000) is never part of a prompt, and PostgreSQL cannot store one: such a row would fail
     * its ledger insert on every resume, so it is rejected by name instead.
     *
     * @return the field holding one ({@code id}, {@code prompt}, ...), if any
     */
    private static Optional<String> nulCharacter(CatalogueRow row) {
        String[][] fields = {{"id", row.id()}, {"prompt", row.prompt()}, {"provider", row.provider()},
            {"model", row.model()}, {"aspect_ratio", row.aspectRatio()}, {"resolution", row.resolution()},
            {"output_format", row.outputFormat()}, {"reference_images", String.join("|", row.referenceImages())},
            {"variants", row.variants()}};
        for (String[] field : fields) {
            if (field[1] != null && field[1].indexOf('\u0000') >= 0) {
                return Optional.of(field[0]);
            }
        }
        return Optional.empty();
    }

    /**
     * Why a row's value cannot be stored.
     *
     * @param column the field at fault: {@code id}, {@code model} or {@code prompt}
     * @param reason the rejection, naming row, column and rule
     */
    record Unstorable(String column, String reason) {
    }

    /**
     * A value the ledger could not store, or an id no object key or report line can carry: rejected by name, so
     * that one row never fails its ledger insert (and with it every resume of the batch).
     */
    static Optional<Unstorable> unstorable(CatalogueRow row) {
        String where = "row " + row.rowNumber() + ", column ";
        String id = row.id();
        if (id != null && id.length() > MAX_ID_CHARS) {
            return Optional.of(new Unstorable("id", where + "id: " + id.length() + " characters long; an id has at"
                    + " most " + MAX_ID_CHARS + " (it names the row's image and its line in the ledger)"));
        }
        if (id != null) {
            for (int i = 0; i < id.length(); i++) {
                char c = id.charAt(i);
                if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                    return Optional.of(new Unstorable("id", where + "id: holds the control character U+"
                            + String.format("%04X", (int) c) + " at position " + (i + 1) + "; an id names a file and"
                            + " a line of the report, so it cannot hold control characters or line breaks"));
                }
            }
        }
        if (row.model() != null && row.model().length() > MAX_MODEL_CHARS) {
            return Optional.of(new Unstorable("model", where + "model: " + row.model().length() + " characters long;"
                    + " a model name has at most " + MAX_MODEL_CHARS));
        }
        if (row.prompt() != null && row.prompt().length() > MAX_PROMPT_CHARS) {
            return Optional.of(new Unstorable("prompt", where + "prompt: " + row.prompt().length() + " characters"
                    + " long; a prompt has at most " + MAX_PROMPT_CHARS + " (no provider documents more than 10000)"));
        }
        return Optional.empty();
    }

    /**
     * The row id a rejected row is recorded under: the id when the ledger can hold it; the row number when the id
     * is blank or holds a NUL (which PostgreSQL cannot store); else its first {@value #MAX_ID_CHARS} characters and
     * {@code …}.
     *
     * @param row a catalogue row
     * @return at most {@value #MAX_ID_CHARS} + 1 characters, never null
     */
    public static String ledgerRowId(CatalogueRow row) {
        String id = row.id();
        if (id == null || id.indexOf('\u0000') >= 0) {
            return String.valueOf(row.rowNumber());
        }
        return cut(id, MAX_ID_CHARS);
    }

    /**
     * The prompt a rejected row is recorded with: without NUL characters, and cut to {@value #MAX_PROMPT_CHARS}
     * characters and {@code …}.
     *
     * @param row a catalogue row
     * @return the prompt, or null when the row has none
     */
    public static String ledgerPrompt(CatalogueRow row) {
        return row.prompt() == null ? null : cut(row.prompt().replace("\u0000", ""), MAX_PROMPT_CHARS);
    }

    private static String cut(String text, int chars) {
        if (text.length() <= chars) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(chars - 1)) ? chars - 1 : chars;
        return text.substring(0, end) + "\u2026";
    }

    private Optional<String> repeatedId(CatalogueRow row) {
        Long first = firstRowById.putIfAbsent(row.id(), row.rowNumber());
        if (first == null || first == row.rowNumber()) {
            first = ledger.firstRowWithId(batchId, row.id()).orElse(row.rowNumber());
        }
        if (first < row.rowNumber()) {
            return Optional.of("row " + row.rowNumber() + ", column id: \"" + row.id()
                    + "\" repeats the id of row " + first + "; ids must be unique in a catalogue");
        }
        return Optional.empty();
    }
}
