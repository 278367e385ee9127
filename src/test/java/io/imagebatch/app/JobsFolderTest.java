package io.imagebatch.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.rendition.Rendition;
import io.imagebatch.testsupport.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every example job file in {@code jobs/} (README.md, "Renditions") reads and passes {@code validate} (exit 0,
 * nothing sent), and each rendition in it is introduced by a comment naming it and citing its channel's published
 * guideline by URL.
 */
class JobsFolderTest {

    @TempDir
    Path work;

    @Test
    void everyJobFileInJobsPassesValidateAndEachRenditionCitesItsGuideline() throws Exception {
        List<Path> files;
        try (Stream<Path> listing = Files.list(Path.of("jobs"))) {
            files = listing.filter(p -> p.toString().endsWith(".yml")).sorted().toList();
        }
        assertThat(files).extracting(p -> p.getFileName().toString())
                .contains("demo.yml", "marketplace-main-image.yml", "shop-product-image.yml", "social-story.yml");
        for (Path file : files) {
            JobFile job = JobFile.load(file);
            String text = Files.readString(file);
            for (Rendition rendition : job.renditions()) {
                int comment = text.indexOf("# " + rendition.name() + ": " + rendition.width() + " x "
                        + rendition.height());
                assertThat(comment).as("%s: a comment introduces rendition %s with its size", file,
                        rendition.name()).isNotNegative();
                assertThat(text.indexOf("https://", comment)).as("%s: rendition %s cites a URL", file,
                        rendition.name()).isPositive();
            }

            CliRun run = CliRun.command(work, "validate", file.toString());

            assertThat(run.exitCode()).as("validate %s", file).isZero();
        }
    }
}
