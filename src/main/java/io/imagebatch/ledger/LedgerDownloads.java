package io.imagebatch.ledger;

import static io.imagebatch.ledger.LedgerRows.ENTRY;

import io.imagebatch.metrics.ImageBatchMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Optional;

/**
 * The download step's part of the task ledger ({@code IB_TASK_LEDGER}): which {@link RowState#GENERATED} rows are
 * due for a download, and the transitions a download makes (docs/design.md, the ledger state machine; README,
 * "Retries": a result that could not be fetched is fetched again from a fresh URL, never paid twice). A failure
 * is recorded with {@link TaskLedger#markFailed}, shared by every step.
 *
 * <p>Each write is guarded by {@code STATE = 'GENERATED'} in its {@code WHERE} clause and fenced like every
 * ledger write ({@link TaskLedger}, {@link BatchRegistry#takeFence}): it throws {@link LockLostException} once
 * this process lost the batch's lock. Obtained from {@link TaskLedger#downloads()}.
 */
public class LedgerDownloads {

    private final TaskLedger rows;
    private final Counter bytesStored;

    /**
     * Open for a subclass that hooks a read (tests of the pipeline's races); the ledger makes its own
     * ({@link TaskLedger#downloads()}).
     *
     * @param rows   the ledger whose fenced writes, clock and row counters this part uses
     * @param meters where stored bytes are counted ({@value ImageBatchMetrics#BYTES_STORED})
     */
    public LedgerDownloads(TaskLedger rows, MeterRegistry meters) {
        this.rows = rows;
        this.bytesStored = Counter.builder(ImageBatchMetrics.BYTES_STORED).baseUnit("bytes")
                .description("image bytes written to the output stores").register(meters);
    }

    /**
     * The rows due for their download, ordered as the index {@code IB_TASK_LEDGER_DUE} (BATCH_ID, STATE,
     * NEXT_CHECK_AT) is, so that the database reads only the rows it returns. In row order it read every row
     * waiting for its download and sorted them, each pass: once the downloads fell behind, each pass got slower
     * the further behind they were, and a million-row run's downloads nearly stopped at 280,000 rows (README.md,
     * Performance, "A million rows").
     *
     * @param batchId the batch
     * @param now     epoch ms
     * @param limit   most rows returned
     * @return {@link RowState#GENERATED} rows whose download is due, earliest due first (then in row order)
     */
    public List<LedgerEntry> dueForDownload(String batchId, long now, int limit) {
        return rows.jdbc().sql("SELECT * FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND STATE = 'GENERATED'"
                        + " AND NEXT_CHECK_AT <= ? ORDER BY BATCH_ID, STATE, NEXT_CHECK_AT, ROW_NUM, VARIANT"
                        + " FETCH FIRST " + limit + " ROWS ONLY")
                .params(batchId, now).query(ENTRY).list();
    }

    /**
     * @param batchId the batch
     * @return the earliest next download attempt (epoch ms) of a {@link RowState#GENERATED} row, empty when none
     *         is waiting
     */
    public Optional<Long> nextDownloadAt(String batchId) {
        // the first entry of the index IB_TASK_LEDGER_DUE (BATCH_ID, STATE, NEXT_CHECK_AT), not a scan of the queue
        return rows.jdbc().sql("SELECT NEXT_CHECK_AT FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND STATE = 'GENERATED'"
                        + " AND NEXT_CHECK_AT IS NOT NULL ORDER BY BATCH_ID, STATE, NEXT_CHECK_AT FETCH FIRST 1 ROW ONLY")
                .param(batchId).query(Long.class).optional();
    }

    /**
     * {@link #dueForDownload(String, long, int)} of one partition's rows (README.md, "More than one machine"): the
     * same index-ordered query, with {@code ROW_NUM} between {@code fromRow} and {@code toRow} as a filter on the
     * index entries read, so that a pass reads at most the due rows ahead of the partition's own in that order,
     * never every row of its range waiting for its download.
     *
     * @param batchId the batch
     * @param fromRow the partition's first row, 1-based, inclusive
     * @param toRow   the partition's last row, inclusive
     * @param now     epoch ms
     * @param limit   most rows returned
     * @return the partition's {@link RowState#GENERATED} rows whose download is due, earliest due first (then in row
     *         order)
     */
    public List<LedgerEntry> dueForDownload(String batchId, long fromRow, long toRow, long now, int limit) {
        return rows.jdbc().sql("SELECT * FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND STATE = 'GENERATED'"
                        + " AND NEXT_CHECK_AT <= ? AND ROW_NUM BETWEEN ? AND ?"
                        + " ORDER BY BATCH_ID, STATE, NEXT_CHECK_AT, ROW_NUM, VARIANT FETCH FIRST " + limit + " ROWS ONLY")
                .params(batchId, now, fromRow, toRow).query(ENTRY).list();
    }

