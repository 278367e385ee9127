package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.label.ImageLabel;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.SandboxBatch;
import io.imagebatch.testsupport.XmpReadBack;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batches through the sandbox (README.md, "Labelled as AI-generated"): every stored image (PNG and JPEG, as the
 * sandbox serves them) and every rendition (jpg, png, webp) carries the IPTC digital source type and the row id,
 * the prompt (hostile characters included) and the model unless {@code metadata: minimal}; the report's SHA-256
 * and bytes are those of the delivered file; labelling leaves the provider's pixels as they were.
 */
class LabelEndToEndTest {

    /** Prompts with XML's special characters, quotes, a CDATA end, an emoji outside the BMP and CJK. */
    private static final List<String> PROMPTS = List.of(
            "A \"red\" mug <b>bold</b> & saucer, 'quoted' ]]> &amp; \uD83D\uDE00 \u6C34\u58F6",
            "Plain studio shot of a blue vase",
            "Chair </rdf:li></rdf:Alt> <?xpacket end=\"w\"?> \u2603 \uD83C\uDF4C");

    @TempDir
    Path work;

    @Test
    void everyStoredPngAndEachRenditionCarriesTheDigitalSourceTypeRowIdPromptAndModelWithPixelsUnchanged()
            throws Exception {
        Path job = Files.writeString(work.resolve("channels.yml"), """
                renditions:
                  - { name: shop, width: 200, height: 150, fit: pad, format: jpg, quality: 80 }
                  - { name: square, width: 120, height: 120, fit: crop, format: png }
                  - { name: story, width: 90, height: 160, fit: contain, format: webp }
                """);
        try (SandboxProvider sandbox = SandboxProvider.start(quick())) {
            List<CSVRecord> report = run(sandbox, job);

            for (CSVRecord row : report) {
                Path image = Path.of(URI.create(row.get("output_uri")));
                assertThat(image.getFileName().toString()).endsWith(".png");
                assertFullLabel(image, row);
                assertDeliveredBytes(image, row);
                assertSamePixelsAsTheProviderSent(sandbox, row, image);
                for (Path rendition : renditions(row).values()) {
                    assertFullLabel(rendition, row);
                }
            }
        }
    }

    @Test
    void everyStoredJpegCarriesTheLabelWithTheHostilePromptIntactAndItsPixelsUnchanged() throws Exception {
        Path job = Files.writeString(work.resolve("plain.yml"), "name: jpeg\n");
        try (SandboxProvider sandbox = SandboxProvider.start(quick().withJpegImages(true))) {
            List<CSVRecord> report = run(sandbox, job);

            for (CSVRecord row : report) {
                Path image = Path.of(URI.create(row.get("output_uri")));
                assertThat(image.getFileName().toString()).endsWith(".jpg");
                assertFullLabel(image, row);
                assertDeliveredBytes(image, row);
                assertSamePixelsAsTheProviderSent(sandbox, row, image);
            }
        }
    }

    @Test
    void metadataMinimalLeavesThePromptAndModelOutOfImagesAndRenditions() throws Exception {
        Path job = Files.writeString(work.resolve("minimal.yml"), """
                metadata: minimal
                renditions:
                  - { name: shop, width: 200, height: 150, fit: pad, format: jpg }
                  - { name: story, width: 90, height: 160, fit: crop, format: webp }
                """);
        try (SandboxProvider sandbox = SandboxProvider.start(quick())) {
            List<CSVRecord> report = run(sandbox, job);

            for (CSVRecord row : report) {
                List<Path> files = new ArrayList<>(renditions(row).values());
                files.add(Path.of(URI.create(row.get("output_uri"))));
                for (Path file : files) {
                    XmpReadBack xmp = XmpReadBack.of(file);
                    assertThat(xmp.digitalSourceType()).as("%s", file).hasValue(ImageLabel.DIGITAL_SOURCE_TYPE);
                    assertThat(xmp.text("dc:identifier")).as("%s", file).hasValue(row.get("row_id"));
                    assertThat(xmp.text("dc:description")).as("%s", file).isEmpty();
                    assertThat(xmp.text("imagebatch:Model")).as("%s", file).isEmpty();
                    assertThat(xmp.text("xmp:CreatorTool")).as("%s", file).isEmpty();
                    assertThat(xmp.xmp()).doesNotContain(row.get("model"));
                }
            }
        }
    }

