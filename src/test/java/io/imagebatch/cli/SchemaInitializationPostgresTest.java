package io.imagebatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.ImageBatchApplication;
import io.imagebatch.db.SchemaInitializationConfiguration;
import io.imagebatch.ledger.LedgerSchemaUpgrade;
import io.imagebatch.testsupport.EnabledIfPostgres;
import io.imagebatch.testsupport.PostgresTestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.sql.init.AbstractScriptDatabaseInitializer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Processes that start together on an empty PostgreSQL schema (a manager and its workers, several {@code serve}s)
 * all start: the schema initializers ({@code spring.sql.init}'s scripts, Spring Batch's
 * {@code schema-postgresql.sql}, {@code LedgerSchemaUpgrade}) run one process at a time, under a PostgreSQL
 * advisory lock (README.md, PostgreSQL). Without it, {@code CREATE TABLE IF NOT EXISTS} run at the same moment in
 * two sessions fails in one of them ("duplicate key value violates unique constraint
 * pg_type_typname_nsp_index") and that process cannot start.
 *
 * <p>Each round starts, at one start gate, two contexts of the full application (every command's but
 * {@code status} and {@code validate}) and two of {@code status}'s small one ({@link FastCommandConfiguration}),
 * each its own datasource, on one new empty schema.
 */
@EnabledIfPostgres
class SchemaInitializationPostgresTest {

    private static final int ROUNDS = 6;

    @Test
    void processesStartingTogetherOnAnEmptySchemaAllStartAndMakeTheTablesOnce() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(4);
        List<String> failures = new ArrayList<>();
        // four applications starting at once in one JVM would each reset the one Logback at the same moment
        // ("Logback configuration error detected"): a failure of the test, not of the schema, so no logging system
        String logging = System.setProperty(LoggingSystem.SYSTEM_PROPERTY, LoggingSystem.NONE);
        try {
            for (int round = 1; round <= ROUNDS; round++) {
                PostgresTestDatabase.Schema schema = PostgresTestDatabase.newSchema();
                try {
                    List<String> failed = startTogether(threads, schema);
                    String label = "round " + round + ": ";
                    failed.forEach(f -> failures.add(label + f));
                    if (!failed.isEmpty()) {
                        continue; // go on with the next rounds, so the failures of every round are counted
                    }
                    assertThat(tables(schema)).as("round %d: the tables of Spring Batch and the ledger", round)
                            .contains("batch_job_instance", "batch_job_execution", "batch_step_execution",
                                    "ib_batch", "ib_task_ledger", "ib_task_attempt", "int_lock",
                                    "ib_job_last_batch");
                } finally {
                    schema.drop();
                }
            }
        } finally {
            threads.shutdownNow();
            if (logging == null) {
                System.clearProperty(LoggingSystem.SYSTEM_PROPERTY);
            } else {
                System.setProperty(LoggingSystem.SYSTEM_PROPERTY, logging);
            }
        }
        assertThat(failures).as("contexts that could not start, in %d rounds", ROUNDS).isEmpty();
    }

    /**
     * Starts the four contexts at one start gate, waits for each (at most 5 minutes), and closes them.
     *
     * @return the contexts that did not start, each with why
     */
    private static List<String> startTogether(ExecutorService threads, PostgresTestDatabase.Schema schema)
            throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        List<Future<ConfigurableApplicationContext>> starts = new ArrayList<>();
        List<Class<?>> sources = List.of(ImageBatchApplication.class, FastCommandConfiguration.Status.class,
                ImageBatchApplication.class, FastCommandConfiguration.Status.class);
        for (Class<?> source : sources) {
            List<String> args = new ArrayList<>(schema.springArgs());
            args.add("--imagebatch.sandbox.enabled=false");
            args.add("--spring.datasource.hikari.maximum-pool-size=4");
            starts.add(threads.submit(() -> {
                gate.await();
                return new SpringApplicationBuilder(source).web(WebApplicationType.NONE).logStartupInfo(false)
                        .run(args.toArray(String[]::new));
            }));
        }
        gate.countDown();
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < starts.size(); i++) {
            try (ConfigurableApplicationContext context = starts.get(i).get(5, TimeUnit.MINUTES)) {
                assertThat(initializersUnderTheLock(context)).as(sources.get(i).getSimpleName())
                        .contains(LedgerSchemaUpgrade.BEAN, "dataSourceScriptDatabaseInitializer")
                        .containsAll(sources.get(i) == ImageBatchApplication.class
                                ? List.of("batchDataSourceInitializer") : List.of());
            } catch (java.util.concurrent.ExecutionException e) {
                failures.add(sources.get(i).getSimpleName() + ": " + io.imagebatch.app.Causes.rootMessage(e));
            }
        }
        return failures;
    }

    /**
     * @return the schema initializer beans of the context (Spring Boot's script initializers, the ledger's
     *         upgrade) that wait for the schema lock
     */
    private static List<String> initializersUnderTheLock(ConfigurableApplicationContext context) {
        var beans = context.getBeanFactory();
        List<String> names = new ArrayList<>(
                List.of(beans.getBeanNamesForType(AbstractScriptDatabaseInitializer.class)));
        names.add(LedgerSchemaUpgrade.BEAN);
        return names.stream().filter(name -> beans.getBeanDefinition(name).getDependsOn() != null
                && List.of(beans.getBeanDefinition(name).getDependsOn())
                        .contains(SchemaInitializationConfiguration.LOCK)).toList();
    }

    /** @return the names of the schema's tables, lower case */
    private static TreeSet<String> tables(PostgresTestDatabase.Schema schema) throws Exception {
        TreeSet<String> names = new TreeSet<>();
        try (Connection c = DriverManager.getConnection(schema.url(), schema.user(), schema.password());
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT table_name FROM information_schema.tables"
                        + " WHERE table_schema = '" + schema.name() + "'")) {
            while (rs.next()) {
                names.add(rs.getString(1).toLowerCase(Locale.ROOT));
            }
        }
        return names;
    }
}