    /**
     * {@link #nextDownloadAt(String)} of one partition's rows.
     *
     * @param batchId the batch
     * @param fromRow the partition's first row, 1-based, inclusive
     * @param toRow   the partition's last row, inclusive
     * @return the earliest next download attempt (epoch ms) of the partition's {@link RowState#GENERATED} rows,
     *         empty when none is waiting
     */
    public Optional<Long> nextDownloadAt(String batchId, long fromRow, long toRow) {
        return rows.jdbc().sql("SELECT NEXT_CHECK_AT FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND STATE = 'GENERATED'"
                        + " AND NEXT_CHECK_AT IS NOT NULL AND ROW_NUM BETWEEN ? AND ?"
                        + " ORDER BY BATCH_ID, STATE, NEXT_CHECK_AT FETCH FIRST 1 ROW ONLY")
                .params(batchId, fromRow, toRow).query(Long.class).optional();
    }

    /**
     * Records a failed download attempt and when to try again.
     *
     * @param batchId       the batch
     * @param rowNum        1-based row number
     * @param variant  the row's variant, 1 to 8 (1 for a row without variants; README.md, Variants)
     * @param nextAttemptAt epoch ms of the next attempt
     * @param error         what went wrong, for the report
     * @throws LockLostException when this process lost the batch's lock; nothing was written
     */
    public void rescheduleDownload(String batchId, long rowNum, int variant, long nextAttemptAt, String error) {
        rows.update("UPDATE IB_TASK_LEDGER SET DOWNLOAD_ATTEMPTS = DOWNLOAD_ATTEMPTS + 1, NEXT_CHECK_AT = ?, ERROR = ?,"
                        + " UPDATED_AT = ? WHERE BATCH_ID = ? AND ROW_NUM = ? AND VARIANT = ? AND STATE = 'GENERATED'",
                nextAttemptAt, error, rows.now(), batchId, rowNum, variant);
    }

    /**
     * Records a fresh result URL, asked for after the downloads of the old one failed (expired or broken
     * results): the download starts over, at once.
     *
     * @param batchId   the batch
     * @param rowNum    1-based row number
     * @param variant  the row's variant, 1 to 8 (1 for a row without variants; README.md, Variants)
     * @param resultUrl the new URL
     * @param reason    why the old one was given up
     * @throws LockLostException when this process lost the batch's lock; nothing was written
     */
    public void refreshResultUrl(String batchId, long rowNum, int variant, String resultUrl, String reason) {
        rows.update("UPDATE IB_TASK_LEDGER SET RESULT_URL = ?, DOWNLOAD_ATTEMPTS = 0, URL_REFRESHES = URL_REFRESHES + 1,"
                        + " NEXT_CHECK_AT = ?, ERROR = ?, UPDATED_AT = ? WHERE BATCH_ID = ? AND ROW_NUM = ?"
                        + " AND VARIANT = ?"
                        + " AND STATE = 'GENERATED'",
                resultUrl, rows.now(), reason, rows.now(), batchId, rowNum, variant);
    }

    /**
     * Records a stored image: the row becomes {@link RowState#STORED}, and its bytes are counted once.
     *
     * @param batchId   the batch
     * @param rowNum    1-based row number
     * @param variant  the row's variant, 1 to 8 (1 for a row without variants; README.md, Variants)
     * @param outputUri where it is
     * @param sha256    lower-case hex SHA-256 of its bytes
     * @param bytes     its size in bytes
     * @throws LockLostException when this process lost the batch's lock; nothing was written
     */
    public void markStored(String batchId, long rowNum, int variant, String outputUri, String sha256, long bytes) {
        int changed = rows.update("UPDATE IB_TASK_LEDGER SET STATE = 'STORED', OUTPUT_URI = ?, SHA256 = ?, BYTES = ?,"
                        + " DOWNLOAD_ATTEMPTS = DOWNLOAD_ATTEMPTS + 1, ERROR = NULL, UPDATED_AT = ?"
                        + " WHERE BATCH_ID = ? AND ROW_NUM = ? AND VARIANT = ? AND STATE = 'GENERATED'",
                outputUri, sha256, bytes, rows.now(), batchId, rowNum, variant);
        if (rows.counted(RowState.STORED, changed > 0)) {
            bytesStored.increment(bytes);
        }
    }

