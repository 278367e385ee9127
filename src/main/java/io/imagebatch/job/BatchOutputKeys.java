package io.imagebatch.job;

import io.imagebatch.catalogue.CatalogueItemReader;
import io.imagebatch.catalogue.CatalogueRow;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * The names of a batch's outputs in its output store (the key checks themselves are {@code storage}'s): object
 * keys deterministic from the batch's catalogue and the row id (README, "Output and
 * the report"): {@code <batch id>/<row id>.<ext>} and {@code <batch id>/report.csv}, below the output prefix.
 *
 * <p>Keys are unique ignoring case, for case-insensitive file systems (macOS, Windows) and tools: when two ids of
 * a batch differ only in case ({@code NB-1} and {@code nb-1}), each of them gets {@code -} and 8 hex digits of
 * the SHA-256 of the exact id ({@link #caseCollisions}); ids that collide with no other keep their plain key.
 */
public final class BatchOutputKeys {

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    private BatchOutputKeys() {
    }

    /**
     * Makes a row id safe for any object store and file system. An id of 1 to 100 characters from
     * {@code [A-Za-z0-9._-]} (and not {@code .} or {@code ..}) is kept as it is; any other id has its other
     * characters replaced by {@code _}, is cut to 80 characters and gets {@code -} and 8 hex digits of its
     * SHA-256, so that two different ids never share a key.
     *
     * @param rowId the row id, not null
     * @return the key-safe form
     */
    public static String safeRowId(String rowId) {
        if (SAFE.matcher(rowId).matches() && !rowId.equals(".") && !rowId.equals("..")) {
            return rowId;
        }
        String cleaned = rowId.replaceAll("[^A-Za-z0-9._-]", "_");
        if (cleaned.length() > 80) {
            cleaned = cleaned.substring(0, 80);
        }
        return cleaned + "-" + BatchSettings.sha256(rowId).substring(0, 8);
    }

    /** @return the key stem (without extension) of a row's image, for a batch without ids that differ only in case */
    public static String imageStem(String batchId, String rowId) {
        return batchId + "/" + safeRowId(rowId);
    }

    /**
     * The key stem (without extension) of a row's image, unique ignoring case within its batch.
     *
     * @param batchId        the batch id
     * @param rowId          the row id, not null
     * @param caseCollisions the batch's {@link #caseCollisions}
     * @return {@code <batch id>/<safe row id>}, with {@code -} and 8 hex digits of the id's SHA-256 appended when
     *         another id of the batch has a key that differs from this one's only in case
     */
    public static String imageStem(String batchId, String rowId, Set<String> caseCollisions) {
        String key = safeRowId(rowId);
        if (caseCollisions.contains(fold(key))) {
            key = key + "-" + BatchSettings.sha256(rowId).substring(0, 8);
        }
        return batchId + "/" + key;
    }

    /**
     * Finds the keys of a batch that differ only in case: one streaming pass over its catalogue (the batch's
     * content, checked by hash at every start, so the answer is the same at every run and restart).
     *
     * @param batch the batch's settings: its catalogue and how to read it
     * @return the case-folded ({@link Locale#ROOT} lower case) {@link #safeRowId keys} that two or more different
     *         ids of the catalogue share; usually empty. Memory: one entry per distinct key while reading
     * @throws io.imagebatch.catalogue.CatalogueException when the catalogue cannot be read
     */
    public static Set<String> caseCollisions(BatchSettings batch) {
        CatalogueItemReader reader = new CatalogueItemReader(Path.of(batch.catalogue()), batch.format());
        reader.open(new ExecutionContext());
        Map<String, String> keyByFold = new HashMap<>();
        Set<String> collisions = new HashSet<>();
        try {
            for (CatalogueRow row = reader.read(); row != null; row = reader.read()) {
                if (row.id() == null) {
                    continue;
                }
                String key = safeRowId(row.id());
                String other = keyByFold.putIfAbsent(fold(key), key);
                if (other != null && !other.equals(key)) {
                    collisions.add(fold(key));
                }
            }
        } finally {
            reader.close();
        }
        return Set.copyOf(collisions);
    }

    /**
     * Whether the batch's images are named per variant, {@code <row id>-<k>.<ext>} (README.md, Variants;
     * {@link BatchSettings#namesVariants}): it makes more than one variant of each row, or its catalogue has a
     * {@code variants} column. Reads only the catalogue's header when the batch's own number is 1.
     *
     * @param batch the batch's settings
     * @return true to name every image of the batch by its variant
     * @throws io.imagebatch.catalogue.CatalogueException when the catalogue cannot be read
     */
    public static boolean namesVariants(BatchSettings batch) {
        if (batch.namesVariants(false)) {
            return true;
        }
        CatalogueItemReader reader = new CatalogueItemReader(Path.of(batch.catalogue()), batch.format());
        reader.open(new ExecutionContext());
        try {
            return batch.namesVariants(reader.hasVariantsColumn());
        } finally {
            reader.close();
        }
    }

    /**
     * The key stem (without extension) of one variant of a row's image (README.md, Variants).
     *
     * @param rowStem      the row's stem ({@link #imageStem(String, String, Set)})
     * @param variant      the variant, 1 to 8
     * @param namesVariant whether the batch names its images per variant ({@link #namesVariants})
     * @return {@code <row stem>-<variant>} when the batch names variants, else {@code rowStem} unchanged
     */
    public static String variantStem(String rowStem, int variant, boolean namesVariant) {
        return namesVariant ? rowStem + "-" + variant : rowStem;
    }

    /**
     * Where {@code choose} copies a row's chosen variant (README.md, Variants): the variant's own key or URI
     * without its {@code -<k>} suffix, {@code <row id>.<ext>} beside it.
     *
     * @param variantUri the stored variant's key or URI, {@code .../<row id>-<k>.<ext>}
     * @param variant    its variant, k
     * @return {@code .../<row id>.<ext>}; {@code variantUri} unchanged when it has no {@code -<k>} before its
     *         extension (null when it is null)
     */
    public static String chosenUri(String variantUri, int variant) {
        if (variantUri == null) {
            return null;
        }
        int dot = variantUri.lastIndexOf('.');
        int slash = variantUri.lastIndexOf('/');
        String suffix = "-" + variant;
        if (dot <= slash || !variantUri.substring(0, dot).endsWith(suffix)) {
            return variantUri;
        }
        return variantUri.substring(0, dot - suffix.length()) + variantUri.substring(dot);
    }

    private static String fold(String key) {
        return key.toLowerCase(Locale.ROOT);
    }

    /** @return the key of a batch's report */
    public static String report(String batchId) {
        return batchId + "/report.csv";
    }
}
