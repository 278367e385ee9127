package io.imagebatch.cluster;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of a batch spread over several machines ({@code imagebatch.cluster.*}; README.md, "More than one
 * machine"). Nothing here is used unless {@link #brokerUrl()} is set.
 *
 * @param brokerUrl        the Artemis broker every process of the cluster reaches, {@code tcp://HOST:PORT}, e.g.
 *                         {@code tcp://broker:61616}; null (the default) runs every batch in one process
 * @param embeddedBroker   whether this process (the manager) starts an embedded Artemis broker listening at
 *                         {@link #brokerUrl()}'s host and port, for a small setup with no broker to run; default
 *                         false
 * @param partitionTimeout how long a partition that a worker took may go without progress (no step execution of the
 *                         partition updated in the job repository, as seen by the manager) before the manager marks
 *                         it FAILED and sends it again; longer than a chunk or a poll pass takes, and longer than
 *                         {@code imagebatch.lock.ttl} (a dead worker's partition lock must have expired when the
 *                         partition is taken again). Default 2 minutes; at least 1 s
 * @param pollInterval     how often the manager reads the partitions' step executions from the job repository;
 *                         default 2 s; at least 100 ms
 * @param queue            the JMS queue the partition requests go through; default {@code imagebatch.partitions}
 * @param journalDir       where the embedded broker keeps its persistent messages; default
 *                         {@code ./data/broker} (beside the default H2 file)
 * @param workerThreads    how many partitions one {@code worker} process runs at once; default 1
 * @param user             the broker's user name, or null; from the environment ({@code IMAGEBATCH_CLUSTER_USER})
 *                         or the configuration, never logged
 * @param password         the broker's password, or null; from the environment
 *                         ({@code IMAGEBATCH_CLUSTER_PASSWORD}) or the configuration, never logged or shown
 *                         ({@link #toString()} hides it)
 */
@ConfigurationProperties("imagebatch.cluster")
public record ClusterProperties(
        URI brokerUrl,
        @DefaultValue("false") boolean embeddedBroker,
        @DefaultValue("2m") Duration partitionTimeout,
        @DefaultValue("2s") Duration pollInterval,
        @DefaultValue("imagebatch.partitions") String queue,
        @DefaultValue("./data/broker") Path journalDir,
        @DefaultValue("1") int workerThreads,
        String user,
        String password) {

    /** The setting that turns the cluster on. */
    public static final String BROKER_URL = "imagebatch.cluster.broker-url";

    /**
     * @throws IllegalArgumentException when the broker URL is not {@code tcp://HOST:PORT}, or a duration or the
     *                                  worker threads are below their minimum (the message names the setting)
     */
    public ClusterProperties {
        if (brokerUrl != null && (!"tcp".equals(brokerUrl.getScheme()) || brokerUrl.getHost() == null
                || brokerUrl.getPort() < 1)) {
            throw new IllegalArgumentException(BROKER_URL + " must be tcp://HOST:PORT, got " + brokerUrl);
        }
        if (partitionTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("imagebatch.cluster.partition-timeout must be at least 1s, got "
                    + partitionTimeout);
        }
        if (pollInterval.compareTo(Duration.ofMillis(100)) < 0) {
            throw new IllegalArgumentException("imagebatch.cluster.poll-interval must be at least 100ms, got "
                    + pollInterval);
        }
        if (workerThreads < 1) {
            throw new IllegalArgumentException("imagebatch.cluster.worker-threads must be 1 or more, got "
                    + workerThreads);
        }
    }

    /** @return the settings, the password hidden */
    @Override
    public String toString() {
        return "ClusterProperties[brokerUrl=" + brokerUrl + ", embeddedBroker=" + embeddedBroker
                + ", partitionTimeout=" + partitionTimeout + ", pollInterval=" + pollInterval + ", queue=" + queue
                + ", journalDir=" + journalDir + ", workerThreads=" + workerThreads + ", user="
                + (user == null ? null : "(set)") + ", password=" + (password == null ? null : "(set)") + "]";
    }
}
