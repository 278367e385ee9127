package io.imagebatch.label;

import java.util.Locale;
import java.util.Optional;

/**
 * How much a delivered image's XMP says (a job file's {@code metadata:} key, README.md, "Labelled as
 * AI-generated").
 */
public enum MetadataLevel {

    /** The digital source type, the row id, the prompt, the model and the creator tool (the default). */
    FULL,
    /** The digital source type and the row id only: the prompt and model stay out of the files. */
    MINIMAL;

    /**
     * @param text a job file's value, case-insensitive, surrounding blanks ignored
     * @return the level: {@code full} or {@code minimal}; empty for anything else (the caller names file, line
     *         and rule)
     */
    public static Optional<MetadataLevel> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "full" -> Optional.of(FULL);
            case "minimal" -> Optional.of(MINIMAL);
            default -> Optional.empty();
        };
    }

    /** @return the job file spelling: {@code full} or {@code minimal} */
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }
}
