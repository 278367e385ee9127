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
    void aBrokerUrlThatIsNotTcpHostPortIsRefusedNamingTheSetting() {
        CliRun worker = CliRun.command(dir, "worker", "--" + ClusterProperties.BROKER_URL + "=broker:61616");

        assertThat(worker.exitCode()).isEqualTo(ImageBatchCli.USAGE);
        assertThat(worker.output()).contains(ClusterProperties.BROKER_URL + " must be tcp://HOST:PORT");
    }
}
