package io.imagebatch.catalogue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.csv.CSVRecord;

/** Turns one parsed record into a {@link CatalogueRow}, recording what is wrong with it rather than throwing. */
final class CatalogueRowMapper {

    private final CatalogueHeader header;

    private final CatalogueLimits limits;

    CatalogueRowMapper(CatalogueHeader header) {
        this(header, CatalogueLimits.defaults());
    }

    CatalogueRowMapper(CatalogueHeader header, CatalogueLimits limits) {
        this.header = header;
        this.limits = limits;
    }

    /**
     * @param rowNumber the 1-based data row number
     * @param record    the parsed record
     * @return the row; its {@code problem} is set when it is ragged, has a blank id in a catalogue with an id
     *         column, or lacks a value the prompt template needs (several problems are joined with "; ")
     */
    CatalogueRow map(long rowNumber, CSVRecord record) {
        String tooLong = tooLong(rowNumber, record);
        if (tooLong != null) {
            // cut by the reader: its cells are not all there, so nothing else is read from it
            return new CatalogueRow(rowNumber, null, null, null, null, null, null, null, List.of(), tooLong);
        }
        Cells cells = new Cells(record);
        List<String> problems = new ArrayList<>();

        Integer idColumn = header.column(CatalogueField.ID);
        String id = idColumn == null ? Long.toString(rowNumber) : cells.get(idColumn);
        if (idColumn != null && id == null) {
            problems.add("row " + rowNumber + ", column " + header.names().get(idColumn)
                    + ": empty; every row needs an id when the catalogue has an id column");
        }

        String prompt;
        PromptTemplate template = header.template();
        if (template == null) {
            prompt = field(cells, CatalogueField.PROMPT);
        } else {
            int before = problems.size();
            for (String placeholder : template.placeholders()) {
                int column = header.column(placeholder); // checked at open: every placeholder names a header
                if (cells.get(column) == null) {
                    problems.add("row " + rowNumber + ", column " + header.names().get(column)
                            + ": empty, but the prompt template needs it");
                }
            }
            prompt = problems.size() > before ? null
                    : template.fill(placeholder -> cells.get(header.column(placeholder))).strip();
        }

        if (record.size() != header.size()) {
            // the other problems would only be symptoms of the misaligned cells
            problems = List.of("row " + rowNumber + ": has " + record.size() + " fields, the header has "
                    + header.size() + " (check for an unquoted delimiter or a missing quote)");
        }

        return new CatalogueRow(rowNumber, id, prompt,
                field(cells, CatalogueField.PROVIDER),
                field(cells, CatalogueField.MODEL),
                field(cells, CatalogueField.ASPECT_RATIO),
                field(cells, CatalogueField.RESOLUTION),
                field(cells, CatalogueField.OUTPUT_FORMAT),
                referenceImages(field(cells, CatalogueField.REFERENCE_IMAGES)),
                problems.isEmpty() ? null : String.join("; ", problems),
                field(cells, CatalogueField.VARIANTS));
    }

    /** @return the problem of a row the reader cut at a limit ({@link BoundedCatalogueReader}), or null */
    private String tooLong(long rowNumber, CSVRecord record) {
        for (int column = record.size() - 1; column >= 0; column--) {
            String value = record.get(column);
            if (value.indexOf(BoundedCatalogueReader.MARK) < 0) {
                continue;
            }
            if (value.contains(BoundedCatalogueReader.CELL_TOO_LONG)) {
                String name = column < header.size() && !header.names().get(column).isEmpty()
                        ? header.names().get(column) : String.valueOf(column + 1);
                return "row " + rowNumber + ", column " + name + ": longer than " + limits.maxCellChars()
                        + " characters, the limit of a cell (imagebatch.catalogue.max-cell-chars); the row was skipped";
            }
            return "row " + rowNumber + ": longer than " + limits.maxRowChars() + " characters, the limit of a row"
                    + " (imagebatch.catalogue.max-row-chars); the row was skipped";
        }
        return null;
    }

    private String field(Cells cells, CatalogueField field) {
        Integer column = header.column(field);
        return column == null ? null : cells.get(column);
    }

    private static List<String> referenceImages(String cell) {
        if (cell == null) {
            return List.of();
        }
        return Arrays.stream(cell.split("\\|")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /** A record's cells, trimmed; blank and missing cells (of a short, ragged record) read as null. */
    private record Cells(CSVRecord record) {
        String get(int column) {
            if (column >= record.size()) {
                return null;
            }
            String value = record.get(column).strip();
            return value.isEmpty() ? null : value;
        }
    }
}
