package io.imagebatch.rendition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagebatch.storage.OutputLocation;
import io.imagebatch.storage.OutputStore;
import io.imagebatch.storage.OutputStores;
import io.imagebatch.storage.StorageProperties;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Renditions} on real images: sizes, fits, alpha, padding colour, formats, and the store. */
class RenditionsTest {

    @TempDir
    Path dir;

    private static final Color RED = new Color(220, 20, 20);
    private static final Color GREEN = new Color(20, 200, 20);
    private static final Color BLUE = new Color(20, 20, 220);

    @Test
    void cropFillsTheSizeAndCutsTheOverflowCentred() throws IOException {
        BufferedImage made = roundTrip(stripes(300, 100), rendition("square", 100, 100, Rendition.Fit.CROP,
                Rendition.Format.PNG, Color.WHITE));

        assertThat(made.getWidth()).isEqualTo(100);
        assertThat(made.getHeight()).isEqualTo(100);
        // only the middle (green) third of the 3:1 source is left, edge to edge
        assertNear(made.getRGB(3, 50), GREEN);
        assertNear(made.getRGB(96, 50), GREEN);
    }

    @Test
    void padFitsInsideAndFillsTheRestWithTheBackgroundColour() throws IOException {
        BufferedImage made = roundTrip(solid(200, 100, BLUE, BufferedImage.TYPE_INT_RGB),
                rendition("shop", 100, 100, Rendition.Fit.PAD, Rendition.Format.JPG, new Color(0xF5, 0xC0, 0x10)));

        assertThat(made.getWidth()).isEqualTo(100);
        assertThat(made.getHeight()).isEqualTo(100);
        assertNear(made.getRGB(50, 5), new Color(0xF5, 0xC0, 0x10));
        assertNear(made.getRGB(50, 94), new Color(0xF5, 0xC0, 0x10));
        assertNear(made.getRGB(50, 50), BLUE);
        assertNear(made.getRGB(3, 50), BLUE);
    }

    @Test
    void containFitsInsideWithoutPaddingAndKeepsTheAspectRatio() throws IOException {
        BufferedImage made = roundTrip(solid(200, 100, BLUE, BufferedImage.TYPE_INT_RGB),
                rendition("thumb", 100, 100, Rendition.Fit.CONTAIN, Rendition.Format.PNG, Color.WHITE));

        assertThat(made.getWidth()).isEqualTo(100);
        assertThat(made.getHeight()).isEqualTo(50);
    }

