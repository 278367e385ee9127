package io.imagebatch.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.label.ImageLabel;
import io.imagebatch.label.MetadataLevel;
import io.imagebatch.testsupport.S3ProxyServer;
import io.imagebatch.testsupport.XmpReadBack;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ImageDownloader} with a label (README.md, "Labelled as AI-generated"): the image checked is the one the
 * provider sent, the one stored carries the XMP packet, and the SHA-256 and size returned are those of the stored
 * object (in a folder and in S3 through S3Proxy); an image that cannot take the label is stored as it came, with
 * the reason, never refused.
 */
class ImageDownloaderLabelTest {

    private static S3ProxyServer s3;

    @TempDir
    Path dir;

    private TestHttpServer http;
    private OutputStore files;
    private OutputStore bucket;
    private ImageDownloader downloader;

    @BeforeAll
    static void startS3() {
        s3 = S3ProxyServer.start();
        s3.createBucket("labels");
    }

    @AfterAll
    static void stopS3() {
        s3.close();
    }

    @BeforeEach
    void start() throws IOException {
        http = new TestHttpServer();
        files = new FileOutputStore(OutputLocation.parse("file:" + dir.resolve("out")));
        bucket = new S3OutputStore(OutputLocation.parse("s3://labels/run-" + System.nanoTime()), s3.client(),
                StorageProperties.MIN_PART_SIZE);
        downloader = new ImageDownloader(DownloadProperties.defaults().withAllowPrivateNetworks(true)
                .withSpoolDir(dir.resolve("spool")));
    }

    @AfterEach
    void stop() throws IOException {
        http.close();
        files.close();
        bucket.close();
    }

    @Test
    void aLabelledImageInS3HasTheHashAndSizeOfTheStoredBytesNotTheProvidersOnes() throws Exception {
        byte[] png = TestImages.png(64, 48);
        http.serve("/image.png", png, "image/png");

        StoredImage image = downloader.download(url("/image.png"), bucket, "b1/row-1", null,
                new ImageLabel("row-1", "a mug & <saucer>", "model-x", MetadataLevel.FULL));

        byte[] stored = s3.client().getObjectAsBytes(b -> b.bucket("labels")
                .key(bucket.location().key("b1/row-1.png"))).asByteArray();
        assertThat(stored.length).isGreaterThan(png.length);
        assertThat(image.bytes()).isEqualTo(stored.length);
        assertThat(image.sha256()).isEqualTo(TestImages.sha256(stored));
        assertThat(image.unlabelled()).isNull();
        assertThat(image.width()).isEqualTo(64);
        Path copy = Files.write(dir.resolve("copy.png"), stored);
        XmpReadBack xmp = XmpReadBack.of(copy);
        assertThat(xmp.digitalSourceType()).hasValue(ImageLabel.DIGITAL_SOURCE_TYPE);
        assertThat(xmp.text("dc:description")).hasValue("a mug & <saucer>");
        assertThat(Files.list(dir.resolve("spool"))).as("both spool files are deleted").isEmpty();
    }

    @Test
    void aJpegWhoseFullLabelWouldPassOneSegmentGetsTheMinimalLabelSoItStillSaysAiGenerated() throws Exception {
        byte[] jpeg = TestImages.jpeg(40, 30);
        http.serve("/photo.jpg", jpeg, "image/jpeg");
        // a JPEG APP1 segment holds at most 65,502 bytes of XMP: a prompt this long does not fit
        String longPrompt = "a very long prompt ".repeat(4000);

        StoredImage image = downloader.download(url("/photo.jpg"), files, "row-2", null,
                new ImageLabel("row-2", longPrompt, "model-x", MetadataLevel.FULL));

        assertThat(image.unlabelled()).isNull();
        Path stored = dir.resolve("out/row-2.jpg");
        XmpReadBack xmp = XmpReadBack.of(stored);
        assertThat(xmp.digitalSourceType()).hasValue(ImageLabel.DIGITAL_SOURCE_TYPE);
        assertThat(xmp.text("dc:identifier")).hasValue("row-2");
        assertThat(xmp.text("dc:description")).isEmpty();
        assertThat(image.sha256()).isEqualTo(TestImages.sha256(Files.readAllBytes(stored)));
    }

