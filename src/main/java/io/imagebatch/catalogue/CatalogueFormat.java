package io.imagebatch.catalogue;

import java.util.Map;

/**
 * How to read a catalogue file: its delimiter, which header holds each field, and an optional prompt template.
 * See {@link CatalogueItemReader} for the file format and {@link PromptTemplate} for the template syntax.
 *
 * @param delimiter      the field separator; null means by file name ({@code .tsv}, any case, is tab-separated,
 *                       anything else comma-separated); double quotes quote fields with any delimiter
 * @param columns        field name ({@code id}, {@code prompt}, {@code provider}, {@code model},
 *                       {@code aspect_ratio}, {@code resolution}, {@code output_format},
 *                       {@code reference_images}) to the header that holds it; field names and headers are
 *                       matched case-insensitively; a field not in the map is read from the header of its own
 *                       name, if any; null means empty. A key that is no field, or a header that is not in the
 *                       file, makes opening the catalogue fail with {@link CatalogueException}
 * @param promptTemplate a text with {@code {Header}} placeholders filled from the row's cells, used instead of
 *                       the {@code prompt} column (which is then not required); a placeholder naming no header
 *                       makes opening the catalogue fail; null when the prompt column is used
 * @param limits         the longest cell and row the reader holds ({@link CatalogueLimits}); null means the
 *                       defaults. Not part of a batch's identity
 */
public record CatalogueFormat(Character delimiter, Map<String, String> columns, String promptTemplate,
        CatalogueLimits limits) {

    /** Copies {@code columns}, so the format is immutable; null becomes an empty map, null limits the defaults. */
    public CatalogueFormat {
        columns = columns == null ? Map.of() : Map.copyOf(columns);
        limits = limits == null ? CatalogueLimits.defaults() : limits;
    }

    /**
     * A format with the default {@link CatalogueLimits}.
     *
     * @param delimiter      see the record
     * @param columns        see the record
     * @param promptTemplate see the record
     */
    public CatalogueFormat(Character delimiter, Map<String, String> columns, String promptTemplate) {
        this(delimiter, columns, promptTemplate, null);
    }

    /** @return the plain format: delimiter by file name, columns by their own names, no template */
    public static CatalogueFormat defaults() {
        return new CatalogueFormat(null, Map.of(), null, null);
    }
}
