package io.imagebatch.catalogue;

import java.nio.file.Path;
import java.util.Objects;
import org.apache.commons.csv.CSVRecord;
import org.jspecify.annotations.Nullable;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamException;
import org.springframework.batch.infrastructure.item.ItemStreamReader;

/**
 * Reads a CSV or TSV catalogue one {@link CatalogueRow} at a time, streaming (memory does not grow with the
 * file), and restartable from the number of rows read.
 *
 * <h2>File format</h2>
 * <ul>
 *   <li>UTF-8, with or without a byte order mark.</li>
 *   <li>Comma-separated, or tab-separated when the file name ends in {@code .tsv} (any case), unless
 *       {@link CatalogueFormat#delimiter()} says otherwise. Double quotes quote fields with either delimiter
 *       (RFC 4180: a {@code "} inside a quoted field is written {@code ""}; quoted fields may hold delimiters
 *       and line breaks). With a tab only, text after a closing quote is kept rather than failing, for
 *       unquoted TSV cells that happen to start with a quote; the quote pair itself is then dropped.</li>
 *   <li>The first non-blank line is the header row. Records whose every cell is blank are skipped and not
 *       numbered. Cells are trimmed; a blank cell reads as null.</li>
 *   <li>Fields ({@code id}, {@code prompt}, {@code provider}, {@code model}, {@code aspect_ratio},
 *       {@code resolution}, {@code output_format}, {@code reference_images}) are read from the header of the
 *       same name, ignoring case, or from the header {@link CatalogueFormat#columns()} maps them to. Other
 *       headers are available to the prompt template.</li>
 * </ul>
 *
 * <h2>Errors</h2>
 * A problem of one row never throws: the row is returned with {@link CatalogueRow#problem()} set (a ragged
 * row, a blank id when the catalogue has an id column, an empty value the prompt template needs). File-level
 * problems throw {@link CatalogueException}: from {@link #open} when the file is missing or unreadable, empty,
 * has duplicate headers, a column mapping or template naming no header, or no prompt column and no template;
 * from {@link #read} when the file cannot be parsed past a row (for example an unterminated quote) or is not
 * UTF-8, naming the row.
 *
 * <h2>Restart</h2>
 * {@link #update} saves the number of rows returned under {@value #ROWS_READ_KEY}; {@link #open} with that key
 * skips that many data rows without mapping them again, so row numbers stay those of the first run.
 *
 * <p>Not thread-safe: wrap it in a {@code SynchronizedItemStreamReader} for a multi-threaded step.
 */
public class CatalogueItemReader implements ItemStreamReader<CatalogueRow> {

    /** The {@link ExecutionContext} key holding the number of data rows returned so far (a {@code long}). */
    public static final String ROWS_READ_KEY = "catalogue.rows.read";

    private final Path file;
    private final CatalogueFormat format;
    private CatalogueParser parser;
    private CatalogueRowMapper mapper;
    private boolean opened;
    private long rowsRead;
    /** The first and last row to return (1-based, inclusive); the whole file unless {@link #rows} was called. */
    private long fromRow = 1;
    private long toRow = Long.MAX_VALUE;

    /**
     * Creates a reader; nothing is read until {@link #open}.
     *
     * @param file   the catalogue file
     * @param format delimiter, column mapping and prompt template; see {@link CatalogueFormat#defaults()}
     * @throws NullPointerException when an argument is null
     */
    public CatalogueItemReader(Path file, CatalogueFormat format) {
        this.file = Objects.requireNonNull(file, "file");
        this.format = Objects.requireNonNull(format, "format");
    }

    /**
     * Makes this reader return only the rows {@code from} to {@code to} (1-based, inclusive, numbered as
     * {@link CatalogueRow#rowNumber()}): one partition of a partitioned batch (README.md, "More than one machine").
     * {@link #open} skips to row {@code from} (or to the checkpoint, when that is further), and {@link #read}
     * returns null after row {@code to}. The checkpoint ({@value #ROWS_READ_KEY}) stays the number of the last row
     * returned, counted from the start of the file.
     *
     * @param from the first row, at least 1
     * @param to   the last row, at least {@code from - 1} (then nothing is read)
     * @return this reader
     * @throws IllegalArgumentException when the range is not one
     * @throws IllegalStateException    when the reader is open
     */
    public CatalogueItemReader rows(long from, long to) {
        if (from < 1 || to < from - 1) {
            throw new IllegalArgumentException("rows " + from + " to " + to + " are not a range of rows");
        }
        if (parser != null) {
            throw new IllegalStateException("catalogue reader for " + file.getFileName() + " is open");
        }
        this.fromRow = from;
        this.toRow = to;
        return this;
    }

