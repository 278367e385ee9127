package io.imagebatch.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.storage.StorageProperties;
import io.imagebatch.testsupport.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/** The output stores' health: a HeadBucket per S3 bucket, a written file per folder, each named in the details. */
class OutputStoreHealthIndicatorTest {

    @TempDir
    Path dir;

    @Test
    void upWhenEveryLocationIsReachableAndDownNamingTheOneThatIsNot() throws Exception {
        try (S3ProxyServer s3 = S3ProxyServer.start()) {
            s3.createBucket("images");
            System.setProperty("aws.accessKeyId", S3ProxyServer.ACCESS_KEY);
            System.setProperty("aws.secretAccessKey", S3ProxyServer.SECRET_KEY);
            StorageProperties settings = new StorageProperties(true, s3.endpoint(), S3ProxyServer.REGION,
                    StorageProperties.DEFAULT_PART_SIZE);
            Path jobs = Files.createDirectories(dir.resolve("jobs"));
            job(jobs, "a", "s3://images/nightly");
            job(jobs, "b", "file:" + dir.resolve("out/not-yet"));
            job(jobs, "c", "s3://images/weekly");

            OutputStoreHealthIndicator healthy = new OutputStoreHealthIndicator(ServeJobs.scan(jobs, List.of()),
                    settings);
            Health up = healthy.health();
            assertThat(up.getStatus()).isEqualTo(Status.UP);
            assertThat(up.getDetails()).containsExactly(Map.entry("s3://images/nightly", "reachable"),
                    Map.entry("file:" + dir.resolve("out/not-yet"), "reachable"),
                    Map.entry("s3://images/weekly", "reachable"));
            healthy.destroy();

            job(jobs, "d", "s3://no-such-bucket/x");
            OutputStoreHealthIndicator unhealthy = new OutputStoreHealthIndicator(ServeJobs.scan(jobs, List.of()),
                    settings);
            Health down = unhealthy.health();
            assertThat(down.getStatus()).isEqualTo(Status.DOWN);
            assertThat(down.getDetails()).containsEntry("s3://images/nightly", "reachable")
                    .containsEntry("s3://no-such-bucket/x", "HeadBucket no-such-bucket: HTTP 404 NoSuchBucket");
            assertThat(down.getDetails().toString()).doesNotContain(S3ProxyServer.SECRET_KEY)
                    .doesNotContain(S3ProxyServer.ACCESS_KEY);
            unhealthy.destroy();
        }
    }

    private static void job(Path jobs, String name, String output) throws Exception {
        Files.writeString(jobs.resolve(name + ".yml"), "catalogue: c.csv\noutput: " + output
                + "\nschedule: \"0 0 2 * * *\"\n");
    }
}
