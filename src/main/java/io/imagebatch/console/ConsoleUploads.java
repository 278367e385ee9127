package io.imagebatch.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.apache.poi.openxml4j.opc.OPCPackage;
import org.apache.poi.openxml4j.opc.PackageAccess;
import org.apache.poi.ss.usermodel.DataFormatter;
import org.apache.poi.ss.util.CellReference;
import org.apache.poi.util.XMLHelper;
import org.apache.poi.xssf.eventusermodel.ReadOnlySharedStringsTable;
import org.apache.poi.xssf.eventusermodel.XSSFReader;
import org.apache.poi.xssf.eventusermodel.XSSFSheetXMLHandler;
import org.apache.poi.xssf.model.StylesTable;
import org.apache.poi.xssf.usermodel.XSSFComment;
import org.xml.sax.InputSource;
import org.xml.sax.XMLReader;

/**
 * Keeps uploaded catalogues durably (docs/console.md, "Uploads"): one file per content SHA-256 in
 * {@code imagebatch.console.upload-dir}, written to a temporary file in that folder and moved into place
 * atomically, so a crash never leaves a half-written catalogue under its final name, and a resume after a restart
 * reads the very bytes the batch was checked with. The browser's file name is used for its extension only, never
 * as a path.
 *
 * <p>Accepted: UTF-8 text ({@code .csv}, {@code .tsv}, {@code .txt}) without NUL bytes, and {@code .xlsx}
 * workbooks, whose first sheet is written next to the upload as a CSV file (Commons CSV) with each cell as a
 * spreadsheet user sees it (POI's {@link DataFormatter}: dates and numbers in the cell's own format); that CSV is
 * the batch's catalogue. Blank spreadsheet rows are left out, as a CSV reader skips blank lines.
 */
public final class ConsoleUploads {

    /** The extensions accepted, lower case. */
    public static final List<String> EXTENSIONS = List.of("csv", "tsv", "txt", "xlsx");

    private static final int BUFFER_BYTES = 64 * 1024;

    private final Path directory;
    private final long maxBytes;

    /**
     * A kept upload.
     *
     * @param catalogue the catalogue to read: the upload itself, or for a workbook the CSV made from its first
     *                  sheet; absolute
     * @param sha256    lower-case hex SHA-256 of the uploaded bytes
     * @param extension the upload's extension, lower case ({@link #EXTENSIONS})
     * @param delimiter the delimiter the catalogue must be read with ({@code ','} for a workbook's CSV,
     *                  {@code '\t'} for {@code .tsv}), or null to let the reader find it
     */
    public record Upload(Path catalogue, String sha256, String extension, Character delimiter) {
    }

    /**
     * @param directory where uploads are kept; created when missing
     * @param maxBytes  the largest upload accepted, bytes
     */
    public ConsoleUploads(Path directory, long maxBytes) {
        this.directory = directory.toAbsolutePath().normalize();
        this.maxBytes = maxBytes;
    }

    /** @return the folder the uploads are kept in, absolute */
    public Path directory() {
        return directory;
    }

