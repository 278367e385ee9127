package io.imagebatch.catalogue;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.Iterator;
import java.util.Locale;
import org.apache.commons.csv.CSVException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * One streaming pass over a catalogue file, shared by {@link CatalogueItemReader} and {@link CatalogueInspector}
 * so both read the same rows and fail with the same messages.
 *
 * <p>Opening reads and resolves the header row ({@link CatalogueHeader}); {@link #next()} then returns one data
 * record at a time. Records whose every cell is blank (empty lines, or a line of delimiters as spreadsheets
 * export) are skipped and not numbered. Nothing but the current record is held in memory, and a record holds at
 * most one row's limit ({@link CatalogueLimits}, through {@link BoundedCatalogueReader}): a row cut there comes
 * out with a marker cell, which {@link CatalogueRowMapper} turns into the row's problem.
 */
final class CatalogueParser implements Closeable {

    private static final byte[] UTF8_BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private final String fileName;
    private final InputStream bytes;
    private final CSVParser csv;
    private final Iterator<CSVRecord> records;
    private CatalogueHeader header;
    private long rowsRead;

    private CatalogueParser(String fileName, InputStream bytes, CSVParser csv) {
        this.fileName = fileName;
        this.bytes = bytes;
        this.csv = csv;
        this.records = csv.iterator();
    }

    /**
     * Opens a catalogue and resolves its header row.
     *
     * @param file   the catalogue, UTF-8 with or without a byte order mark
     * @param format delimiter, column mapping and prompt template
     * @param digest when not null, updated with every byte of the file as it is read (the BOM included)
     * @return a parser positioned before the first data row
     * @throws CatalogueException when the file is missing, a directory or unreadable, not UTF-8, cannot be
     *                            parsed, has no header row, or its header fails a check of
     *                            {@link CatalogueHeader#resolve}
     */
    static CatalogueParser open(Path file, CatalogueFormat format, MessageDigest digest) {
        String fileName = String.valueOf(file.getFileName());
        if (Files.isDirectory(file)) {
            throw new CatalogueException("catalogue " + file.toAbsolutePath() + " is a directory; give the path of a CSV or TSV file");
        }
        char delimiter = delimiter(file, format);
        CSVFormat csvFormat = csvFormat(fileName, delimiter);
        InputStream in;
        try {
            in = Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new CatalogueException("catalogue " + file.toAbsolutePath() + " does not exist; check the path", e);
        } catch (AccessDeniedException e) {
            throw new CatalogueException("catalogue " + file.toAbsolutePath() + " cannot be read: permission denied", e);
        } catch (IOException e) {
            throw new CatalogueException("catalogue " + file.toAbsolutePath() + " cannot be read: " + e.getMessage(), e);
        }
        CatalogueParser parser = null;
        try {
            InputStream counted = digest == null ? in : new DigestInputStream(in, digest);
            // replaced, not reported: the decoder runs ahead of the parser, so only a check of each record
            // can say which row and column hold the bad bytes
            CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE);
            // bounded: the parser never holds more than one cell's or row's limit, however the file is made
            CSVParser csv = csvFormat.parse(new BoundedCatalogueReader(new InputStreamReader(skipBom(counted), utf8),
                    delimiter, format.limits()));
            parser = new CatalogueParser(fileName, counted, csv);
            CSVRecord headerRow = parser.nextNonBlank();
            if (headerRow == null) {
                throw new CatalogueException("catalogue " + fileName + " is empty; its first line must be a header row"
                        + " naming the columns, for example: id,prompt");
            }
            for (String name : headerRow) {
                if (name.indexOf(BoundedCatalogueReader.MARK) >= 0) {
                    throw new CatalogueException("catalogue " + fileName + ": the header row is longer than "
                            + (name.contains(BoundedCatalogueReader.CELL_TOO_LONG)
                            ? format.limits().maxCellChars() + " characters in one cell (imagebatch.catalogue.max-cell-chars)"
                            : format.limits().maxRowChars() + " characters (imagebatch.catalogue.max-row-chars)")
                            + "; is it a CSV or TSV file?");
                }
            }
            parser.header = CatalogueHeader.resolve(fileName, headerRow.toList(), format);
            return parser;
        } catch (IOException e) {
            closeQuietly(parser == null ? in : parser);
            throw new CatalogueException("catalogue " + fileName + " cannot be read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(parser == null ? in : parser);
            throw e;
        }
    }

    /** @return the resolved header row */
    CatalogueHeader header() {
        return header;
    }

    /**
     * @return the next data record, or null at the end of the file
     * @throws CatalogueException when the rest of the file cannot be parsed, or this record is not UTF-8, naming the row
     */
    CSVRecord next() {
        CSVRecord record = nextNonBlank();
        if (record != null) {
            rowsRead++;
        }
        return record;
    }

    /** @return how many data records {@link #next()} has returned; the last one's 1-based row number */
    long rowsRead() {
        return rowsRead;
    }

    /** Reads the bytes after the last record, if any, so a digest covers the whole file. */
    void drain() {
        try {
            bytes.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new CatalogueException("catalogue " + fileName + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** Closes the file. Idempotent. */
    @Override
    public void close() {
        try {
            csv.close();
        } catch (IOException e) {
            throw new CatalogueException("catalogue " + fileName + " could not be closed: " + e.getMessage(), e);
        }
    }

    private CSVRecord nextNonBlank() {
        try {
            while (records.hasNext()) {
                CSVRecord record = records.next();
                if (!isBlank(record)) {
                    requireUtf8(record);
                    return record;
                }
            }
            return null;
        } catch (UncheckedIOException e) {
            throw parseFailure(e.getCause());
        }
    }

    private CatalogueException parseFailure(IOException cause) {
        String where = where();
        if (!(cause instanceof CSVException)) {
            return new CatalogueException("catalogue " + fileName + " cannot be read in " + where + ": " + cause.getMessage(), cause);
        }
        // the parser cannot tell where the next row starts after this, so the whole catalogue stops here
        return new CatalogueException("catalogue " + fileName + " cannot be parsed in " + where + ": " + cause.getMessage()
                + "; check that row for a stray or unterminated quote (a quoted field must end with \" right before"
                + " the delimiter or the line end, and a \" inside it is written \"\")", cause);
    }

    /** @throws CatalogueException when a cell holds U+FFFD, which the decoder puts in place of bytes that are not UTF-8 */
    private void requireUtf8(CSVRecord record) {
        for (int column = 0; column < record.size(); column++) {
            if (record.get(column).indexOf('\uFFFD') >= 0) {
                String columnName = header == null || column >= header.size() || header.names().get(column).isEmpty()
                        ? String.valueOf(column + 1) : header.names().get(column);
                throw new CatalogueException("catalogue " + fileName + " is not UTF-8 text: " + where() + ", column "
                        + columnName + " holds bytes that are not UTF-8 (or the replacement character U+FFFD, left by an"
                        + " earlier failed conversion); save the file as UTF-8 (in Excel: \"CSV UTF-8\")");
            }
        }
    }

    private String where() {
        return header == null ? "the header row" : "row " + (rowsRead + 1);
    }

    private static boolean isBlank(CSVRecord record) {
        for (String value : record) {
            if (!value.isBlank()) {
                return false;
            }
        }
        return true;
    }

    /** @return the delimiter: the format's, else a tab for a {@code .tsv} file name (any case), else a comma */
    static char delimiter(Path file, CatalogueFormat format) {
        if (format.delimiter() != null) {
            return format.delimiter();
        }
        return String.valueOf(file.getFileName()).toLowerCase(Locale.ROOT).endsWith(".tsv") ? '\t' : ',';
    }

    /**
     * RFC 4180 quoting with either delimiter. With a tab, text after a closing quote is kept (its quotes are
     * lost) instead of failing: tab-separated files are often written without quoting, and a cell such as
     * {@code "GIGGLE" painted on a wall} must not stop the whole catalogue.
     */
    private static CSVFormat csvFormat(String fileName, char delimiter) {
        try {
            return CSVFormat.RFC4180.builder()
                    .setDelimiter(delimiter)
                    .setQuote('"')
                    .setIgnoreEmptyLines(true)
                    .setIgnoreSurroundingSpaces(true)
                    .setTrailingData(delimiter == '\t')
                    .get();
        } catch (IllegalArgumentException e) {
            throw new CatalogueException("catalogue " + fileName + ": the delimiter " + printable(delimiter)
                    + " cannot be used (" + e.getMessage() + ")", e);
        }
    }

    private static String printable(char c) {
        return Character.isISOControl(c) ? String.format("U+%04X", (int) c) : "'" + c + "'";
    }

    /** Skips a UTF-8 byte order mark, if the stream starts with one. */
    private static InputStream skipBom(InputStream in) throws IOException {
        PushbackInputStream pushback = new PushbackInputStream(in, UTF8_BOM.length);
        byte[] start = pushback.readNBytes(UTF8_BOM.length);
        boolean bom = start.length == UTF8_BOM.length && start[0] == UTF8_BOM[0] && start[1] == UTF8_BOM[1]
                && start[2] == UTF8_BOM[2];
        if (!bom) {
            pushback.unread(start);
        }
        return pushback;
    }

    private static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException | RuntimeException ignored) {
            // already failing with a better message
        }
    }
}
