package io.imagebatch.ledger;

import com.zaxxer.hikari.HikariDataSource;
import io.imagebatch.testsupport.PostgresTestDatabase;
import io.imagebatch.testsupport.TestClock;
import java.sql.ResultSetMetaData;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/**
 * A fresh ledger database for each test, made as every start makes it ({@code db/ledger-schema.sql}, then
 * {@link LedgerSchemaUpgrade}), with the ledger's classes on it and a clock the test sets: the ground of
 * {@link TaskLedgerContract} and {@link BatchRegistryContract}, whose H2 and PostgreSQL variants give the data
 * source.
 */
abstract class LedgerTestDatabase {

    static final String BATCH = "demo-0123456789ab";
    static final String OTHER = "other-ba9876543210";
    static final long T0 = 1_750_000_000_000L;

    static {
        // a connection pool per test: its start and shutdown lines are noise here
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("com.zaxxer.hikari"))
                .setLevel(ch.qos.logback.classic.Level.WARN);
    }

    DataSource dataSource;
    JdbcClient jdbc;
    DataSourceTransactionManager transactions;
    TestClock clock;
    BatchRegistry batches;
    TaskLedger ledger;
    LedgerRetries retries;

    /** @return a data source on a fresh, empty database (or schema), with at least two connections */
    abstract DataSource openDataSource();

    @BeforeEach
    void openLedger() {
        dataSource = openDataSource();
        jdbc = JdbcClient.create(dataSource);
        // as at every start (spring.sql.init.mode=always, then LedgerSchemaUpgrade): here twice
        applySchema();
        applySchema();
        transactions = new DataSourceTransactionManager(dataSource);
        clock = new TestClock(T0);
        batches = new BatchRegistry(jdbc, transactions, clock);
        ledger = new TaskLedger(jdbc, transactions, clock, batches);
        retries = new LedgerRetries(jdbc, transactions, clock);
    }

    @AfterEach
    void closeDataSource() throws Exception {
        if (dataSource instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }

    /** What every start does: {@code db/ledger-schema.sql}, then {@link LedgerSchemaUpgrade}. */
    List<String> applySchema() {
        runScript("db/ledger-schema.sql");
        return new LedgerSchemaUpgrade(jdbc).apply();
    }

    void runScript(String resource) {
        ResourceDatabasePopulator script = new ResourceDatabasePopulator(new ClassPathResource(resource));
        script.setContinueOnError(false);
        script.execute(dataSource);
    }

    /** @return the table's column names, upper case, in their order */
    List<String> columns(String table) {
        return jdbc.sql("SELECT * FROM " + table + " WHERE 1 = 0").query(rs -> {
            ResultSetMetaData meta = rs.getMetaData();
            List<String> names = new ArrayList<>();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                names.add(meta.getColumnLabel(i).toUpperCase(java.util.Locale.ROOT));
            }
            return names;
        });
    }

    /** @return a data source on a fresh in-memory H2 database, the default database's SQL */
    static DataSource h2() {
        HikariDataSource dataSource = new HikariDataSource();
        dataSource.setJdbcUrl("jdbc:h2:mem:ledger-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        dataSource.setUsername("sa");
        dataSource.setMaximumPoolSize(4);
        return dataSource;
    }

    /** @return a data source on a fresh schema of the PostgreSQL test server ({@link PostgresTestDatabase}) */
    static DataSource postgres() {
        return PostgresTestDatabase.current().dataSource(4);
    }
}