    @Test
    void anImageThatCannotTakeEvenTheMinimalLabelIsStoredAsItCameWithTheReasonNeverRefused() throws Exception {
        byte[] jpeg = TestImages.jpeg(40, 30);
        http.serve("/photo.jpg", jpeg, "image/jpeg");
        // not a row id a catalogue can hold (at most 100 characters): only a way to make even the minimal packet
        // pass one APP1 segment
        String hugeId = "r".repeat(70_000);

        StoredImage image = downloader.download(url("/photo.jpg"), files, "row-2", null,
                new ImageLabel(hugeId, "a lamp", "model-x", MetadataLevel.FULL));

        assertThat(image.unlabelled()).contains("JPEG");
        assertThat(Files.readAllBytes(dir.resolve("out/row-2.jpg"))).isEqualTo(jpeg);
        assertThat(image.sha256()).isEqualTo(TestImages.sha256(jpeg));
        assertThat(image.bytes()).isEqualTo(jpeg.length);
        assertThat(Files.list(dir.resolve("spool"))).isEmpty();
    }

    @Test
    void withoutALabelTheProvidersBytesAreStoredAsBefore() throws Exception {
        byte[] jpeg = TestImages.jpeg(40, 30);
        http.serve("/photo.jpg", jpeg, "image/jpeg");

        StoredImage image = downloader.download(url("/photo.jpg"), files, "row-3", null, null);

        assertThat(Files.readAllBytes(dir.resolve("out/row-3.jpg"))).isEqualTo(jpeg);
        assertThat(image.unlabelled()).isNull();
    }

    private URI url(String path) {
        return URI.create(http.base() + path);
    }

    /**
     * README.md, "Performance", "Big images", and the class comment of {@link ImageDownloader}: a download spools
     * one image (at most {@code imagebatch.download.max-bytes} of local disk), labelled and hashed as it arrives,
     * not a fetched copy and then a labelled copy of it. Seen from the store: when it is handed the file to store,
     * the spool folder holds that one file, and what it stores is the labelled image whose hash is returned.
     */
    @Test
    void aLabelledPngTakesOneSpoolFileAndItsHashIsThatOfTheStoredBytes() throws Exception {
        byte[] png = TestImages.png(64, 48);
        http.serve("/image.png", png, "image/png");
        Path spoolDir = dir.resolve("spool");
        java.util.List<java.util.List<String>> spooledAtPut = new java.util.ArrayList<>();
        OutputStore watching = new ForwardingStore(files) {
            @Override
            public URI putFile(String key, Path file, String contentType) {
                try (var listing = Files.list(spoolDir)) {
                    spooledAtPut.add(listing.map(p -> p.getFileName().toString()).sorted().toList());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return super.putFile(key, file, contentType);
            }
        };

        StoredImage image = downloader.download(url("/image.png"), watching, "b1/row-9", null,
                new ImageLabel("row-9", "a blue teapot", "model-x", MetadataLevel.FULL));

        assertThat(spooledAtPut).hasSize(1);
        assertThat(spooledAtPut.get(0)).as("spool files when the store is handed the image").hasSize(1);
        Path stored = dir.resolve("out/b1/row-9.png");
        assertThat(image.sha256()).isEqualTo(TestImages.sha256(Files.readAllBytes(stored)));
        assertThat(image.bytes()).isEqualTo(Files.size(stored)).isGreaterThan(png.length);
        assertThat(XmpReadBack.of(stored).xmp()).contains("a blue teapot");
        assertThat(image.unlabelled()).isNull();
        try (var left = Files.list(spoolDir)) {
            assertThat(left).as("spool files after the download").isEmpty();
        }
    }

    /** An {@link OutputStore} passing every call to another one, for a test to watch one of them. */
    private static class ForwardingStore implements OutputStore {
        private final OutputStore store;

        ForwardingStore(OutputStore store) {
            this.store = store;
        }

        @Override
        public URI put(String key, java.io.InputStream content, long contentLength, String contentType) {
            return store.put(key, content, contentLength, contentType);
        }

        @Override
        public URI putFile(String key, Path file, String contentType) {
            return store.putFile(key, file, contentType);
        }

        @Override
        public URI putBytes(String key, byte[] content, String contentType) {
            return store.putBytes(key, content, contentType);
        }

        @Override
        public java.util.Optional<Long> size(String key) {
            return store.size(key);
        }

        @Override
        public java.util.Optional<StoredObject> open(String key) {
            return store.open(key);
        }

        @Override
        public URI copy(String fromKey, String toKey) {
            return store.copy(fromKey, toKey);
        }

        @Override
        public URI uriOf(String key) {
            return store.uriOf(key);
        }

        @Override
        public OutputLocation location() {
            return store.location();
        }

        @Override
        public void checkWritable() {
            store.checkWritable();
        }

        @Override
        public void close() {
            store.close();
        }
    }
}
