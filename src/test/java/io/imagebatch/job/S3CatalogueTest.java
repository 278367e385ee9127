package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.S3ProxyServer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * A catalogue read from S3. The batch is identified by the catalogue's content: the same object is not
 * run twice, and a new catalogue under the same key is a new batch.
 */
class S3CatalogueTest {

    private static final String BUCKET = "catalogues";
    private static S3ProxyServer s3;

    @TempDir
    Path work;

    @BeforeAll
    static void startS3() {
        s3 = S3ProxyServer.start();
        s3.createBucket(BUCKET);
        System.setProperty("aws.accessKeyId", S3ProxyServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", S3ProxyServer.SECRET_KEY);
        System.setProperty("aws.region", S3ProxyServer.REGION);
    }

    @AfterAll
    static void stopS3() {
        s3.close();
    }

    private void upload(String csv) {
        s3.client().putObject(b -> b.bucket(BUCKET).key("nightly/products.csv"), RequestBody.fromString(csv));
    }

    private CliRun run(SandboxProvider sandbox) {
        return CliRun.run(work, "--catalogue", "s3://" + BUCKET + "/nightly/products.csv",
                "--output", "file:" + work.resolve("out"),
                "--imagebatch.s3.endpoint=" + s3.endpoint(), "--imagebatch.s3.path-style=true",
                "--imagebatch.catalogue-cache=" + work.resolve("cache"),
                "--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl(),
                "--imagebatch.providers.liangxin.api-key=" + SandboxProvider.API_KEY,
                "--imagebatch.download.allow-private-networks=true");
    }

    @Test
    void aCatalogueInS3RunsOnceAndANewOneUnderTheSameKeyIsANewBatch() {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(200)))) {
            upload("id,prompt\nA1,a red chair in a sunny room\nA2,a blue lamp on a desk\n");

            CliRun first = run(sandbox);
            assertThat(first.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            assertThat(first.output()).contains("2 rows: 2 SUCCEEDED");

            CliRun same = run(sandbox);
            assertThat(same.output()).contains("already completed");
            assertThat(same.batchId()).isEqualTo(first.batchId());
            assertThat(sandbox.stats().creates()).isEqualTo(2);

            upload("id,prompt\nA1,a red chair in a sunny room\nA2,a blue lamp on a desk\nA3,a green vase\n");
            CliRun changed = run(sandbox);
            assertThat(changed.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            assertThat(changed.batchId()).isNotEqualTo(first.batchId());
            assertThat(changed.output()).contains("3 rows: 3 SUCCEEDED");
        }
    }

    @Test
    void aMissingCatalogueObjectIsAUsageError() {
        CliRun run = CliRun.run(work, "--catalogue", "s3://" + BUCKET + "/no/such.csv",
                "--imagebatch.s3.endpoint=" + s3.endpoint(), "--imagebatch.s3.path-style=true",
                "--imagebatch.catalogue-cache=" + work.resolve("cache"));
        assertThat(run.exitCode()).isEqualTo(ImageBatchCli.USAGE);
        assertThat(run.output()).contains("cannot read the catalogue s3://" + BUCKET + "/no/such.csv");
    }
}
