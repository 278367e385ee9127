package io.imagebatch.catalogue;

/**
 * A catalogue that cannot be read at all: the file is missing or unreadable, it has no header row, duplicate
 * headers, a required column (such as {@code prompt}, when there is no prompt template) is absent, the column
 * mapping or prompt template names a header that is not there, or the file is not UTF-8 or cannot be parsed
 * past some row. {@link CatalogueInspector} raises all of these before a run starts; its message says what to
 * fix, naming the file and, where it applies, the row and the headers found. Problems of a single row are never
 * raised: they end up in {@link CatalogueRow#problem()}.
 */
public class CatalogueException extends RuntimeException {

    /** @param message what is wrong and what to fix, naming the file and the column */
    public CatalogueException(String message) {
        super(io.imagebatch.OutsideText.escape(message)); // headers and cells quoted in it: no control characters
    }

    /**
     * @param message what is wrong and what to fix
     * @param cause   the I/O or parse error behind it
     */
    public CatalogueException(String message, Throwable cause) {
        super(io.imagebatch.OutsideText.escape(message), cause);
    }
}
