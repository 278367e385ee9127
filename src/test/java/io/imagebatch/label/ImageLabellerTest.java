package io.imagebatch.label;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import io.imagebatch.testsupport.XmpReadBack;
import org.apache.commons.imaging.Imaging;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ImageLabeller} and {@link ImageLabel} on real encoded images (JDK ImageIO for PNG and JPEG, libwebp
 * through webp-imageio for WebP), read back independently: the XMP with Apache Commons Imaging's readers and the
 * JDK's XML parser, the pixels with ImageIO (TwelveMonkeys for WebP).
 */
class ImageLabellerTest {

    /** Quotes, markup, an entity, a CR/LF pair, a tab, control characters, an emoji outside the BMP, CJK. */
    static final String HOSTILE_PROMPT = "A \"red\" <b>mug</b> & 'saucer' ]]> &amp; \r\n\ttab \u0000\u0007\u001b"
            + " bell \uD83D\uDE00 \u2603 \u6C34 \uFFFE end";
    /** What XML 1.0 can carry of it: forbidden characters become U+FFFD. */
    static final String HOSTILE_PROMPT_AS_READ = "A \"red\" <b>mug</b> & 'saucer' ]]> &amp; \r\n\ttab"
            + " \uFFFD\uFFFD\uFFFD bell \uD83D\uDE00 \u2603 \u6C34 \uFFFD end";

    @TempDir
    Path dir;

    @Test
    void aPngGetsTheDigitalSourceTypeAndTheHostilePromptRoundTripsWithItsPixelsUnchanged() throws Exception {
        Path source = write(dir.resolve("a.png"), picture(true), "png", null);

        Path labelled = dir.resolve("a-labelled.png");
        assertThat(ImageLabeller.label(source, full().xmp(), labelled)).isEqualTo(ImageLabeller.Format.PNG);

        assertFullLabel(Imaging.getXmpXml(labelled.toFile()));
        assertSamePixels(source, labelled);
    }

    @Test
    void aJpegGetsTheDigitalSourceTypeAndTheHostilePromptRoundTripsWithItsPixelsUnchanged() throws Exception {
        Path source = write(dir.resolve("a.jpg"), picture(false), "image/jpeg", 0.8f);

        Path labelled = dir.resolve("a-labelled.jpg");
        assertThat(ImageLabeller.label(source, full().xmp(), labelled)).isEqualTo(ImageLabeller.Format.JPEG);

        assertFullLabel(Imaging.getXmpXml(labelled.toFile()));
        assertSamePixels(source, labelled);
    }

    @Test
    void aLossyWebpGetsAVp8xHeaderAndAnXmpChunkWithItsPixelsUnchanged() throws Exception {
        Path source = write(dir.resolve("a.webp"), picture(false), "image/webp", 0.8f);
        assertThat(chunkAfterHeader(source)).isEqualTo("VP8 ");

        Path labelled = dir.resolve("a-labelled.webp");
        assertThat(ImageLabeller.label(source, full().xmp(), labelled)).isEqualTo(ImageLabeller.Format.WEBP);

        assertThat(chunkAfterHeader(labelled)).isEqualTo("VP8X");
        assertFullLabel(Imaging.getXmpXml(labelled.toFile()));
        assertThat(Imaging.getImageSize(labelled.toFile())).isEqualTo(new java.awt.Dimension(120, 80));
        assertSamePixels(source, labelled);
    }

    @Test
    void aLosslessWebpWithAlphaKeepsItsAlphaFlagAndPixels() throws Exception {
        Path source = write(dir.resolve("b.webp"), picture(true), "image/webp", null);
        assertThat(chunkAfterHeader(source)).isEqualTo("VP8L");

        Path labelled = dir.resolve("b-labelled.webp");
        ImageLabeller.label(source, full().xmp(), labelled);

        byte[] bytes = Files.readAllBytes(labelled);
        assertThat(bytes[20] & 0x10).as("VP8X alpha flag").isEqualTo(0x10);
        assertThat(bytes[20] & 0x04).as("VP8X XMP flag").isEqualTo(0x04);
        assertFullLabel(Imaging.getXmpXml(labelled.toFile()));
        assertSamePixels(source, labelled);
    }

