package io.imagebatch.sandbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import javax.imageio.ImageIO;

/** The stand-in images: Gemini sizes, real PNGs, deterministic, rendered once and cached. */
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
    void a1KImageIsRenderedOnceAndLaterDownloadsAreServedFromTheCache() throws Exception {
        // what keeps repeated downloads cheap is the cache, not the renderer's speed: the same bytes come back
        // without a second render (the very array), and an evicted image is rendered again with the same bytes
        ImageCache cache = new ImageCache(1, 1);
        SandboxTask first = task("task_1", "a red fox");
        byte[] png = cache.png(first);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(1024, image.getWidth());
        assertEquals(1024, image.getHeight());
        assertSame(png, cache.png(first), "a second download is served from the cache");
        byte[] other = cache.png(task("task_2", "a blue whale")); // evicts the first (capacity 1)
        assertFalse(Arrays.equals(png, other));
        byte[] again = cache.png(first);
        assertNotSame(png, again, "rendered again after eviction");
        assertArrayEquals(png, again);
    }

    @Test
    void plainImagesAreRenderedOncePerSize() throws Exception {
        ImageCache cache = new ImageCache(4, 1, true);
        byte[] png = cache.png(task("task_1", "a red fox"));
        assertSame(png, cache.png(task("task_2", "a blue whale")), "every task of a size gets the one plain PNG");
    }

    private static SandboxTask task(String id, String prompt) {
        return new SandboxTask(id, "liangxin", "m", prompt, new ImageSize(1024, 1024), "{}", 0, 0, false, null);
    }
}
