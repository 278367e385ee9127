package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.LoopbackLiangXin;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Result images from a hostile host, through the whole job: a scripted loopback server speaks LiangXin's
 * createTask and recordInfo and serves each task's result image, one per row: a good PNG, a decompression bomb
 * (a small PNG declaring 100,000 x 100,000 pixels), a JPEG header followed by HTML, and a PNG that drips one
 * byte every 200 ms. The batch ends on its own, the good row is stored and the hostile rows are FAILED with their
 * reasons, and nothing partial is left in the output.
 */
class HostileImagesTest {

    @TempDir
    Path work;

    private LoopbackLiangXin provider;

    @BeforeEach
    void start() throws IOException {
        Map<String, byte[]> images = new HashMap<>();
        images.put("good", encode(noise(64, 48), "png"));
        images.put("bomb", pngDeclaring(encode(noise(64, 48), "png"), 100_000, 100_000));
        byte[] jpeg = encode(noise(40, 30), "jpg");
        byte[] html = "<!DOCTYPE html><html><body>Access denied</body></html>".getBytes(StandardCharsets.UTF_8);
        byte[] fake = new byte[400 + html.length];
        System.arraycopy(jpeg, 0, fake, 0, 400);
        System.arraycopy(html, 0, fake, 400, html.length);
        images.put("html", fake);
        byte[] drip = encode(noise(300, 300), "png");
        provider = LoopbackLiangXin.start(List.of("good", "bomb", "html", "drip"), (kind, exchange) -> {
            if (!kind.equals("drip")) {
                LoopbackLiangXin.send(exchange, "image/png", images.get(kind));
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", "image/png");
            exchange.sendResponseHeaders(200, drip.length);
            OutputStream out = exchange.getResponseBody();
            for (byte b : drip) {
                out.write(b);
                out.flush();
                Thread.sleep(200);
            }
        });
    }

    @AfterEach
    void stop() {
        provider.close();
    }

    @Test
    void hostileResultImagesEndFailedWithTheirReasonsTheGoodOneIsStoredAndNothingPartialIsLeft() throws Exception {
        Path catalogue = Files.writeString(work.resolve("c.csv"), "id,prompt\nA1,a good lamp\nA2,a bomb lamp\n"
                + "A3,an html lamp\nA4,a drip lamp\n");
        Path spool = work.resolve("spool");
        CliRun run = CliRun.run(work, "--catalogue", catalogue.toString(),
                "--output", "file:" + work.resolve("out"),
                "--imagebatch.providers.liangxin.base-url=" + provider.baseUrl(),
                "--imagebatch.providers.liangxin.api-key=test-key",
                "--imagebatch.download.allow-private-networks=true",
                "--imagebatch.download.min-rate=1000",
                "--imagebatch.download.min-rate-window=1s",
                "--imagebatch.download.spool-dir=" + spool,
                "--imagebatch.job.download-attempts=1",
                "--imagebatch.job.poll-early=200ms",
                "--imagebatch.job.retry-initial-delay=100ms");

        assertThat(run.exitCode()).as(run.output()).isEqualTo(ImageBatchCli.COMPLETED);
        Path batch = work.resolve("out").resolve(run.batchId());
        Map<String, CSVRecord> report;
        try (Reader in = Files.newBufferedReader(batch.resolve("report.csv"))) {
            report = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(in)
                    .getRecords().stream().collect(Collectors.toMap(r -> r.get("row_id"), r -> r));
        }
        assertThat(report.get("A1").get("status")).isEqualTo("SUCCEEDED");
        assertThat(report.get("A2").get("status")).isEqualTo("FAILED");
        assertThat(report.get("A2").get("error")).contains("100000 x 100000 pixels").contains("max-pixels");
        assertThat(report.get("A3").get("status")).isEqualTo("FAILED");
        assertThat(report.get("A3").get("error")).contains("not a valid JPEG");
        assertThat(report.get("A4").get("status")).isEqualTo("FAILED");
        assertThat(report.get("A4").get("error")).contains("slower than the minimum of 1000 bytes/s");
        try (Stream<Path> files = Files.walk(work.resolve("out"))) {
            assertThat(files.filter(Files::isRegularFile).map(f -> f.getFileName().toString()).toList())
                    .containsExactlyInAnyOrder("A1.png", "report.csv", "report.html", "manifest.json");
        }
        try (Stream<Path> left = Files.list(spool)) {
            assertThat(left.toList()).as("spool files left").isEmpty();
        }
        assertThat(Files.readString(batch.resolve("report.html"))).doesNotContain("A2.png");
    }

    private static BufferedImage noise(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(width * 31L + height);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, random.nextInt(0x1000000));
            }
        }
        return image;
    }

    private static byte[] encode(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, format, out);
        return out.toByteArray();
    }

    /** The PNG with its IHDR declaring other dimensions, its CRC fixed. */
    private static byte[] pngDeclaring(byte[] png, int width, int height) {
        ByteBuffer.wrap(png).putInt(16, width).putInt(20, height);
        CRC32 crc = new CRC32();
        crc.update(png, 12, 17);
        ByteBuffer.wrap(png).putInt(29, (int) crc.getValue());
        return png;
    }
}