    @Test
    void labellingTwiceReplacesTheFirstPacketInEachFormat() throws Exception {
        for (Path source : new Path[] {write(dir.resolve("c.png"), picture(false), "png", null),
            write(dir.resolve("c.jpg"), picture(false), "image/jpeg", 0.8f),
            write(dir.resolve("c.webp"), picture(false), "image/webp", 0.8f)}) {
            Path once = dir.resolve("once-" + source.getFileName());
            Path twice = dir.resolve("twice-" + source.getFileName());
            ImageLabeller.label(source, new ImageLabel("first", "p", "m", MetadataLevel.FULL).xmp(), once);
            ImageLabeller.label(once, full().xmp(), twice);

            String xmp = Imaging.getXmpXml(twice.toFile());
            assertFullLabel(xmp);
            assertThat(xmp).as("%s", source).doesNotContain(">first<");
            assertSamePixels(source, twice);
        }
    }

    @Test
    void metadataMinimalLeavesThePromptModelAndCreatorToolOut() throws Exception {
        Path source = write(dir.resolve("d.png"), picture(false), "png", null);
        Path labelled = dir.resolve("d-labelled.png");

        ImageLabeller.label(source, new ImageLabel("sku-1", "secret launch prompt", "model-x", MetadataLevel.MINIMAL)
                .xmp(), labelled);

        String xmp = Imaging.getXmpXml(labelled.toFile());
        XmpReadBack read = XmpReadBack.parse(xmp);
        assertThat(read.digitalSourceType()).hasValue(ImageLabel.DIGITAL_SOURCE_TYPE);
        assertThat(read.text("dc:identifier")).hasValue("sku-1");
        assertThat(xmp).doesNotContain("secret launch prompt").doesNotContain("model-x")
                .doesNotContain("CreatorTool").doesNotContain("dc:description");
    }

    @Test
    void aFileThatIsNotPngJpegOrWebpIsRefusedAsUnlabellable() throws Exception {
        Path gif = dir.resolve("e.gif");
        ImageIO.write(picture(false), "gif", gif.toFile());
        Path cut = dir.resolve("f.png");
        byte[] png = Files.readAllBytes(write(dir.resolve("g.png"), picture(false), "png", null));
        Files.write(cut, java.util.Arrays.copyOf(png, png.length / 2));

        assertThatThrownBy(() -> ImageLabeller.label(gif, full().xmp(), dir.resolve("e-out")))
                .isInstanceOf(UnlabellableImageException.class).hasMessageContaining("not a PNG, JPEG or WebP");
        assertThatThrownBy(() -> ImageLabeller.label(cut, full().xmp(), dir.resolve("f-out")))
                .isInstanceOf(UnlabellableImageException.class).hasMessageContaining("PNG");
        assertThat(dir.resolve("e-out")).doesNotExist();
        assertThat(dir.resolve("f-out")).doesNotExist();
    }

    static ImageLabel full() {
        return new ImageLabel("row <7> & \"8\"", HOSTILE_PROMPT, "nano-banana \uD83C\uDF4C", MetadataLevel.FULL);
    }

    /** Checks a packet of {@link #full()}, read back by {@link XmpReadBack} (the JDK's namespace-aware parser). */
    /**
     * A download labels a PNG as it arrives ({@link PngXmpInserter}), in whatever pieces the network hands it: the
     * result is the image's bytes with the XMP chunk right after IHDR, byte for byte, and an XMP packet already in
     * it is replaced, not kept beside ours.
     */
    @Test
    void aPngLabelledAsItStreamsInAnyPiecesGetsTheXmpChunkAfterIhdrAndLosesAnOlderPacket() throws Exception {
        Path source = dir.resolve("stream.png");
        BufferedImage image = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        image.setRGB(3, 4, 0x123456);
        ImageIO.write(image, "png", source.toFile());
        byte[] original = Files.readAllBytes(source);
        String xmp = new ImageLabel("row-s", "a striped sock", "model-s", MetadataLevel.FULL).xmp();
        java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
        expected.write(original, 0, 33); // signature and IHDR
        expected.write(ImageLabeller.pngXmpChunk(xmp.getBytes(StandardCharsets.UTF_8)));
        expected.write(original, 33, original.length - 33);

        for (int piece : new int[] {1, 5, 26, 4096}) {
            assertThat(streamed(original, xmp, piece)).as("pieces of " + piece).isEqualTo(expected.toByteArray());
        }
        String other = new ImageLabel("row-t", "a plain sock", "model-t", MetadataLevel.FULL).xmp();
        byte[] relabelled = streamed(streamed(original, other, 7), xmp, 3);
        assertThat(relabelled).isEqualTo(expected.toByteArray());
        assertThatThrownBy(() -> streamed(java.util.Arrays.copyOf(original, original.length - 12), xmp, 9))
                .isInstanceOf(UnlabellableImageException.class).hasMessageContaining("IEND");
    }

