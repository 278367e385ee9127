package io.imagebatch.testsupport;

import io.imagebatch.cli.ImageBatchCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the real command line in this JVM, as a user would run the jar, and keeps what it printed.
 *
 * @param exitCode the exit code the jar would have exited with
 * @param output   everything it printed
 */
public record CliRun(int exitCode, String output) {

    private static final Pattern BATCH_ID = Pattern.compile("Batch ([a-z0-9._-]+-[0-9a-f]{12})");

    /**
     * Runs {@code run} with the given arguments plus settings that point it at a database in {@code dir} (or
     * on PostgreSQL: {@link #database}) and make its waits short, so a test takes seconds.
     *
     * @param dir  the test's folder (for the H2 database)
     * @param args the command's own arguments (after {@code run})
     * @return the outcome
     */
    public static CliRun run(Path dir, String... args) {
        return command(dir, "run", args);
    }

    /**
     * Runs any command like {@link #run}.
     *
     * @param dir     the test's folder (for the H2 database)
     * @param command the command ({@code run}, {@code status}, {@code restart}, ...)
     * @param args    its arguments
     * @return the outcome
     */
    public static CliRun command(Path dir, String command, String... args) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(List.of(args));
        all.addAll(database(dir));
        for (String fast : List.of("--imagebatch.job.poll-early=100ms", "--imagebatch.job.poll-middle=200ms",
                "--imagebatch.job.retry-initial-delay=50ms", "--imagebatch.job.retry-max-delay=200ms",
                "--imagebatch.job.progress-interval=1s")) {
            String key = fast.substring(0, fast.indexOf('=') + 1);
            // a setting given twice reaches Spring as "a,b": the test's own value wins
            if (all.stream().noneMatch(a -> a.startsWith(key))) {
                all.add(fast);
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int exit;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            exit = ImageBatchCli.execute(all.toArray(String[]::new), out);
        }
        String output = bytes.toString(StandardCharsets.UTF_8);
        System.out.print(output);
        return new CliRun(exit, output);
    }

    /**
     * The database settings of a run: H2 in {@code dir}, or a PostgreSQL schema of the test server in a test
     * class marked {@link EnabledIfPostgres} or when the system property
     * {@value PostgresTestDatabase#CLI_DATABASE} is {@code postgres} ({@link PostgresTestDatabase}).
     *
     * @param dir the test's folder
     * @return the settings, as command-line arguments
     */
    public static List<String> database(Path dir) {
        return PostgresTestDatabase.forCli(dir).map(PostgresTestDatabase.Schema::springArgs)
                .orElseGet(() -> List.of("--spring.datasource.url=jdbc:h2:file:"
                        + dir.resolve("db/imagebatch").toAbsolutePath()));
    }

    /** @return the batch id the run printed */
    public String batchId() {
        Matcher m = BATCH_ID.matcher(output);
        if (!m.find()) {
            throw new AssertionError("no batch id in the output:\n" + output);
        }
        return m.group(1);
    }
}
