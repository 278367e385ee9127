package io.imagebatch.cli;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Rewrites the H2 URL of a command's context before its beans are made: to the TCP server of another command
 * that serves the same H2 file ({@link H2Sharing}), or to a crash-safe URL ({@link #url}).
 */
final class CrashSafeH2 implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    /** The setting that holds the JDBC URL of the job repository and the ledger. */
    static final String DATASOURCE_URL = "spring.datasource.url";

    /**
     * Makes an H2 database as safe as the ledger's invariants need (docs/design.md), for any H2
     * {@code spring.datasource.url} (from the command line, the environment or {@code application.properties}):
     * <ul>
     * <li>{@code WRITE_DELAY=0}: H2 writes committed transactions to its file in the background, up to a second
     *     later by default, so a process killed in that window loses commits it had reported as done; a row's
     *     intent or taskId that vanishes that way makes a resumed run send the row again (a task paid for twice).
     *     With 0 each commit is written to the file before it returns (the operating system keeps it if the
     *     process dies; a power failure is a matter for the disk and PostgreSQL).</li>
     * <li>{@code DB_CLOSE_ON_EXIT=FALSE}: H2 closes an open database from a JVM shutdown hook of its own. On
     *     SIGTERM that hook runs at the same time as {@link GracefulShutdown}'s and closes the database under
     *     the running job, so the stop cannot be recorded (the batch stays STARTED, not STOPPED). Without it,
     *     the database is closed with the context, which the shutdown hook waits for.</li>
     * <li>{@code LOCK_TIMEOUT=10000}: a budget reservation locks its batch's line until the row's intent commits
     *     (docs/design.md, Spend), so the submit step's writers queue on it; H2's default of 1 s made a busy
     *     machine fail a chunk (resumable, never an overspend) where a short wait was all it needed.</li>
     * </ul>
     * A setting the URL already chooses is left as it is; other databases are left alone. When another command
     * runs a batch on the same H2 file and serves it ({@link H2Sharing#remoteUrl}), the URL becomes that
     * command's TCP URL instead.
     *
     * @param context the command's context, before its beans are made
     */
    @Override
    public void initialize(ConfigurableApplicationContext context) {
        ConfigurableEnvironment environment = context.getEnvironment();
        String url = environment.getProperty(DATASOURCE_URL);
        Optional<String> remote = H2Sharing.remoteUrl(url);
        if (remote.isPresent()) {
            // another command runs a batch on this H2 file and serves it (H2Sharing): reach it through that one
            environment.getPropertySources().addFirst(new MapPropertySource("imagebatch-shared-h2",
                    Map.of(DATASOURCE_URL, remote.get())));
            return;
        }
        String safe = url(url);
        if (safe != null && !safe.equals(url)) {
            environment.getPropertySources().addFirst(new MapPropertySource("imagebatch-crash-safe-h2",
                    Map.of(DATASOURCE_URL, safe)));
        }
    }

    /**
     * @param url a JDBC URL, or null
     * @return for an H2 URL, the URL with {@code ;WRITE_DELAY=0} appended unless it sets {@code WRITE_DELAY},
     *         {@code ;DB_CLOSE_ON_EXIT=FALSE} appended unless it sets {@code DB_CLOSE_ON_EXIT} or
     *         {@code AUTO_SERVER=TRUE} (which H2 does not allow with it), and {@code ;LOCK_TIMEOUT=10000} (ms)
     *         unless it sets {@code LOCK_TIMEOUT}; any other {@code url} unchanged
     */
    static String url(String url) {
        if (url == null || !url.regionMatches(true, 0, "jdbc:h2:", 0, "jdbc:h2:".length())) {
            return url;
        }
        String upper = url.toUpperCase(Locale.ROOT).replace(" ", "");
        String safe = url;
        if (!upper.contains(";WRITE_DELAY=")) {
            safe += ";WRITE_DELAY=0";
        }
        if (!upper.contains(";DB_CLOSE_ON_EXIT=") && !upper.contains(";AUTO_SERVER=TRUE")) {
            safe += ";DB_CLOSE_ON_EXIT=FALSE";
        }
        if (!upper.contains(";LOCK_TIMEOUT=")) {
            safe += ";LOCK_TIMEOUT=10000";
        }
        return safe;
    }
}
