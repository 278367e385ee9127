package io.imagebatch.catalogue;

import static io.imagebatch.catalogue.CatalogueFiles.readAll;
import static io.imagebatch.catalogue.CatalogueFiles.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** The reader's limits: an over-long cell or row is that row's rejection; an endless file is refused. */
class CatalogueLimitsTest {

    @TempDir
    Path dir;

    private static CatalogueFormat limits(long cell, long row, long skip) {
        return new CatalogueFormat(null, null, null, new CatalogueLimits(cell, row, skip));
    }

    @Test
    void aCellOverTheLimitIsThatRowsRejectionNamingTheColumnAndTheNextRowsAreRead() {
        String quotedLong = "\"" + "a \"\"quoted\"\" line,\nand more ".repeat(200) + "\"";
        Path file = write(dir, "long.csv", "id,prompt,model\n"
                + "A1,a chair,m1\n"
                + "A2," + quotedLong + ",m2\n"
                + "A3,a lamp,m3\n"
                + "A4," + "x".repeat(5000) + ",m4\n"
                + "A5,\"a \"\"table\"\", with a comma\",m5\n");

        List<CatalogueRow> rows = readAll(file, limits(1000, 100_000, 1_000_000));

        assertThat(rows).extracting(CatalogueRow::rowNumber, CatalogueRow::id, CatalogueRow::prompt,
                CatalogueRow::model).containsExactly(
                tuple(1L, "A1", "a chair", "m1"),
                tuple(2L, null, null, null),
                tuple(3L, "A3", "a lamp", "m3"),
                tuple(4L, null, null, null),
                tuple(5L, "A5", "a \"table\", with a comma", "m5"));
        assertThat(rows.get(1).problem()).isEqualTo("row 2, column prompt: longer than 1000 characters, the limit"
                + " of a cell (imagebatch.catalogue.max-cell-chars); the row was skipped");
        assertThat(rows.get(3).problem()).startsWith("row 4, column prompt: longer than 1000 characters");
        assertThat(rows).filteredOn(r -> r.problem() == null).hasSize(3);
    }

    @Test
    void theDefaultCellLimitIs64KiCharacters() {
        Path file = write(dir, "big.csv", "id,prompt\nA1," + "y".repeat(65_537) + "\nA2," + "z".repeat(65_536) + "\n");

        List<CatalogueRow> rows = readAll(file);

        assertThat(rows.get(0).problem()).contains("row 1, column prompt: longer than 65536 characters");
        assertThat(rows.get(1).problem()).isNull();
        assertThat(rows.get(1).prompt()).hasSize(65_536);
    }

    @Test
    void aRowOverTheLimitIsThatRowsRejection() {
        Path file = write(dir, "wide.csv", "id,prompt,a,b,c\nA1," + "p,".repeat(4) + "\nA2,"
                + ("q".repeat(90) + ",").repeat(4) + "\nA3,ok,1,2,3\n");

        List<CatalogueRow> rows = readAll(file, limits(100, 200, 10_000));

        assertThat(rows).extracting(CatalogueRow::id).containsExactly("A1", null, "A3");
        assertThat(rows.get(0).problem()).contains("has 6 fields"); // a ragged row, not a long one
        assertThat(rows.get(1).problem()).isEqualTo("row 2: longer than 200 characters, the limit of a row"
                + " (imagebatch.catalogue.max-row-chars); the row was skipped");
    }

    @Test
    void aTabSeparatedCatalogueIsCutTheSameWay() {
        Path file = write(dir, "long.tsv", "id\tprompt\nT1\t\"x\" after quote\nT2\t" + "w".repeat(300) + "\nT3\tok\n");

        List<CatalogueRow> rows = readAll(file, limits(100, 1000, 10_000));

        assertThat(rows).extracting(CatalogueRow::id).containsExactly("T1", null, "T3");
        assertThat(rows.get(1).problem()).startsWith("row 2, column prompt: longer than 100 characters");
    }

