package io.imagebatch.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.SampleCatalogue;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The settings of a batch spread over several machines (README.md, "More than one machine"): a cluster needs a
 * database every process reaches, so H2 is refused with exit 2, and so is a worker without a broker.
 */
class ClusterSettingsTest {

    /** A port nothing listens on: the refusal comes before any connection to the broker. */
    private static final String BROKER = "--" + ClusterProperties.BROKER_URL + "=tcp://127.0.0.1:9";

    @TempDir
    Path dir;

    @Test
    void aWorkerOnAnH2DatabaseIsRefusedWithExit2AndToldToUsePostgresql() {
        CliRun worker = CliRun.command(dir, "worker", BROKER);

        assertThat(worker.exitCode()).isEqualTo(ImageBatchCli.USAGE);
        assertThat(worker.output()).contains("imagebatch: cannot start: " + ClusterProperties.BROKER_URL
                + " needs a database every process of the cluster reaches: use PostgreSQL")
                .doesNotContain("Application run failed");
    }

    @Test
    void aRunWithABrokerUrlOnAnH2DatabaseIsRefusedWithExit2BeforeAnythingIsSent() {
        List<String> args = new ArrayList<>(SampleCatalogue.options());
        args.addAll(List.of("--sandbox", "--output", "file:" + dir.resolve("out"), BROKER));

        CliRun run = CliRun.run(dir, args.toArray(String[]::new));

        assertThat(run.exitCode()).isEqualTo(ImageBatchCli.USAGE);
        assertThat(run.output()).contains("use PostgreSQL").doesNotContain("Batch ");
    }

    @Test
    void aWorkerWithoutABrokerUrlSaysWhichSettingItNeeds() {
        CliRun worker = CliRun.command(dir, "worker");

        assertThat(worker.exitCode()).isEqualTo(ImageBatchCli.USAGE);
        assertThat(worker.output()).contains("imagebatch: worker needs " + ClusterProperties.BROKER_URL);
    }

    @Test
    void aWorkerWhoseDatabaseCannotBeReachedWaitsForItAndSaysSoInsteadOfExiting() throws Exception {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.PrintStream out = new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8);
        java.util.concurrent.atomic.AtomicInteger exit = new java.util.concurrent.atomic.AtomicInteger(-1);
        // nothing listens on port 9: the connection is refused at once
        Thread worker = new Thread(() -> exit.set(ImageBatchCli.execute(new String[] {"worker", BROKER,
                "--spring.datasource.url=jdbc:postgresql://127.0.0.1:9/imagebatch",
                "--spring.datasource.username=imagebatch", "--spring.datasource.password=secret-pw"}, out)));
        worker.start();
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(2);
        while (!bytes.toString(java.nio.charset.StandardCharsets.UTF_8).contains("the database cannot be reached")) {
            assertThat(System.nanoTime()).as("waited 2 minutes for the message").isLessThan(end);
            assertThat(exit.get()).as("the worker exited: " + bytes).isEqualTo(-1);
            Thread.sleep(50);
        }

        worker.interrupt();
        worker.join(java.time.Duration.ofMinutes(1).toMillis());

        assertThat(exit.get()).isEqualTo(ImageBatchCli.FAILED);
        assertThat(bytes.toString(java.nio.charset.StandardCharsets.UTF_8))
                .contains("Worker: the database cannot be reached (").doesNotContain("secret-pw");
    }

    @Test
    void aBrokerUrlThatIsNotTcpHostPortIsRefusedNamingTheSetting() {
        CliRun worker = CliRun.command(dir, "worker", "--" + ClusterProperties.BROKER_URL + "=broker:61616");

        assertThat(worker.exitCode()).isEqualTo(ImageBatchCli.USAGE);
        assertThat(worker.output()).contains(ClusterProperties.BROKER_URL + " must be tcp://HOST:PORT");
    }
}
