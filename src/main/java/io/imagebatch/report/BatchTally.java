package io.imagebatch.report;

import io.imagebatch.ledger.TaskLedger;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * A batch's rows counted per report status, with the bytes of its stored images. The report step gets it from
 * {@link ResultsReport#write} (the counts of {@code report.csv}); {@link #soFar} counts a batch whose run ended
 * before it finished. Either way it is one streaming pass over the ledger, so memory does not grow with the
 * catalogue.
 *
 * @param counts      rows per status; every {@link ReportStatus} is a key (0 when none), in enum order; unmodifiable
 * @param rows        the catalogue's data row count
 * @param unfinished  rows not in a final state yet: in flight, or not read from the catalogue yet; always 0 for
 *                    the report's tally
 * @param bytesStored the sum of the sizes of the stored images, in bytes
 */
public record BatchTally(Map<ReportStatus, Long> counts, long rows, long unfinished, long bytesStored) {

    /**
     * @throws IllegalArgumentException when a count or the total is negative
     */
    public BatchTally {
        EnumMap<ReportStatus, Long> all = new EnumMap<>(ReportStatus.class);
        for (ReportStatus status : ReportStatus.values()) {
            long n = counts.getOrDefault(status, 0L);
            if (n < 0) {
                throw new IllegalArgumentException("negative count of " + status + ": " + n);
            }
            all.put(status, n);
        }
        if (rows < 0 || unfinished < 0 || bytesStored < 0) {
            throw new IllegalArgumentException("negative rows, unfinished or bytes: " + rows + ", " + unfinished
                    + ", " + bytesStored);
        }
        counts = Collections.unmodifiableMap(all);
    }

    /**
     * Tallies a batch that may not be finished (a run that failed or stopped): rows in flight and rows without a
     * ledger line yet (the catalogue was not read that far) count as {@code unfinished}.
     *
     * @param ledger        the ledger
     * @param batchId       the batch
     * @param catalogueRows the catalogue's data row count
     * @return the counts so far
     */
    public static BatchTally soFar(TaskLedger ledger, String batchId, long catalogueRows) {
        EnumMap<ReportStatus, Long> counts = new EnumMap<>(ReportStatus.class);
        long[] lines = {0};
        long[] bytes = {0};
        long[] inFlight = {0};
        ledger.report().forEachInRowOrder(batchId, entry -> {
            lines[0]++;
            if (!entry.state().isFinal()) {
                inFlight[0]++;
                return;
            }
            ReportStatus status = ReportStatus.of(entry.state());
            counts.merge(status, 1L, Long::sum);
            if (status == ReportStatus.SUCCEEDED && entry.bytes() != null) {
                bytes[0] += entry.bytes();
            }
        });
        long notRead = Math.max(0, catalogueRows - lines[0]);
        return new BatchTally(counts, catalogueRows, inFlight[0] + notRead, bytes[0]);
    }

    /** @return the number of rows with this status */
    public long count(ReportStatus status) {
        return counts.get(status);
    }
}
