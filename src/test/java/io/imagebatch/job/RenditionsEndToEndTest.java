package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.DeliveredImages;
import io.imagebatch.testsupport.SampleCatalogue;
import io.imagebatch.testsupport.SandboxBatch;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sample catalogue through the sandbox with a job file of two renditions (README.md, "Renditions"): every
 * stored image gets both, at their pixel size and in their format, beside it under the rendition's name, and the
 * report's {@code renditions} column names them.
 */
class RenditionsEndToEndTest {

    @TempDir
    Path work;

    @Test
    void everyStoredImageGetsEachRenditionAtItsSizeAndFormatAndTheReportNamesThem() throws Exception {
        Path job = Files.writeString(work.resolve("channels.yml"), """
                renditions:
                  - { name: shop, width: 200, height: 150, fit: pad, background: "#ffffff", format: jpg, quality: 80 }
                  - { name: story, width: 90, height: 160, fit: crop, format: webp }
                """);
        try (SandboxProvider sandbox = SandboxBatch.start(0)) {
            List<String> args = new java.util.ArrayList<>(List.of(job.toString()));
            args.addAll(List.of(SandboxBatch.args(work, sandbox)));

            CliRun run = CliRun.run(work, args.toArray(String[]::new));

            assertThat(run.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            List<CSVRecord> report = SandboxBatch.report(work, run.batchId());
            assertThat(report).hasSize(SampleCatalogue.ROWS);
            List<CSVRecord> succeeded = report.stream().filter(r -> r.get("status").equals("SUCCEEDED")).toList();
            assertThat(succeeded).hasSize(SampleCatalogue.VALID);
            for (CSVRecord row : succeeded) {
                Map<String, String> renditions = DeliveredImages.renditions(row.get("renditions"));
                assertThat(renditions).containsOnlyKeys("shop", "story");
                Path image = Path.of(URI.create(row.get("output_uri")));
                String stem = image.getFileName().toString().replaceAll("\\.[a-z]+$", "");
                Path shop = Path.of(URI.create(renditions.get("shop")));
                Path story = Path.of(URI.create(renditions.get("story")));
                assertThat(shop).isEqualTo(image.resolveSibling("shop").resolve(stem + ".jpg"));
                assertThat(story).isEqualTo(image.resolveSibling("story").resolve(stem + ".webp"));
                assertThat(DeliveredImages.formatOf(shop)).isEqualToIgnoringCase("jpeg");
                assertThat(DeliveredImages.formatOf(story)).isEqualToIgnoringCase("webp");
                BufferedImage shopImage = ImageIO.read(shop.toFile());
                BufferedImage storyImage = ImageIO.read(story.toFile());
                assertThat(List.of(shopImage.getWidth(), shopImage.getHeight())).containsExactly(200, 150);
                assertThat(List.of(storyImage.getWidth(), storyImage.getHeight())).containsExactly(90, 160);
            }
            assertThat(report).filteredOn(r -> !r.get("status").equals("SUCCEEDED"))
                    .allSatisfy(r -> assertThat(r.get("renditions")).isEmpty());
        }
    }
}
