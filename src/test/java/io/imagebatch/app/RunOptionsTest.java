package io.imagebatch.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagebatch.cli.ImageBatchCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Command-line options and job files. */
class RunOptionsTest {

    @Test
    void parsesEveryOptionInBothFormsAndPassesSpringSettingsThrough() {
        RunOptions o = RunOptions.parse(List.of("jobs/demo.yml", "--catalogue", "c.csv", "--provider=liangxin",
                "--column", "prompt=Prompts", "--column=id=SKU", "--prompt-template", "Photo of {Title}",
                "--delimiter", "tab", "--sandbox", "--spring.datasource.url=jdbc:h2:mem:x", "--output", "s3://b/p"));
        assertThat(o.jobFile()).isEqualTo("jobs/demo.yml");
        assertThat(o.catalogue()).isEqualTo("c.csv");
        assertThat(o.provider()).isEqualTo("liangxin");
        // in the order given (Map.of has no order: its iteration order changes from one JVM to the next)
        assertThat(o.columns()).containsExactly(Map.entry("prompt", "Prompts"), Map.entry("id", "SKU"));
        assertThat(o.promptTemplate()).isEqualTo("Photo of {Title}");
        assertThat(o.delimiter()).isEqualTo('\t');
        assertThat(o.sandbox()).isTrue();
        assertThat(o.output()).isEqualTo("s3://b/p");
        assertThat(o.springArgs()).containsExactly("--spring.datasource.url=jdbc:h2:mem:x");
    }

    @Test
    void usageErrorsSayWhatToFix() {
        assertThatThrownBy(() -> RunOptions.parse(List.of("--colour", "red")))
                .isInstanceOf(UsageException.class).hasMessage("unknown option --colour");
        assertThatThrownBy(() -> RunOptions.parse(List.of("--column", "prompt")))
                .hasMessageContaining("--column takes FIELD=HEADER");
        assertThatThrownBy(() -> RunOptions.parse(List.of("--column", "title=Title")))
                .hasMessageContaining("\"title\" is not a catalogue field");
        assertThatThrownBy(() -> RunOptions.parse(List.of("--catalogue")))
                .hasMessage("--catalogue needs a value");
        assertThatThrownBy(() -> RunOptions.parse(List.of("a.yml", "b.yml")))
                .hasMessageContaining("only one job file");
        assertThatThrownBy(() -> RunOptions.parse(List.of("--delimiter", "ab")))
                .hasMessageContaining("must be one character");
    }

    @Test
    void jobFileReadsItsSettingsAndRefusesUnknownKeysByName(@TempDir Path dir) throws Exception {
        Path good = dir.resolve("nightly.yml");
        Files.writeString(good, """
                name: nightly
                catalogue: cat.csv
                output: s3://bucket/prefix
                columns: { id: sku, Prompt: Description }
                prompt-template: "Photo of {name}"
                defaults: { aspect-ratio: "4:5", resolution: 2K }
                sandbox: { failure-rate: 0.1 }
                """);
        JobFile f = JobFile.load(good);
        assertThat(f.name()).isEqualTo("nightly");
        assertThat(f.columns()).containsEntry("id", "sku").containsEntry("prompt", "Description");
        assertThat(f.aspectRatio()).isEqualTo("4:5");
        assertThat(f.resolution()).isEqualTo("2K");
        assertThat(f.sandbox()).containsEntry("failure-rate", "0.1");

        Path typo = dir.resolve("typo.yml");
        Files.writeString(typo, "catalog: cat.csv\n");
        assertThatThrownBy(() -> JobFile.load(typo)).isInstanceOf(UsageException.class)
                .hasMessageContaining("typo.yml: unknown key \"catalog\"");

        Path broken = dir.resolve("broken.yml");
        Files.writeString(broken, "name: x\ncolumns: [a\n");
        assertThatThrownBy(() -> JobFile.load(broken)).hasMessageContaining("broken.yml, line");

        assertThatThrownBy(() -> JobFile.load(dir.resolve("missing.yml"))).hasMessageContaining("does not exist");
    }

    @Test
    void withoutArgumentsOrWithAnUnknownCommandTheExitCodeIsTwo() {
        assertThat(ImageBatchCli.execute(new String[0], new java.io.PrintStream(java.io.OutputStream.nullOutputStream())))
                .isEqualTo(ImageBatchCli.USAGE);
        assertThat(ImageBatchCli.execute(new String[] {"frobnicate"},
                new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))).isEqualTo(ImageBatchCli.USAGE);
    }
}
