package io.imagebatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.SandboxBatch;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code choose BATCH ROW_NUM K} (README.md, Variants): the chosen variant is copied byte for byte to the row's own
 * name, recorded in report.csv ({@code chosen}) and manifest.json; choosing again replaces it; a variant that is
 * not stored, or one the batch does not have, is refused and nothing changes.
 */
class ChooseCommandTest {

    @TempDir
    Path work;

    @Test
    void theChosenVariantIsCopiedToTheRowsNameAndRecordedAndChoosingAgainReplacesIt() throws Exception {
        Path catalogue = Files.writeString(work.resolve("cat.csv"), """
                id,prompt,aspect_ratio
                A,a brass desk lamp on white,1:1
                B,a linen shirt on white,7:3
                """);
        try (SandboxProvider sandbox = SandboxBatch.start(0)) {
            List<String> args = new ArrayList<>(List.of("--catalogue", catalogue.toString(), "--variants", "2",
                    "--output", "file:" + work.resolve("out")));
            args.addAll(SandboxBatch.providerArgs(sandbox));
            CliRun run = CliRun.run(work, args.toArray(String[]::new));
            assertThat(run.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            String batchId = run.batchId();
            Path first = image(batchId, 1);
            Path second = image(batchId, 2);
            assertThat(Files.readAllBytes(first)).isNotEqualTo(Files.readAllBytes(second));
            Path chosen = first.resolveSibling("A" + extension(first));

            CliRun choose = CliRun.command(work, "choose", batchId, "1", "2");

            assertThat(choose.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            assertThat(Files.readAllBytes(chosen)).isEqualTo(Files.readAllBytes(second));
            assertThat(chosenColumn(batchId)).containsExactly("1/1/", "1/2/yes", "2/1/");
            assertThat(manifest(batchId)).contains("\"chosen\":[{\"rowNumber\":1,\"rowId\":\"A\",\"variant\":2,"
                    + "\"uri\":\"" + io.imagebatch.job.BatchOutputKeys.chosenUri(uriOf(batchId, 2), 2) + "\"}]");

            CliRun again = CliRun.command(work, "choose", batchId, "1", "1");

            assertThat(again.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            assertThat(Files.readAllBytes(chosen)).isEqualTo(Files.readAllBytes(first));
            assertThat(chosenColumn(batchId)).containsExactly("1/1/yes", "1/2/", "2/1/");
            assertThat(manifest(batchId)).contains("\"chosen\":[{\"rowNumber\":1,\"rowId\":\"A\",\"variant\":1,");

            // row 2 was rejected (7:3): nothing stored to choose; row 1 has no variant 3
            CliRun notStored = CliRun.command(work, "choose", batchId, "2", "1");
            CliRun unknown = CliRun.command(work, "choose", batchId, "1", "3");

            assertThat(notStored.exitCode()).isEqualTo(ImageBatchCli.FAILED);
            assertThat(notStored.output()).contains("Row 2 (B) variant 1 of batch " + batchId
                    + " is REJECTED, not STORED");
            assertThat(unknown.exitCode()).isEqualTo(ImageBatchCli.USAGE);
            assertThat(unknown.output()).contains("has no row 1 variant 3");
            assertThat(chosenColumn(batchId)).containsExactly("1/1/yes", "1/2/", "2/1/");
            assertThat(Files.readAllBytes(chosen)).isEqualTo(Files.readAllBytes(first));
        }
    }

    @Test
    void chooseWritesTheContactSheetInThePagesTheSettingAsksForAsTheRunDid() throws Exception {
        Path catalogue = Files.writeString(work.resolve("pages.csv"), """
                id,prompt
                A,a brass desk lamp on white
                B,a linen shirt on white
                """);
        String pageSize = "--imagebatch.report.contact-sheet-page-size=1";
        try (SandboxProvider sandbox = SandboxBatch.start(0)) {
            List<String> args = new ArrayList<>(List.of("--catalogue", catalogue.toString(), "--variants", "2",
                    "--output", "file:" + work.resolve("out"), pageSize));
            args.addAll(SandboxBatch.providerArgs(sandbox));
            CliRun run = CliRun.run(work, args.toArray(String[]::new));
            assertThat(run.exitCode()).as(run.output()).isEqualTo(ImageBatchCli.COMPLETED);
            Path sheet = work.resolve("out").resolve(run.batchId()).resolve("report.html");
            assertThat(Files.readString(sheet)).contains("report-2.html");

            CliRun choose = CliRun.command(work, "choose", run.batchId(), "1", "2", pageSize);

            assertThat(choose.exitCode()).as(choose.output()).isEqualTo(ImageBatchCli.COMPLETED);
            assertThat(Files.readString(sheet)).as("page 1 after choose").contains("report-2.html");
        }
    }

    @Test
    void aChosenCopyThatWouldOverwriteAnotherRowsVariantIsRefused() throws Exception {
        Path catalogue = Files.writeString(work.resolve("ids.csv"), """
                id,prompt
                X,a brass desk lamp on white
                X-1,a linen shirt on white
                """);
        try (SandboxProvider sandbox = SandboxBatch.start(0)) {
            List<String> args = new ArrayList<>(List.of("--catalogue", catalogue.toString(), "--variants", "2",
                    "--output", "file:" + work.resolve("out")));
            args.addAll(SandboxBatch.providerArgs(sandbox));
            CliRun run = CliRun.run(work, args.toArray(String[]::new));
            assertThat(run.exitCode()).isEqualTo(ImageBatchCli.COMPLETED);
            Path xFirst = Path.of(URI.create(SandboxBatch.report(work, run.batchId()).get(0).get("output_uri")));
            byte[] before = Files.readAllBytes(xFirst);
            assertThat(xFirst.getFileName().toString()).startsWith("X-1.");

            CliRun choose = CliRun.command(work, "choose", run.batchId(), "2", "2");

            assertThat(choose.exitCode()).isEqualTo(ImageBatchCli.FAILED);
            assertThat(choose.output()).contains("is the stored image of another row's variant");
            assertThat(Files.readAllBytes(xFirst)).isEqualTo(before);
            assertThat(chosenColumn(run.batchId())).containsExactly("1/1/", "1/2/", "2/1/", "2/2/");
        }
    }

    private Path image(String batchId, int variant) {
        CSVRecord line = SandboxBatch.report(work, batchId).stream()
                .filter(r -> r.get("row_id").equals("A") && r.get("variant").equals(String.valueOf(variant)))
                .findFirst().orElseThrow();
        Path image = Path.of(URI.create(line.get("output_uri")));
        assertThat(image.getFileName().toString()).startsWith("A-" + variant + ".");
        return image;
    }

    private String uriOf(String batchId, int variant) {
        return SandboxBatch.report(work, batchId).stream()
                .filter(r -> r.get("row_id").equals("A") && r.get("variant").equals(String.valueOf(variant)))
                .findFirst().orElseThrow().get("output_uri");
    }

    private List<String> chosenColumn(String batchId) {
        return SandboxBatch.report(work, batchId).stream()
                .map(r -> r.get("row_number") + "/" + r.get("variant") + "/" + r.get("chosen")).toList();
    }

    private String manifest(String batchId) throws Exception {
        return Files.readString(SandboxBatch.file(work, batchId, "manifest.json"));
    }

    private static String extension(Path file) {
        String name = file.getFileName().toString();
        return name.substring(name.lastIndexOf('.'));
    }
}
