package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.catalogue.CatalogueFormat;
import io.imagebatch.catalogue.CatalogueInspector;
import io.imagebatch.catalogue.CatalogueSummary;
import io.imagebatch.ledger.LedgerSchemaUpgrade;
import io.imagebatch.ledger.RowState;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.provider.RequestDefaults;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.testsupport.SampleCatalogue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.test.JobOperatorTestUtils;
import org.springframework.batch.test.context.SpringBatchTest;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A ledger written by a version that called the row state {@code GENERATED} {@code SUCCEEDED} (the provider
 * reported success, the image is not stored yet): once {@link LedgerSchemaUpgrade} has run, as at every start,
 * the download step finds those rows and stores their images, and no task is created (paid for) again.
 */
@SpringBatchTest
@SpringBootTest
class OlderLedgerRowsDownloadTest {

    @TempDir
    static Path work;
    static SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults()
            .withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(300)));

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> "jdbc:h2:file:" + work.resolve("db/older").toAbsolutePath());
        registry.add("imagebatch.providers.liangxin.base-url", () -> sandbox.baseUrl().toString());
        registry.add("imagebatch.providers.liangxin.api-key", () -> SandboxProvider.API_KEY);
        registry.add("imagebatch.download.allow-private-networks", () -> "true");
        registry.add("imagebatch.job.poll-early", () -> "100ms");
    }

    @AfterAll
    static void stopSandbox() {
        sandbox.close();
    }

    @Autowired
    JobOperatorTestUtils jobOperatorTestUtils;
    @Autowired
    BatchSettingsStore batches;
    @Autowired
    TaskLedger ledger;
    @Autowired
    LedgerSchemaUpgrade upgrade;
    @Autowired
    JdbcClient jdbc;

    @Test
    void rowsAnOlderVersionLeftSucceededAreRenamedAtStartAndStillDownloadWithoutANewCreate() throws Exception {
        CatalogueFormat format = new CatalogueFormat(null, Map.of("id", "sku"), SampleCatalogue.TEMPLATE);
        CatalogueSummary summary = CatalogueInspector.inspect(SampleCatalogue.FILE.toAbsolutePath(), format);
        Path output = work.resolve("output");
        String batchId = batches.save(new BatchSettings("older", SampleCatalogue.FILE.toAbsolutePath().toString(),
                summary.sha256(), summary.rows(), format, "liangxin", null, RequestDefaults.none(),
                "file:" + output));
        JobExecution first = jobOperatorTestUtils.startJob(round(batchId, 0));
        assertThat(first.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(pngs(output.resolve(batchId))).isEqualTo(SampleCatalogue.VALID);

        // the ledger as an older version left it: results known, images not stored, under the old state name
        int older = jdbc.sql("UPDATE IB_TASK_LEDGER SET STATE = 'SUCCEEDED', OUTPUT_URI = NULL, SHA256 = NULL,"
                        + " BYTES = NULL, DOWNLOAD_ATTEMPTS = 0, NEXT_CHECK_AT = 0"
                        + " WHERE BATCH_ID = ? AND STATE = 'STORED'")
                .param(batchId).update();
        assertThat(older).isEqualTo(SampleCatalogue.VALID);
        try (Stream<Path> files = Files.list(output.resolve(batchId))) {
            for (Path png : files.filter(f -> f.toString().endsWith(".png")).toList()) {
                Files.delete(png);
            }
        }

        upgrade.apply();

        assertThat(ledger.report().countByState(batchId))
                .containsEntry(RowState.GENERATED, (long) SampleCatalogue.VALID);
        JobExecution second = jobOperatorTestUtils.startJob(round(batchId, 1));
        assertThat(second.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(ledger.report().countByState(batchId)).containsEntry(RowState.STORED, (long) SampleCatalogue.VALID)
                .doesNotContainKey(RowState.GENERATED);
        assertThat(pngs(output.resolve(batchId))).isEqualTo(SampleCatalogue.VALID);
        assertThat(sandbox.stats().creates()).as("no task paid twice").isEqualTo(SampleCatalogue.VALID);
    }

    private static JobParameters round(String batchId, long round) {
        return new JobParametersBuilder().addString(ImageProductionJobConfiguration.BATCH_ID, batchId)
                .addLong(ImageProductionJobConfiguration.RETRY_ROUND, round).toJobParameters();
    }

    private static long pngs(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".png")).count();
        }
    }
}
