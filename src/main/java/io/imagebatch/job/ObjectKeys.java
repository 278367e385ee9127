package io.imagebatch.job;

import java.util.regex.Pattern;

/**
 * Object keys of a batch's outputs, deterministic from the batch and the row id (../shared/DESIGN.md, Output
 * store): {@code <batch id>/<row id>.<ext>} and {@code <batch id>/report.csv}, below the output prefix.
 */
public final class ObjectKeys {

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    private ObjectKeys() {
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

    /** @return the key stem (without extension) of a row's image */
    public static String imageStem(String batchId, String rowId) {
        return batchId + "/" + safeRowId(rowId);
    }

    /** @return the key of a batch's report */
    public static String report(String batchId) {
        return batchId + "/report.csv";
    }
}
