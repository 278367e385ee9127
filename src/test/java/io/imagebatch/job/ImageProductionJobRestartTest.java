package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.catalogue.CatalogueFormat;
import io.imagebatch.catalogue.CatalogueInspector;
import io.imagebatch.catalogue.CatalogueSummary;
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
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Restart, in the shape of Spring Batch's own restart sample: the job runs twice on the same job instance,
 * FAILED then COMPLETED, and the rows written are counted before and after. The first run meets a provider
 * that answers 503 to everything; the second finds it back.
 */
@SpringBatchTest
@SpringBootTest
class ImageProductionJobRestartTest {

    @TempDir
    static Path work;
    static SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults()
            .withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(300)));

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> "jdbc:h2:file:" + work.resolve("db/restart").toAbsolutePath());
        registry.add("imagebatch.providers.liangxin.base-url", () -> sandbox.baseUrl().toString());
        registry.add("imagebatch.providers.liangxin.api-key", () -> SandboxProvider.API_KEY);
        registry.add("imagebatch.download.allow-private-networks", () -> "true");
        registry.add("imagebatch.job.poll-early", () -> "100ms");
        registry.add("imagebatch.job.create-attempts", () -> "2");
        registry.add("imagebatch.job.retry-initial-delay", () -> "20ms");
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

    @Test
    void failsWhileTheProviderIsDownThenCompletesOnTheSameInstance() throws Exception {
        CatalogueFormat format = new CatalogueFormat(null, Map.of("id", "sku"), SampleCatalogue.TEMPLATE);
        CatalogueSummary summary = CatalogueInspector.inspect(SampleCatalogue.FILE.toAbsolutePath(), format);
        Path output = work.resolve("output");
        BatchSettings settings = new BatchSettings("restart", SampleCatalogue.FILE.toAbsolutePath().toString(),
                summary.sha256(), summary.rows(), format, "liangxin", null, RequestDefaults.none(), "file:" + output);
        String batchId = batches.save(settings);
        JobParameters parameters = new JobParametersBuilder()
                .addString(ImageProductionJobConfiguration.BATCH_ID, batchId).toJobParameters();

        sandbox.failEveryRequestWith(503);
        JobExecution first = jobOperatorTestUtils.startJob(parameters);

        assertThat(first.getStatus()).isEqualTo(BatchStatus.FAILED);
        Map<RowState, Long> before = ledger.report().countByState(batchId);
        assertThat(before).doesNotContainKeys(RowState.SUBMITTED, RowState.SUBMITTING, RowState.STORED);
        assertThat(sandbox.stats().creates()).isZero();

        sandbox.failEveryRequestWith(0);
        JobExecution second = jobOperatorTestUtils.startJob(parameters);

        assertThat(second.getStatus()).isEqualTo(BatchStatus.COMPLETED);
        assertThat(second.getJobInstance().getId()).isEqualTo(first.getJobInstance().getId());
        Map<RowState, Long> after = ledger.report().countByState(batchId);
        assertThat(after).containsEntry(RowState.STORED, (long) SampleCatalogue.VALID)
                .containsEntry(RowState.REJECTED, 5L);
        assertThat(sandbox.stats().creates()).isEqualTo(SampleCatalogue.VALID);
        try (var files = Files.list(output.resolve(batchId))) {
            assertThat(files.filter(f -> f.toString().endsWith(".png")).count()).isEqualTo(SampleCatalogue.VALID);
        }
        assertThat(output.resolve(batchId).resolve("report.csv")).exists();
    }
}
