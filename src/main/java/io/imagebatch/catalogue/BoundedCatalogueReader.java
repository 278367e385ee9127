package io.imagebatch.catalogue;

import java.io.IOException;
import java.io.Reader;

/**
 * The catalogue's text as Commons CSV reads it, cut so that the parser never buffers more than a
 * {@link CatalogueLimits}' cell or row.
 *
 * <p>It follows the quoting of RFC 4180 as {@link CatalogueParser} configures the parser (a {@code "} at the
 * start of a field, after optional white space, opens a quoted field; inside it {@code ""} is a quote and a lone
 * {@code "} closes it; line ends inside quotes belong to the cell), so it knows where each cell and each row ends.
 * When a cell passes {@code maxCellChars}, or a row {@code maxRowChars}, it ends the row there with a marker
 * cell ({@link #CELL_TOO_LONG} or {@link #ROW_TOO_LONG}, closing an open quote first) and skips the rest of the
 * row in the source, holding nothing of it, up to {@code maxSkipChars}; the next row is passed on as it is. The
 * marker is made of the Unicode noncharacter U+FDD0, which no text holds, so that
 * {@link CatalogueRowMapper} can tell a cut row from any real cell.
 *
 * <p>Not thread-safe, like any {@link Reader} a parser consumes.
 */
final class BoundedCatalogueReader extends Reader {

    /** The character the markers are made of: a Unicode noncharacter, never part of a catalogue's text. */
    static final char MARK = '\uFDD0';
    /** The marker cell of a row cut because one of its cells was longer than {@code maxCellChars}. */
    static final String CELL_TOO_LONG = MARK + "cell" + MARK;
    /** The marker cell of a row cut because it was longer than {@code maxRowChars}. */
    static final String ROW_TOO_LONG = MARK + "row" + MARK;

    private static final int CHAR = 0;
    private static final int DELIMITER = 1;
    private static final int ROW_END = 2;

    private final Reader in;
    private final char delimiter;
    private final CatalogueLimits limits;
    private final char[] buffer = new char[8192];
    private int position;
    private int length;
    private boolean endOfInput;

    /** Characters to pass on before anything else read from the source: the marker that ends a cut row. */
    private String pending;
    private int pendingPosition;
    /** Whether the rest of an over-long row is being skipped. */
    private boolean skipping;

    private boolean fieldStart = true;
    private boolean inQuotes;
    private boolean quoteSeen;
    private boolean afterClosingQuote;
    private long cellChars;
    private long rowChars;

    /**
     * @param in        the decoded catalogue
     * @param delimiter the field separator the parser uses
     * @param limits    the longest cell and row, and how far to look for an over-long row's end
     */
    BoundedCatalogueReader(Reader in, char delimiter, CatalogueLimits limits) {
        this.in = in;
        this.delimiter = delimiter;
        this.limits = limits;
    }

    /**
     * @throws IOException when the source fails, or when an over-long row has no end within
     *                     {@code maxSkipChars} characters (the message says so, and names the limit)
     */
    @Override
    public int read(char[] target, int offset, int count) throws IOException {
        if (count == 0) {
            return 0;
        }
        int n = 0;
        while (n < count) {
            if (pending != null) {
                int take = Math.min(count - n, pending.length() - pendingPosition);
                pending.getChars(pendingPosition, pendingPosition + take, target, offset + n);
                n += take;
                pendingPosition += take;
                if (pendingPosition == pending.length()) {
                    pending = null;
                }
                continue;
            }
            if (skipping) {
                if (n > 0) {
                    break; // hand over the cut row first; skip on the next read
                }
                skipRestOfRow();
                continue;
            }
            if (position == length) {
                if (n > 0 || !fill()) {
                    break;
                }
            }
            char c = buffer[position++];
            boolean quotedBefore = inQuotes;
            boolean quoteSeenBefore = quoteSeen;
            boolean closedBefore = afterClosingQuote;
            int kind = advance(c);
            if (kind == ROW_END) {
                cellChars = 0;
                rowChars = 0;
            } else {
                cellChars = kind == DELIMITER ? 0 : cellChars + 1;
                rowChars++;
                boolean cellTooLong = cellChars > limits.maxCellChars();
                if (cellTooLong || rowChars > limits.maxRowChars()) {
                    cut(cellTooLong ? CELL_TOO_LONG : ROW_TOO_LONG, quotedBefore, quoteSeenBefore, closedBefore);
                    continue;
                }
            }
            target[offset + n++] = c;
        }
        return n == 0 && endOfInput && pending == null ? -1 : n;
    }

    /**
     * Ends the row passed on so far with a marker cell, given the quoting state of what was passed on: an open
     * quoted field is closed (a quote whose meaning the dropped character would have told is doubled first,
     * keeping the field open), and a closed quoted field gets a delimiter before the marker.
     */
    private void cut(String marker, boolean quoted, boolean quoteSeenLast, boolean closedQuote) {
        StringBuilder end = new StringBuilder(marker.length() + 3);
        if (quoteSeenLast) {
            end.append('"').append(marker).append('"');
        } else if (quoted) {
            end.append(marker).append('"');
        } else if (closedQuote) {
            end.append(delimiter).append(marker);
        } else {
            end.append(marker);
        }
        pending = end.append('\n').toString();
        pendingPosition = 0;
        skipping = true;
    }

    /** Reads on, holding nothing, to the end of the row being cut (or of the file). */
    private void skipRestOfRow() throws IOException {
        long skipped = 0;
        while (true) {
            if (position == length && !fill()) {
                break;
            }
            char c = buffer[position++];
            if (advance(c) == ROW_END) {
                break;
            }
            if (++skipped > limits.maxSkipChars()) {
                throw new IOException("a row goes on for more than " + limits.maxSkipChars() + " characters past the"
                        + " limit without a line end (imagebatch.catalogue.max-skip-chars); the file is not a"
                        + " catalogue (an endless file, such as /dev/zero?)");
            }
        }
        skipping = false;
        cellChars = 0;
        rowChars = 0;
    }

    /** Moves the quoting state past {@code c}; returns whether it is a cell's character, a delimiter or a row end. */
    private int advance(char c) {
        if (quoteSeen) {
            quoteSeen = false;
            if (c == '"') {
                return CHAR; // "" inside quotes: a quote
            }
            inQuotes = false;
            afterClosingQuote = true;
        }
        if (inQuotes) {
            if (c == '"') {
                quoteSeen = true;
            }
            return CHAR;
        }
        if (c == '\n' || c == '\r') {
            fieldStart = true;
            afterClosingQuote = false;
            return ROW_END;
        }
        if (c == delimiter) {
            fieldStart = true;
            afterClosingQuote = false;
            return DELIMITER;
        }
        if (fieldStart) {
            if (c == '"') {
                inQuotes = true;
                fieldStart = false;
                return CHAR;
            }
            if (!Character.isWhitespace(c)) {
                fieldStart = false;
            }
        }
        return CHAR;
    }

    private boolean fill() throws IOException {
        if (endOfInput) {
            return false;
        }
        int n;
        do {
            n = in.read(buffer, 0, buffer.length);
        } while (n == 0);
        if (n < 0) {
            endOfInput = true;
            position = 0;
            length = 0;
            return false;
        }
        position = 0;
        length = n;
        return true;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
