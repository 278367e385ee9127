package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.label.ImageLabel;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.DeliveredImages;
import io.imagebatch.testsupport.SampleCatalogue;
import io.imagebatch.testsupport.SandboxBatch;
import io.imagebatch.testsupport.XmpReadBack;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Variants (README.md, Variants) through the sandbox: N tasks per row, each its own ledger entry, stored as
 * {@code <row id>-<k>.<ext>} with its renditions beside it, one report line each with a {@code variant} column;
 * a row's {@code variants} cell overrides the batch's number, and a wrong one rejects only that row.
 */
class VariantsEndToEndTest {

    @TempDir
    Path work;

    @Test
    void twoVariantsPerRowAreEachCreatedOnceStoredWithTheirRenditionsAndReportedOnTheirOwnLine() throws Exception {
        Path job = Files.writeString(work.resolve("channels.yml"), """
                variants: 2
                renditions:
                  - { name: shop, width: 200, height: 150, fit: pad, background: "#ffffff", format: jpg, quality: 80 }
                  - { name: story, width: 90, height: 160, fit: crop, format: png }
                """);
        try (SandboxProvider sandbox = SandboxBatch.start(0)) {
            List<String> args = new ArrayList<>(List.of(job.toString()));
            args.addAll(List.of(SandboxBatch.args(work, sandbox)));

            CliRun run = CliRun.run(work, args.toArray(String[]::new));

            assertThat(run.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            // the estimate prices every variant: 37 valid 1K rows and 3 valid 2K rows, twice each
            assertThat(run.output()).contains("liangxin/nano-banana-pro-flash 1K: 74 valid",
                    "liangxin/nano-banana-pro-flash 2K: 6 valid");
            // exactly one create per variant of each valid row, none for a rejected row
            assertThat(sandbox.stats().creates()).isEqualTo(SampleCatalogue.VALID * 2);
            List<CSVRecord> report = SandboxBatch.report(work, run.batchId());
            assertThat(report.get(0).isMapped("variant")).isTrue();
            assertThat(report).hasSize(SampleCatalogue.VALID * 2 + SampleCatalogue.REJECTED.size());
            List<CSVRecord> succeeded = report.stream().filter(r -> r.get("status").equals("SUCCEEDED")).toList();
            assertThat(succeeded).hasSize(SampleCatalogue.VALID * 2);
            Map<String, List<String>> variantsByRow = succeeded.stream().collect(Collectors.groupingBy(
                    r -> r.get("row_number"), LinkedHashMap::new, Collectors.mapping(r -> r.get("variant"),
                            Collectors.toList())));
            assertThat(variantsByRow).hasSize(SampleCatalogue.VALID)
                    .allSatisfy((row, variants) -> assertThat(variants).containsExactly("1", "2"));
            Set<String> taskIds = succeeded.stream().map(r -> r.get("task_id")).collect(Collectors.toSet());
            assertThat(taskIds).hasSize(SampleCatalogue.VALID * 2);
            for (CSVRecord line : succeeded) {
                Path image = Path.of(URI.create(line.get("output_uri")));
                String stem = line.get("row_id") + "-" + line.get("variant");
                assertThat(image.getFileName().toString()).startsWith(stem + ".");
                assertThat(image).exists();
                Map<String, String> renditions = DeliveredImages.renditions(line.get("renditions"));
                Path shop = Path.of(URI.create(renditions.get("shop")));
                Path story = Path.of(URI.create(renditions.get("story")));
                assertThat(shop).isEqualTo(image.resolveSibling("shop").resolve(stem + ".jpg"));
                assertThat(story).isEqualTo(image.resolveSibling("story").resolve(stem + ".png"));
                assertThat(DeliveredImages.formatOf(shop)).isEqualToIgnoringCase("jpeg");
                assertThat(DeliveredImages.formatOf(story)).isEqualToIgnoringCase("png");
                BufferedImage shopImage = ImageIO.read(shop.toFile());
                BufferedImage storyImage = ImageIO.read(story.toFile());
                assertThat(List.of(shopImage.getWidth(), shopImage.getHeight())).containsExactly(200, 150);
                assertThat(List.of(storyImage.getWidth(), storyImage.getHeight())).containsExactly(90, 160);
                // every delivered file is labelled as AI-generated, with its own row id
                for (Path file : List.of(image, shop, story)) {
                    XmpReadBack xmp = XmpReadBack.of(file);
                    assertThat(xmp.digitalSourceType()).as("%s", file).hasValue(ImageLabel.DIGITAL_SOURCE_TYPE);
                    assertThat(xmp.text("dc:identifier")).as("%s", file).hasValue(line.get("row_id"));
                }
            }
            // a rejected row is one line, variant 1
            assertThat(report).filteredOn(r -> r.get("status").equals("REJECTED"))
                    .hasSize(SampleCatalogue.REJECTED.size())
                    .allSatisfy(r -> assertThat(r.get("variant")).isEqualTo("1"));
            assertThat(Files.readString(SandboxBatch.file(work, run.batchId(), "manifest.json")))
                    .contains("\"variants\":{\"perRow\":2");
        }
    }

    @Test
    void aRowsVariantsCellOverridesTheBatchsNumberAndABadOneRejectsOnlyThatRow() throws Exception {
        Path catalogue = Files.writeString(work.resolve("cells.csv"), """
                id,prompt,variants
                A,a brass desk lamp on white,3
                B,a linen shirt on white,9
                C,a walnut table on white,
                """);
        try (SandboxProvider sandbox = SandboxBatch.start(0)) {
            List<String> args = new ArrayList<>(List.of("--catalogue", catalogue.toString(), "--output",
                    "file:" + work.resolve("out")));
            args.addAll(SandboxBatch.providerArgs(sandbox));

            CliRun run = CliRun.run(work, args.toArray(String[]::new));

            assertThat(run.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            assertThat(sandbox.stats().creates()).isEqualTo(4);
            List<CSVRecord> report = SandboxBatch.report(work, run.batchId());
            assertThat(report).extracting(r -> r.get("row_id") + "/" + r.get("variant") + "/" + r.get("status"))
                    .containsExactly("A/1/SUCCEEDED", "A/2/SUCCEEDED", "A/3/SUCCEEDED", "B/1/REJECTED",
                            "C/1/SUCCEEDED");
            assertThat(report.get(3).get("error"))
                    .isEqualTo("row 2, column variants: \"9\" is not a whole number from 1 to 8 (the images to make"
                            + " of the row; README.md, Variants)");
            // a catalogue with a variants column names every image by its variant, also a row of one
            assertThat(Path.of(URI.create(report.get(4).get("output_uri"))).getFileName().toString())
                    .startsWith("C-1.");
        }
    }

    @Test
    void aJobFileOrFlagOutsideOneToEightIsRefusedBeforeAnythingIsSentNamingFileLineAndRule() throws Exception {
        Path job = Files.writeString(work.resolve("nine.yml"), """
                name: nine
                variants: 9
                """);
        try (SandboxProvider sandbox = SandboxBatch.start(0)) {
            List<String> args = new ArrayList<>(List.of(job.toString()));
            args.addAll(List.of(SandboxBatch.args(work, sandbox)));

            CliRun fromFile = CliRun.run(work, args.toArray(String[]::new));
            CliRun fromFlag = CliRun.run(work, SandboxBatch.args(work, sandbox, "--variants", "0"));

            assertThat(fromFile.exitCode()).isEqualTo(ImageBatchCli.USAGE);
            assertThat(fromFile.output()).contains("job file " + job + ", line 2: variants: '9' is not a whole"
                    + " number from 1 to 8");
            assertThat(fromFlag.exitCode()).isEqualTo(ImageBatchCli.USAGE);
            assertThat(fromFlag.output()).contains("--variants: '0' is not a whole number from 1 to 8");
            assertThat(sandbox.stats().creates()).isZero();
        }
    }
}
