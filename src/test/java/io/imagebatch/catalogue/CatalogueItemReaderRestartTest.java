package io.imagebatch.catalogue;

import static io.imagebatch.catalogue.CatalogueFiles.drain;
import static io.imagebatch.catalogue.CatalogueFiles.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamException;

/** The ItemStream contract: checkpoint, restart, lifecycle, and streaming of large files. */
class CatalogueItemReaderRestartTest {

    @TempDir
    Path dir;

    @Test
    void restartContinuesAfterTheSavedRowWithTheSameRowNumbers() {
        Path file = write(dir, "six.csv", "prompt\n\"one\nspanning two lines\"\ntwo\n\nthree\nfour\nfive\nsix\n");
        ExecutionContext context = new ExecutionContext();

        CatalogueItemReader first = new CatalogueItemReader(file, CatalogueFormat.defaults());
        first.open(context);
        first.read();
        first.read();
        first.read();
        first.update(context);
        first.close();
        assertThat(context.getLong(CatalogueItemReader.ROWS_READ_KEY)).isEqualTo(3);

        CatalogueItemReader second = new CatalogueItemReader(file, CatalogueFormat.defaults());
        second.open(context);
        assertThat(drain(second)).extracting(CatalogueRow::rowNumber, CatalogueRow::id, CatalogueRow::prompt)
                .containsExactly(tuple(4L, "4", "four"), tuple(5L, "5", "five"), tuple(6L, "6", "six"));
        second.update(context);
        second.close();
        assertThat(context.getLong(CatalogueItemReader.ROWS_READ_KEY)).isEqualTo(6);
    }

    @Test
    void restartDoesNotReportProblemsOfSkippedRowsAgain() {
        Path file = write(dir, "ragged.csv", "id,prompt\n1,a,extra\n,b\n3,c\n");
        ExecutionContext context = new ExecutionContext();
        context.putLong(CatalogueItemReader.ROWS_READ_KEY, 2);

        CatalogueItemReader reader = new CatalogueItemReader(file, CatalogueFormat.defaults());
        reader.open(context);

        assertThat(drain(reader)).extracting(CatalogueRow::rowNumber, CatalogueRow::problem).containsExactly(tuple(3L, null));
        reader.close();
    }

    @Test
    void checkpointStoredAsAnIntegerIsAccepted() {
        Path file = write(dir, "three.csv", "prompt\na\nb\nc\n");
        ExecutionContext context = new ExecutionContext();
        context.put(CatalogueItemReader.ROWS_READ_KEY, 2);

        CatalogueItemReader reader = new CatalogueItemReader(file, CatalogueFormat.defaults());
        reader.open(context);

        assertThat(reader.read().prompt()).isEqualTo("c");
        reader.close();
    }

    @Test
    void checkpointPastTheEndMeansTheFileChanged() {
        Path file = write(dir, "two.csv", "prompt\na\nb\n");
        ExecutionContext context = new ExecutionContext();
        context.putLong(CatalogueItemReader.ROWS_READ_KEY, 5);

        assertThatThrownBy(() -> new CatalogueItemReader(file, CatalogueFormat.defaults()).open(context))
                .isInstanceOf(CatalogueException.class)
                .hasMessageContaining("has 2 rows, but the restarted step had already read 5");
    }

    @Test
    void checkpointThatIsNotACount() {
        Path file = write(dir, "two.csv", "prompt\na\nb\n");
        ExecutionContext context = new ExecutionContext();
        context.putString(CatalogueItemReader.ROWS_READ_KEY, "three");

        assertThatThrownBy(() -> new CatalogueItemReader(file, CatalogueFormat.defaults()).open(context))
                .isInstanceOf(ItemStreamException.class)
                .hasMessageContaining(CatalogueItemReader.ROWS_READ_KEY);
    }

    @Test
    void readingBeforeOpenOrAfterCloseFails() {
        Path file = write(dir, "one.csv", "prompt\na\n");
        CatalogueItemReader reader = new CatalogueItemReader(file, CatalogueFormat.defaults());

        assertThatThrownBy(reader::read).isInstanceOf(IllegalStateException.class).hasMessageContaining("not been opened");
        assertThatThrownBy(() -> reader.update(new ExecutionContext())).isInstanceOf(IllegalStateException.class);

        reader.open(new ExecutionContext());
        assertThatThrownBy(() -> reader.open(new ExecutionContext()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already open");
        reader.close();
        reader.close(); // idempotent

        assertThatThrownBy(reader::read).isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
    }

    @Test
    void reopeningAfterCloseStartsFromTheCheckpointGiven() {
        Path file = write(dir, "two.csv", "prompt\na\nb\n");
        CatalogueItemReader reader = new CatalogueItemReader(file, CatalogueFormat.defaults());
        reader.open(new ExecutionContext());
        reader.read();
        reader.close();

        reader.open(new ExecutionContext());
        assertThat(drain(reader)).extracting(CatalogueRow::prompt).containsExactly("a", "b");
        reader.close();
    }

    @Test
    void streamsAHundredThousandRows() throws Exception {
        Path file = dir.resolve("large.csv");
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            out.write("id,prompt,aspect_ratio\n");
            for (int i = 1; i <= 100_000; i++) {
                out.write("sku-" + i + ",\"a product photo of item " + i + ", studio light\",1:1\n");
            }
        }
        CatalogueItemReader reader = new CatalogueItemReader(file, CatalogueFormat.defaults());
        reader.open(new ExecutionContext());

        long count = 0;
        CatalogueRow last = null;
        for (CatalogueRow row = reader.read(); row != null; row = reader.read()) {
            count++;
            last = row; // nothing is kept: the reader must not hold rows either
        }
        reader.close();

        assertThat(count).isEqualTo(100_000);
        assertThat(last.rowNumber()).isEqualTo(100_000);
        assertThat(last.id()).isEqualTo("sku-100000");
        assertThat(CatalogueInspector.inspect(file, CatalogueFormat.defaults()).rows()).isEqualTo(100_000);
    }
}
