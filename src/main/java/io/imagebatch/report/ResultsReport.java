package io.imagebatch.report;

import io.imagebatch.ledger.FailureKind;
import io.imagebatch.ledger.LedgerEntry;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.rendition.Rendition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * Writes a batch's results report, {@code report.csv}: one line per catalogue row, in catalogue order, with
 * the columns {@link #HEADER}. Built from the ledger, so it is the same whenever it is written.
 *
 * <p>Every cell that a spreadsheet would read as a formula (it starts with {@code =}, {@code +}, {@code -},
 * {@code @}, a tab or a carriage return) is prefixed with {@code '} (OWASP, "CSV Injection"), so a prompt can
 * never run in the reader's spreadsheet.
 */
public final class ResultsReport {

    /**
     * The report's columns, in order. {@code failure} is set on FAILED rows only: {@code generation failed}
     * ({@code retry-failed} creates the row again) or {@code paid, result not stored} ({@code retry-failed}
     * fetches the result of the same task again), see {@link FailureKind}. {@code attempt} is the row's current
     * attempt: 1 for its first create, one more for each {@code retry-failed} round or redo that created it again
     * (its earlier attempts are in {@code IB_TASK_ATTEMPT}).
     */
    public static final String[] HEADER = {"row_number", "row_id", "status", "task_id", "output_uri", "sha256",
        "bytes", "error", "failure", "provider", "model", "prompt", "attempt"};

    private ResultsReport() {
    }

    /**
     * Writes the report.
     *
     * @param ledger        the ledger
     * @param batchId       the batch
     * @param catalogueRows the catalogue's data row count; a row number in {@code 1..catalogueRows} without a
     *                      ledger line (never expected) is written as FAILED, so that no row goes missing silently
     * @param out           where the CSV goes (UTF-8 is the caller's choice of encoding)
     * @return what was written: the lines per status and the sum of the stored images' {@code bytes}
     * @throws UncheckedIOException when {@code out} fails
     * @throws IllegalArgumentException when a row is not in a final state (the batch is not finished)
     */
    public static BatchTally write(TaskLedger ledger, String batchId, long catalogueRows, Appendable out) {
        return write(ledger, batchId, catalogueRows, List.of(), out);
    }

    /**
     * Writes the report of a batch with renditions (README.md, "Renditions"): the columns {@link #HEADER} and,
     * when {@code renditions} is not empty, a last column {@code renditions}: on each row whose image is stored,
     * {@code name=uri} pairs separated by a space, in the order of {@code renditions} (the URIs lie beside the
     * image, {@link Rendition#uriBeside}); empty on other rows. A batch without renditions gets the report of
     * {@link #write(TaskLedger, String, long, Appendable)}, column for column.
     *
     * @param ledger        the ledger
     * @param batchId       the batch
     * @param catalogueRows as {@link #write(TaskLedger, String, long, Appendable)}
     * @param renditions    the batch's renditions, possibly empty
     * @param out           where the CSV goes
     * @return what was written
     * @throws UncheckedIOException     when {@code out} fails
     * @throws IllegalArgumentException when a row is not in a final state (the batch is not finished)
     */
    public static BatchTally write(TaskLedger ledger, String batchId, long catalogueRows, List<Rendition> renditions,
            Appendable out) {
        return write(ledger, batchId, catalogueRows, renditions, false, out);
    }

    /**
     * Writes the report of a batch with variants (README.md, Variants): as
     * {@link #write(TaskLedger, String, long, List, Appendable)}, one line per ledger entry (a row's variants in
     * order, each counted in the tally), and, when {@code variants} is true, two last columns: {@code variant}
     * (1 to 8) and {@code chosen} ({@code yes} on the variant {@code choose} picked, else empty). A batch without
     * variants gets the report it always had, column for column.
     *
     * @param ledger        the ledger
     * @param batchId       the batch
     * @param catalogueRows as {@link #write(TaskLedger, String, long, Appendable)}
     * @param renditions    the batch's renditions, possibly empty
     * @param variants      whether the batch has variants ({@code io.imagebatch.job.BatchOutputKeys#namesVariants})
     * @param out           where the CSV goes
     * @return what was written: the entries per status and the sum of the stored images' {@code bytes}
     * @throws UncheckedIOException     when {@code out} fails
     * @throws IllegalArgumentException when a row is not in a final state (the batch is not finished)
     */
    public static BatchTally write(TaskLedger ledger, String batchId, long catalogueRows, List<Rendition> renditions,
            boolean variants, Appendable out) {
        Map<ReportStatus, Long> counts = new EnumMap<>(ReportStatus.class);
        long[] bytes = {0};
        try {
            String[] header = HEADER;
            if (!renditions.isEmpty()) {
                header = Arrays.copyOf(HEADER, HEADER.length + 1);
                header[HEADER.length] = "renditions";
            }
            if (variants) {
                header = Arrays.copyOf(header, header.length + 2);
                header[header.length - 2] = "variant";
                header[header.length - 1] = "chosen";
            }
            CSVPrinter printer = new CSVPrinter(out, CSVFormat.RFC4180.builder().setHeader(header).get());
            long[] expected = {1};
            ledger.report().forEachInRowOrder(batchId, entry -> {
                while (expected[0] < entry.rowNum()) {
                    missing(printer, expected[0]++, counts, renditions, variants);
                }
                ReportStatus status = ReportStatus.of(entry.state());
                counts.merge(status, 1L, Long::sum);
                if (status == ReportStatus.SUCCEEDED && entry.bytes() != null) {
                    bytes[0] += entry.bytes();
                }
                Object[] line = line(entry, status);
                if (!renditions.isEmpty()) {
                    line = Arrays.copyOf(line, line.length + 1);
                    line[line.length - 1] = entry.outputUri() == null ? null : renditions.stream()
                            .map(r -> r.name() + "=" + r.uriBeside(entry.outputUri()))
                            .collect(Collectors.joining(" "));
                }
                if (variants) {
                    line = Arrays.copyOf(line, line.length + 2);
                    line[line.length - 2] = entry.variant();
                    line[line.length - 1] = entry.chosen() ? "yes" : null;
                }
                print(printer, line);
                expected[0] = entry.rowNum() + 1;
            });
            while (expected[0] <= catalogueRows) {
                missing(printer, expected[0]++, counts, renditions, variants);
            }
            printer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report of batch " + batchId, e);
        }
        return new BatchTally(counts, catalogueRows, 0, bytes[0]);
    }

    private static Object[] line(LedgerEntry e, ReportStatus status) {
        return new Object[] {e.rowNum(), e.rowId(), status, e.taskId(), e.outputUri(), e.sha256(), e.bytes(),
            e.error(), e.failureKind() == null ? null : e.failureKind().label(), e.provider(), e.model(), e.prompt(), e.attempt()};
    }

    private static void missing(CSVPrinter printer, long rowNum, Map<ReportStatus, Long> counts,
            List<Rendition> renditions, boolean variants) {
        counts.merge(ReportStatus.FAILED, 1L, Long::sum);
        Object[] line = new Object[] {rowNum, null, ReportStatus.FAILED, null, null, null, null,
            "row " + rowNum + " has no ledger line (internal error); run the batch again to resume it",
            null, null, null, null, null};
        line = renditions.isEmpty() ? line : Arrays.copyOf(line, line.length + 1);
        print(printer, variants ? Arrays.copyOf(line, line.length + 2) : line);
    }

    private static void print(CSVPrinter printer, Object[] cells) {
        try {
            for (Object cell : cells) {
                printer.print(cell == null ? "" : defuse(cell.toString()));
            }
            printer.println();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Makes a cell safe to open in a spreadsheet.
     *
     * @param cell the cell's text
     * @return the text, prefixed with {@code '} when it starts with {@code = + - @}, a tab or a carriage return
     */
    public static String defuse(String cell) {
        if (!cell.isEmpty() && "=+-@\t\r".indexOf(cell.charAt(0)) >= 0) {
            return "'" + cell;
        }
        return cell;
    }
}
