package io.imagebatch.report;

import io.imagebatch.ledger.RowState;
import io.imagebatch.ledger.TaskLedger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/**
 * A real {@link TaskLedger} on a fresh in-memory H2 database with the project's schema, and a fast way to fill
 * it with ledger lines (plain JDBC batches, so 100,000 lines take a second or two).
 */
final class LedgerFixture {

    final JdbcDataSource dataSource = new JdbcDataSource();
    final TaskLedger ledger;

    LedgerFixture() {
        dataSource.setURL("jdbc:h2:mem:ledger-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        dataSource.setUser("sa");
        new ResourceDatabasePopulator(new ClassPathResource("db/ledger-schema.sql")).execute(dataSource);
        ledger = new TaskLedger(JdbcClient.create(dataSource), new DataSourceTransactionManager(dataSource),
                Clock.systemUTC());
    }

    /** One ledger line; null fields stay NULL. */
    record Line(long rowNum, String rowId, RowState state, String provider, String model, String prompt,
            String taskId, String outputUri, Long bytes, String errorCode, String error) {

        static Line stored(long rowNum, String rowId, String prompt, String outputUri, long bytes) {
            return new Line(rowNum, rowId, RowState.STORED, "liangxin", "nano-banana-pro-flash", prompt,
                    "task-" + rowNum, outputUri, bytes, null, null);
        }

        static Line problem(long rowNum, String rowId, RowState state, String prompt, String error) {
            return new Line(rowNum, rowId, state, state == RowState.REJECTED ? null : "liangxin",
                    state == RowState.REJECTED ? null : "nano-banana-pro-flash", prompt,
                    state == RowState.REJECTED ? null : "task-" + rowNum, null, null,
                    state == RowState.FAILED ? "500" : null, error);
        }
    }

    /** Inserts lines in one JDBC batch. */
    void insert(String batchId, Iterable<Line> lines) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO IB_TASK_LEDGER (BATCH_ID, ROW_NUM, ROW_ID,"
                        + " STATE, PROVIDER, MODEL, PROMPT, TASK_ID, OUTPUT_URI, BYTES, ERROR_CODE, ERROR, UPDATED_AT)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)")) {
            int pending = 0;
            for (Line l : lines) {
                ps.setString(1, batchId);
                ps.setLong(2, l.rowNum());
                ps.setString(3, l.rowId());
                ps.setString(4, l.state().name());
                ps.setString(5, l.provider());
                ps.setString(6, l.model());
                ps.setString(7, l.prompt());
                ps.setString(8, l.taskId());
                ps.setString(9, l.outputUri());
                if (l.bytes() == null) {
                    ps.setNull(10, Types.BIGINT);
                } else {
                    ps.setLong(10, l.bytes());
                }
                ps.setString(11, l.errorCode());
                ps.setString(12, l.error());
                ps.addBatch();
                if (++pending == 1000) {
                    ps.executeBatch();
                    pending = 0;
                }
            }
            ps.executeBatch();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
