package io.imagebatch.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.SandboxBatch;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The throttle end to end (README, Performance): the real command line, twice, on one database, against the
 * sandbox with a rate limit and no {@code requests-per-second} configured. The first run finds the limit (slow
 * start until 429s) and remembers the rate its key sustained; the second, another batch with the same key, starts
 * at that rate and meets fewer 429s. Counts, not timings, are asserted.
 */
class LearnedRateEndToEndTest {

    private static final double LIMIT = 10; // requests a second, the sandbox's
    private static final int ROWS = 60;

    @TempDir
    Path work;

    private Path catalogue(String name) throws IOException {
        Path file = work.resolve(name + ".csv");
        try (Writer out = Files.newBufferedWriter(file)) {
            out.write("id,prompt\n");
            for (int i = 1; i <= ROWS; i++) {
                out.write(name + i + ",Product photo " + name + " number " + i + " on a seamless background\n");
            }
        }
        return file;
    }

    private CliRun run(SandboxProvider sandbox, Path catalogue) {
        List<String> args = new ArrayList<>(List.of("--catalogue", catalogue.toString(),
                "--output", "file:" + work.resolve("out")));
        args.addAll(SandboxBatch.providerArgs(sandbox));
        return CliRun.run(work, args.toArray(String[]::new));
    }

    /**
     * @param url the runs' H2 database
     * @return the rate remembered there ({@code IB_PROVIDER_RATE}) for the sandbox's key, requests/s
     */
    private static double learnedRate(String url) {
        try (Connection c = DriverManager.getConnection(url, "sa", "");
                ResultSet rs = c.createStatement().executeQuery("SELECT REQUESTS_PER_SECOND FROM IB_PROVIDER_RATE"
                        + " WHERE PROVIDER = 'liangxin'")) {
            assertThat(rs.next()).as("a learned rate for the sandbox's key").isTrue();
            return rs.getDouble(1);
        } catch (SQLException e) {
            throw new AssertionError("the runs' database cannot be read", e);
        }
    }

    @Test
    void aSecondRunStartsAtTheRateTheFirstLearnedAndMeetsFewer429s() throws IOException {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(200)).withRateLimitPerSecond(LIMIT)
                .withRateLimitHeaders(false))) { // the limit is found by its 429s, not read
            CliRun first = run(sandbox, catalogue("tonight"));
            assertThat(first.exitCode()).as(first.output()).isZero();
            long firstLimited = sandbox.rateLimitAnswers();
            assertThat(firstLimited).as("the first run finds the limit by meeting it").isPositive();

            String url = CliRun.database(work).get(0).substring("--spring.datasource.url=".length());
            if (url.startsWith("jdbc:h2:")) { // the runs' own H2 file (a PostgreSQL run is checked by its 429s)
                assertThat(learnedRate(url)).as("the rate the first run remembered for its key, requests/s")
                        .isPositive().isLessThanOrEqualTo(2 * LIMIT);
            }

            CliRun second = run(sandbox, catalogue("tomorrow"));
            assertThat(second.exitCode()).as(second.output()).isZero();
            long secondLimited = sandbox.rateLimitAnswers() - firstLimited;

            // a first run slowed by a busy machine may meet the limit once only; the second, probing upwards from
            // the learned rate, may then meet it once too: "fewer" is asked only where the first met it more often
            if (firstLimited > 1) {
                assertThat(secondLimited).as("429s of the second run (the first met %d)", firstLimited)
                        .isLessThan(firstLimited);
            } else {
                assertThat(secondLimited).as("429s of the second run (the first met %d)", firstLimited)
                        .isLessThanOrEqualTo(firstLimited);
            }
            assertThat(sandbox.stats().creates()).isEqualTo(2 * ROWS);
        }
    }
}