    @Test
    void aRowThatNeverEndsRefusesTheCatalogueWithAMessage() throws IOException {
        Path file = dir.resolve("endless.csv");
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write("id,prompt\nA1,fine\nA2,".getBytes(StandardCharsets.UTF_8));
            byte[] block = "z".repeat(64 * 1024).getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < 64; i++) {
                out.write(block);
            }
        }
        CatalogueFormat format = limits(1000, 10_000, 1_000_000);

        assertThatThrownBy(() -> readAll(file, format)).isInstanceOf(CatalogueException.class)
                .hasMessageContaining("catalogue endless.csv cannot be read in row")
                .hasMessageContaining("more than 1000000 characters past the limit without a line end")
                .hasMessageContaining("not a catalogue");
        assertThatThrownBy(() -> CatalogueInspector.inspect(file, format)).isInstanceOf(CatalogueException.class)
                .hasMessageContaining("imagebatch.catalogue.max-skip-chars");
    }

    @Test
    @EnabledOnOs({OS.LINUX, OS.MAC})
    void devZeroIsRefusedAsACatalogueWithAMessage() {
        assertThatThrownBy(() -> CatalogueInspector.inspect(Path.of("/dev/zero"), CatalogueFormat.defaults()))
                .isInstanceOf(CatalogueException.class)
                .hasMessageContaining("the header row is longer than 65536 characters in one cell");
    }

    @Test
    void aCutRowKeepsItsNumberWhenTheReaderRestartsPastIt() {
        Path file = write(dir, "restart.csv", "id,prompt\nA1,one\nA2," + "x".repeat(500) + "\nA3,three\n");
        CatalogueFormat format = limits(100, 1000, 10_000);
        CatalogueItemReader reader = new CatalogueItemReader(file, format);
        org.springframework.batch.infrastructure.item.ExecutionContext context =
                new org.springframework.batch.infrastructure.item.ExecutionContext();
        context.putLong(CatalogueItemReader.ROWS_READ_KEY, 2);
        reader.open(context);
        try {
            CatalogueRow row = reader.read();
            assertThat(row.rowNumber()).isEqualTo(3);
            assertThat(row.id()).isEqualTo("A3");
            assertThat(reader.read()).isNull();
        } finally {
            reader.close();
        }
    }

    @Test
    void whereverACutFallsInTheQuotingTheNextRowsAreReadAsWritten() {
        String tricky = "\"a\"\"b\"\"\"\"c,\r\nd \"\"\",  \"e\"\"f\" ,g\"\"h\"";
        Path file = write(dir, "tricky.csv", "id,prompt,extra\nA1," + tricky + "\nZ9,\"ok, \"\"fine\"\"\",last\n");
        // from the header's longest cell (6) and row (15) up, the cut lands on every character of the tricky row
        for (long cell = 6; cell <= 40; cell++) {
            List<CatalogueRow> rows = readAll(file, limits(cell, 1000, 10_000));
            assertThat(rows).as("cell limit %d", cell).hasSize(2);
            CatalogueRow last = rows.get(1);
            if (last.problem() == null) {
                assertThat(last.id()).as("cell limit %d", cell).isEqualTo("Z9");
                assertThat(last.prompt()).as("cell limit %d", cell).isEqualTo("ok, \"fine\"");
            } else {
                assertThat(last.problem()).as("cell limit %d", cell).startsWith("row 2, column prompt: longer than");
            }
            // the tricky row is ragged (5 fields); once no cell is cut, that is all that is wrong with it
            assertThat(rows.get(0).problem().contains("longer than")).as("cell limit %d", cell)
                    .isEqualTo(cell < 18);
        }
        for (long row = 15; row <= 60; row++) {
            List<CatalogueRow> rows = readAll(file, limits(1000, row, 10_000));
            assertThat(rows).as("row limit %d", row).hasSize(2);
            CatalogueRow last = rows.get(1);
            assertThat(last.problem() == null ? last.prompt() : last.problem()).as("row limit %d", row)
                    .isIn("ok, \"fine\"", "row 2: longer than " + row + " characters, the limit of a row"
                            + " (imagebatch.catalogue.max-row-chars); the row was skipped");
        }
    }
}
