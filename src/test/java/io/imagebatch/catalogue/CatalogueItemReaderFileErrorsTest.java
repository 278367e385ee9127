package io.imagebatch.catalogue;

import static io.imagebatch.catalogue.CatalogueFiles.readAll;
import static io.imagebatch.catalogue.CatalogueFiles.write;
import static io.imagebatch.catalogue.CatalogueFiles.writeBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/** Problems of the whole file: thrown as {@link CatalogueException}, from open or, for parse errors, from read. */
class CatalogueItemReaderFileErrorsTest {

    @TempDir
    Path dir;

    @Test
    void missingFile() {
        Path file = dir.resolve("nowhere.csv");

        assertThatThrownBy(() -> open(file))
                .isInstanceOf(CatalogueException.class)
                .hasMessageContaining(file.toAbsolutePath().toString())
                .hasMessageContaining("does not exist");
    }

    @Test
    void directoryInsteadOfAFile() {
        assertThatThrownBy(() -> open(dir))
                .isInstanceOf(CatalogueException.class)
                .hasMessageContaining("is a directory");
    }

    @Test
    void emptyFileHasNoHeaderRow() {
        Path empty = write(dir, "empty.csv", "");
        Path blank = write(dir, "blank.csv", "\n\n  \n,,\n");
        Path bomOnly = writeBytes(dir, "bom.csv", CatalogueFiles.BOM);

        for (Path file : new Path[] {empty, blank, bomOnly}) {
            assertThatThrownBy(() -> open(file))
                    .isInstanceOf(CatalogueException.class)
                    .hasMessageStartingWith("catalogue " + file.getFileName() + " is empty;")
                    .hasMessageContaining("header row");
        }
    }

    @Test
    void headerOnlyIsAnEmptyCatalogueNotAnError() {
        Path file = write(dir, "header.csv", "id,prompt\n");

        assertThat(readAll(file)).isEmpty();
    }

    @Test
    void missingPromptColumnListsTheHeadersAndTheFixes() {
        Path file = write(dir, "products.csv", "sku,title,vendor\n1,chair,Acme\n");

        assertThatThrownBy(() -> open(file))
                .isInstanceOf(CatalogueException.class)
                .hasMessage("catalogue products.csv has no column \"prompt\" (headers: sku, title, vendor); add one,"
                        + " map one with --column prompt=HEADER, or give --prompt-template");
    }

    @Test
    void duplicateHeadersIgnoringCase() {
        Path file = write(dir, "dup.csv", "id,Title,prompt,title\n1,a,b,c\n");

        assertThatThrownBy(() -> open(file))
                .isInstanceOf(CatalogueException.class)
                .hasMessageContaining("\"Title\" (column 2) and \"title\" (column 4)")
                .hasMessageContaining("rename one")
                .hasMessageContaining("headers: id, Title, prompt, title");
    }

    @Test
    void unusableDelimiter() {
        Path file = write(dir, "q.csv", "prompt\na\n");

        assertThatThrownBy(() -> readAll(file, new CatalogueFormat('"', Map.of(), null)))
                .isInstanceOf(CatalogueException.class)
                .hasMessageContaining("delimiter '\"' cannot be used");
    }

    @Test
    void unterminatedQuoteNamesTheFileAndRowAfterTheGoodRows() {
        Path file = write(dir, "broken.csv", "id,prompt\n1,fine\n2,\"never closed\n3,lost\n");
        CatalogueItemReader reader = open(file);

        assertThat(reader.read().id()).isEqualTo("1");
        assertThatThrownBy(reader::read)
                .isInstanceOf(CatalogueException.class)
                .hasMessageContaining("catalogue broken.csv cannot be parsed in row 2")
                .hasMessageContaining("unterminated quote");
        reader.close();
    }

    @Test
    void textAfterAClosingQuoteIsAParseErrorInCsv() {
        Path file = write(dir, "stray.csv", "id,prompt\n1,\"GIGGLE\" on a wall\n");
        CatalogueItemReader reader = open(file);

        assertThatThrownBy(reader::read)
                .isInstanceOf(CatalogueException.class)
                .hasMessageContaining("cannot be parsed in row 1");
        reader.close();
    }

    @Test
    void parseErrorInTheHeaderRow() {
        Path file = write(dir, "header.csv", "id,\"prompt\n1,a\n");

        assertThatThrownBy(() -> open(file))
                .isInstanceOf(CatalogueException.class)
                .hasMessageContaining("cannot be parsed in the header row");
    }

    @Test
    void textThatIsNotUtf8() {
        byte[] latin1 = "id,prompt\n1,café\n".getBytes(StandardCharsets.ISO_8859_1);
        Path file = writeBytes(dir, "latin1.csv", latin1);
        CatalogueItemReader reader = open(file);

        assertThatThrownBy(reader::read)
                .isInstanceOf(CatalogueException.class)
                .hasMessageContaining("latin1.csv is not UTF-8 text: row 1, column prompt holds bytes that are not UTF-8")
                .hasMessageContaining("save the file as UTF-8");
        reader.close();
    }

    @Test
    void unreadableFile() throws Exception {
        Path file = write(dir, "secret.csv", "prompt\na\n");
        boolean restricted = file.toFile().setReadable(false, false) && !Files.isReadable(file);
        org.junit.jupiter.api.Assumptions.assumeTrue(restricted, "running as a user who can read any file (root)");

        assertThatThrownBy(() -> open(file))
                .isInstanceOf(CatalogueException.class)
                .hasMessageContaining("cannot be read");
    }

    private static CatalogueItemReader open(Path file) {
        CatalogueItemReader reader = new CatalogueItemReader(file, CatalogueFormat.defaults());
        reader.open(new ExecutionContext());
        return reader;
    }
}
