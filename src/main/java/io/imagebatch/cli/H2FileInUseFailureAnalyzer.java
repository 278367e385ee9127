package io.imagebatch.cli;

import java.sql.SQLException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains, in a few lines instead of a stack trace, a start that failed because the H2 database file is open
 * in another process that does not serve it ({@link H2Sharing}): H2's error 90020 ("Database may be already in
 * use"). Registered in {@code META-INF/spring.factories}; the command itself then says so in one line and exits
 * with code 1 (README.md, Exit codes).
 */
public class H2FileInUseFailureAnalyzer extends AbstractFailureAnalyzer<SQLException> {

    /** H2's error code for a database file that another process has open. */
    static final int DATABASE_ALREADY_OPEN = 90020;

    /**
     * @param rootFailure the failure Spring Boot reports
     * @param cause       the first {@link SQLException} in its causes
     * @return the analysis for H2's error 90020, or null for any other failure (Spring Boot's own report then)
     */
    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, SQLException cause) {
        if (cause.getErrorCode() != DATABASE_ALREADY_OPEN || !cause.getClass().getName().startsWith("org.h2.")) {
            return null;
        }
        return new FailureAnalysis("The H2 database file is open in another process: " + firstLine(cause),
                "Run the command again once the other one has ended (status and stop reach a running batch"
                        + " through it), or keep the database in PostgreSQL (README.md, PostgreSQL).", null);
    }

    private static String firstLine(Throwable t) {
        String message = String.valueOf(t.getMessage());
        int end = message.indexOf(';');
        return end < 0 ? message : message.substring(0, end);
    }
}
