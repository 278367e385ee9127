package io.imagebatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.testsupport.CliRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the command line prints about a catalogue quotes its headers and cells: their control characters (NUL,
 * BEL, ESC sequences, line breaks) are printed escaped, never raw to the terminal, and one line stays one line.
 */
class OutsideTextOutputTest {

    @TempDir
    Path dir;

    private static void assertNoRawControlCharacters(String output) {
        assertThat(output.chars().filter(c -> c < 0x20 && c != '\n' && c != '\r' && c != '\t').count())
                .as("raw control characters in the output").isZero();
    }

    @Test
    void cellValuesWithTerminalControlsArePrintedEscapedInRejections() throws Exception {
        Path catalogue = dir.resolve("hostile.csv");
        Files.writeString(catalogue, "id,prompt,aspect_ratio\n"
                + "a1,a red chair,\"\u001b[2J\u001b[31m7:3\u0007\"\n"
                + "a2,a blue lamp,\"1:1\"\n"
                + "a3,a green sofa,\"2:3\nREJECTED row 99, column prompt: forged\"\n", StandardCharsets.UTF_8);

        CliRun result = CliRun.command(dir, "validate", "--catalogue", catalogue.toString(), "--provider", "liangxin",
                "--output", "file:" + dir.resolve("out"),
                "--imagebatch.providers.liangxin.base-url=http://127.0.0.1:9",
                "--imagebatch.providers.liangxin.api-key=validate-only-key");

        assertThat(result.exitCode()).isZero();
        assertNoRawControlCharacters(result.output());
        assertThat(result.output()).contains("row 1, column aspect_ratio: \"\\u001b[2J\\u001b[31m7:3\\u0007\"")
                .contains("row 3, column aspect_ratio: \"2:3\\nREJECTED row 99, column prompt: forged\"");
        assertThat(result.output().lines()).noneMatch(line -> line.startsWith("REJECTED row 99"));
    }

    @Test
    void headerNamesWithTerminalControlsArePrintedEscapedInCatalogueErrors() throws Exception {
        Path catalogue = dir.resolve("headers.csv");
        Files.writeString(catalogue, "id,prompt,\"Colour\u001b[8m\",\"COLOUR\u001b[8m\"\na1,a red chair,red,red\n",
                StandardCharsets.UTF_8);

        CliRun result = CliRun.command(dir, "validate", "--catalogue", catalogue.toString(), "--provider", "liangxin",
                "--output", "file:" + dir.resolve("out"),
                "--imagebatch.providers.liangxin.base-url=http://127.0.0.1:9",
                "--imagebatch.providers.liangxin.api-key=validate-only-key");

        assertThat(result.exitCode()).isEqualTo(2);
        assertNoRawControlCharacters(result.output());
        assertThat(result.output()).contains("two columns named \"Colour\\u001b[8m\"");
    }
}
