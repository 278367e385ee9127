package io.imagebatch.cluster;

import io.imagebatch.job.PartitionHandlers;
import io.imagebatch.ledger.BatchRegistry;
import io.imagebatch.lock.BatchLocks;
import jakarta.jms.ConnectionFactory;
import java.net.InetAddress;
import java.time.Clock;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepLocator;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.core.env.Environment;
import org.springframework.integration.channel.DirectChannel;
import org.springframework.integration.config.EnableIntegration;
import org.springframework.integration.core.MessagingTemplate;
import org.springframework.batch.integration.partition.StepExecutionRequest;
import org.springframework.integration.jms.inbound.ChannelPublishingJmsMessageListener;
import org.springframework.integration.jms.inbound.JmsMessageDrivenEndpoint;
import org.springframework.integration.jms.outbound.JmsSendingMessageHandler;
import org.springframework.jms.connection.CachingConnectionFactory;
import org.springframework.jms.core.JmsTemplate;
import org.springframework.jms.listener.DefaultMessageListenerContainer;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * A batch spread over several machines (README.md, "More than one machine"), on when
 * {@value ClusterProperties#BROKER_URL} is set: Spring Batch remote partitioning over an Apache ActiveMQ Artemis
 * broker (JMS), with the job repository and the ledger in a database every process reaches.
 *
 * <p>Every process of the cluster: the connection to the broker, and the refusal of H2 (exit 2,
 * {@link ClusterSettingsException}). The manager ({@code run --partitions N}): the partitions are sent through
 * Spring Integration's JMS outbound adapter and watched in the job repository ({@link ClusterPartitionHandler},
 * taking over from the local threads as the {@link PartitionHandlers}); with {@code embedded-broker=true} the
 * broker runs inside it ({@link EmbeddedBroker}). A {@code worker} ({@value #WORKER} set by the command): Spring
 * Integration's JMS message-driven endpoint, in transacted sessions (a request is acknowledged only when its
 * partition has ended; a worker killed before that leaves it to the broker to deliver again), hands each request to
 * the {@link PartitionWorker}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(ClusterProperties.BROKER_URL)
@EnableIntegration
public class ClusterConfiguration {

    /** Set by the {@code worker} command: this process takes partition requests. */
    public static final String WORKER = "imagebatch.cluster.worker";
    /** The classes a partition request's JMS object message may hold (Artemis refuses any other). */
    static final String DESERIALIZATION_ALLOW_LIST = "org.springframework.batch.integration.partition,java.lang";

    /**
     * @param properties  the cluster settings
     * @param environment where {@code spring.datasource.url} is read
     * @return the broker's connection factory: no prefetch (a busy worker holds no request another worker could
     *         run), only partition requests deserialized
     * @throws ClusterSettingsException when the database is H2: a cluster needs one every process reaches
     */
    @Bean
    ActiveMQConnectionFactory imagebatchBrokerConnectionFactory(ClusterProperties properties,
            Environment environment) {
        ClusterSettingsException.requireSharedDatabase(ClusterProperties.BROKER_URL,
                environment.getProperty("spring.datasource.url"));
        ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(properties.brokerUrl().toString(),
                properties.user(), properties.password());
        factory.setConsumerWindowSize(0);
        factory.setDeserializationAllowList(DESERIALIZATION_ALLOW_LIST);
        return factory;
    }

    /**
     * @param properties the cluster settings
     * @return the broker inside this process, when {@code imagebatch.cluster.embedded-broker=true}
     */
    @Bean
    @ConditionalOnProperty(name = "imagebatch.cluster.embedded-broker", havingValue = "true")
    EmbeddedBroker imagebatchEmbeddedBroker(ClusterProperties properties) {
        return new EmbeddedBroker(properties);
    }

    /** @return the channel the partition requests are sent to; the JMS outbound adapter takes them from it */
    @Bean
    DirectChannel imagebatchPartitionRequests() {
        return new DirectChannel();
    }

    /**
     * Spring Integration's JMS outbound adapter: each partition request becomes a persistent message on the queue.
     *
     * @param imagebatchBrokerConnectionFactory the broker
     * @param properties                        the queue's name
     * @param imagebatchPartitionRequests       the channel it takes the requests from
     * @return the adapter, subscribed to the channel
     */
    @Bean
    JmsSendingMessageHandler imagebatchPartitionRequestSender(
            ActiveMQConnectionFactory imagebatchBrokerConnectionFactory, ClusterProperties properties,
            @Qualifier("imagebatchPartitionRequests") DirectChannel imagebatchPartitionRequests) {
        JmsTemplate template = new JmsTemplate(new CachingConnectionFactory(imagebatchBrokerConnectionFactory));
        template.setExplicitQosEnabled(true);
        template.setDeliveryPersistent(true);
        JmsSendingMessageHandler sender = new JmsSendingMessageHandler(template);
        sender.setDestinationName(properties.queue());
        imagebatchPartitionRequests.subscribe(sender);
        return sender;
    }

    /**
     * The manager's partition handlers: partitions sent to the workers, taking over from the local threads.
     *
     * @param jobRepository               the shared job repository
     * @param imagebatchPartitionRequests the channel of the outbound adapter
     * @param properties                  the partition timeout and poll interval
     * @param clock                       the clock the partition timeout is measured on
     * @return the handlers
     */
    @Bean
    @Primary
    PartitionHandlers clusterPartitionHandlers(JobRepository jobRepository,
            @Qualifier("imagebatchPartitionRequests") DirectChannel imagebatchPartitionRequests,
            ClusterProperties properties, Clock clock) {
        MessagingTemplate template = new MessagingTemplate(imagebatchPartitionRequests);
        return (batchId, partitions, workerStep) -> new ClusterPartitionHandler(jobRepository, template,
                workerStep.getName(), batchId, partitions, properties, clock);
    }

    /** The worker side: only in a {@code worker} process (and, as every bean here, with a broker URL). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = {ClusterProperties.BROKER_URL, WORKER})
    static class Worker {

        /**
         * @param beans the context, where the worker step is a bean
         * @return finds a step bean by its step name (or by its bean name)
         */
        @Bean
        StepLocator imagebatchWorkerSteps(ListableBeanFactory beans) {
            return stepName -> beans.getBeansOfType(Step.class).values().stream()
                    .filter(step -> stepName.equals(step.getName())).findFirst()
                    .orElseGet(() -> beans.getBean(stepName, Step.class));
        }

        /**
         * @param jobRepository         the shared job repository
         * @param imagebatchWorkerSteps finds the worker step
         * @param locks                 the shared locks
         * @param registry              the partition fences
         * @return the worker
         */
        @Bean
        PartitionWorker imagebatchPartitionWorker(JobRepository jobRepository, StepLocator imagebatchWorkerSteps,
                BatchLocks locks, BatchRegistry registry) {
            return new PartitionWorker(jobRepository, imagebatchWorkerSteps, locks, registry, thisProcess());
        }

        /**
         * Spring Integration's JMS message-driven endpoint over a transacted listener container: at most
         * {@link ClusterProperties#workerThreads()} partitions at once; when the broker cannot be reached, it tries
         * again after 1 s, 2 s, 4 s ... and then once a minute, logging each failure (never silent, never gives
         * up). Not started with the context: the {@code worker} command starts it.
         *
         * @param imagebatchBrokerConnectionFactory the broker
         * @param properties                        the queue and the worker threads
         * @param imagebatchPartitionWorker         runs each request
         * @return the endpoint
         */
        @Bean
        JmsMessageDrivenEndpoint imagebatchPartitionRequestEndpoint(
                ActiveMQConnectionFactory imagebatchBrokerConnectionFactory, ClusterProperties properties,
                PartitionWorker imagebatchPartitionWorker) {
            DefaultMessageListenerContainer container = new DefaultMessageListenerContainer();
            container.setConnectionFactory(imagebatchBrokerConnectionFactory);
            container.setDestinationName(properties.queue());
            container.setSessionTransacted(true);
            container.setConcurrentConsumers(properties.workerThreads());
            container.setMaxConcurrentConsumers(properties.workerThreads());
            ExponentialBackOff backOff = new ExponentialBackOff(1000, 2);
            backOff.setMaxInterval(60_000);
            container.setBackOff(backOff);
            container.setAutoStartup(false);
            DirectChannel requests = new DirectChannel();
            requests.subscribe(message -> imagebatchPartitionWorker.handle((StepExecutionRequest) message.getPayload()));
            ChannelPublishingJmsMessageListener listener = new ChannelPublishingJmsMessageListener();
            listener.setRequestChannel(requests);
            listener.setExpectReply(false);
            JmsMessageDrivenEndpoint endpoint = new JmsMessageDrivenEndpoint(container, listener);
            endpoint.setAutoStartup(false);
            return endpoint;
        }

        private static String thisProcess() {
            String host;
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                host = "unknown host";
            }
            return "worker pid " + ProcessHandle.current().pid() + " on " + host;
        }
    }
}
