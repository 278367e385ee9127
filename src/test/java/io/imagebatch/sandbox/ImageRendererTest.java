package io.imagebatch.sandbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import javax.imageio.ImageIO;

/** The stand-in images: Gemini sizes, real PNGs, deterministic, fast. */
class ImageRendererTest {

    @ParameterizedTest
    @EnumSource(AspectRatio.class)
    void everyRatioRendersAPngOfItsGeminiSizeAt1K(AspectRatio ratio) throws Exception {
        ImageSize size = ImageSize.of(ratio, Resolution.ONE_K);
        byte[] png = ImageRenderer.renderPng("task_x_1_1", "A prompt about " + ratio.label(), size);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(ratio.width1k(), image.getWidth());
        assertEquals(ratio.height1k(), image.getHeight());
    }

    @Test
    void sizesScaleWithResolution() {
        assertEquals(new ImageSize(1376, 768), ImageSize.of(AspectRatio.LANDSCAPE_16_9, Resolution.ONE_K));
        assertEquals(new ImageSize(2048, 2048), ImageSize.of(AspectRatio.SQUARE, Resolution.TWO_K));
        assertEquals(new ImageSize(6336, 2688), ImageSize.of(AspectRatio.ULTRAWIDE_21_9, Resolution.FOUR_K));
    }

    @Test
    void sameTaskSameBytesOtherPromptOtherColours() throws Exception {
        ImageSize size = new ImageSize(1024, 1024);
        byte[] a = ImageRenderer.renderPng("task_1", "a red fox", size);
        assertArrayEquals(a, ImageRenderer.renderPng("task_1", "a red fox", size));
        byte[] b = ImageRenderer.renderPng("task_1", "a blue whale", size);
        assertFalse(Arrays.equals(a, b));
        BufferedImage fox = ImageIO.read(new ByteArrayInputStream(a));
        BufferedImage whale = ImageIO.read(new ByteArrayInputStream(b));
        assertTrue(fox.getRGB(0, 0) != whale.getRGB(0, 0), "background follows the prompt");
    }

    @Test
    void textIsDrawnAndUnusualPromptsWork() throws Exception {
        ImageSize size = new ImageSize(1024, 1024);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(
                ImageRenderer.renderPng("task_1", "日本語の プロンプト 😀 " + "w".repeat(100), size)));
        // the gradient is flat per row: a row with more than one colour carries text
        boolean text = false;
        for (int y = 0; y < size.height() && !text; y++) {
            for (int x = 1; x < size.width(); x++) {
                if (image.getRGB(x, y) != image.getRGB(0, y)) {
                    text = true;
                    break;
                }
            }
        }
        assertTrue(text);
    }

    @Test
    void a1KImageEncodesQuickly() {
        ImageSize size = new ImageSize(1024, 1024);
        ImageRenderer.renderPng("warm-up", "warm up", size);
        long start = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            ImageRenderer.renderPng("task_" + i, "speed " + i, size);
        }
        long perImageMs = (System.nanoTime() - start) / 5 / 1_000_000;
        // a generous bound for a loaded 2-core machine; typically a few tens of ms
        assertTrue(perImageMs < 1000, perImageMs + " ms per 1K image");
    }
}