    @Test
    void transparentPixelsAreLaidOnTheBackgroundInJpegNotTurnedBlack() throws IOException {
        BufferedImage source = new BufferedImage(100, 100, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = source.createGraphics();
        g.setColor(RED);
        g.fillRect(30, 30, 40, 40);
        g.dispose();

        byte[] jpeg = encode(source, rendition("flat", 50, 50, Rendition.Fit.CROP, Rendition.Format.JPG,
                Color.WHITE));
        BufferedImage made = ImageIO.read(new ByteArrayInputStream(jpeg));

        assertThat(formatOf(jpeg)).isEqualToIgnoringCase("jpeg");
        assertThat(made.getColorModel().hasAlpha()).isFalse();
        assertNear(made.getRGB(2, 2), Color.WHITE);
        assertNear(made.getRGB(25, 25), RED);
    }

    @Test
    void pngKeepsTheSourcesTransparency() throws IOException {
        BufferedImage source = new BufferedImage(100, 100, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = source.createGraphics();
        g.setColor(RED);
        g.fillRect(30, 30, 40, 40);
        g.dispose();

        BufferedImage made = roundTrip(source, rendition("cut", 50, 50, Rendition.Fit.CROP, Rendition.Format.PNG,
                Color.WHITE));

        assertThat(made.getColorModel().hasAlpha()).isTrue();
        assertThat(made.getRGB(2, 2) >>> 24).isZero();
        assertThat(made.getRGB(25, 25) >>> 24).isEqualTo(255);
    }

    @Test
    void webpIsWrittenAndReadsBackAtItsSize() throws IOException {
        byte[] webp = encode(stripes(300, 100), rendition("story", 90, 160, Rendition.Fit.CROP,
                Rendition.Format.WEBP, Color.WHITE));

        assertThat(new String(webp, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("RIFF");
        assertThat(new String(webp, 8, 4, StandardCharsets.US_ASCII)).isEqualTo("WEBP");
        BufferedImage made = ImageIO.read(new ByteArrayInputStream(webp));
        assertThat(made.getWidth()).isEqualTo(90);
        assertThat(made.getHeight()).isEqualTo(160);
        assertNear(made.getRGB(45, 80), GREEN);
    }

    @Test
    void jpegQualityIsTheEncodersQuality() throws IOException {
        BufferedImage noisy = stripes(400, 400);
        for (int x = 0; x < 400; x += 3) {
            for (int y = 0; y < 400; y += 5) {
                noisy.setRGB(x, y, (x * 7919 + y * 104729) & 0xFFFFFF);
            }
        }
        int low = encode(noisy, new Rendition("q", 400, 400, Rendition.Fit.CROP, Color.WHITE,
                Rendition.Format.JPG, 10)).length;
        int high = encode(noisy, new Rendition("q", 400, 400, Rendition.Fit.CROP, Color.WHITE,
                Rendition.Format.JPG, 95)).length;

        assertThat(low).isLessThan(high);
    }

    @Test
    void theStoreGetsEachRenditionUnderBatchNameRowAndAResumeMakesOnlyTheMissingOnes() throws IOException {
        try (OutputStore store = OutputStores.open(OutputLocation.parse("file:" + dir.resolve("out")),
                StorageProperties.defaults())) {
            store.putBytes("b1/row-7.png", png(stripes(300, 100)), "image/png");
            List<Rendition> wanted = List.of(
                    rendition("shop", 100, 100, Rendition.Fit.PAD, Rendition.Format.JPG, Color.WHITE),
                    rendition("story", 90, 160, Rendition.Fit.CROP, Rendition.Format.WEBP, Color.WHITE));

            Map<String, URI> first = new Renditions().makeMissing(store, "b1/row-7.png", "b1", "row-7", wanted);

            assertThat(first).containsOnlyKeys("shop", "story");
            assertThat(first.get("shop")).isEqualTo(store.uriOf("b1/shop/row-7.jpg"));
            assertThat(first.get("story")).isEqualTo(store.uriOf("b1/story/row-7.webp"));
            BufferedImage shop = ImageIO.read(Path.of(first.get("shop")).toFile());
            assertThat(shop.getWidth()).isEqualTo(100);
            assertThat(shop.getHeight()).isEqualTo(100);

            // a resume: "shop" is there (marked so that a remake would show), "story" is missing
            Files.writeString(Path.of(first.get("shop")), "made before");
            Files.delete(Path.of(first.get("story")));
            Map<String, URI> second = new Renditions().makeMissing(store, "b1/row-7.png", "b1", "row-7", wanted);

            assertThat(second).isEqualTo(first);
            assertThat(Files.readString(Path.of(first.get("shop")))).isEqualTo("made before");
            assertThat(ImageIO.read(Path.of(first.get("story")).toFile()).getHeight()).isEqualTo(160);
        }
    }

    @Test
    void anImageThatCannotBeReadIsARenditionFailureNamingTheImageAndTheRendition() {
        try (OutputStore store = OutputStores.open(OutputLocation.parse("file:" + dir.resolve("out")),
                StorageProperties.defaults())) {
            store.putBytes("b1/row-8.png", "not an image".getBytes(StandardCharsets.UTF_8), "image/png");

            assertThatThrownBy(() -> new Renditions().makeMissing(store, "b1/row-8.png", "b1", "row-8",
                    List.of(rendition("shop", 10, 10, Rendition.Fit.PAD, Rendition.Format.JPG, Color.WHITE))))
                    .isInstanceOf(RenditionException.class)
                    .hasMessageContaining("row-8.png")
                    .hasMessageContaining("shop");
            assertThat(store.size("b1/shop/row-8.jpg")).isEmpty();
        }
    }

    private static Rendition rendition(String name, int width, int height, Rendition.Fit fit,
            Rendition.Format format, Color background) {
        return new Rendition(name, width, height, fit, background, format, Rendition.DEFAULT_QUALITY);
    }

    private static BufferedImage roundTrip(BufferedImage source, Rendition rendition) throws IOException {
        byte[] bytes = encode(source, rendition);
        assertThat(formatOf(bytes)).isEqualToIgnoringCase(rendition.format() == Rendition.Format.JPG ? "jpeg"
                : rendition.format().extension());
        return ImageIO.read(new ByteArrayInputStream(bytes));
    }

    private static byte[] encode(BufferedImage source, Rendition rendition) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Renditions.write(Renditions.render(source, rendition), rendition, out);
        return out.toByteArray();
    }

    private static String formatOf(byte[] bytes) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            var readers = ImageIO.getImageReaders(in);
            assertThat(readers.hasNext()).as("a reader recognises the bytes").isTrue();
            ImageReader reader = readers.next();
            return reader.getFormatName();
        }
    }

    private static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    /** Three vertical thirds: red, green, blue. */
    private static BufferedImage stripes(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        g.setColor(RED);
        g.fillRect(0, 0, width / 3, height);
        g.setColor(GREEN);
        g.fillRect(width / 3, 0, width / 3, height);
        g.setColor(BLUE);
        g.fillRect(2 * width / 3, 0, width - 2 * width / 3, height);
        g.dispose();
        return image;
    }

    private static BufferedImage solid(int width, int height, Color colour, int type) {
        BufferedImage image = new BufferedImage(width, height, type);
        Graphics2D g = image.createGraphics();
        g.setColor(colour);
        g.fillRect(0, 0, width, height);
        g.dispose();
        return image;
    }

    private static void assertNear(int argb, Color expected) {
        Color actual = new Color(argb, true);
        int[] diff = {actual.getRed() - expected.getRed(), actual.getGreen() - expected.getGreen(),
                actual.getBlue() - expected.getBlue()};
        assertThat(Arrays.stream(diff).map(Math::abs).max().orElseThrow())
                .as("colour %s near %s", actual, expected).isLessThanOrEqualTo(24);
    }
}