    /**
     * Opens the file, checks its header row and, when {@code executionContext} holds {@value #ROWS_READ_KEY},
     * skips that many data rows. May be called again after {@link #close()}.
     *
     * @param executionContext the step's context; read, not written
     * @throws CatalogueException    for a file-level problem (see the class comment), or when the file has fewer
     *                               rows than the checkpoint says were read (it changed since the first run)
     * @throws ItemStreamException   when the checkpoint is not a non-negative number
     * @throws IllegalStateException when the reader is already open
     */
    @Override
    public void open(ExecutionContext executionContext) {
        if (parser != null) {
            throw new IllegalStateException("catalogue reader for " + file.getFileName() + " is already open");
        }
        long skip = Math.max(checkpoint(executionContext), Math.min(fromRow - 1, toRow));
        CatalogueParser opening = CatalogueParser.open(file, format, null);
        try {
            while (opening.rowsRead() < skip) {
                if (opening.next() == null) {
                    throw new CatalogueException("catalogue " + file.getFileName() + " has " + opening.rowsRead()
                            + " rows, but the restarted step had already read " + skip
                            + "; the file changed since the run started, so start a new run instead of restarting");
                }
            }
        } catch (RuntimeException e) {
            opening.close();
            throw e;
        }
        parser = opening;
        mapper = new CatalogueRowMapper(opening.header(), format.limits());
        rowsRead = skip;
        opened = true;
    }

    /**
     * Whether the open catalogue's header has a {@code variants} column (its own header, or one mapped to it):
     * then rows may ask for their own number of variants (README.md, Variants).
     *
     * @return true when the catalogue has a {@code variants} column
     * @throws IllegalStateException when the reader is not open
     */
    public boolean hasVariantsColumn() {
        if (parser == null) {
            throw new IllegalStateException("catalogue reader for " + file.getFileName() + " is not open");
        }
        return parser.header().column(CatalogueField.VARIANTS) != null;
    }

    /**
     * Reads the next row.
     *
     * @return the next row, with {@link CatalogueRow#rowNumber()} one more than the last one, or null at the end
     * @throws CatalogueException    when the file cannot be parsed past this row or is not UTF-8
     * @throws IllegalStateException when the reader is not open (never opened, or closed)
     */
    @Override
    public @Nullable CatalogueRow read() {
        requireOpen();
        if (rowsRead >= toRow) {
            return null; // the end of this reader's rows
        }
        CSVRecord record = parser.next();
        if (record == null) {
            return null;
        }
        rowsRead = parser.rowsRead();
        return mapper.map(rowsRead, record);
    }

    /**
     * Saves the number of rows returned so far under {@value #ROWS_READ_KEY}. Also allowed after
     * {@link #close()}, saving the count reached.
     *
     * @param executionContext the step's context
     * @throws IllegalStateException when the reader has never been opened
     */
    @Override
    public void update(ExecutionContext executionContext) {
        if (!opened) {
            throw new IllegalStateException("catalogue reader for " + file.getFileName()
                    + " has not been opened; call open(ExecutionContext) first");
        }
        executionContext.putLong(ROWS_READ_KEY, rowsRead);
    }

    /** Closes the file. Idempotent; {@link #read()} then fails until the next {@link #open}. */
    @Override
    public void close() {
        if (parser != null) {
            try {
                parser.close();
            } finally {
                parser = null;
                mapper = null;
            }
        }
    }

    private void requireOpen() {
        if (parser == null) {
            throw new IllegalStateException("catalogue reader for " + file.getFileName() + (opened
                    ? " is closed; open it again before reading"
                    : " has not been opened; call open(ExecutionContext) first"));
        }
    }

    private long checkpoint(ExecutionContext executionContext) {
        if (!executionContext.containsKey(ROWS_READ_KEY)) {
            return 0;
        }
        // a number of any integral type: a context restored by another serializer may hold an Integer
        Object value = executionContext.get(ROWS_READ_KEY);
        if (value instanceof Number number && number.longValue() >= 0 && number.doubleValue() == number.longValue()) {
            return number.longValue();
        }
        throw new ItemStreamException("the step's execution context holds " + ROWS_READ_KEY + "=" + value
                + ", not a number of rows; it cannot be restarted from there");
    }
}
