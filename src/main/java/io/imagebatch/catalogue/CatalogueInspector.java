package io.imagebatch.catalogue;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Checks a catalogue before a run: one streaming pass that counts its rows and hashes its bytes, failing on
 * exactly the file-level problems {@link CatalogueItemReader} would (same checks, same messages), so they can
 * be reported before anything starts.
 */
public final class CatalogueInspector {

    private CatalogueInspector() {
    }

    /**
     * Reads the whole file once. Memory does not grow with its size.
     *
     * @param file   the catalogue file
     * @param format delimiter, column mapping and prompt template, as the run will use them
     * @return the number of data rows, the SHA-256 of the file and its headers
     * @throws CatalogueException when the file is missing or unreadable, empty, has duplicate headers, a column
     *                            mapping or template naming no header, no prompt column and no template, is
     *                            not UTF-8, or cannot be parsed past some row (named in the message); rows
     *                            with a problem of their own (see {@link CatalogueRow#problem()}) do not throw
     */
    public static CatalogueSummary inspect(Path file, CatalogueFormat format) {
        MessageDigest sha256 = sha256();
        try (CatalogueParser parser = CatalogueParser.open(file, format, sha256)) {
            while (parser.next() != null) {
                // counting only: rows are mapped, and their problems found, by the reader
            }
            parser.drain();
            return new CatalogueSummary(parser.rowsRead(), HexFormat.of().formatHex(sha256.digest()),
                    parser.header().names());
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
