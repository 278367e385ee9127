package io.imagebatch.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.imagebatch.testsupport.S3FaultProxy;
import io.imagebatch.testsupport.S3ProxyServer;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

class S3OutputStoreTest {

    private static final long PART = 5L * 1024 * 1024;
    private static final int ELEVEN_MIB = 11 * 1024 * 1024;

    private static S3ProxyServer s3;
    private static OutputStore store;

    private final Map<String, String> savedProperties = new HashMap<>();

    @BeforeAll
    static void startS3() {
        s3 = S3ProxyServer.start();
        s3.createBucket("images");
        store = new S3OutputStore(OutputLocation.parse("s3://images/catalogue/2024"), s3.client(), PART);
    }

    @AfterAll
    static void stopS3() {
        store.close();
        s3.close();
    }

    @AfterEach
    void restoreSystemProperties() {
        savedProperties.forEach((name, value) -> {
            if (value == null) {
                System.clearProperty(name);
            } else {
                System.setProperty(name, value);
            }
        });
        savedProperties.clear();
    }

    @Test
    void storesKnownLengthInOnePut() {
        byte[] data = TestStreams.randomBytes(300_000, 11);
        URI uri = store.put("b1/row-1.png", new ByteArrayInputStream(data), data.length, "image/png");

        assertThat(uri).isEqualTo(URI.create("s3://images/catalogue/2024/b1/row-1.png"));
        assertThat(store.uriOf("b1/row-1.png")).isEqualTo(uri);
        ResponseBytes<GetObjectResponse> stored = get("catalogue/2024/b1/row-1.png");
        assertThat(stored.asByteArray()).isEqualTo(data);
        assertThat(stored.response().contentType()).isEqualTo("image/png");
        assertThat(store.size("b1/row-1.png")).contains(300_000L);
    }

    @Test
    void storesLargeKnownLengthStreamed() {
        byte[] data = TestStreams.randomBytes(ELEVEN_MIB, 12);
        store.put("b1/big-known.png", TestStreams.trickling(data), data.length, "image/png");
        assertThat(get("catalogue/2024/b1/big-known.png").asByteArray()).isEqualTo(data);
    }

    @Test
    void storesSmallUnknownLengthInOnePut() {
        byte[] data = TestStreams.randomBytes(200_000, 13);
        store.put("b1/small-unknown.webp", TestStreams.trickling(data), -1, "image/webp");
        HeadObjectResponse head = head("catalogue/2024/b1/small-unknown.webp");
        assertThat(head.contentLength()).isEqualTo(200_000L);
        assertThat(head.contentType()).isEqualTo("image/webp");
        assertThat(head.eTag()).doesNotContain("-");
        assertThat(get("catalogue/2024/b1/small-unknown.webp").asByteArray()).isEqualTo(data);
    }

    @Test
    void storesLargeUnknownLengthAsMultipart() {
        byte[] data = TestStreams.randomBytes(ELEVEN_MIB, 14);
        store.put("b1/big-unknown.png", TestStreams.trickling(data), -1, "image/png");

        HeadObjectResponse head = head("catalogue/2024/b1/big-unknown.png");
        assertThat(head.eTag()).as("multipart ETag: 5 MiB + 5 MiB + 1 MiB").endsWith("-3\"");
        assertThat(head.contentType()).isEqualTo("image/png");
        assertThat(get("catalogue/2024/b1/big-unknown.png").asByteArray()).isEqualTo(data);
        assertThat(store.size("b1/big-unknown.png")).contains((long) ELEVEN_MIB);
        assertThat(pendingUploads()).isZero();
    }

    @Test
    void unknownLengthOfExactlyOnePart() {
        byte[] data = TestStreams.randomBytes((int) PART, 15);
        store.put("b1/one-part.png", new ByteArrayInputStream(data), -1, "image/png");
        assertThat(get("catalogue/2024/b1/one-part.png").asByteArray()).isEqualTo(data);
        assertThat(pendingUploads()).isZero();
    }

