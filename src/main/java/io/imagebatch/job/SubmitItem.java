package io.imagebatch.job;

import io.imagebatch.catalogue.CatalogueRow;
import io.imagebatch.provider.ImageRequest;

/**
 * What the submit step's processor hands its writer for one row: a request to send, or the reason the row is
 * rejected (never both).
 *
 * @param row       the catalogue row
 * @param provider  the row's provider name (null when the row was rejected before one was chosen)
 * @param model     the row's model (null likewise)
 * @param request   the request to send, or null for a rejected row
 * @param rejection why the row is never sent, naming row, column and rule; null for a row to send
 * @param column    the catalogue field the rejection is about ({@code prompt}, {@code id}, {@code provider}, ...),
 *                  or null for a row to send, or when the rule is about the whole row or the column is named only
 *                  in {@code rejection} (a problem found while reading)
 * @param variants  how many images of the row to make, 1 to 8 (README.md, Variants): one task and one ledger entry
 *                  each; 1 for a row without variants and for a rejected row
 */
public record SubmitItem(CatalogueRow row, String provider, String model, ImageRequest request, String rejection,
        String column, int variants) {

    /** A number of variants below 1 (not set) reads as 1. */
    public SubmitItem {
        variants = Math.max(1, variants);
    }

    /**
     * An item of one variant; the fields as in the record description.
     */
    public SubmitItem(CatalogueRow row, String provider, String model, ImageRequest request, String rejection,
            String column) {
        this(row, provider, model, request, rejection, column, 1);
    }

    /**
     * @param variants how many images of the row to make, 1 to 8
     * @return this item with that number of variants
     */
    public SubmitItem withVariants(int variants) {
        return new SubmitItem(row, provider, model, request, rejection, column, variants);
    }

    /**
     * An item without a rejected column; the fields as in the record description.
     */
    public SubmitItem(CatalogueRow row, String provider, String model, ImageRequest request, String rejection) {
        this(row, provider, model, request, rejection, null);
    }

    /** @return a row to send */
    public static SubmitItem send(CatalogueRow row, ImageRequest request) {
        return new SubmitItem(row, request.provider(), request.model(), request, null);
    }

    /**
     * @return a row that is never sent; the reason quotes the row's cells, so its control characters are escaped
     *         ({@link io.imagebatch.OutsideText#escape}) before it is printed, stored or reported
     */
    public static SubmitItem reject(CatalogueRow row, String provider, String model, String reason) {
        return new SubmitItem(row, provider, model, null, io.imagebatch.OutsideText.escape(reason));
    }

    /**
     * As {@link #reject(CatalogueRow, String, String, String)}, naming the column at fault.
     *
     * @param column the catalogue field at fault ({@code prompt}, {@code id}, ...), or null
     * @return a row that is never sent
     */
    public static SubmitItem reject(CatalogueRow row, String provider, String model, String column, String reason) {
        return new SubmitItem(row, provider, model, null, io.imagebatch.OutsideText.escape(reason), column);
    }
}
