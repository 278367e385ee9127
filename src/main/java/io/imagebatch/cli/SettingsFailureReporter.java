package io.imagebatch.cli;

import io.imagebatch.spend.PriceSettingsException;
import org.springframework.boot.SpringBootExceptionReporter;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Keeps a start that failed on a setting the command reports in one line (a price or the currency:
 * {@link PriceSettingsException}; cluster settings with an H2 database: {@code ClusterSettingsException}) from being logged as Spring Boot's "Application run failed" with a stack trace:
 * the command prints {@code imagebatch: cannot start: <setting>: '<value>' ...} and exits with code 2
 * ({@link SpringCommand#run}; README.md, Spend). Registered in {@code META-INF/spring.factories} before Spring
 * Boot's own reporter; any other failure is left to it.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
public class SettingsFailureReporter implements SpringBootExceptionReporter {

    /**
     * @param failure the failure of the start
     * @return true (reported: Spring Boot logs nothing) when a {@link PriceSettingsException} caused it, false
     *         otherwise
     */
    @Override
    public boolean reportException(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof PriceSettingsException || t instanceof io.imagebatch.cluster.ClusterSettingsException) {
                return true;
            }
        }
        return false;
    }
}