    @Test
    void failingStreamDuringMultipartLeavesNothing() {
        byte[] data = TestStreams.randomBytes(ELEVEN_MIB, 16);
        assertThatThrownBy(() -> store.put("b1/broken-multipart.png",
                TestStreams.failingAfter(data, 7 * 1024 * 1024), -1, "image/png"))
                .isInstanceOf(OutputStoreException.class)
                .hasMessageContaining("s3://images/catalogue/2024/b1/broken-multipart.png")
                .hasMessageContaining("connection reset (simulated)");
        assertThat(store.size("b1/broken-multipart.png")).isEmpty();
        assertThat(pendingUploads()).as("the multipart upload was aborted").isZero();
    }

    @Test
    void failingStreamOfUnknownLengthInFirstPartLeavesNothing() {
        byte[] data = TestStreams.randomBytes(100_000, 17);
        assertThatThrownBy(() -> store.put("b1/broken-small.png", TestStreams.failingAfter(data, 50_000), -1,
                "image/png")).isInstanceOf(OutputStoreException.class);
        assertThat(store.size("b1/broken-small.png")).isEmpty();
    }

    @Test
    void failingStreamOfKnownLengthLeavesNothing() {
        byte[] data = TestStreams.randomBytes(ELEVEN_MIB, 18);
        assertThatThrownBy(() -> store.put("b1/broken-known.png", TestStreams.failingAfter(data, 3 * 1024 * 1024),
                data.length, "image/png"))
                .isInstanceOf(OutputStoreException.class)
                .hasMessageContaining("s3://images/catalogue/2024/b1/broken-known.png")
                .hasMessageContaining("connection reset (simulated)");
        assertThat(store.size("b1/broken-known.png")).isEmpty();
    }

    @Test
    void failingStreamEarlyInKnownLengthLeavesNothing() {
        // within the SDK's 128 KiB mark/reset window: a retry must not resume the broken stream
        byte[] data = TestStreams.randomBytes(100_000, 19);
        assertThatThrownBy(() -> store.put("b1/broken-early.png", TestStreams.failingAfter(data, 10_000),
                data.length, "image/png"))
                .isInstanceOf(OutputStoreException.class)
                .hasMessageContaining("connection reset (simulated)");
        assertThat(store.size("b1/broken-early.png")).isEmpty();
    }

    @Test
    void failingStreamKeepsThePreviousObject() {
        store.putBytes("b1/keep.png", "previous".getBytes(StandardCharsets.UTF_8), "image/png");
        byte[] data = TestStreams.randomBytes(1_000_000, 20);
        assertThatThrownBy(() -> store.put("b1/keep.png", TestStreams.failingAfter(data, 500_000), data.length,
                "image/png")).isInstanceOf(OutputStoreException.class);
        assertThat(get("catalogue/2024/b1/keep.png").asUtf8String()).isEqualTo("previous");
    }

    @Test
    void shortBodyForDeclaredLengthLeavesNothing() {
        byte[] data = TestStreams.randomBytes(1000, 21);
        assertThatThrownBy(() -> store.put("b1/short.png", new ByteArrayInputStream(data), 1001, "image/png"))
                .isInstanceOf(OutputStoreException.class)
                .hasMessageContaining("s3://images/catalogue/2024/b1/short.png");
        assertThat(store.size("b1/short.png")).isEmpty();
    }

    @Test
    void longBodyForDeclaredLengthLeavesNothing() {
        byte[] data = TestStreams.randomBytes(1000, 22);
        assertThatThrownBy(() -> store.put("b1/long.png", new ByteArrayInputStream(data), 999, "image/png"))
                .isInstanceOf(OutputStoreException.class)
                .hasMessageContaining("longer than the 999 declared bytes");
        assertThat(store.size("b1/long.png")).isEmpty();
    }

    @Test
    void putBytesReplaces() {
        store.putBytes("b1/report.csv", "old,report".getBytes(StandardCharsets.UTF_8), "text/csv");
        URI uri = store.putBytes("b1/report.csv", "new".getBytes(StandardCharsets.UTF_8), "text/csv");
        assertThat(uri).isEqualTo(URI.create("s3://images/catalogue/2024/b1/report.csv"));
        assertThat(get("catalogue/2024/b1/report.csv").asUtf8String()).isEqualTo("new");
        assertThat(store.size("b1/report.csv")).contains(3L);
    }

