package io.imagebatch.catalogue;

import java.util.Map;

/**
 * How to read a catalogue file: its delimiter, which header holds each field, and an optional prompt template.
 *
 * @param delimiter      the field separator; null means by file name ({@code .tsv} is tab-separated, anything
 *                       else comma-separated)
 * @param columns        field name ({@code id}, {@code prompt}, {@code provider}, {@code model},
 *                       {@code aspect_ratio}, {@code resolution}, {@code output_format},
 *                       {@code reference_images}) to the header that holds it; headers are matched
 *                       case-insensitively; a field not in the map is read from the header of its own name
 * @param promptTemplate a text with {@code {Header}} placeholders filled from the row's cells, used instead of
 *                       the {@code prompt} column; null when the prompt column is used
 */
public record CatalogueFormat(Character delimiter, Map<String, String> columns, String promptTemplate) {

    public CatalogueFormat {
        columns = columns == null ? Map.of() : Map.copyOf(columns);
    }

    /** The plain format: delimiter by file name, columns by their own names, no template. */
    public static CatalogueFormat defaults() {
        return new CatalogueFormat(null, Map.of(), null);
    }
}