    private static byte[] streamed(byte[] png, String xmp, int piece) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        PngXmpInserter labelling = new PngXmpInserter(out, xmp);
        for (int at = 0; at < png.length; at += piece) {
            labelling.write(png, at, Math.min(piece, png.length - at));
        }
        labelling.finish();
        return out.toByteArray();
    }

    static void assertFullLabel(String xmp) throws Exception {
        assertThat(xmp).as("an XMP packet was read back").isNotNull();
        XmpReadBack read = XmpReadBack.parse(xmp);
        assertThat(read.digitalSourceType()).hasValue(ImageLabel.DIGITAL_SOURCE_TYPE);
        assertThat(read.text("dc:identifier")).hasValue("row <7> & \"8\"");
        assertThat(read.text("dc:description")).hasValue(HOSTILE_PROMPT_AS_READ);
        assertThat(read.text("xmp:CreatorTool")).hasValue("ImageBatch");
        assertThat(read.text("imagebatch:Model")).hasValue("nano-banana \uD83C\uDF4C");
    }

    /** Decodes both files and compares every pixel (ARGB). */
    static void assertSamePixels(Path before, Path after) throws IOException {
        BufferedImage a = ImageIO.read(before.toFile());
        BufferedImage b = ImageIO.read(after.toFile());
        assertThat(b).as("%s decodes", after).isNotNull();
        assertThat(new int[] {b.getWidth(), b.getHeight()}).containsExactly(a.getWidth(), a.getHeight());
        int[] pa = a.getRGB(0, 0, a.getWidth(), a.getHeight(), null, 0, a.getWidth());
        int[] pb = b.getRGB(0, 0, b.getWidth(), b.getHeight(), null, 0, b.getWidth());
        assertThat(pb).as("pixels of %s", after).isEqualTo(pa);
    }

    static String chunkAfterHeader(Path webp) throws IOException {
        byte[] bytes = Files.readAllBytes(webp);
        return new String(bytes, 12, 4, StandardCharsets.ISO_8859_1);
    }

    /** 120 x 80 of noise and shapes; half-transparent pixels when {@code alpha}. */
    static BufferedImage picture(boolean alpha) {
        BufferedImage image = new BufferedImage(120, 80, alpha ? BufferedImage.TYPE_INT_ARGB
                : BufferedImage.TYPE_INT_RGB);
        Random random = new Random(7);
        for (int y = 0; y < 80; y++) {
            for (int x = 0; x < 120; x++) {
                image.setRGB(x, y, (alpha ? (x * 2) << 24 : 0xFF000000) | random.nextInt(0x1000000));
            }
        }
        Graphics2D g = image.createGraphics();
        g.setColor(Color.ORANGE);
        g.fillOval(20, 10, 60, 50);
        g.dispose();
        return image;
    }

    /**
     * Encodes with ImageIO.
     *
     * @param format  {@code png}, or a MIME type
     * @param quality lossy quality 0..1, or null for the writer's default (lossless for WebP)
     */
    static Path write(Path file, BufferedImage image, String format, Float quality) throws IOException {
        Iterator<ImageWriter> writers = format.contains("/") ? ImageIO.getImageWritersByMIMEType(format)
                : ImageIO.getImageWritersByFormatName(format);
        ImageWriter writer = writers.next();
        try (OutputStream out = Files.newOutputStream(file);
                ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            ImageWriteParam param = writer.getDefaultWriteParam();
            if (param.canWriteCompressed()) {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                String[] types = param.getCompressionTypes();
                if (format.equals("image/webp")) {
                    param.setCompressionType(quality == null ? "Lossless" : "Lossy");
                } else if (types != null && types.length > 0) {
                    param.setCompressionType(types[0]);
                }
                if (quality != null) {
                    param.setCompressionQuality(quality);
                }
            }
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return file;
    }
}
