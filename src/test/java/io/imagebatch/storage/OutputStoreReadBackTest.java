package io.imagebatch.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagebatch.testsupport.S3ProxyServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Reading back what a store holds ({@link OutputStore#open}) and finding a stored object's key from its URI
 * ({@link OutputLocation#keyOf}), on a real folder and on a real S3-compatible server (S3Proxy).
 */
class OutputStoreReadBackTest {

    private static final long PART = 5L * 1024 * 1024;

    @TempDir
    static Path dir;
    private static S3ProxyServer s3;
    private static OutputStore folder;
    private static OutputStore bucket;

    @BeforeAll
    static void startStores() {
        s3 = S3ProxyServer.start();
        s3.createBucket("images");
        bucket = new S3OutputStore(OutputLocation.parse("s3://images/shop/2026"), s3.client(), PART);
        folder = OutputStores.open(OutputLocation.parse("file:" + dir.resolve("out")), StorageProperties.defaults());
    }

    @AfterAll
    static void stopStores() {
        folder.close();
        bucket.close();
        s3.close();
    }

    static Stream<String> stores() {
        return Stream.of("folder", "s3");
    }

    private static OutputStore store(String name) {
        return name.equals("folder") ? folder : bucket;
    }

    @ParameterizedTest
    @MethodSource("stores")
    void aStoredObjectIsReadBackAsAStreamWithItsLength(String name) throws IOException {
        OutputStore store = store(name);
        byte[] data = TestStreams.randomBytes(11 * 1024 * 1024 + 17, 41);
        store.put("b1/big.png", new ByteArrayInputStream(data), data.length, "image/png");

        Optional<StoredObject> opened = store.open("b1/big.png");

        assertThat(opened).isPresent();
        try (StoredObject object = opened.get(); InputStream in = object.content()) {
            assertThat(object.length()).isEqualTo(data.length);
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
    }

    @ParameterizedTest
    @MethodSource("stores")
    void aKeyWithNoObjectOpensEmpty(String name) {
        OutputStore store = store(name);
        store.putBytes("b2/there.png", new byte[] {1, 2, 3}, "image/png");

        assertThat(store.open("b2/absent.png")).isEmpty();
        assertThat(store.open("b2")).as("a folder (or a common prefix) is no object").isEmpty();
        assertThatThrownBy(() -> store.open("b2/../../etc/passwd")).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @MethodSource("stores")
    void theKeyOfAStoredObjectIsFoundAgainFromTheUriItWasStoredUnder(String name) {
        OutputStore store = store(name);
        String key = "b3/row with space & ümlaut.png";
        URI uri = store.putBytes(key, new byte[] {4, 5}, "image/png");

        assertThat(store.location().keyOf(uri)).contains(key);
        assertThat(store.location().keyOf(store.uriOf("b3/report.csv"))).contains("b3/report.csv");
    }

    @Test
    void aUriOutsideTheLocationHasNoKey() {
        OutputLocation s3Location = bucket.location();
        assertThat(s3Location.keyOf(URI.create("s3://images/shop/2026/b1/x.png"))).contains("b1/x.png");
        assertThat(s3Location.keyOf(URI.create("s3://other/shop/2026/b1/x.png"))).as("another bucket").isEmpty();
        assertThat(s3Location.keyOf(URI.create("s3://images/shop/2025/b1/x.png"))).as("another prefix").isEmpty();
        assertThat(s3Location.keyOf(URI.create("s3://images/shop/2026/../2025/x.png"))).isEmpty();
        assertThat(s3Location.keyOf(URI.create("s3://images/shop/2026"))).isEmpty();
        assertThat(s3Location.keyOf(URI.create("file:/shop/2026/b1/x.png"))).isEmpty();
        assertThat(s3Location.keyOf(null)).isEmpty();

        OutputLocation folderLocation = folder.location();
        Path root = folderLocation.directory();
        assertThat(folderLocation.keyOf(root.resolve("b1/x.png").toUri())).contains("b1/x.png");
        assertThat(folderLocation.keyOf(URI.create("file:" + root + "/../elsewhere/x.png"))).isEmpty();
        assertThat(folderLocation.keyOf(URI.create("file:" + root.getParent() + "/x.png"))).isEmpty();
        assertThat(folderLocation.keyOf(URI.create("file:" + root))).isEmpty();
        assertThat(folderLocation.keyOf(URI.create("file://evil.example" + root + "/b1/x.png"))).isEmpty();
        assertThat(folderLocation.keyOf(URI.create("s3://images/b1/x.png"))).isEmpty();
    }

    @Test
    void aBucketThatIsNotThereIsAnErrorNamingTheObjectNotAnAbsentObject() {
        try (OutputStore missing = new S3OutputStore(OutputLocation.parse("s3://no-such-bucket/p"), s3.client(),
                PART)) {
            assertThatThrownBy(() -> missing.open("b1/x.png")).isInstanceOf(OutputStoreException.class)
                    .hasMessageContaining("s3://no-such-bucket/p/b1/x.png")
                    .hasMessageNotContaining(S3ProxyServer.SECRET_KEY);
        }
    }

    @Test
    void aFileReplacedWhileItIsReadIsReadWholeAsItWasOpened() throws IOException {
        byte[] first = TestStreams.randomBytes(200_000, 42);
        byte[] second = TestStreams.randomBytes(100_000, 43);
        folder.put("b4/x.png", new ByteArrayInputStream(first), first.length, "image/png");
        try (StoredObject object = folder.open("b4/x.png").orElseThrow()) {
            folder.put("b4/x.png", new ByteArrayInputStream(second), second.length, "image/png");
            assertThat(object.content().readAllBytes()).isEqualTo(first);
        }
        try (StoredObject object = folder.open("b4/x.png").orElseThrow()) {
            assertThat(object.content().readAllBytes()).isEqualTo(second);
        }
        assertThat(Files.exists(dir.resolve("out/b4/x.png"))).isTrue();
    }
}
