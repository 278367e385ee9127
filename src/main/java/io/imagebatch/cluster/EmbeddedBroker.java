package io.imagebatch.cluster;

import java.nio.file.Path;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * An Apache ActiveMQ Artemis broker inside the manager process ({@code imagebatch.cluster.embedded-broker=true};
 * README.md, "More than one machine"): a TCP acceptor at the broker URL's host and port, persistent messages in
 * a NIO journal under {@link ClusterProperties#journalDir()} (a partition request sent survives a restart of
 * the manager), no security (it is meant for a private network; run a real broker otherwise). Started before the
 * partition handler sends anything and stopped when the context closes (a {@link SmartLifecycle} of an early
 * phase).
 */
public class EmbeddedBroker implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedBroker.class);

    private final String host;
    private final int port;
    private final Path journalDir;
    private volatile EmbeddedActiveMQ broker;

    /**
     * @param properties the cluster settings: the broker URL's host and port (set), and the journal folder
     */
    public EmbeddedBroker(ClusterProperties properties) {
        this.host = properties.brokerUrl().getHost();
        this.port = properties.brokerUrl().getPort();
        this.journalDir = properties.journalDir().toAbsolutePath().normalize();
    }

    /**
     * Starts the broker.
     *
     * @throws IllegalStateException when it cannot start (the port is taken, the journal folder cannot be
     *                               written); the message names the address and the folder
     */
    @Override
    public synchronized void start() {
        if (broker != null) {
            return;
        }
        try {
            ConfigurationImpl configuration = new ConfigurationImpl();
            configuration.setName("imagebatch-embedded");
            configuration.setPersistenceEnabled(true);
            configuration.setSecurityEnabled(false);
            configuration.setJournalType(JournalType.NIO);
            configuration.setJournalDirectory(journalDir.resolve("journal").toString());
            configuration.setBindingsDirectory(journalDir.resolve("bindings").toString());
            configuration.setPagingDirectory(journalDir.resolve("paging").toString());
            configuration.setLargeMessagesDirectory(journalDir.resolve("large-messages").toString());
            configuration.setNodeManagerLockDirectory(journalDir.resolve("lock").toString());
            configuration.setJMXManagementEnabled(false);
            configuration.addAcceptorConfiguration("tcp", "tcp://" + host + ":" + port);
            // a request given back (a worker stopping before it began) is delivered again after 1 s, 2 s, ... at
            // most a minute, and never moved to a dead-letter queue: a partition is never dropped
            configuration.addAddressSetting("#", new AddressSettings().setMaxDeliveryAttempts(-1)
                    .setRedeliveryDelay(1000).setRedeliveryMultiplier(2).setMaxRedeliveryDelay(60_000));
            EmbeddedActiveMQ server = new EmbeddedActiveMQ();
            server.setConfiguration(configuration);
            server.start();
            broker = server;
            log.info("Embedded Artemis broker listening on tcp://{}:{} (messages kept in {})", host, port,
                    journalDir);
        } catch (Exception e) {
            throw new IllegalStateException("the embedded broker could not start on tcp://" + host + ":" + port
                    + " with its journal in " + journalDir + ": " + e.getMessage(), e);
        }
    }

    /** Stops the broker; the persistent messages stay in the journal for the next start. */
    @Override
    public synchronized void stop() {
        EmbeddedActiveMQ server = broker;
        broker = null;
        if (server != null) {
            try {
                server.stop();
            } catch (Exception e) {
                log.warn("Stopping the embedded broker: {}", e.getMessage());
            }
        }
    }

    /** @return whether the broker runs */
    @Override
    public boolean isRunning() {
        return broker != null;
    }

    /** @return an early phase: started before, stopped after, the endpoints that use it */
    @Override
    public int getPhase() {
        return Integer.MIN_VALUE + 100;
    }
}
