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
     * @param batchId the batch
     * @param now     epoch ms
     * @param limit   most rows returned
     * @return {@link RowState#GENERATED} rows whose download is due, in row order
     */
    public List<LedgerEntry> dueForDownload(String batchId, long now, int limit) {
        return rows.jdbc().sql("SELECT * FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND STATE = 'GENERATED'"
                        + " AND NEXT_CHECK_AT <= ? ORDER BY ROW_NUM FETCH FIRST " + limit + " ROWS ONLY")
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
     * {@link #dueForDownload(String, long, int)} of one partition's rows (README.md, "More than one machine").
     *
     * @param batchId the batch
     * @param fromRow the partition's first row, 1-based, inclusive
     * @param toRow   the partition's last row, inclusive
     * @param now     epoch ms
     * @param limit   most rows returned
     * @return the partition's {@link RowState#GENERATED} rows whose download is due, in row order
     */
    public List<LedgerEntry> dueForDownload(String batchId, long fromRow, long toRow, long now, int limit) {
        return rows.jdbc().sql("SELECT * FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND STATE = 'GENERATED'"
                        + " AND NEXT_CHECK_AT <= ? AND ROW_NUM BETWEEN ? AND ? ORDER BY ROW_NUM"
                        + " FETCH FIRST " + limit + " ROWS ONLY")
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
