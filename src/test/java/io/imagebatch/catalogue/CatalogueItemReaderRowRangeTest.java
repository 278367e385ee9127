package io.imagebatch.catalogue;

import static io.imagebatch.catalogue.CatalogueFiles.drain;
import static io.imagebatch.catalogue.CatalogueFiles.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * A reader of one partition's rows (README.md, "More than one machine"): only rows {@code from} to {@code to}, with
 * the row numbers of the whole file, restartable from its own checkpoint.
 */
class CatalogueItemReaderRowRangeTest {

    @TempDir
    Path dir;

    @Test
    void aPartitionsReaderReadsOnlyItsRowsWithTheRowNumbersOfTheWholeFile() {
        // a blank record is not numbered, a quoted field spans two lines: numbers are those of the whole file
        Path file = write(dir, "six.csv", "prompt\n\"one\nspanning two lines\"\ntwo\n\nthree\nfour\nfive\nsix\n");

        CatalogueItemReader middle = new CatalogueItemReader(file, CatalogueFormat.defaults()).rows(3, 5);
        middle.open(new ExecutionContext());
        assertThat(drain(middle)).extracting(CatalogueRow::rowNumber, CatalogueRow::prompt)
                .containsExactly(tuple(3L, "three"), tuple(4L, "four"), tuple(5L, "five"));
        middle.close();

        CatalogueItemReader last = new CatalogueItemReader(file, CatalogueFormat.defaults()).rows(6, 6);
        last.open(new ExecutionContext());
        assertThat(drain(last)).extracting(CatalogueRow::rowNumber).containsExactly(6L);
        last.close();

        CatalogueItemReader first = new CatalogueItemReader(file, CatalogueFormat.defaults()).rows(1, 2);
        first.open(new ExecutionContext());
        assertThat(drain(first)).extracting(CatalogueRow::rowNumber, CatalogueRow::prompt)
                .containsExactly(tuple(1L, "one\nspanning two lines"), tuple(2L, "two"));
        first.close();
    }

    @Test
    void aPartitionsReaderRestartsFromItsOwnCheckpointInsideItsRange() {
        Path file = write(dir, "six.csv", "prompt\none\ntwo\nthree\nfour\nfive\nsix\n");
        ExecutionContext context = new ExecutionContext();

        CatalogueItemReader reader = new CatalogueItemReader(file, CatalogueFormat.defaults()).rows(2, 5);
        reader.open(context);
        assertThat(reader.read().rowNumber()).isEqualTo(2);
        assertThat(reader.read().rowNumber()).isEqualTo(3);
        reader.update(context);
        reader.close();
        // the checkpoint counts from the start of the file, as without a range
        assertThat(context.getLong(CatalogueItemReader.ROWS_READ_KEY)).isEqualTo(3);

        CatalogueItemReader restarted = new CatalogueItemReader(file, CatalogueFormat.defaults()).rows(2, 5);
        restarted.open(context);
        assertThat(drain(restarted)).extracting(CatalogueRow::rowNumber).containsExactly(4L, 5L);
        restarted.update(context);
        restarted.close();
        assertThat(context.getLong(CatalogueItemReader.ROWS_READ_KEY)).isEqualTo(5);

        // a partition that read all its rows reads nothing more
        CatalogueItemReader done = new CatalogueItemReader(file, CatalogueFormat.defaults()).rows(2, 5);
        done.open(context);
        assertThat(done.read()).isNull();
        done.close();
    }

    @Test
    void aRangeThatIsNotOneIsRefused() {
        Path file = write(dir, "one.csv", "prompt\none\n");
        assertThatThrownBy(() -> new CatalogueItemReader(file, CatalogueFormat.defaults()).rows(0, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rows 0 to 3");
        assertThatThrownBy(() -> new CatalogueItemReader(file, CatalogueFormat.defaults()).rows(5, 3))
                .isInstanceOf(IllegalArgumentException.class);
        CatalogueItemReader empty = new CatalogueItemReader(file, CatalogueFormat.defaults()).rows(1, 0);
        empty.open(new ExecutionContext());
        assertThat(empty.read()).isNull();
        empty.close();
    }
}
