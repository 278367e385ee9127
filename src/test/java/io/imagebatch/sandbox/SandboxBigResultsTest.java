package io.imagebatch.sandbox;

import static io.imagebatch.sandbox.LiangXinClient.JSON;
import static io.imagebatch.sandbox.LiangXinClient.flash;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The sandbox's big result files ({@link SandboxSettings#withResultBytes}, {@link BigImages}). */
class SandboxBigResultsTest {

    private static final long MIB = 1024 * 1024;

    @Test
    void bigResultsAre4096SquarePngsThatDecodeAndWeighWithinTheConfiguredRange() throws Exception {
        SandboxSettings settings = SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(10), Duration.ofMillis(20)).withResultBytes(8 * MIB, 20 * MIB);
        try (SandboxProvider sandbox = SandboxProvider.start(settings)) {
            LiangXinClient client = new LiangXinClient(sandbox.baseUrl());
            String taskId = client.createOk(flash("\"prompt\":\"A 4K product photo\",\"resolution\":\"4K\""));
            List<JsonNode> seen = client.pollUntilTerminal(taskId, Duration.ofSeconds(30));
            JsonNode data = seen.get(seen.size() - 1);
            assertEquals("success", data.path("state").asString());
            String url = JSON.readTree(data.path("resultJson").asString()).path("resultUrls").get(0).asString();

            LiangXinClient.Answer png = client.get(url);
            assertEquals(200, png.status());
            assertEquals("image/png", png.raw().headers().firstValue("Content-Type").orElseThrow());
            byte[] bytes = png.raw().body();
            assertEquals(bytes.length, Long.parseLong(png.raw().headers().firstValue("Content-Length").orElseThrow()));
            assertTrue(bytes.length >= 8 * MIB && bytes.length <= 20 * MIB, "size " + bytes.length);
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes)); // every pixel decoded
            assertEquals(4096, image.getWidth());
            assertEquals(4096, image.getHeight());
            assertArrayEquals(bytes, client.get(url).raw().body(), "the same task gets the same bytes");
        }
    }

    @Test
    void aBandwidthLimitPacesEachResultBodyToItsBytesPerSecondAndSendsItWhole() throws Exception {
        long bytesPerSecond = 50_000;
        SandboxSettings settings = SandboxSettings.defaults()
                .withGenerationTime(Duration.ofMillis(10), Duration.ofMillis(20))
                .withBandwidthPerConnection(bytesPerSecond);
        try (SandboxProvider sandbox = SandboxProvider.start(settings)) {
            LiangXinClient client = new LiangXinClient(sandbox.baseUrl());
            String taskId = client.createOk(flash("\"prompt\":\"A paced download\",\"resolution\":\"4K\""));
            List<JsonNode> seen = client.pollUntilTerminal(taskId, Duration.ofSeconds(30));
            String url = JSON.readTree(seen.get(seen.size() - 1).path("resultJson").asString()).path("resultUrls")
                    .get(0).asString();

            long started = System.nanoTime();
            LiangXinClient.Answer png = client.get(url);
            long tookNanos = System.nanoTime() - started;

            assertEquals(200, png.status());
            byte[] bytes = png.raw().body();
            assertEquals(bytes.length, Long.parseLong(png.raw().headers().firstValue("Content-Length").orElseThrow()));
            // a lower bound only (a loaded machine is slower, never faster): every slice but the last waited
            long slice = bytesPerSecond / 10;
            assertTrue(bytes.length > 2 * slice, "a body of several slices: " + bytes.length);
            long atLeastNanos = (bytes.length - slice) * 1_000_000_000L / bytesPerSecond;
            assertTrue(tookNanos >= atLeastNanos, bytes.length + " bytes in " + tookNanos / 1_000_000
                    + " ms, faster than " + bytesPerSecond + " bytes/s");
        }
        assertThrows(IllegalArgumentException.class, () -> SandboxSettings.defaults().withBandwidthPerConnection(-1));
    }

    @Test
    void theBigImagesSpreadOverTheRangeAndDoNotCompress() throws Exception {
        byte[][] images = new BigImages(7, 8 * MIB, 20 * MIB).all();
        Set<Integer> sizes = new HashSet<>();
        for (byte[] png : images) {
            assertTrue(png.length >= 8 * MIB && png.length <= 20 * MIB, "size " + png.length);
            sizes.add(png.length);
            java.util.zip.Deflater deflater = new java.util.zip.Deflater(java.util.zip.Deflater.BEST_SPEED);
            deflater.setInput(png);
            deflater.finish();
            byte[] sink = new byte[1 << 16];
            while (!deflater.finished()) {
                deflater.deflate(sink);
            }
            assertTrue(deflater.getBytesWritten() > png.length * 0.95, "compressible: " + deflater.getBytesWritten()
                    + " of " + png.length);
            deflater.end();
        }
        assertEquals(BigImages.COUNT, sizes.size());
        assertTrue(sizes.stream().mapToInt(Integer::intValue).max().orElseThrow()
                - sizes.stream().mapToInt(Integer::intValue).min().orElseThrow() > 8 * MIB, sizes::toString);
        assertArrayEquals(images[0], new BigImages(7, 8 * MIB, 20 * MIB).all()[0], "the same seed, the same bytes");
    }

    @Test
    void resultBytesOutsideTheirBoundsAreRefused() {
        SandboxSettings defaults = SandboxSettings.defaults();
        assertThrows(IllegalArgumentException.class, () -> defaults.withResultBytes(1000, 2000));
        assertThrows(IllegalArgumentException.class, () -> defaults.withResultBytes(20 * MIB, 8 * MIB));
        assertThrows(IllegalArgumentException.class, () -> defaults.withResultBytes(8 * MIB, 64 * MIB));
        assertTrue(defaults.withResultBytes(8 * MIB, 20 * MIB).bigResults());
        assertTrue(!defaults.withResultBytes(8 * MIB, 20 * MIB).withResultBytes(0, 0).bigResults());
    }
}
