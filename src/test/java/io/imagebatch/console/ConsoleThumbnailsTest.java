package io.imagebatch.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagebatch.storage.OutputStoreException;
import io.imagebatch.storage.StoredObject;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ConsoleThumbnails} on real image files and a real cache folder. */
class ConsoleThumbnailsTest {

    private static final String BATCH = "shop-0123456789ab";

    @TempDir
    Path dir;

    @Test
    void aLargeImageIsMadeToFitIn320PixelsAndASmallOneIsNotEnlarged() throws IOException {
        ConsoleThumbnails thumbnails = new ConsoleThumbnails(dir, 100_000_000);

        Path large = thumbnails.thumbnail(BATCH, 1, 1, source(png(1600, 900, false))).orElseThrow();
        Path small = thumbnails.thumbnail(BATCH, 2, 1, source(png(100, 50, false))).orElseThrow();

        assertThat(large).isEqualTo(dir.resolve(BATCH).resolve("1-1.jpg"));
        BufferedImage l = ImageIO.read(large.toFile());
        assertThat(l.getWidth()).isEqualTo(320);
        assertThat(l.getHeight()).isEqualTo(180);
        BufferedImage s = ImageIO.read(small.toFile());
        assertThat(s.getWidth()).isEqualTo(100);
        assertThat(s.getHeight()).isEqualTo(50);
        try (var files = Files.list(dir.resolve(BATCH))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("1-1.jpg", "2-1.jpg");
        }
    }

    @Test
    void aWebpResultGetsAThumbnailToo() throws IOException {
        ConsoleThumbnails thumbnails = new ConsoleThumbnails(dir, 100_000_000);
        byte[] webp;
        try (var in = ConsoleThumbnailsTest.class.getResourceAsStream("/images/orange-disc-400x300.webp")) {
            webp = in.readAllBytes(); // made by chromium's canvas.toDataURL("image/webp"): VP8X, lossy, ICC
        }

        Path thumbnail = thumbnails.thumbnail(BATCH, 3, 1, source(webp)).orElseThrow();

        BufferedImage t = ImageIO.read(thumbnail.toFile());
        assertThat(t.getWidth()).isEqualTo(320);
        assertThat(t.getHeight()).isEqualTo(240);
        // the orange disc in the middle, the blue ground in a corner: decoded, not a blank or black picture
        Color centre = new Color(t.getRGB(160, 120));
        Color corner = new Color(t.getRGB(5, 5));
        assertThat(centre.getRed()).isGreaterThan(200);
        assertThat(centre.getBlue()).isLessThan(80);
        assertThat(corner.getBlue()).isGreaterThan(120);
        assertThat(corner.getRed()).isLessThan(80);
    }

    @Test
    void transparencyBecomesWhiteNotBlack() throws IOException {
        ConsoleThumbnails thumbnails = new ConsoleThumbnails(dir, 100_000_000);

        BufferedImage thumbnail = ImageIO.read(thumbnails.thumbnail(BATCH, 1, 1, source(png(400, 400, true)))
                .orElseThrow().toFile());

        Color corner = new Color(thumbnail.getRGB(2, 2));
        assertThat(corner.getRed()).isGreaterThan(240);
        assertThat(corner.getGreen()).isGreaterThan(240);
        assertThat(corner.getBlue()).isGreaterThan(240);
    }

    @Test
    void aThumbnailIsMadeOncePerAttemptOfARow() throws IOException {
        ConsoleThumbnails thumbnails = new ConsoleThumbnails(dir, 100_000_000);
        AtomicInteger opened = new AtomicInteger();
        byte[] image = png(800, 800, false);
        Supplier<Optional<StoredObject>> counted = () -> {
            opened.incrementAndGet();
            return source(image).get();
        };

        Path first = thumbnails.thumbnail(BATCH, 3, 1, counted).orElseThrow();
        Path again = thumbnails.thumbnail(BATCH, 3, 1, counted).orElseThrow();
        Path nextAttempt = thumbnails.thumbnail(BATCH, 3, 2, counted).orElseThrow();

        assertThat(again).isEqualTo(first);
        assertThat(nextAttempt).isNotEqualTo(first).hasFileName("3-2.jpg");
        assertThat(opened).hasValue(2);
    }

    @Test
    void anImageOverThePixelLimitOrNotAnImageHasNoThumbnailAndIsNotReadAgain() throws IOException {
        ConsoleThumbnails thumbnails = new ConsoleThumbnails(dir, 10_000);
        Supplier<Optional<StoredObject>> never = () -> {
            throw new AssertionError("read again");
        };

        assertThat(thumbnails.thumbnail(BATCH, 1, 1, source(png(200, 200, false)))).isEmpty();
        assertThat(thumbnails.thumbnail(BATCH, 1, 1, never)).isEmpty();
        assertThat(thumbnails.thumbnail(BATCH, 2, 1, source("GIF89a but not really".getBytes()))).isEmpty();
        assertThat(thumbnails.thumbnail(BATCH, 2, 1, never)).isEmpty();
        assertThat(thumbnails.thumbnail(BATCH, 3, 1, Optional::empty)).as("not in the store").isEmpty();
    }

    @Test
    void aStoreThatFailsWhileTheImageIsReadIsAnErrorAndNotRemembered() throws IOException {
        ConsoleThumbnails thumbnails = new ConsoleThumbnails(dir, 100_000_000);
        byte[] image = png(800, 800, false);
        Supplier<Optional<StoredObject>> failing = () -> Optional.of(new StoredObject(new InputStream() {
            private int read;

            @Override
            public int read() throws IOException {
                if (read >= 100) {
                    throw new IOException("Connection reset");
                }
                return image[read++] & 0xff;
            }
        }, image.length));

        assertThatThrownBy(() -> thumbnails.thumbnail(BATCH, 1, 1, failing))
                .isInstanceOf(OutputStoreException.class).hasMessageContaining("Connection reset");
        assertThat(thumbnails.thumbnail(BATCH, 1, 1, source(image))).isPresent();
    }

    @Test
    void onlyABatchIdOfOnePathSegmentAndPositiveNumbersMakeAPath() {
        ConsoleThumbnails thumbnails = new ConsoleThumbnails(dir, 100_000_000);
        for (String id : new String[] {"..", ".", "a/b", "..\\x", "", "a b"}) {
            assertThatThrownBy(() -> thumbnails.thumbnail(id, 1, 1, Optional::empty))
                    .as(id).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> thumbnails.thumbnail(BATCH, 0, 1, Optional::empty))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> thumbnails.thumbnail(BATCH, 1, 0, Optional::empty))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static Supplier<Optional<StoredObject>> source(byte[] bytes) {
        return () -> Optional.of(new StoredObject(new ByteArrayInputStream(bytes), bytes.length));
    }

    private static byte[] png(int width, int height, boolean transparent) throws IOException {
        BufferedImage image = new BufferedImage(width, height,
                transparent ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            if (!transparent) {
                g.setColor(new Color(30, 90, 160));
                g.fillRect(0, 0, width, height);
            }
            g.setColor(Color.ORANGE);
            g.fillOval(width / 4, height / 4, width / 2, height / 2);
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
