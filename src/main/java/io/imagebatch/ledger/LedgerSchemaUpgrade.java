package io.imagebatch.ledger;

import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Brings a ledger made by an earlier version up to date: adds the columns that {@code db/ledger-schema.sql}'s
 * {@code CREATE TABLE} statements have gained since, when they are missing. Runs at every start, after that
 * script (Spring Boot's {@code spring.sql.init}), and before the {@link TaskLedger} is used.
 *
 * <p>Why not {@code ALTER TABLE ... ADD COLUMN IF NOT EXISTS} in the script itself: on PostgreSQL that statement
 * takes an ACCESS EXCLUSIVE lock on the table before it looks for the column, also when the column is there.
 * Started while a batch runs on the same database ({@code status}, {@code stop}, another run), it waits for the
 * running job's open step transaction, which has read the ledger; every ledger write of the job then queues
 * behind it, and the step transaction waits for those writes: both processes hang. So the script only creates
 * what is missing ({@code CREATE TABLE IF NOT EXISTS} takes no lock on an existing table), and a column is added
 * here only when this database lacks it, as H2 and PostgreSQL both report through JDBC.
 *
 * <p>It also widens primary keys that gained a column ({@link #widenKeys}: variants made a ledger entry
 * (BATCH_ID, ROW_NUM, VARIANT)), and renames row states whose name changed ({@link #renameStates}): a ledger of an
 * older version holds
 * {@code SUCCEEDED} for what is now {@link RowState#GENERATED}.
 */
@Component(LedgerSchemaUpgrade.BEAN)
@DependsOnDatabaseInitialization
public class LedgerSchemaUpgrade implements InitializingBean {

    /** The bean name, for {@code @DependsOn}. */
    public static final String BEAN = "ledgerSchemaUpgrade";

    private static final Logger LOG = LoggerFactory.getLogger(LedgerSchemaUpgrade.class);

    /**
     * A column added after the first version of its table.
     *
     * @param table      the table
     * @param column     the column
     * @param definition its type and constraints, as in {@code db/ledger-schema.sql}
     */
    record AddedColumn(String table, String column, String definition) {
    }

    /** Every column added since the first version, oldest first; each is also in the script's CREATE TABLE. */
    static final List<AddedColumn> ADDED = List.of(
            // callbacks
            new AddedColumn("IB_BATCH", "CALLBACK_TOKEN", "VARCHAR(64)"),
            // retry-failed
            new AddedColumn("IB_BATCH", "RETRIES", "INT DEFAULT 0 NOT NULL"),
            // expired results
            new AddedColumn("IB_TASK_LEDGER", "URL_REFRESHES", "INT DEFAULT 0 NOT NULL"),
            // retry-failed fetches paid results again instead of creating them again (FailureKind)
            new AddedColumn("IB_TASK_LEDGER", "FAILURE_KIND", "VARCHAR(30)"),
            // the create window of an UNCERTAIN row, for reconciliation
            new AddedColumn("IB_TASK_LEDGER", "CREATE_WINDOW_START", "BIGINT"),
            new AddedColumn("IB_TASK_LEDGER", "CREATE_WINDOW_END", "BIGINT"),
            // fenced batch locks (BatchRegistry#takeFence)
            new AddedColumn("IB_BATCH", "LOCK_GENERATION", "BIGINT DEFAULT 0 NOT NULL"),
            new AddedColumn("IB_BATCH", "LOCK_HOLDER", "VARCHAR(200)"),
            new AddedColumn("IB_BATCH", "LOCK_SINCE", "BIGINT"),
            // the spend estimate at the last preflight (BatchRegistry#recordEstimate)
            new AddedColumn("IB_BATCH", "ESTIMATED_SPEND", "DECIMAL(18,6)"),
            new AddedColumn("IB_BATCH", "ESTIMATED_CURRENCY", "VARCHAR(16)"),
            new AddedColumn("IB_BATCH", "ESTIMATE_COMPLETE", "BOOLEAN"),
            // the provider's balance before the first create and at the end, for the observed spend
            new AddedColumn("IB_BATCH", "BALANCE_BEFORE", "DECIMAL(18,6)"),
            new AddedColumn("IB_BATCH", "BALANCE_AFTER", "DECIMAL(18,6)"),
            // the batch budget (docs/design.md, Spend)
            new AddedColumn("IB_BATCH", "BUDGET", "DECIMAL(18,6)"),
            new AddedColumn("IB_BATCH", "COMMITTED_SPEND", "DECIMAL(18,6) DEFAULT 0 NOT NULL"),
            new AddedColumn("IB_BATCH", "REFUNDED_SPEND", "DECIMAL(18,6) DEFAULT 0 NOT NULL"),
            new AddedColumn("IB_TASK_LEDGER", "COST", "DECIMAL(18,6)"),
            // the proof run (docs/design.md, Spend)
            new AddedColumn("IB_BATCH", "PROOF_ROWS", "VARCHAR"),
            new AddedColumn("IB_BATCH", "PROOF_STATE", "VARCHAR(20)"),
            // redo a row with an edited prompt, and the attempts' history (LedgerRetries#startRedo)
            new AddedColumn("IB_TASK_LEDGER", "PROMPT_OVERRIDE", "VARCHAR"),
            new AddedColumn("IB_TASK_ATTEMPT", "PROMPT", "VARCHAR"),
            new AddedColumn("IB_TASK_ATTEMPT", "OUTPUT_URI", "VARCHAR"),
            // variants: a ledger entry is (BATCH_ID, ROW_NUM, VARIANT) (README.md, Variants; widenKeys)
            new AddedColumn("IB_TASK_LEDGER", "VARIANT", "INT DEFAULT 1 NOT NULL"),
            new AddedColumn("IB_TASK_LEDGER", "CHOSEN", "BOOLEAN DEFAULT FALSE NOT NULL"),
            new AddedColumn("IB_TASK_ATTEMPT", "VARIANT", "INT DEFAULT 1 NOT NULL"));

    /**
     * A primary key widened after the first version of its table: an older ledger's key is dropped and made
     * again with these columns ({@link #widenKeys}).
     *
     * @param table   the table
     * @param columns the key's columns, in order, as in {@code db/ledger-schema.sql}
     */
    record WidenedKey(String table, List<String> columns) {
    }

    /** Every primary key widened since the first version; each is also in the script's CREATE TABLE. */
    static final List<WidenedKey> WIDENED = List.of(
            // variants (README.md, Variants): one entry per (row, variant)
            new WidenedKey("IB_TASK_LEDGER", List.of("BATCH_ID", "ROW_NUM", "VARIANT")),
            new WidenedKey("IB_TASK_ATTEMPT", List.of("BATCH_ID", "ROW_NUM", "VARIANT", "ATTEMPT")));

    private final JdbcClient jdbc;

    /** @param jdbc the JDBC client on the ledger's database */
    public LedgerSchemaUpgrade(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public void afterPropertiesSet() {
        apply();
    }

    /**
     * Adds the missing columns, widens the primary keys ({@link #widenKeys}), drops the indexes no longer made
     * ({@link #dropIndexes}), then renames the row states of older versions ({@link #renameStates}).
     *
     * @return the columns added, as {@code TABLE.COLUMN}; empty when the ledger's columns were up to date
     * @throws org.springframework.dao.DataAccessException when the database refuses a statement
     */
    public List<String> apply() {
        List<String> added = new java.util.ArrayList<>();
        for (String table : ADDED.stream().map(AddedColumn::table).distinct().toList()) {
            Set<String> present = columns(table);
            for (AddedColumn c : ADDED) {
                if (c.table().equals(table) && !present.contains(c.column())) {
                    // IF NOT EXISTS: another process may be adding it at the same moment
                    jdbc.sql("ALTER TABLE " + table + " ADD COLUMN IF NOT EXISTS " + c.column() + " " + c.definition())
                            .update();
                    added.add(table + "." + c.column());
                }
            }
        }
        if (!added.isEmpty()) {
            LOG.info("Ledger schema upgraded: added {}", String.join(", ", added));
        }
        added.addAll(widenKeys());
        dropIndexes();
        renameStates();
        return added;
    }

    /**
     * Makes the primary keys of an older ledger those of {@link #WIDENED} (for variants, {@code IB_TASK_LEDGER}'s
     * key (BATCH_ID, ROW_NUM) becomes (BATCH_ID, ROW_NUM, VARIANT); README.md, Variants): the key is read through
     * JDBC's {@link DatabaseMetaData#getPrimaryKeys} (H2 and PostgreSQL alike), and only a key whose columns differ
     * is dropped ({@code ALTER TABLE ... DROP CONSTRAINT}) and added again with the wider columns, under the same
     * name. The rows are kept: every old row is variant 1 (the column's default), so the wider key is unique. A
     * ledger already up to date is only read, so that a start beside a running batch takes no lock. A process of
     * an older version must not run on the same ledger at the same time.
     *
     * @return the keys widened, as {@code TABLE(COLUMNS)}; empty when they were up to date
     * @throws org.springframework.dao.DataAccessException when the database refuses a statement
     */
    public List<String> widenKeys() {
        List<String> widened = new java.util.ArrayList<>();
        for (WidenedKey key : WIDENED) {
            PrimaryKey present = primaryKey(key.table());
            if (present == null || present.columns().equals(key.columns())) {
                continue;
            }
            String columns = String.join(", ", key.columns());
            jdbc.sql("ALTER TABLE " + key.table() + " DROP CONSTRAINT " + present.name()).update();
            jdbc.sql("ALTER TABLE " + key.table() + " ADD CONSTRAINT " + present.name() + " PRIMARY KEY (" + columns
                    + ")").update();
            widened.add(key.table() + "(" + columns + ")");
        }
        if (!widened.isEmpty()) {
            LOG.info("Ledger schema upgraded: primary key now {}", String.join(", ", widened));
        }
        return widened;
    }

    /**
     * An index of an older version that is no longer made: dropped by {@link #dropIndexes}.
     *
     * @param table the table
     * @param index the index's name
     */
    record DroppedIndex(String table, String index) {
    }

    /** Every index dropped since the first version. */
    static final List<DroppedIndex> DROPPED = List.of(
            // callbacks find a task by its taskId alone (IB_TASK_LEDGER_TASK_ID); this second index on the taskId
            // made every commit of taskIds rewrite one more leaf at a random place (README.md, "A million rows")
            new DroppedIndex("IB_TASK_LEDGER", "IB_TASK_LEDGER_TASK"));

    /**
     * Drops the indexes of {@link #DROPPED} that an older ledger still has: each is read through JDBC's
     * {@link DatabaseMetaData#getIndexInfo} (H2 and PostgreSQL alike) and dropped only when present, so that a
     * ledger already up to date is only read and a start beside a running batch takes no lock.
     *
     * @return the indexes dropped, as {@code TABLE.INDEX}; empty when there was none
     * @throws org.springframework.dao.DataAccessException when the database refuses a statement
     */
    public List<String> dropIndexes() {
        List<String> dropped = new java.util.ArrayList<>();
        for (DroppedIndex index : DROPPED) {
            if (indexes(index.table()).contains(index.index())) {
                // IF EXISTS: another process may be dropping it at the same moment
                jdbc.sql("DROP INDEX IF EXISTS " + index.index()).update();
                dropped.add(index.table() + "." + index.index());
            }
        }
        if (!dropped.isEmpty()) {
            LOG.info("Ledger schema upgraded: dropped index {}", String.join(", ", dropped));
        }
        return dropped;
    }

    /** @return the names of the table's indexes, in upper case; empty when the table is missing */
    private Set<String> indexes(String table) {
        Set<String> names = new HashSet<>();
        readMetadata(table, (meta, catalog, schema, name) -> {
            try (ResultSet info = meta.getIndexInfo(catalog, schema, name, false, true)) {
                while (info.next()) {
                    String index = info.getString("INDEX_NAME");
                    if (index != null) {
                        names.add(index.toUpperCase(Locale.ROOT));
                    }
                }
            }
            return null; // both spellings of the name: the indexes found under either
        });
        return names;
    }

    /** A table's primary key as the database reports it: its constraint name and columns, in key order. */
    private record PrimaryKey(String name, List<String> columns) {
    }

    /** @return the table's primary key, or null when it has none (or the table is missing) */
    private PrimaryKey primaryKey(String table) {
        return readMetadata(table, (meta, catalog, schema, name) -> {
            java.util.TreeMap<Short, String> columns = new java.util.TreeMap<>();
            String constraint = null;
            try (ResultSet keys = meta.getPrimaryKeys(catalog, schema, name)) {
                while (keys.next()) {
                    constraint = keys.getString("PK_NAME");
                    columns.put(keys.getShort("KEY_SEQ"), keys.getString("COLUMN_NAME").toUpperCase(Locale.ROOT));
                }
            }
            return constraint == null ? null : new PrimaryKey(constraint, List.copyOf(columns.values()));
        });
    }

    /** One read of a table's JDBC metadata under one spelling of its name ({@link #readMetadata}). */
    @FunctionalInterface
    private interface MetadataRead<T> {
        /**
         * @return what was found under this spelling; null for nothing (the next spelling is tried)
         * @throws SQLException when the database refuses the read
         */
        T read(DatabaseMetaData meta, String catalog, String schema, String name) throws SQLException;
    }

    /**
     * Reads a table's JDBC metadata on a connection of the ledger's pool (reached through a {@code SELECT 1}: the
     * connection's own catalog and schema, since a PostgreSQL database may hold ledgers in several schemas), under
     * the table's name as given and then in lower case (H2 keeps unquoted names in upper case, PostgreSQL in lower
     * case).
     *
     * @return the first non-null result of {@code read}; null when both spellings gave null
     * @throws org.springframework.dao.DataAccessException when the database refuses a read
     */
    private <T> T readMetadata(String table, MetadataRead<T> read) {
        return jdbc.sql("SELECT 1").query(rs -> {
            java.sql.Connection connection = rs.getStatement().getConnection();
            DatabaseMetaData meta = connection.getMetaData();
            for (String name : List.of(table, table.toLowerCase(Locale.ROOT))) {
                T found = read.read(meta, connection.getCatalog(), connection.getSchema(), name);
                if (found != null) {
                    return java.util.Optional.of(found);
                }
            }
            return java.util.Optional.<T>empty(); // a query's extractor must not return null
        }).orElse(null);
    }

    /**
     * Renames the row state {@code SUCCEEDED} of versions before {@link RowState#GENERATED} (the provider
     * reported success, the image is not stored yet) to {@code GENERATED} in {@code IB_TASK_LEDGER}, once: the
     * first start of this version changes them, later starts find none and write nothing (a read only, so that
     * {@code status} or a second process never waits on a running batch's ledger). Archived attempts
     * ({@code IB_TASK_ATTEMPT}) never hold that state: only FAILED, UNCERTAIN, REJECTED and (by a redo) STORED
     * rows are archived.
     * A process of an older version must not run on the same ledger at the same time.
     *
     * @return the rows renamed; 0 when there were none
     * @throws org.springframework.dao.DataAccessException when the database refuses the statement
     */
    public int renameStates() {
        boolean any = !jdbc.sql("SELECT ROW_NUM FROM IB_TASK_LEDGER WHERE STATE = 'SUCCEEDED' FETCH FIRST 1 ROWS ONLY")
                .query(Long.class).list().isEmpty();
        if (!any) {
            return 0;
        }
        int renamed = jdbc.sql("UPDATE IB_TASK_LEDGER SET STATE = 'GENERATED' WHERE STATE = 'SUCCEEDED'").update();
        LOG.info("Ledger schema upgraded: {} row(s) in state SUCCEEDED (result known, image not stored) renamed"
                + " GENERATED", renamed);
        return renamed;
    }

    /** @return the table's column names, upper case (PostgreSQL reports them in lower case, H2 in upper) */
    private Set<String> columns(String table) {
        return jdbc.sql("SELECT * FROM " + table + " WHERE 1 = 0").query(rs -> {
            ResultSetMetaData meta = rs.getMetaData();
            Set<String> names = new HashSet<>();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                names.add(meta.getColumnLabel(i).toUpperCase(Locale.ROOT));
            }
            return names;
        });
    }
}
