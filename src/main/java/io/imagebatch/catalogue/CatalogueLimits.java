package io.imagebatch.catalogue;

/**
 * How much of a catalogue the reader holds at once, so that no file can exhaust memory (README, "The
 * catalogue"). Settings {@code imagebatch.catalogue.max-cell-chars}, {@code .max-row-chars} and
 * {@code .max-skip-chars}; each is a number of characters (UTF-16 units, after decoding).
 *
 * <p>A cell longer than {@code maxCellChars}, or a row longer than {@code maxRowChars} (delimiters and quotes
 * counted), makes that row REJECTED with the limit named; the reader skips the rest of the row without keeping
 * it and goes on with the next one. A row whose end the reader does not find within {@code maxSkipChars} more
 * characters (an endless file such as {@code /dev/zero}, with no line end ever) makes the whole catalogue
 * refused ({@link CatalogueException}).
 *
 * @param maxCellChars the longest cell, in characters; at least 1; default {@value #DEFAULT_MAX_CELL_CHARS}
 *                     (64 Ki: far beyond any prompt a provider takes)
 * @param maxRowChars  the longest row, in characters; at least 1; default {@value #DEFAULT_MAX_ROW_CHARS}
 * @param maxSkipChars how far past a limit the reader looks for the row's end, in characters; at least 1;
 *                     default {@value #DEFAULT_MAX_SKIP_CHARS} (1 Gi: a 200 MB cell is still skipped)
 */
public record CatalogueLimits(long maxCellChars, long maxRowChars, long maxSkipChars) {

    /** Default {@link #maxCellChars()}: 65,536 characters. */
    public static final long DEFAULT_MAX_CELL_CHARS = 65_536;
    /** Default {@link #maxRowChars()}: 1,048,576 characters. */
    public static final long DEFAULT_MAX_ROW_CHARS = 1_048_576;
    /** Default {@link #maxSkipChars()}: 1,073,741,824 characters. */
    public static final long DEFAULT_MAX_SKIP_CHARS = 1_073_741_824;

    /**
     * Replaces a value of 0 or less (a setting left out) by its default.
     */
    public CatalogueLimits {
        maxCellChars = maxCellChars > 0 ? maxCellChars : DEFAULT_MAX_CELL_CHARS;
        maxRowChars = maxRowChars > 0 ? maxRowChars : DEFAULT_MAX_ROW_CHARS;
        maxSkipChars = maxSkipChars > 0 ? maxSkipChars : DEFAULT_MAX_SKIP_CHARS;
    }

    /** @return the defaults */
    public static CatalogueLimits defaults() {
        return new CatalogueLimits(0, 0, 0);
    }
}
