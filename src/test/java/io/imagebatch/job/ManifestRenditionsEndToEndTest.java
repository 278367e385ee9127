package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.report.BatchManifest;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.SampleCatalogue;
import io.imagebatch.testsupport.SandboxBatch;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code manifest.json} of a batch with renditions (README.md, "Renditions"): every stored row is listed with each
 * rendition's name, URI, pixel size and format, as the files in the output really are; rows not stored are not
 * listed; {@code unlabelled} is 0 when every image carries its label. The manifest still reads back.
 */
class ManifestRenditionsEndToEndTest {

    @TempDir
    Path work;

    @Test
    void theManifestListsEachStoredRowsRenditionsWithNameUriSizeAndFormatAsTheFilesAre() throws Exception {
        Path job = Files.writeString(work.resolve("channels.yml"), """
                renditions:
                  - { name: shop, width: 200, height: 150, fit: pad, format: jpg }
                  - { name: thumb, width: 100, height: 60, fit: contain, format: png }
                  - { name: story, width: 90, height: 160, fit: crop, format: webp }
                """);
        try (SandboxProvider sandbox = SandboxBatch.start(0)) {
            List<String> args = new ArrayList<>(List.of(job.toString()));
            args.addAll(List.of(SandboxBatch.args(work, sandbox)));

            CliRun run = CliRun.run(work, args.toArray(String[]::new));

            assertThat(run.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            String json = Files.readString(SandboxBatch.file(work, run.batchId(), BatchManifest.FILE_NAME));
            JsonNode manifest = JsonMapper.builder().build().readTree(json);
            assertThat(manifest.get("unlabelled").asLong()).isZero();
            Map<String, CSVRecord> stored = SandboxBatch.report(work, run.batchId()).stream()
                    .filter(r -> r.get("status").equals("SUCCEEDED"))
                    .collect(Collectors.toMap(r -> r.get("row_id"), r -> r));
            JsonNode rows = manifest.get("renditions");
            assertThat(rows.size()).isEqualTo(SampleCatalogue.VALID).isEqualTo(stored.size());
            for (JsonNode row : rows) {
                CSVRecord line = stored.get(row.get("rowId").asString());
                assertThat(line).as("row %s is a stored row", row.get("rowId")).isNotNull();
                assertThat(row.get("row").asLong()).isEqualTo(Long.parseLong(line.get("row_number")));
                List<String> names = new ArrayList<>();
                for (JsonNode file : row.get("renditions")) {
                    names.add(file.get("name").asString());
                    Path path = Path.of(URI.create(file.get("uri").asString()));
                    assertThat(line.get("renditions")).contains(file.get("name").asString() + "="
                            + file.get("uri").asString());
                    BufferedImage image = ImageIO.read(path.toFile());
                    assertThat(List.of(file.get("width").asInt(), file.get("height").asInt()))
                            .as("%s", path).containsExactly(image.getWidth(), image.getHeight());
                    assertThat(path.getFileName().toString()).endsWith("." + file.get("format").asString());
                }
                assertThat(names).containsExactly("shop", "thumb", "story");
                assertThat(row.get("renditions").get(0).get("width").asInt()).isEqualTo(200);
                JsonNode thumb = row.get("renditions").get(1); // contain: inside 100 x 60, touching one side
                assertThat(thumb.get("width").asInt()).isBetween(1, 100);
                assertThat(thumb.get("height").asInt()).isBetween(1, 60);
                assertThat(thumb.get("width").asInt() == 100 || thumb.get("height").asInt() == 60).isTrue();
            }
            assertThat(BatchManifest.fromJson(json).batchId()).isEqualTo(run.batchId());
        }
    }
}