    /** {@code ERROR_CODE} of a stored row whose image went out without its AI-generated label. */
    public static final String UNLABELLED = "unlabelled";

    /**
     * Records a stored image that could not carry its AI-generated label (README.md, "Labelled as
     * AI-generated"): as {@link #markStored(String, long, int, String, String, long)}, with {@code ERROR_CODE}
     * {@value #UNLABELLED} and the reason in {@code ERROR}, so that the report shows it on the row's line and
     * counts it. The row is {@link RowState#STORED} (it succeeded) all the same.
     *
     * @param batchId    the batch
     * @param rowNum     1-based row number
     * @param variant    the row's variant, 1 to 8 (1 for a row without variants; README.md, Variants)
     * @param outputUri  where it is
     * @param sha256     lower-case hex SHA-256 of its bytes
     * @param bytes      its size in bytes
     * @param unlabelled why the image carries no label; not null
     * @throws LockLostException when this process lost the batch's lock; nothing was written
     */
    public void markStoredUnlabelled(String batchId, long rowNum, int variant, String outputUri, String sha256, long bytes,
            String unlabelled) {
        int changed = rows.update("UPDATE IB_TASK_LEDGER SET STATE = 'STORED', OUTPUT_URI = ?, SHA256 = ?, BYTES = ?,"
                        + " DOWNLOAD_ATTEMPTS = DOWNLOAD_ATTEMPTS + 1, ERROR_CODE = ?, ERROR = ?, UPDATED_AT = ?"
                        + " WHERE BATCH_ID = ? AND ROW_NUM = ? AND VARIANT = ? AND STATE = 'GENERATED'",
                outputUri, sha256, bytes, UNLABELLED, "stored without the AI-generated label: " + unlabelled,
                rows.now(), batchId, rowNum, variant);
        if (rows.counted(RowState.STORED, changed > 0)) {
            bytesStored.increment(bytes);
        }
    }

    /**
     * One outcome of a download pass, to be recorded with the pass's others in one transaction
     * ({@link #recordAll}): what {@link #markStored}, {@link #markStoredUnlabelled} or {@link #rescheduleDownload}
     * records for one entry. Made by {@link #stored} or {@link #rescheduled}.
     *
     * @param rowNum        1-based row number
     * @param variant       the row's variant, 1 to 8 (README.md, Variants)
     * @param outputUri     where the stored image is; null for a failed attempt (rescheduled)
     * @param sha256        lower-case hex SHA-256 of the stored bytes; null for a failed attempt
     * @param bytes         the stored image's size in bytes; 0 for a failed attempt
     * @param unlabelled    why the stored image carries no AI-generated label, or null (labelled, or not stored)
     * @param nextAttemptAt epoch ms of the next attempt (failed attempt only)
     * @param error         what went wrong (failed attempt only), else null
     */
    public record Outcome(long rowNum, int variant, String outputUri, String sha256, long bytes, String unlabelled,
            long nextAttemptAt, String error) {

        /** @return the stored image {@link #markStored} (or, with {@code unlabelled}, {@link #markStoredUnlabelled}) records */
        public static Outcome stored(long rowNum, int variant, String outputUri, String sha256, long bytes,
                String unlabelled) {
            return new Outcome(rowNum, variant, java.util.Objects.requireNonNull(outputUri, "outputUri"), sha256,
                    bytes, unlabelled, 0, null);
        }

        /** @return the failed attempt {@link #rescheduleDownload(String, long, int, long, String)} records */
        public static Outcome rescheduled(long rowNum, int variant, long nextAttemptAt, String error) {
            return new Outcome(rowNum, variant, null, null, 0, null, nextAttemptAt, error);
        }
    }

