package io.imagebatch.catalogue;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The header row of a catalogue, resolved against a {@link CatalogueFormat}: which column holds each field and
 * each template placeholder. Building one performs every file-level check that depends on the header, so the
 * reader and the inspector fail the same way.
 */
final class CatalogueHeader {

    private final List<String> names;
    private final Map<String, Integer> columnsByFoldedName;
    private final Map<CatalogueField, Integer> fieldColumns;
    private final PromptTemplate template;

    private CatalogueHeader(List<String> names, Map<String, Integer> columnsByFoldedName,
            Map<CatalogueField, Integer> fieldColumns, PromptTemplate template) {
        this.names = names;
        this.columnsByFoldedName = columnsByFoldedName;
        this.fieldColumns = fieldColumns;
        this.template = template;
    }

    /**
     * Resolves a header row.
     *
     * @param fileName the catalogue's file name, for messages
     * @param cells    the header row's cells as parsed (they are trimmed here)
     * @param format   the column mapping and prompt template to resolve
     * @return the resolved header
     * @throws CatalogueException when two headers are equal ignoring case, the column mapping names an unknown
     *                            field or a missing header, the template is malformed or names a missing
     *                            header, or there is neither a prompt column nor a template
     */
    static CatalogueHeader resolve(String fileName, List<String> cells, CatalogueFormat format) {
        List<String> names = cells.stream().map(String::strip).toList();
        Map<String, Integer> byFoldedName = indexByFoldedName(fileName, names);
        Map<CatalogueField, Integer> fieldColumns = resolveFields(fileName, names, byFoldedName, format.columns());
        PromptTemplate template = null;
        if (format.promptTemplate() != null) {
            template = resolveTemplate(fileName, names, byFoldedName, format.promptTemplate());
        } else if (!fieldColumns.containsKey(CatalogueField.PROMPT)) {
            throw new CatalogueException("catalogue " + fileName + " has no column \"prompt\" (headers: "
                    + describe(names) + "); add one, map one with --column prompt=HEADER, or give --prompt-template");
        }
        return new CatalogueHeader(names, byFoldedName, fieldColumns, template);
    }

    private static Map<String, Integer> indexByFoldedName(String fileName, List<String> names) {
        Map<String, Integer> byFoldedName = new HashMap<>();
        for (int column = 0; column < names.size(); column++) {
            String name = names.get(column);
            if (name.isEmpty()) {
                continue; // a blank header (e.g. a trailing empty spreadsheet column) is allowed but unusable
            }
            Integer earlier = byFoldedName.putIfAbsent(fold(name), column);
            if (earlier != null) {
                throw new CatalogueException("catalogue " + fileName + " has two columns named \"" + names.get(earlier)
                        + "\" (column " + (earlier + 1) + ") and \"" + name + "\" (column " + (column + 1)
                        + "); headers are matched ignoring case, so rename one (headers: " + describe(names) + ")");
            }
        }
        return byFoldedName;
    }

    private static Map<CatalogueField, Integer> resolveFields(String fileName, List<String> names,
            Map<String, Integer> byFoldedName, Map<String, String> mapping) {
        Map<CatalogueField, String> wanted = new EnumMap<>(CatalogueField.class);
        mapping.forEach((key, header) -> {
            CatalogueField field = CatalogueField.byKey(key);
            if (field == null) {
                throw new CatalogueException("the column mapping names an unknown field \"" + key + "\" (--column "
                        + key + "=" + header + "); the fields are " + CatalogueField.allKeys());
            }
            if (header == null || header.isBlank()) {
                throw new CatalogueException("the column mapping for field " + field.key()
                        + " names no header; write --column " + field.key() + "=HEADER");
            }
            wanted.put(field, header.strip());
        });
        Map<CatalogueField, Integer> columns = new EnumMap<>(CatalogueField.class);
        for (CatalogueField field : CatalogueField.values()) {
            String header = wanted.getOrDefault(field, field.key());
            Integer column = byFoldedName.get(fold(header));
            if (column != null) {
                columns.put(field, column);
            } else if (wanted.containsKey(field)) {
                throw new CatalogueException("catalogue " + fileName + " has no column \"" + header + "\" for field "
                        + field.key() + " (--column " + field.key() + "=" + header + "; headers: " + describe(names)
                        + "); fix the mapping or the header");
            }
        }
        return columns;
    }

    private static PromptTemplate resolveTemplate(String fileName, List<String> names,
            Map<String, Integer> byFoldedName, String text) {
        PromptTemplate template;
        try {
            template = PromptTemplate.parse(text);
        } catch (IllegalArgumentException e) {
            throw new CatalogueException(e.getMessage(), e);
        }
        List<String> unknown = new ArrayList<>();
        for (String placeholder : template.placeholders()) {
            if (!byFoldedName.containsKey(fold(placeholder))) {
                unknown.add("{" + placeholder + "}");
            }
        }
        if (!unknown.isEmpty()) {
            throw new CatalogueException("the prompt template uses " + String.join(", ", unknown)
                    + (unknown.size() == 1 ? ", which names no column" : ", which name no column") + " of catalogue "
                    + fileName + " (headers: " + describe(names) + "); use one of the headers (case does not matter),"
                    + " or write {{ and }} for literal braces");
        }
        return template;
    }

    /** @return the header names as written in the file, trimmed, in column order (blank ones as "") */
    List<String> names() {
        return names;
    }

    /** @return the number of columns, blank headers included */
    int size() {
        return names.size();
    }

    /** @return the 0-based column of {@code field}, or null when the catalogue has none */
    Integer column(CatalogueField field) {
        return fieldColumns.get(field);
    }

    /** @return the 0-based column whose header equals {@code header} ignoring case, or null */
    Integer column(String header) {
        return columnsByFoldedName.get(fold(header));
    }

    /** @return the prompt template, or null when the prompt column is used */
    PromptTemplate template() {
        return template;
    }

    /** The form in which headers and field names are compared: trimmed, lower case (locale-independent). */
    static String fold(String name) {
        return name.strip().toLowerCase(Locale.ROOT);
    }

    /** @return the headers comma-separated for a message, blank ones shown as {@code (blank)} */
    static String describe(List<String> names) {
        return names.stream().map(name -> name.isEmpty() ? "(blank)" : name).collect(Collectors.joining(", "));
    }
}
