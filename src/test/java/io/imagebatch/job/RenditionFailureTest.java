package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.LoopbackLiangXin;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rendition that cannot be made fails its row, never the batch (README.md, "Renditions"): a scripted loopback
 * LiangXin serves one good PNG and one whose chunks are all well formed (so the download's structure check takes
 * it) but whose pixel data is not deflate data, so it cannot be decoded to make a rendition.
 */
class RenditionFailureTest {

    @TempDir
    Path work;

    private LoopbackLiangXin provider;

    @BeforeEach
    void start() throws IOException {
        BufferedImage image = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.ORANGE);
        g.fillRect(0, 0, 64, 48);
        g.dispose();
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);
        byte[] good = png.toByteArray();
        byte[] undecodable = pngWithUndecodablePixels(64, 48);
        provider = LoopbackLiangXin.start(List.of("broken", "good"), (kind, exchange) ->
                LoopbackLiangXin.send(exchange, "image/png", kind.equals("broken") ? undecodable : good));
    }

    @AfterEach
    void stop() {
        provider.close();
    }

    @Test
    void aRenditionThatCannotBeMadeFailsItsRowWithTheReasonAndTheBatchCompletes() throws Exception {
        Path catalogue = Files.writeString(work.resolve("c.csv"), "id,prompt\nA1,a good lamp\nA2,a broken lamp\n");
        Path job = Files.writeString(work.resolve("shop.yml"),
                "renditions:\n  - { name: shop, width: 32, height: 32, fit: pad, format: jpg }\n");

        CliRun run = CliRun.run(work, job.toString(), "--catalogue", catalogue.toString(),
                "--output", "file:" + work.resolve("out"),
                "--imagebatch.providers.liangxin.base-url=" + provider.baseUrl(),
                "--imagebatch.providers.liangxin.api-key=test-key",
                "--imagebatch.download.allow-private-networks=true");

        assertThat(run.exitCode()).as(run.output()).isEqualTo(ImageBatchCli.COMPLETED);
        Path batch = work.resolve("out").resolve(run.batchId());
        Map<String, CSVRecord> report;
        try (Reader in = Files.newBufferedReader(batch.resolve("report.csv"))) {
            report = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(in)
                    .getRecords().stream().collect(Collectors.toMap(r -> r.get("row_id"), r -> r));
        }
        assertThat(report.get("A1").get("status")).isEqualTo("SUCCEEDED");
        assertThat(report.get("A1").get("renditions")).isEqualTo("shop=" + batch.resolve("shop/A1.jpg").toUri()
                .toString().replace("file:///", "file:/"));
        assertThat(Files.isRegularFile(batch.resolve("shop/A1.jpg"))).isTrue();
        assertThat(report.get("A2").get("status")).isEqualTo("FAILED");
        assertThat(report.get("A2").get("error")).contains("rendition shop").contains("A2.png");
        assertThat(report.get("A2").get("failure")).isEqualTo("paid, result not stored");
        assertThat(report.get("A2").get("renditions")).isEmpty();
        assertThat(Files.exists(batch.resolve("shop/A2.jpg"))).isFalse();
    }

    /** A PNG whose every chunk is well formed (CRCs right, IHDR first, IEND last) but whose IDAT is no deflate data. */
    private static byte[] pngWithUndecodablePixels(int width, int height) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream header = new DataOutputStream(ihdr);
        header.writeInt(width);
        header.writeInt(height);
        header.write(new byte[] {8, 2, 0, 0, 0});
        chunk(out, "IHDR", ihdr.toByteArray());
        chunk(out, "IDAT", "these bytes are not deflate data at all".getBytes(StandardCharsets.US_ASCII));
        chunk(out, "IEND", new byte[0]);
        return bytes.toByteArray();
    }

    private static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        out.writeInt(data.length);
        out.write(typeBytes);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }
}
