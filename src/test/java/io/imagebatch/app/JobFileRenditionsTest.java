package io.imagebatch.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagebatch.rendition.Rendition;
import io.imagebatch.testsupport.CliRun;
import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code renditions} key of a job file (README.md, "Renditions"): read with its defaults, and every way it can
 * be wrong refused before anything is sent, named by file, line, rendition and key.
 */
class JobFileRenditionsTest {

    @TempDir
    Path dir;

    @Test
    void renditionsAreReadInOrderWithWhiteBackgroundAndQuality85ByDefault() throws Exception {
        JobFile f = JobFile.load(write("channels.yml", """
                catalogue: c.csv
                renditions:
                  - { name: shop, width: 1000, height: 1000, fit: pad, format: jpg }
                  - name: story
                    width: 1080
                    height: 1920
                    fit: crop
                    background: "#102030"
                    format: webp
                    quality: 70
                """));

        assertThat(f.renditions()).containsExactly(
                new Rendition("shop", 1000, 1000, Rendition.Fit.PAD, Color.WHITE, Rendition.Format.JPG, 85),
                new Rendition("story", 1080, 1920, Rendition.Fit.CROP, new Color(0x10, 0x20, 0x30),
                        Rendition.Format.WEBP, 70));
    }

    @Test
    void aJobFileWithoutRenditionsHasNone() throws Exception {
        assertThat(JobFile.load(write("plain.yml", "catalogue: c.csv\n")).renditions()).isEmpty();
    }

    @Test
    void eachBrokenRuleIsNamedByFileLineRenditionAndKey() throws Exception {
        String head = "name: x\nrenditions:\n";
        String good = "  - { name: shop, width: 100, height: 100, fit: pad, format: jpg }\n";
        assertRefused(head + "  - { name: big, width: 8193, height: 100, fit: pad, format: jpg }\n",
                "rendition big, key width: \"8193\" must be a whole number from 1 to 8192");
        assertRefused(head + "  - { name: zero, width: 100, height: 0, fit: pad, format: jpg }\n",
                "rendition zero, key height: \"0\" must be a whole number from 1 to 8192");
        assertRefused(head + "  - { name: s, width: 1, height: 1, fit: stretch, format: jpg }\n",
                "rendition s, key fit: \"stretch\" is not one of crop, pad, contain");
        assertRefused(head + "  - { name: s, width: 1, height: 1, fit: pad, format: gif }\n",
                "rendition s, key format: \"gif\" is not one of jpg, png, webp");
        assertRefused(head + "  - { name: s, width: 1, height: 1, fit: pad, format: jpg, background: pink }\n",
                "rendition s, key background: \"pink\" is not a colour");
        assertRefused(head + "  - { name: s, width: 1, height: 1, fit: pad, format: jpg, quality: 101 }\n",
                "rendition s, key quality: \"101\" must be a whole number from 0 to 100");
        assertRefused(head + "  - { name: s, width: 1, height: 1, fit: pad, format: png, quality: 90 }\n",
                "rendition s, key quality: applies to jpg and webp only");
        assertRefused(head + "  - { name: \"../up\", width: 1, height: 1, fit: pad, format: jpg }\n",
                "rendition ../up, key name: \"../up\" must be 1 to 64 characters");
        assertRefused(head + "  - { width: 1, height: 1, fit: pad, format: jpg }\n",
                "rendition #1, key name: is missing");
        assertRefused(head + good + "  - { name: shop, width: 1, height: 1, fit: crop, format: png }\n",
                "rendition shop, key name: the name is used by an earlier rendition");
        assertRefused(head + "  - { name: s, width: 1, height: 1, fit: pad, format: jpg, dpi: 300 }\n",
                "rendition s, key dpi: unknown key");
        assertRefused("name: x\nrenditions: shop\n", "renditions: must be a list");
    }

    @Test
    void aBrokenRenditionIsAUsageErrorExitCode2BeforeAnythingIsRead() throws Exception {
        Path job = write("broken.yml", "catalogue: no-such.csv\nrenditions:\n"
                + "  - { name: shop, width: 0, height: 100, fit: pad, format: jpg }\n");

        CliRun run = CliRun.command(dir, "validate", job.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.output()).contains("job file " + job + ", line 2: rendition shop, key width");
    }

    private void assertRefused(String yaml, String message) throws Exception {
        Path file = write("bad.yml", yaml);
        assertThatThrownBy(() -> JobFile.load(file)).isInstanceOf(UsageException.class)
                .hasMessageContaining("job file " + file + ", line 2: " + message);
    }

    private Path write(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content);
    }
}
