package io.imagebatch.testsupport;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The PostgreSQL server the PostgreSQL variants of the tests run against, when one is configured.
 *
 * <p>Configured by {@value #URL} (a system property or an environment variable, e.g.
 * {@code jdbc:postgresql://127.0.0.1:5432/imagebatch_test}), with {@value #USER} and {@value #PASSWORD}.
 * {@code .ci/run} installs a server on loopback and sets them. Without {@value #URL} the PostgreSQL tests are
 * skipped ({@link EnabledIfPostgres}).
 *
 * <p>Every test gets a schema of its own ({@link #newSchema()}): created empty, selected with the JDBC URL's
 * {@code currentSchema}, so Spring Batch's and the ledger's unqualified table names land in it, and dropped
 * with everything in it afterwards.
 *
 * <p>{@link CliRun} runs the command line on PostgreSQL instead of H2 in two cases: inside a test class marked
 * {@link EnabledIfPostgres} (the schema of the current test), or for every test when the system property
 * {@value #CLI_DATABASE} is {@code postgres} (e.g. {@code ./mvnw verify -Dimagebatch.test.database=postgres}
 * with the settings above): then one schema per test folder, dropped when the JVM exits.
 */
public final class PostgresTestDatabase {

    /** System property or environment variable: the JDBC URL of the test server's database. */
    public static final String URL = "IMAGEBATCH_TEST_POSTGRES_URL";
    /** System property or environment variable: the user name. */
    public static final String USER = "IMAGEBATCH_TEST_POSTGRES_USER";
    /** System property or environment variable: the password. */
    public static final String PASSWORD = "IMAGEBATCH_TEST_POSTGRES_PASSWORD";
    /** System property: {@code postgres} runs every {@link CliRun} on PostgreSQL. */
    public static final String CLI_DATABASE = "imagebatch.test.database";

    /** Why PostgreSQL tests are skipped when no server is configured. */
    public static final String NOT_CONFIGURED = URL + " is not set: PostgreSQL tests skipped (set it, with "
            + USER + " and " + PASSWORD + ", to a database the user may create schemas in; .ci/run does)";

    /** The schema of the running test in a class marked {@link EnabledIfPostgres}, else null. */
    private static volatile Schema current;
    /** Schemas made for test folders when {@value #CLI_DATABASE} is {@code postgres}. */
    private static final Map<Path, Schema> BY_FOLDER = new ConcurrentHashMap<>();
    private static final AtomicBoolean DROP_AT_EXIT = new AtomicBoolean();

    private PostgresTestDatabase() {
    }

    /**
     * One schema of the test database, and how to connect to it.
     *
     * @param name     the schema name
     * @param url      the JDBC URL that selects it ({@code currentSchema})
     * @param user     the user name
     * @param password the password
     */
    public record Schema(String name, String url, String user, String password) {

        /** @return the settings that point Spring's datasource (the job repository and the ledger) at it */
        public List<String> springArgs() {
            return List.of("--spring.datasource.url=" + url, "--spring.datasource.username=" + user,
                    "--spring.datasource.password=" + password);
        }

        /**
         * @param maxPoolSize the pool's most connections
         * @return a pool on this schema; the caller closes it
         */
        public com.zaxxer.hikari.HikariDataSource dataSource(int maxPoolSize) {
            com.zaxxer.hikari.HikariDataSource dataSource = new com.zaxxer.hikari.HikariDataSource();
            dataSource.setJdbcUrl(url);
            dataSource.setUsername(user);
            dataSource.setPassword(password);
            dataSource.setMaximumPoolSize(maxPoolSize);
            return dataSource;
        }

        /** Drops the schema and everything in it. */
        public void drop() {
            execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
        }
    }

    /** @return the test server's base JDBC URL, if one is configured */
    public static Optional<String> url() {
        return setting(URL).filter(s -> !s.isBlank());
    }

    /** @return true when a test server is configured */
    public static boolean configured() {
        return url().isPresent();
    }

    /**
     * Creates a new, empty schema with a random name.
     *
     * @return it
     * @throws IllegalStateException when no server is configured
     */
    public static Schema newSchema() {
        String base = url().orElseThrow(() -> new IllegalStateException(NOT_CONFIGURED));
        String name = "ib_test_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        execute("CREATE SCHEMA " + name);
        String url = base + (base.contains("?") ? "&" : "?") + "currentSchema=" + name;
        return new Schema(name, url, setting(USER).orElse(""), setting(PASSWORD).orElse(""));
    }

    /**
     * The PostgreSQL schema {@link CliRun} should use for a test folder, if it should use PostgreSQL.
     *
     * @param folder the test's folder
     * @return the schema, or empty for the default (H2 in the folder)
     */
    static Optional<Schema> forCli(Path folder) {
        Schema schema = current;
        if (schema != null) {
            return Optional.of(schema);
        }
        if (!"postgres".equalsIgnoreCase(System.getProperty(CLI_DATABASE, ""))) {
            return Optional.empty();
        }
        if (!configured()) {
            throw new IllegalStateException(CLI_DATABASE + "=postgres, but " + NOT_CONFIGURED);
        }
        if (DROP_AT_EXIT.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> BY_FOLDER.values().forEach(Schema::drop)));
        }
        return Optional.of(BY_FOLDER.computeIfAbsent(folder.toAbsolutePath().normalize(), f -> newSchema()));
    }

    /** @return the schema of the running test in a class marked {@link EnabledIfPostgres} */
    public static Schema current() {
        Schema schema = current;
        if (schema == null) {
            throw new IllegalStateException("no PostgreSQL schema: the test class is not marked @EnabledIfPostgres");
        }
        return schema;
    }

    /** Makes {@link CliRun} use this schema until {@link #release}; called around each test. */
    static void use(Schema schema) {
        current = schema;
    }

    /** Ends {@link #use}. */
    static void release() {
        current = null;
    }

    private static void execute(String sql) {
        String base = url().orElseThrow(() -> new IllegalStateException(NOT_CONFIGURED));
        try (Connection c = DriverManager.getConnection(base, setting(USER).orElse(null),
                setting(PASSWORD).orElse(null)); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL test database " + base + ": " + sql + ": " + e.getMessage(), e);
        }
    }

    private static Optional<String> setting(String name) {
        String value = System.getProperty(name);
        return Optional.ofNullable(value != null ? value : System.getenv(name));
    }
}