    @Test
    void sizeOfAbsentObjectIsEmpty() {
        assertThat(store.size("b1/absent.png")).isEmpty();
    }

    @Test
    void missingBucketFailsNamingTheUri() {
        try (OutputStore other = new S3OutputStore(OutputLocation.parse("s3://no-such-bucket"), s3.client(), PART)) {
            assertThatThrownBy(() -> other.putBytes("x.png", new byte[] {1}, "image/png"))
                    .isInstanceOf(OutputStoreException.class)
                    .hasMessageContaining("s3://no-such-bucket/x.png");
        }
    }

    @Test
    void worksWhenConfiguredLikeTheEndToEndTest() {
        setProperty("aws.accessKeyId", S3ProxyServer.ACCESS_KEY);
        setProperty("aws.secretAccessKey", S3ProxyServer.SECRET_KEY);
        setProperty("aws.region", S3ProxyServer.REGION);
        StorageProperties settings = new StorageProperties(true, s3.endpoint(), null, StorageProperties.DEFAULT_PART_SIZE);
        try (OutputStore configured = OutputStores.open(OutputLocation.parse("s3://images/e2e"), settings)) {
            assertThat(configured).isInstanceOf(S3OutputStore.class);
            byte[] data = TestStreams.randomBytes(10_000, 23);
            assertThat(configured.put("row.png", new ByteArrayInputStream(data), data.length, "image/png"))
                    .isEqualTo(URI.create("s3://images/e2e/row.png"));
            assertThat(configured.size("row.png")).contains(10_000L);
            assertThat(get("e2e/row.png").asByteArray()).isEqualTo(data);
        }
    }

    @Test
    void sdkHonoursTheStandardEndpointSetting() {
        // aws.endpointUrlS3 is the system-property twin of AWS_ENDPOINT_URL_S3, read by the same SDK code
        setProperty("aws.endpointUrlS3", s3.endpoint().toString());
        setProperty("aws.accessKeyId", S3ProxyServer.ACCESS_KEY);
        setProperty("aws.secretAccessKey", S3ProxyServer.SECRET_KEY);
        StorageProperties settings = new StorageProperties(true, null, "eu-west-1", StorageProperties.DEFAULT_PART_SIZE);
        try (OutputStore configured = OutputStores.open(OutputLocation.parse("s3://images/env"), settings)) {
            configured.putBytes("row.txt", "hello".getBytes(StandardCharsets.UTF_8), "text/plain");
        }
        assertThat(get("env/row.txt").asUtf8String()).isEqualTo("hello");
    }

    @Test
    void wrongCredentialsFailWithoutLeakingThem() {
        setProperty("aws.accessKeyId", "wrong-access-key");
        setProperty("aws.secretAccessKey", "wrong-secret-key-do-not-print");
        setProperty("aws.region", S3ProxyServer.REGION);
        StorageProperties settings = new StorageProperties(true, s3.endpoint(), null, StorageProperties.DEFAULT_PART_SIZE);
        try (OutputStore configured = OutputStores.open(OutputLocation.parse("s3://images/denied"), settings)) {
            assertThatThrownBy(() -> configured.putBytes("row.txt", new byte[] {1}, "text/plain"))
                    .isInstanceOf(OutputStoreException.class)
                    .hasMessageContaining("s3://images/denied/row.txt")
                    .hasMessageNotContaining("wrong-secret-key-do-not-print");
            assertThatThrownBy(() -> configured.size("row.txt"))
                    .isInstanceOf(OutputStoreException.class)
                    .hasMessageNotContaining("wrong-secret-key-do-not-print");
        }
    }

