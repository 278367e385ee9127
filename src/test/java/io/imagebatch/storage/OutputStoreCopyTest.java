package io.imagebatch.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagebatch.testsupport.S3ProxyServer;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link OutputStore#copy}, with which a redo keeps a row's earlier image in its history: on a folder and on S3
 * (S3Proxy), the copy has the same bytes, replaces what was under its key, and a missing source fails naming it.
 */
class OutputStoreCopyTest {

    @TempDir
    Path dir;

    @Test
    void aFolderStoreCopiesAnObjectWholeUnderTheNewKeyAndLeavesTheSourceAndNoTemporaryFile() throws Exception {
        try (OutputStore store = OutputStores.open(OutputLocation.parse("file:" + dir.resolve("out")),
                StorageProperties.defaults())) {
            byte[] image = TestStreams.randomBytes(200_001, 5);
            store.put("b1/A1.png", new ByteArrayInputStream(image), image.length, "image/png");
            store.putBytes("b1/history/A1-attempt-1.png", new byte[] {1, 2, 3}, "image/png");

            URI copy = store.copy("b1/A1.png", "b1/history/A1-attempt-1.png");

            assertThat(copy).isEqualTo(store.uriOf("b1/history/A1-attempt-1.png"));
            assertThat(dir.resolve("out/b1/history/A1-attempt-1.png")).hasBinaryContent(image);
            assertThat(dir.resolve("out/b1/A1.png")).hasBinaryContent(image);
            try (Stream<Path> files = Files.walk(dir.resolve("out"))) {
                assertThat(files.filter(p -> p.getFileName().toString().endsWith(".part"))).isEmpty();
            }
            assertThatThrownBy(() -> store.copy("b1/none.png", "b1/history/none-attempt-1.png"))
                    .isInstanceOf(OutputStoreException.class).hasMessageContaining("none.png")
                    .hasMessageContaining("no object is stored there");
            assertThat(store.size("b1/history/none-attempt-1.png")).isEmpty();
        }
    }

    @Test
    void anS3StoreCopiesAnObjectWithinTheBucketKeepingItsBytesAndType() {
        try (S3ProxyServer s3 = S3ProxyServer.start()) {
            s3.createBucket("images");
            try (OutputStore store = new S3OutputStore(OutputLocation.parse("s3://images/pre"), s3.client(),
                    5L * 1024 * 1024)) {
                byte[] image = TestStreams.randomBytes(300_000, 6);
                store.put("b1/A1.png", new ByteArrayInputStream(image), image.length, "image/png");

                URI copy = store.copy("b1/A1.png", "b1/history/A1-attempt-1.png");

                assertThat(copy).isEqualTo(URI.create("s3://images/pre/b1/history/A1-attempt-1.png"));
                var stored = s3.client().getObjectAsBytes(b -> b.bucket("images")
                        .key("pre/b1/history/A1-attempt-1.png"));
                assertThat(stored.asByteArray()).isEqualTo(image);
                assertThat(stored.response().contentType()).isEqualTo("image/png");
                assertThatThrownBy(() -> store.copy("b1/none.png", "b1/history/none-attempt-1.png"))
                        .isInstanceOf(OutputStoreException.class)
                        .hasMessageContaining("s3://images/pre/b1/none.png");
            }
        }
    }
}