    /**
     * Keeps an upload, reading {@code content} once.
     *
     * @param fileName the file name the browser sent (only its extension is used); may hold any path
     * @param content  the uploaded bytes
     * @return where the catalogue now is
     * @throws ConsoleRequestException 400 when the extension is not accepted, the file is empty, not UTF-8 text,
     *                                 holds NUL bytes, or is not an .xlsx workbook with a sheet; 413 when it is over
     *                                 the limit. Nothing is kept then
     * @throws UncheckedIOException    when the upload folder cannot be written
     */
    public Upload keep(String fileName, InputStream content) {
        String extension = extension(fileName);
        try {
            Files.createDirectories(directory);
            Path temp = Files.createTempFile(directory, ".upload-", ".part");
            try {
                String sha256 = copy(content, temp, extension);
                Path kept = moveIntoPlace(temp, directory.resolve(sha256 + "." + extension));
                if (!extension.equals("xlsx")) {
                    return new Upload(kept, sha256, extension, extension.equals("tsv") ? '\t' : null);
                }
                Path csv = directory.resolve(sha256 + ".xlsx.csv");
                if (!Files.exists(csv)) {
                    Path csvTemp = Files.createTempFile(directory, ".sheet-", ".part");
                    try {
                        firstSheetAsCsv(kept, csvTemp);
                        moveIntoPlace(csvTemp, csv);
                    } finally {
                        Files.deleteIfExists(csvTemp);
                    }
                }
                return new Upload(csv, sha256, extension, ',');
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("the upload folder " + directory + " cannot be written: "
                    + e.getMessage(), e);
        }
    }

    /** The upload's extension, from the last segment of whatever path the browser sent. */
    static String extension(String fileName) {
        String name = fileName == null ? "" : fileName.replace('\\', '/');
        name = name.substring(name.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        String extension = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        if (!EXTENSIONS.contains(extension)) {
            throw new ConsoleRequestException(400, "catalogue: the file must be .csv, .tsv, .txt or .xlsx"
                    + (extension.isEmpty() ? "" : " (got ." + printable(extension) + ")"));
        }
        return extension;
    }

    private static String printable(String text) {
        String cut = text.length() > 20 ? text.substring(0, 20) + "\u2026" : text;
        return cut.replaceAll("[^A-Za-z0-9._-]", "?");
    }

    /** Copies within the limit, hashing; checks text. @return the SHA-256 */
    private String copy(InputStream content, Path temp, String extension) throws IOException {
        MessageDigest digest = sha256();
        long total = 0;
        boolean nul = false;
        byte[] head = new byte[4];
        int headLength = 0;
        try (InputStream in = new DigestInputStream(content, digest); OutputStream out = Files.newOutputStream(temp)) {
            byte[] buffer = new byte[BUFFER_BYTES];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                total += n;
                if (total > maxBytes) {
                    throw new ConsoleRequestException(413, "catalogue: the file is over the upload limit of "
                            + maxBytes + " bytes (imagebatch.console.max-upload-bytes); nothing was kept");
                }
                for (int i = 0; i < n; i++) {
                    if (headLength < head.length) {
                        head[headLength++] = buffer[i];
                    }
                    nul |= buffer[i] == 0;
                }
                out.write(buffer, 0, n);
            }
        }
        if (total == 0) {
            throw new ConsoleRequestException(400, "catalogue: the file is empty");
        }
        if (extension.equals("xlsx")) {
            if (headLength < 4 || head[0] != 'P' || head[1] != 'K' || head[2] != 3 || head[3] != 4) {
                throw new ConsoleRequestException(400, "catalogue: the file is named .xlsx but is not an Excel"
                        + " workbook; save it as .xlsx (Excel 2007 or later) or as CSV");
            }
        } else {
            if (nul) {
                throw new ConsoleRequestException(400, "catalogue: the file holds NUL bytes, so it is not a text"
                        + " catalogue (a binary file, or UTF-16 text); save it as CSV in UTF-8");
            }
            checkUtf8(temp);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void checkUtf8(Path file) throws IOException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try (Reader reader = new java.io.InputStreamReader(Files.newInputStream(file), decoder)) {
            char[] buffer = new char[BUFFER_BYTES];
            while (reader.read(buffer) >= 0) {
                // reading is the check
            }
        } catch (CharacterCodingException e) {
            throw new ConsoleRequestException(400, "catalogue: the file is not UTF-8 text; save it as CSV in UTF-8"
                    + " (Excel: CSV UTF-8) or upload the .xlsx workbook");
        }
    }

    /** Moves a finished temporary file to its final name, atomically; keeps an existing one (same content). */
    private static Path moveIntoPlace(Path temp, Path target) throws IOException {
        if (Files.exists(target)) {
            return target;
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException sameContentMeanwhile) {
            return target;
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the upload folder does not support atomic moves: " + e.getMessage(), e);
        }
        return target;
    }

    /**
     * Writes the workbook's first sheet as CSV, streaming (POI's event API: the sheet is never held in memory).
     *
     * @throws ConsoleRequestException 400 when the file is not a workbook or has no sheet
     */
    static void firstSheetAsCsv(Path workbook, Path csv) throws IOException {
        try (OPCPackage pkg = OPCPackage.open(workbook.toFile(), PackageAccess.READ)) {
            XSSFReader reader = new XSSFReader(pkg);
            ReadOnlySharedStringsTable strings = new ReadOnlySharedStringsTable(pkg);
            StylesTable styles = reader.getStylesTable();
            XSSFReader.SheetIterator sheets = (XSSFReader.SheetIterator) reader.getSheetsData();
            if (!sheets.hasNext()) {
                throw new ConsoleRequestException(400, "catalogue: the workbook has no sheet");
            }
            try (InputStream sheet = sheets.next(); Writer writer = Files.newBufferedWriter(csv, StandardCharsets.UTF_8);
                    CSVPrinter printer = new CSVPrinter(writer, CSVFormat.RFC4180)) {
                SheetToCsv rows = new SheetToCsv(printer);
                XMLReader parser = XMLHelper.newXMLReader();
                parser.setContentHandler(new XSSFSheetXMLHandler(styles, null, strings, rows,
                        new DataFormatter(Locale.US), false));
                parser.parse(new InputSource(sheet));
                if (rows.written == 0) {
                    throw new ConsoleRequestException(400, "catalogue: the workbook's first sheet is empty");
                }
            }
        } catch (ConsoleRequestException | IOException e) {
            throw e;
        } catch (Exception e) {
            // POI's and the XML parser's exceptions: a file that is not a readable workbook
            throw new ConsoleRequestException(400, "catalogue: the .xlsx workbook cannot be read ("
                    + e.getClass().getSimpleName() + "); save it again from Excel, or as CSV in UTF-8");
        }
    }

    /** One CSV record per non-blank sheet row, padded to the header's width. */
    private static final class SheetToCsv implements XSSFSheetXMLHandler.SheetContentsHandler {
        private final CSVPrinter printer;
        private List<String> cells = new ArrayList<>();
        private int width = -1;
        private long written;

        SheetToCsv(CSVPrinter printer) {
            this.printer = printer;
        }

        @Override
        public void startRow(int rowNum) {
            cells = new ArrayList<>();
        }

        @Override
        public void endRow(int rowNum) {
            if (cells.stream().allMatch(String::isBlank)) {
                return;
            }
            if (width < 0) {
                width = cells.size();
            }
            while (cells.size() < width) {
                cells.add("");
            }
            try {
                printer.printRecord(cells);
                written++;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void cell(String cellReference, String formattedValue, XSSFComment comment) {
            int column = cellReference == null ? cells.size() : new CellReference(cellReference).getCol();
            while (cells.size() < column) {
                cells.add("");
            }
            cells.add(formattedValue == null ? "" : formattedValue);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
