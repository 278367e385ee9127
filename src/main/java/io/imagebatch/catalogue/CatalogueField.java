package io.imagebatch.catalogue;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The fields a catalogue row can carry; {@link #key()} is the header that holds each one unless mapped. */
enum CatalogueField {
    ID, PROMPT, PROVIDER, MODEL, ASPECT_RATIO, RESOLUTION, OUTPUT_FORMAT, REFERENCE_IMAGES, VARIANTS;

    /** @return the field's name as written in headers and in {@code --column FIELD=HEADER}, e.g. {@code aspect_ratio} */
    String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return the field named {@code key} (case-insensitive, trimmed), or null when there is none */
    static CatalogueField byKey(String key) {
        for (CatalogueField field : values()) {
            if (field.key().equals(CatalogueHeader.fold(key))) {
                return field;
            }
        }
        return null;
    }

    /** @return every field's key, comma-separated, for error messages */
    static String allKeys() {
        return Arrays.stream(values()).map(CatalogueField::key).collect(Collectors.joining(", "));
    }
}
