package io.imagebatch.catalogue;

import java.util.List;

/**
 * One data row of a catalogue, with its fields resolved through the column mapping and prompt template.
 *
 * <p>Every field is {@code null} when its column is absent or its cell is blank (after trimming). The row
 * still exists when it is broken: {@link #problem()} then says why, naming the row number and the column,
 * and the processor rejects it without looking at the rest.
 *
 * @param rowNumber       1-based number of the data row (the header is not counted), stable across runs
 * @param id              the {@code id} cell, or the row number as text when the catalogue has no id column;
 *                        null only when the id cell is blank, and {@code problem} then says so
 * @param prompt          the {@code prompt} cell, or the prompt template filled from this row (null when a
 *                        value the template needs is blank)
 * @param provider        the {@code provider} cell (overrides the batch's provider), or null
 * @param model           the {@code model} cell (overrides the batch's model), or null
 * @param aspectRatio     the {@code aspect_ratio} cell, for example {@code 16:9}, or null
 * @param resolution      the {@code resolution} cell, for example {@code 2K}, or null
 * @param outputFormat    the {@code output_format} cell, for example {@code png}, or null
 * @param referenceImages the {@code reference_images} cell split on {@code |}, blanks dropped; never null
 * @param variants        the {@code variants} cell as written (README.md, Variants: how many images of the row to
 *                        make, 1 to 8, checked by the submit step's processor), or null for the batch's number
 * @param problem         why the row cannot be used as read, or null: a ragged row (then the only problem named,
 *                        and the other fields are read from the cells as they fall), a blank id in a catalogue
 *                        with an id column, a blank value the prompt template needs; several are joined with
 *                        {@code "; "}. Each names the row, for example
 *                        {@code row 7, column Vendor: empty, but the prompt template needs it}
 */
public record CatalogueRow(
        long rowNumber,
        String id,
        String prompt,
        String provider,
        String model,
        String aspectRatio,
        String resolution,
        String outputFormat,
        List<String> referenceImages,
        String problem,
        String variants) {

    /** Copies {@code referenceImages}, so the row is immutable; null becomes an empty list. */
    public CatalogueRow {
        referenceImages = referenceImages == null ? List.of() : List.copyOf(referenceImages);
    }

    /**
     * A row without a {@code variants} cell; the fields as in the record description.
     */
    public CatalogueRow(long rowNumber, String id, String prompt, String provider, String model, String aspectRatio,
            String resolution, String outputFormat, List<String> referenceImages, String problem) {
        this(rowNumber, id, prompt, provider, model, aspectRatio, resolution, outputFormat, referenceImages, problem,
                null);
    }
}
