package io.imagebatch.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagebatch.app.UsageException;
import io.imagebatch.cli.ImageBatchCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve}'s options and its reading of a jobs folder, without Spring. */
class ServeOptionsTest {

    @Test
    void parsesTheFolderTheSandboxAndSpringSettings() {
        ServeOptions o = ServeOptions.parse(List.of("--jobs", "nightly/", "--sandbox", "--server.port=9090"));
        assertThat(o.jobs()).isEqualTo(Path.of("nightly/"));
        assertThat(o.sandbox()).isTrue();
        assertThat(o.springArgs()).containsExactly("--server.port=9090");
        assertThat(ServeOptions.parse(List.of("--jobs=x")).jobs()).isEqualTo(Path.of("x"));
        assertThat(ServeOptions.parse(List.of()).jobs()).isEqualTo(Path.of("jobs"));
    }

    @Test
    void refusesWhatItDoesNotKnow() {
        assertThatThrownBy(() -> ServeOptions.parse(List.of("jobs/nightly.yml"))).isInstanceOf(UsageException.class)
                .hasMessageContaining("serve takes --jobs DIR");
        assertThatThrownBy(() -> ServeOptions.parse(List.of("--jobs"))).hasMessageContaining("--jobs needs a folder");
        assertThatThrownBy(() -> ServeOptions.parse(List.of("--server.port"))).hasMessageContaining("needs a value");
    }

    @Test
    void aMissingFolderIsAUsageErrorBeforeSpringStarts(@TempDir Path dir) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int exit = ImageBatchCli.execute(new String[] {"serve", "--jobs", dir.resolve("nope").toString()},
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertThat(exit).isEqualTo(ImageBatchCli.USAGE);
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("the jobs folder").contains("nope")
                .contains("does not exist");
    }

    @Test
    void scanKeepsScheduledFilesInNameOrderAndReportsTheRest(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("b.yml"), "catalogue: b.csv\nschedule: \"0 0 3 * * *\"\n");
        Files.writeString(dir.resolve("a.yaml"), "catalogue: a.csv\nschedule: \"0 0 2 * * *\"\n");
        Files.writeString(dir.resolve("c.yml"), "catalogue: c.csv\n");
        Files.writeString(dir.resolve("d.yml"), "catalogue: [\n");
        Files.writeString(dir.resolve("notes.txt"), "not a job file");
        ServeJobs jobs = ServeJobs.scan(dir, List.of());
        assertThat(jobs.scheduled()).extracting(f -> f.jobName()).containsExactly("a", "b");
        assertThat(jobs.unscheduled()).containsExactly(dir.resolve("c.yml"));
        assertThat(jobs.problems()).singleElement().asString().contains("d.yml, line");
        ServeJobs fewer = jobs.without(List.of(jobs.scheduled().get(0)), "because");
        assertThat(fewer.scheduled()).extracting(f -> f.jobName()).containsExactly("b");
        assertThat(fewer.problems()).hasSize(2).last().asString().isEqualTo("job file " + dir.resolve("a.yaml")
                + ": because");
    }

    @Test
    void aJobFileWithBrokenRenditionsIsNotScheduledAndSaysWhichRenditionKeyAndRule(@TempDir Path dir)
            throws Exception {
        String head = "catalogue: c.csv\nschedule: \"0 0 3 * * *\"\nrenditions:\n";
        Files.writeString(dir.resolve("good.yml"), head
                + "  - { name: shop, width: 1000, height: 1000, fit: pad, format: jpg }\n");
        Files.writeString(dir.resolve("zero.yml"), head
                + "  - { name: tiny, width: 0, height: 10, fit: pad, format: jpg }\n");
        Files.writeString(dir.resolve("fit.yml"), head
                + "  - { name: s, width: 10, height: 10, fit: stretch, format: jpg }\n");
        Files.writeString(dir.resolve("twice.yml"), head
                + "  - { name: shop, width: 10, height: 10, fit: pad, format: jpg }\n"
                + "  - { name: shop, width: 20, height: 20, fit: crop, format: png }\n");
        Files.writeString(dir.resolve("list.yml"), head.replace("renditions:\n", "renditions: shop\n"));

        ServeJobs jobs = ServeJobs.scan(dir, List.of());

        assertThat(jobs.scheduled()).extracting(f -> f.jobName()).containsExactly("good");
        assertThat(jobs.unscheduled()).isEmpty();
        assertThat(jobs.problems()).hasSize(4);
        assertThat(jobs.problems().get(0)).contains("fit.yml").contains("rendition s, key fit: \"stretch\"");
        assertThat(jobs.problems().get(1)).contains("list.yml").contains("renditions: must be a list");
        assertThat(jobs.problems().get(2)).contains("twice.yml")
                .contains("rendition shop, key name: the name is used by an earlier rendition");
        assertThat(jobs.problems().get(3)).contains("zero.yml")
                .contains("rendition tiny, key width: \"0\" must be a whole number from 1 to 8192");
    }
}
