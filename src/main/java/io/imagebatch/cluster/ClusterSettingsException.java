package io.imagebatch.cluster;

/**
 * The cluster settings cannot work as given (README.md, "More than one machine"): for example a broker URL with
 * an H2 database, which only this machine reaches. The command prints its message in one line and exits with code
 * 2 ({@code io.imagebatch.cli.SettingsFailureReporter}). The message names the setting and what to do; never a
 * secret.
 */
public class ClusterSettingsException extends IllegalStateException {

    /** @param message what is wrong and what to set instead */
    public ClusterSettingsException(String message) {
        super(message);
    }

    /**
     * The rule of README.md ("More than one machine"): a cluster needs a database every process reaches, so H2
     * (a file or memory database of one machine) is refused.
     *
     * @param what          what asks for the cluster, e.g. {@code "the worker command"} or the broker setting
     * @param datasourceUrl {@code spring.datasource.url}
     * @throws ClusterSettingsException when the URL is an H2 one ({@code jdbc:h2:})
     */
    public static void requireSharedDatabase(String what, String datasourceUrl) {
        if (datasourceUrl == null || datasourceUrl.regionMatches(true, 0, "jdbc:h2:", 0, 8)) {
            throw new ClusterSettingsException(what + " needs a database every process of the cluster reaches:"
                    + " use PostgreSQL (--spring.datasource.url=jdbc:postgresql://HOST:5432/DB), not H2 ("
                    + (datasourceUrl == null ? "none set" : datasourceUrl.split(";")[0]) + ")");
        }
    }
}
