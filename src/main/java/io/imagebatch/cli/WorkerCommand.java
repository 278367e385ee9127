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
 */
@Command(name = "worker", description = {"run partitions of batches sent by a manager (run --partitions N with"
        + " imagebatch.cluster.broker-url set) until SIGTERM; needs PostgreSQL and the broker URL"},
        footer = CliCommands.SETTINGS_FOOTER)
final class WorkerCommand extends CliCommands.Base {

    WorkerCommand(PrintStream out) {
        super(out);
    }

    /**
     * @return 0 when stopped by SIGTERM, 2 for missing or wrong cluster settings (the message names them)
     */
    @Override
    public Integer call() {
        List<String> springArgs = new ArrayList<>(CommandLineParsing.springSettings(unmatched,
                CommandLineParsing::unknownOption, stray -> "worker takes no arguments (got \"" + stray + "\")"));
        springArgs.add("--" + ClusterConfiguration.WORKER + "=true");
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
