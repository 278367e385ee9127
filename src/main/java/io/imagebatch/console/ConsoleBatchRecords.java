package io.imagebatch.console;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The console's own rows ({@code IB_CONSOLE_BATCH}, {@code db/serve-schema.sql}): who made each console batch and
 * for which team, and whether it was started; and the page-of-rows and row-history queries over the ledger
 * ({@code IB_TASK_LEDGER}, {@code IB_TASK_ATTEMPT}, {@code db/ledger-schema.sql}) that the console shows. Portable
 * SQL (H2 2.x and PostgreSQL).
 */
public class ConsoleBatchRecords {

    private final JdbcClient jdbc;

    /**
     * A console batch's ownership.
     *
     * @param batchId        the batch
     * @param team           its team, or null for everyone
     * @param createdBy      the user who created it
     * @param createdAt      when
     * @param uploadName     the file name the browser sent (for display), or the s3 catalogue, or null
     * @param startRequested whether a user started it (a restarted serve resumes it)
     * @param budget         the budget typed at creation, or null
     * @param proof          the proof run's rows given at creation, or null
     */
    public record Owner(String batchId, String team, String createdBy, Instant createdAt, String uploadName,
            boolean startRequested, String budget, Integer proof) {
    }

    /** @param jdbc the database of the ledger */
    public ConsoleBatchRecords(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Records a console batch's owner unless the batch has one already.
     *
     * @param owner the owner
     * @return the owner the batch has now: {@code owner}, or the earlier one (the same catalogue and settings were
     *         uploaded before; the batch id is the same)
     */
    public Owner recordIfAbsent(Owner owner) {
        Optional<Owner> existing = find(owner.batchId());
        if (existing.isPresent()) {
            return existing.get();
        }
        try {
            jdbc.sql("INSERT INTO IB_CONSOLE_BATCH (BATCH_ID, TEAM, CREATED_BY, CREATED_AT, UPLOAD_NAME,"
                            + " START_REQUESTED, BUDGET, PROOF) VALUES (?, ?, ?, ?, ?, FALSE, ?, ?)")
                    .params(owner.batchId(), owner.team(), owner.createdBy(), owner.createdAt().toEpochMilli(),
                            owner.uploadName(), owner.budget(), owner.proof())
                    .update();
            return owner;
        } catch (org.springframework.dao.DuplicateKeyException meanwhile) {
            return find(owner.batchId()).orElseThrow();
        }
    }

    /**
     * @param batchId a batch
     * @return its console owner, or empty for a batch not made in the console
     */
    public Optional<Owner> find(String batchId) {
        return jdbc.sql("SELECT * FROM IB_CONSOLE_BATCH WHERE BATCH_ID = ?").param(batchId)
                .query((rs, i) -> owner(rs)).optional();
    }

    /** @return every console batch, newest first */
    public List<Owner> all() {
        return jdbc.sql("SELECT * FROM IB_CONSOLE_BATCH ORDER BY CREATED_AT DESC").query((rs, i) -> owner(rs)).list();
    }

    /** @return the console batches a user started, for the resume at serve's start */
    public List<Owner> startRequested() {
        return jdbc.sql("SELECT * FROM IB_CONSOLE_BATCH WHERE START_REQUESTED = TRUE ORDER BY CREATED_AT")
                .query((rs, i) -> owner(rs)).list();
    }

    /**
     * @param batchId a console batch not started yet
     * @param rows    the size of the proof run its first start makes
     */
    public void setProof(String batchId, int rows) {
        jdbc.sql("UPDATE IB_CONSOLE_BATCH SET PROOF = ? WHERE BATCH_ID = ?").params(rows, batchId).update();
    }

    /** @param batchId a console batch that a user started */
    public void markStartRequested(String batchId) {
        jdbc.sql("UPDATE IB_CONSOLE_BATCH SET START_REQUESTED = TRUE WHERE BATCH_ID = ?").param(batchId).update();
    }

    private static Owner owner(java.sql.ResultSet rs) throws java.sql.SQLException {
        int proof = rs.getInt("PROOF");
        Integer proofRows = rs.wasNull() ? null : proof; // wasNull: of the last column read, so read here
        return new Owner(rs.getString("BATCH_ID"), rs.getString("TEAM"), rs.getString("CREATED_BY"),
                Instant.ofEpochMilli(rs.getLong("CREATED_AT")), rs.getString("UPLOAD_NAME"),
                rs.getBoolean("START_REQUESTED"), rs.getString("BUDGET"), proofRows);
    }
}