    private static SandboxSettings quick() {
        return SandboxSettings.defaults().withGenerationTime(Duration.ofMillis(50), Duration.ofMillis(200));
    }

    /** Runs a three-row catalogue of {@link #PROMPTS}; every row must succeed. */
    private List<CSVRecord> run(SandboxProvider sandbox, Path job) throws Exception {
        StringBuilder csv = new StringBuilder("id,prompt\n");
        for (int i = 0; i < PROMPTS.size(); i++) {
            csv.append("row-").append(i + 1).append(",\"").append(PROMPTS.get(i).replace("\"", "\"\"")).append("\"\n");
        }
        Path catalogue = Files.writeString(work.resolve("catalogue.csv"), csv);
        List<String> args = new ArrayList<>(List.of(job.toString(), "--catalogue", catalogue.toString(),
                "--aspect-ratio", "1:1", "--resolution", "1K", "--output", "file:" + work.resolve("out")));
        args.addAll(SandboxBatch.providerArgs(sandbox));

        CliRun run = CliRun.run(work, args.toArray(String[]::new));

        assertThat(run.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
        List<CSVRecord> report = SandboxBatch.report(work, run.batchId());
        assertThat(report).hasSize(PROMPTS.size()).allSatisfy(r -> assertThat(r.get("status")).isEqualTo("SUCCEEDED"));
        for (int i = 0; i < PROMPTS.size(); i++) {
            assertThat(report.get(i).get("prompt")).isEqualTo(PROMPTS.get(i));
        }
        return report;
    }

    private static void assertFullLabel(Path file, CSVRecord row) throws Exception {
        XmpReadBack xmp = XmpReadBack.of(file);
        assertThat(xmp.digitalSourceType()).as("%s", file).hasValue(ImageLabel.DIGITAL_SOURCE_TYPE);
        assertThat(xmp.text("dc:identifier")).as("%s", file).hasValue(row.get("row_id"));
        assertThat(xmp.text("dc:description")).as("%s", file).hasValue(row.get("prompt"));
        assertThat(xmp.text("xmp:CreatorTool")).as("%s", file).hasValue("ImageBatch");
        assertThat(xmp.text("imagebatch:Model")).as("%s", file).isPresent();
        if (!row.get("model").isEmpty()) {
            assertThat(xmp.text("imagebatch:Model")).as("%s", file).hasValue(row.get("model"));
        }
    }

    /** The report's SHA-256 and bytes describe the file as delivered (labelled). */
    private static void assertDeliveredBytes(Path image, CSVRecord row) throws Exception {
        byte[] bytes = Files.readAllBytes(image);
        assertThat(row.get("bytes")).isEqualTo(String.valueOf(bytes.length));
        assertThat(row.get("sha256")).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(bytes)));
    }

    /** Fetches the task's result file from the sandbox again and compares its decoded pixels with the stored. */
    private static void assertSamePixelsAsTheProviderSent(SandboxProvider sandbox, CSVRecord row, Path image)
            throws Exception {
        HttpResponse<byte[]> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                sandbox.baseUrl() + "/files/" + row.get("task_id") + ".png")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).isEqualTo(200);
        byte[] original = response.body();
        assertThat(Files.size(image)).as("the stored file holds the label besides the image")
                .isGreaterThan(original.length);
        BufferedImage sent = ImageIO.read(new ByteArrayInputStream(original));
        BufferedImage stored = ImageIO.read(image.toFile());
        assertThat(new int[] {stored.getWidth(), stored.getHeight()}).containsExactly(sent.getWidth(),
                sent.getHeight());
        assertThat(stored.getRGB(0, 0, stored.getWidth(), stored.getHeight(), null, 0, stored.getWidth()))
                .isEqualTo(sent.getRGB(0, 0, sent.getWidth(), sent.getHeight(), null, 0, sent.getWidth()));
    }

    private static Map<String, Path> renditions(CSVRecord row) {
        Map<String, Path> files = new LinkedHashMap<>();
        if (!row.isMapped("renditions") || row.get("renditions").isEmpty()) {
            return files;
        }
        for (String pair : row.get("renditions").split(" ")) {
            int eq = pair.indexOf('=');
            files.put(pair.substring(0, eq), Path.of(URI.create(pair.substring(eq + 1))));
        }
        return files;
    }
}