    /**
     * Records the outcomes of one download pass in ONE fenced transaction (one commit instead of one per row;
     * README.md, Performance, "A million rows"): each makes exactly the change its single-row method makes
     * ({@link #markStored}, {@link #markStoredUnlabelled}, {@link #rescheduleDownload}), under the same
     * {@code STATE = 'GENERATED'} precondition, and a newly stored row's bytes are counted once. Safe to batch
     * (docs/design.md; README, "Retries"): the images were already put under their deterministic keys, so a
     * process killed before this commit leaves the rows GENERATED and the resumed run fetches them again and
     * puts the same key again (a first attempt makes only the renditions still missing); no task is created or
     * paid twice.
     *
     * @param batchId  the batch
     * @param outcomes the pass's outcomes, at most one per entry; empty writes nothing
     * @return the entries that became {@link RowState#STORED} now
     * @throws LockLostException when this process lost the batch's lock (checked once, in the transaction);
     *                           nothing was written
     */
    public int recordAll(String batchId, java.util.Collection<Outcome> outcomes) {
        if (outcomes.isEmpty()) {
            return 0;
        }
        long now = rows.now();
        long[] storedBytes = {0};
        Integer stored = rows.writeReturning(tx -> {
            rows.batches().checkFence(batchId);
            int changed = 0;
            long bytes = 0;
            for (Outcome o : outcomes) {
                int n;
                if (o.outputUri() == null) {
                    rows.jdbc().sql("UPDATE IB_TASK_LEDGER SET DOWNLOAD_ATTEMPTS = DOWNLOAD_ATTEMPTS + 1,"
                                    + " NEXT_CHECK_AT = ?, ERROR = ?, UPDATED_AT = ? WHERE BATCH_ID = ? AND ROW_NUM = ?"
                                    + " AND VARIANT = ? AND STATE = 'GENERATED'")
                            .params(o.nextAttemptAt(), o.error(), now, batchId, o.rowNum(), o.variant()).update();
                    continue;
                } else if (o.unlabelled() == null) {
                    n = rows.jdbc().sql("UPDATE IB_TASK_LEDGER SET STATE = 'STORED', OUTPUT_URI = ?, SHA256 = ?,"
                                    + " BYTES = ?, DOWNLOAD_ATTEMPTS = DOWNLOAD_ATTEMPTS + 1, ERROR = NULL,"
                                    + " UPDATED_AT = ? WHERE BATCH_ID = ? AND ROW_NUM = ? AND VARIANT = ?"
                                    + " AND STATE = 'GENERATED'")
                            .params(o.outputUri(), o.sha256(), o.bytes(), now, batchId, o.rowNum(), o.variant())
                            .update();
                } else {
                    n = rows.jdbc().sql("UPDATE IB_TASK_LEDGER SET STATE = 'STORED', OUTPUT_URI = ?, SHA256 = ?,"
                                    + " BYTES = ?, DOWNLOAD_ATTEMPTS = DOWNLOAD_ATTEMPTS + 1, ERROR_CODE = ?,"
                                    + " ERROR = ?, UPDATED_AT = ? WHERE BATCH_ID = ? AND ROW_NUM = ? AND VARIANT = ?"
                                    + " AND STATE = 'GENERATED'")
                            .params(o.outputUri(), o.sha256(), o.bytes(), UNLABELLED,
                                    "stored without the AI-generated label: " + o.unlabelled(), now, batchId,
                                    o.rowNum(), o.variant())
                            .update();
                }
                if (n > 0) {
                    changed += n;
                    bytes += o.bytes();
                }
            }
            storedBytes[0] = bytes; // set last: a retried callback would start over
            return changed;
        });
        int count = stored == null ? 0 : stored;
        for (int i = 0; i < count; i++) {
            rows.counted(RowState.STORED, true);
        }
        if (count > 0) {
            bytesStored.increment(storedBytes[0]);
        }
        return count;
    }

    /** As {@link #rescheduleDownload(String, long, int, long, String)} for variant 1 (a row without variants). */
    public void rescheduleDownload(String batchId, long rowNum, long nextAttemptAt, String error) {
        rescheduleDownload(batchId, rowNum, 1, nextAttemptAt, error);
    }

    /** As {@link #refreshResultUrl(String, long, int, String, String)} for variant 1 (a row without variants). */
    public void refreshResultUrl(String batchId, long rowNum, String resultUrl, String reason) {
        refreshResultUrl(batchId, rowNum, 1, resultUrl, reason);
    }

    /** As {@link #markStored(String, long, int, String, String, long)} for variant 1 (a row without variants). */
    public void markStored(String batchId, long rowNum, String outputUri, String sha256, long bytes) {
        markStored(batchId, rowNum, 1, outputUri, sha256, bytes);
    }
}