    @Test
    void regionFallsBackToUsEast1() {
        setProperty("aws.region", null);
        setProperty("aws.disableEc2Metadata", "true");
        setProperty("aws.configFile", "/nonexistent/aws-config");
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("AWS_REGION") == null
                && System.getenv("AWS_DEFAULT_REGION") == null, "a region is configured in the environment");
        assertThat(S3OutputStore.resolveRegion(StorageProperties.defaults())).isEqualTo(Region.US_EAST_1);
        assertThat(S3OutputStore.resolveRegion(new StorageProperties(false, null, "eu-central-1", PART)))
                .isEqualTo(Region.EU_CENTRAL_1);
        setProperty("aws.region", "ap-south-1");
        assertThat(S3OutputStore.resolveRegion(StorageProperties.defaults())).isEqualTo(Region.AP_SOUTH_1);
    }

    @Test
    void aStoreWriteAnsweredSlowDownOr500IsRetriedWithBackoffAndStoredWhole() throws Exception {
        setProperty("aws.accessKeyId", S3ProxyServer.ACCESS_KEY);
        setProperty("aws.secretAccessKey", S3ProxyServer.SECRET_KEY);
        setProperty("aws.region", S3ProxyServer.REGION);
        java.nio.file.Path file = java.nio.file.Files.createTempFile("s3-fault", ".png");
        try (S3FaultProxy faults = S3FaultProxy.start(s3.endpoint(), 0.25, 0.10, 7);
                OutputStore flaky = OutputStores.open(OutputLocation.parse("s3://images/flaky"),
                        new StorageProperties(true, faults.endpoint(), null, PART, 10))) {
            for (int i = 0; i < 12; i++) {
                // larger than the SDK's 128 KiB mark/reset window of a one-shot stream
                byte[] data = TestStreams.randomBytes(300_000 + i, 100 + i);
                flaky.putBytes("report-" + i + ".csv", data, "text/csv");
                java.nio.file.Files.write(file, data);
                flaky.putFile("image-" + i + ".png", file, "image/png");
                assertThat(get("flaky/report-" + i + ".csv").asByteArray()).isEqualTo(data);
                assertThat(get("flaky/image-" + i + ".png").asByteArray()).isEqualTo(data);
            }
            byte[] big = TestStreams.randomBytes(ELEVEN_MIB, 24);
            flaky.put("multipart.png", TestStreams.trickling(big), -1, "image/png");
            assertThat(get("flaky/multipart.png").asByteArray()).isEqualTo(big);
            assertThat(pendingUploads()).isZero();
            assertThat(faults.slowDowns()).as("SlowDown answers injected").isPositive();
            assertThat(faults.internalErrors()).as("500 answers injected").isPositive();
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }

    @Test
    void aStoreThatKeepsFailingFailsTheWriteAfterItsAttempts() throws Exception {
        setProperty("aws.accessKeyId", S3ProxyServer.ACCESS_KEY);
        setProperty("aws.secretAccessKey", S3ProxyServer.SECRET_KEY);
        setProperty("aws.region", S3ProxyServer.REGION);
        try (S3FaultProxy down = S3FaultProxy.start(s3.endpoint(), 0.0, 1.0, 8);
                OutputStore failing = OutputStores.open(OutputLocation.parse("s3://images/down"),
                        new StorageProperties(true, down.endpoint(), null, PART, 3))) {
            assertThatThrownBy(() -> failing.putBytes("row.png", new byte[] {1, 2, 3}, "image/png"))
                    .isInstanceOf(OutputStoreException.class)
                    .hasMessageContaining("s3://images/down/row.png")
                    .hasMessageContaining("Status Code: 500").hasMessageContaining("Attempt Count: 3");
            assertThat(down.writes()).as("one write, three attempts").isEqualTo(3);
            assertThat(s3.client().listObjectsV2(b -> b.bucket("images").prefix("down/")).contents()).isEmpty();
        }
    }

    private void setProperty(String name, String value) {
        savedProperties.putIfAbsent(name, System.getProperty(name));
        if (value == null) {
            System.clearProperty(name);
        } else {
            System.setProperty(name, value);
        }
    }

    private static ResponseBytes<GetObjectResponse> get(String key) {
        return s3.client().getObjectAsBytes(b -> b.bucket("images").key(key));
    }

    private static HeadObjectResponse head(String key) {
        return s3.client().headObject(b -> b.bucket("images").key(key));
    }

    private static int pendingUploads() {
        S3Client client = s3.client();
        return client.listMultipartUploads(b -> b.bucket("images")).uploads().size();
    }
}
