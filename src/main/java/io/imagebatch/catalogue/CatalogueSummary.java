package io.imagebatch.catalogue;

import java.util.List;
import java.util.Objects;

/**
 * What {@link CatalogueInspector#inspect} found in a catalogue.
 *
 * @param rows    the number of data rows, as {@link CatalogueItemReader} will return them (the header and blank
 *                lines are not counted; rows with a problem are)
 * @param sha256  the SHA-256 of the file's bytes, BOM included, as 64 lower-case hex digits
 * @param headers the header names as written, trimmed, in column order; a blank header is {@code ""}
 */
public record CatalogueSummary(long rows, String sha256, List<String> headers) {

    /**
     * Copies {@code headers}, so the summary is immutable.
     *
     * @throws NullPointerException when {@code sha256} or {@code headers} is null
     */
    public CatalogueSummary {
        Objects.requireNonNull(sha256, "sha256");
        headers = List.copyOf(headers);
    }
}
