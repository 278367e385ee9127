package io.imagebatch.catalogue;

import static io.imagebatch.catalogue.CatalogueFiles.readAll;
import static io.imagebatch.catalogue.CatalogueFiles.write;
import static io.imagebatch.catalogue.CatalogueFiles.writeWithBom;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the bytes of a catalogue become cells: encoding, delimiters, quoting, blank lines, trimming. */
class CatalogueItemReaderFormatTest {

    @TempDir
    Path dir;

    @Test
    void readsEveryFieldOfAPlainCsv() {
        Path file = write(dir, "plain.csv", """
                id,prompt,provider,model,aspect_ratio,resolution,output_format,reference_images
                a1,a red chair,liangxin,nano-banana,16:9,2K,png,https://x/1.png | https://x/2.png
                """);

        assertThat(readAll(file)).containsExactly(new CatalogueRow(1, "a1", "a red chair", "liangxin", "nano-banana",
                "16:9", "2K", "png", List.of("https://x/1.png", "https://x/2.png"), null));
    }

    @Test
    void stripsTheUtf8ByteOrderMark() {
        String content = "prompt,id\nfirst é,1\n";
        Path withBom = writeWithBom(dir, "bom.csv", content);
        Path withoutBom = write(dir, "plain.csv", content);

        // with the BOM left in, the first header would read "\uFEFFprompt" and there would be no prompt column
        assertThat(readAll(withBom)).singleElement().satisfies(row -> {
            assertThat(row.prompt()).isEqualTo("first é");
            assertThat(row.id()).isEqualTo("1");
        });
        assertThat(readAll(withBom)).isEqualTo(readAll(withoutBom));
    }

    @Test
    void tsvByExtensionInAnyCase() {
        Path file = write(dir, "catalogue.TSV", "id\tprompt\n1\ta cat, a dog\n2\t\"quoted\ttab\"\n");

        assertThat(readAll(file)).extracting(CatalogueRow::prompt).containsExactly("a cat, a dog", "quoted\ttab");
    }

    @Test
    void tsvByExplicitDelimiter() {
        Path file = write(dir, "catalogue.txt", "id\tprompt\n1\ta cat, a dog\n");

        assertThat(readAll(file, new CatalogueFormat('\t', Map.of(), null)))
                .extracting(CatalogueRow::prompt).containsExactly("a cat, a dog");
    }

    @Test
    void explicitDelimiterOverridesTheExtension() {
        Path file = write(dir, "catalogue.tsv", "id;prompt\n1;a cat\tand a dog, sleeping\n");

        assertThat(readAll(file, new CatalogueFormat(';', Map.of(), null)))
                .extracting(CatalogueRow::prompt).containsExactly("a cat\tand a dog, sleeping");
    }

    @Test
    void quotedFieldsHoldCommasQuotesAndLineBreaks() {
        Path file = write(dir, "quoted.csv", "id,prompt\n"
                + "1,\"a sign saying \"\"HELLO, WORLD\"\"\"\n"
                + "2,\"two\nlines\"\n"
                + "3,  \"spaces around the quotes\"  \n"
                + "4,last\n");

        List<CatalogueRow> rows = readAll(file);

        assertThat(rows).extracting(CatalogueRow::prompt)
                .containsExactly("a sign saying \"HELLO, WORLD\"", "two\nlines", "spaces around the quotes", "last");
        assertThat(rows).extracting(CatalogueRow::rowNumber).containsExactly(1L, 2L, 3L, 4L);
        assertThat(rows).extracting(CatalogueRow::problem).containsOnlyNulls();
    }

    @Test
    void windowsLineEndingsAreRead() {
        Path file = write(dir, "crlf.csv", "id,prompt\r\n1,a cat\r\n2,\"two\r\nlines\"\r\n");

        assertThat(readAll(file)).extracting(CatalogueRow::prompt).containsExactly("a cat", "two\r\nlines");
    }

    @Test
    void blankLinesAreSkippedAndNotNumbered() {
        Path file = write(dir, "blank.csv", "\n\nid,prompt\n\n1,a\n   \n,\n  ,  \n2,b\n\n");

        assertThat(readAll(file)).extracting(CatalogueRow::id, CatalogueRow::rowNumber)
                .containsExactly(tuple("1", 1L), tuple("2", 2L));
    }

    @Test
    void cellsAreTrimmedAndBlankCellsAreNull() {
        Path file = write(dir, "trim.csv", "id,prompt,model,aspect_ratio,reference_images\n"
                + "  7  ,  a cat  ,   ,\"  \",\n");

        assertThat(readAll(file)).containsExactly(
                new CatalogueRow(1, "7", "a cat", null, null, null, null, null, List.of(), null));
    }

    @Test
    void headersAreMatchedIgnoringCaseAndSurroundingSpaces() {
        Path file = write(dir, "case.csv", " ID , Prompt ,ASPECT_RATIO,Output_Format\nx,a cat,1:1,webp\n");

        assertThat(readAll(file)).singleElement().satisfies(row -> {
            assertThat(row.id()).isEqualTo("x");
            assertThat(row.prompt()).isEqualTo("a cat");
            assertThat(row.aspectRatio()).isEqualTo("1:1");
            assertThat(row.outputFormat()).isEqualTo("webp");
        });
    }

    @Test
    void referenceImagesAreSplitOnPipesTrimmedAndBlanksDropped() {
        Path file = write(dir, "refs.csv", "prompt,reference_images\na,\" a.png |  | b.png|\"\nb,|\nc,one.png\n");

        assertThat(readAll(file)).extracting(CatalogueRow::referenceImages)
                .containsExactly(List.of("a.png", "b.png"), List.of(), List.of("one.png"));
    }

    @Test
    void blankHeadersAreAllowedAndIgnored() {
        Path file = write(dir, "trailing.csv", "id,prompt,,\n1,a cat,,\n");

        assertThat(readAll(file)).extracting(CatalogueRow::prompt, CatalogueRow::problem)
                .containsExactly(tuple("a cat", null));
    }
}
