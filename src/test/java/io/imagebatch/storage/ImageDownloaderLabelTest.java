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
}
