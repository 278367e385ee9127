package io.imagebatch.cli;

import io.imagebatch.app.CommandLineParsing;
import io.imagebatch.app.ExitCodes;
import io.imagebatch.cluster.ClusterConfiguration;
import io.imagebatch.cluster.ClusterProperties;
import io.imagebatch.cluster.PartitionWorker;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.springframework.boot.WebApplicationType;
import org.springframework.integration.jms.inbound.JmsMessageDrivenEndpoint;
import picocli.CommandLine.Command;

/**
 * {@code worker}: runs partitions of batches spread over several machines until SIGTERM (README.md, "More than one
 * machine"). It connects to the database ({@code spring.datasource.url}, PostgreSQL) and to the broker
 * ({@value ClusterProperties#BROKER_URL}), takes partition requests and runs each ({@link PartitionWorker}).
 * SIGTERM (or Ctrl-C): it takes no more, its running partitions stop after their current chunk or pass and are
 * sent to another worker by the manager, and it exits with 0. Exit 2 without a broker URL or with an H2 database.
 * A database or broker that cannot be reached is waited for, and said so ({@link #awaitDatabase}; the broker by
 * the listener container's back-off).
 */
@Command(name = "worker", description = {"run partitions of batches sent by a manager (run --partitions N with"
        + " imagebatch.cluster.broker-url set) until SIGTERM; needs PostgreSQL and the broker URL"},
        footer = CliCommands.SETTINGS_FOOTER)
final class WorkerCommand extends CliCommands.Base {

    WorkerCommand(PrintStream out) {
        super(out);
    }

    /** Longest wait between two tries to reach the database, and how often a worker says it still waits, ms. */
    private static final long MAX_RETRY_MILLIS = 60_000;

    /**
     * Waits until the database answers, before the worker's context starts (which would fail without it): tries
     * again after 1 s, 2 s, 4 s ... then once a minute, and says so at the first failure and then once a minute
     * (README.md, "More than one machine": a worker never exits because the database is away). The settings are
     * read as the worker's context reads them (application.properties, the environment, {@code --NAME.X=V}); an
     * H2 URL is left to the context, which refuses it. The message names the failure, never the password.
     *
     * @param springArgs the worker's settings
     * @param out        where the waiting is said
     * @throws InterruptedException when the waiting thread is interrupted
     */
    static void awaitDatabase(List<String> springArgs, PrintStream out) throws InterruptedException {
        org.springframework.core.env.Environment environment;
        try (org.springframework.context.ConfigurableApplicationContext settings = new org.springframework.boot
                .builder.SpringApplicationBuilder(Object.class).web(WebApplicationType.NONE).logStartupInfo(false)
                .registerShutdownHook(false).run(springArgs.toArray(String[]::new))) {
            environment = settings.getEnvironment();
            String url = environment.getProperty("spring.datasource.url");
            if (url == null || url.startsWith("jdbc:h2:")) {
                return;
            }
            String user = environment.getProperty("spring.datasource.username");
            String password = environment.getProperty("spring.datasource.password");
            long delay = 1000;
            long saidAt = 0;
            while (true) {
                try (java.sql.Connection connection = java.sql.DriverManager.getConnection(url, user, password)) {
                    if (saidAt != 0) {
                        out.println("Worker: the database answers again");
                    }
                    return;
                } catch (java.sql.SQLException e) {
                    long now = System.nanoTime();
                    if (saidAt == 0 || now - saidAt >= MAX_RETRY_MILLIS * 1_000_000) {
                        out.printf("Worker: the database cannot be reached (%s); trying again, at most every %d s%n",
                                e.getMessage(), MAX_RETRY_MILLIS / 1000);
                        out.flush();
                        saidAt = now == 0 ? 1 : now;
                    }
                }
                Thread.sleep(delay);
                delay = Math.min(MAX_RETRY_MILLIS, delay * 2);
            }
        }
    }

    /**
     * @return 0 when stopped by SIGTERM, 2 for missing or wrong cluster settings (the message names them)
     */
    @Override
    public Integer call() {
        List<String> springArgs = new ArrayList<>(CommandLineParsing.springSettings(unmatched,
                CommandLineParsing::unknownOption, stray -> "worker takes no arguments (got \"" + stray + "\")"));
        springArgs.add("--" + ClusterConfiguration.WORKER + "=true");
        try {
            awaitDatabase(springArgs, out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCodes.FAILED;
        }
        return SpringCommand.run(SpringCommand.application(WebApplicationType.NONE), springArgs, out,
                (context, shutdown) -> {
                    if (context.getBeanNamesForType(JmsMessageDrivenEndpoint.class).length == 0) {
                        out.println("imagebatch: worker needs " + ClusterProperties.BROKER_URL
                                + " (e.g. --" + ClusterProperties.BROKER_URL + "=tcp://broker:61616)");
                        return ExitCodes.USAGE;
                    }
                    JmsMessageDrivenEndpoint endpoint = context.getBean(JmsMessageDrivenEndpoint.class);
                    PartitionWorker worker = context.getBean(PartitionWorker.class);
                    ClusterProperties properties = context.getBean(ClusterProperties.class);
                    CountDownLatch signalled = new CountDownLatch(1);
                    shutdown.alsoOnSignal(() -> {
                        int running = worker.stop();
                        out.printf("%nWorker stopping (SIGTERM): %d partition(s) stop after the current chunk"
                                + " or pass; the manager sends them to another worker.%n", running);
                    }, () -> {
                        endpoint.stop(); // waits for the running partitions to end, then closes the connection
                        signalled.countDown();
                    });
                    shutdown.finished(ExitCodes.COMPLETED);
                    endpoint.start();
                    out.printf("Worker taking partitions from %s (queue %s, %d at a time); SIGTERM or Ctrl-C"
                            + " stops%n", properties.brokerUrl(), properties.queue(), properties.workerThreads());
                    out.flush();
                    try {
                        signalled.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return ExitCodes.COMPLETED;
                });
    }
}
