package io.imagebatch.catalogue;

import static io.imagebatch.catalogue.CatalogueFiles.readAll;
import static io.imagebatch.catalogue.CatalogueFiles.template;
import static io.imagebatch.catalogue.CatalogueFiles.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/** Column mapping, prompt templates, ids, and the problems a single row can have. */
class CatalogueItemReaderFieldsTest {

    @TempDir
    Path dir;

    @Test
    void columnMappingReadsFieldsFromOtherHeaders() {
        Path file = write(dir, "products.csv", "SKU,Prompts,prompt,Ratio\nA-1,a red chair,not this one,4:3\n");
        CatalogueFormat format = new CatalogueFormat(null,
                Map.of("prompt", "prompts", "ID", "sku", "aspect_ratio", " RATIO "), null);

        assertThat(readAll(file, format)).singleElement().satisfies(row -> {
            assertThat(row.id()).isEqualTo("A-1");
            assertThat(row.prompt()).isEqualTo("a red chair");
            assertThat(row.aspectRatio()).isEqualTo("4:3");
        });
    }

    @Test
    void columnMappingToAMissingHeaderIsAFileError() {
        Path file = write(dir, "products.csv", "sku,title\n1,chair\n");
        CatalogueFormat format = new CatalogueFormat(null, Map.of("prompt", "Prompts"), null);

        assertThatThrownBy(() -> readAll(file, format))
                .isInstanceOf(CatalogueException.class)
                .hasMessage("catalogue products.csv has no column \"Prompts\" for field prompt (--column prompt=Prompts;"
                        + " headers: sku, title); fix the mapping or the header");
    }

    @Test
    void columnMappingOfAnUnknownFieldIsAFileError() {
        Path file = write(dir, "products.csv", "prompt\nchair\n");
        CatalogueFormat format = new CatalogueFormat(null, Map.of("promt", "prompt"), null);

        assertThatThrownBy(() -> readAll(file, format))
                .isInstanceOf(CatalogueException.class)
                .hasMessageContaining("unknown field \"promt\"")
                .hasMessageContaining("id, prompt, provider, model, aspect_ratio, resolution, output_format, reference_images");
    }

    @Test
    void templateBuildsThePromptFromAnyHeadersIgnoringCase() {
        Path file = write(dir, "products.csv", "sku,Title,Vendor\n1,a red chair,Acme\n2, a lamp ,Lumo\n");

        List<CatalogueRow> rows = readAll(file, template("Studio photo of {title} by {VENDOR} {{studio}}"));

        assertThat(rows).extracting(CatalogueRow::prompt, CatalogueRow::problem).containsExactly(
                tuple("Studio photo of a red chair by Acme {studio}", null),
                tuple("Studio photo of a lamp by Lumo {studio}", null));
    }

    @Test
    void templateIsUsedInsteadOfThePromptColumn() {
        Path file = write(dir, "both.csv", "prompt,title\nignored,chair\n");

        assertThat(readAll(file, template("a {title}"))).extracting(CatalogueRow::prompt).containsExactly("a chair");
    }

    @Test
    void emptyTemplateValueIsARowProblemNamingRowAndColumn() {
        Path file = write(dir, "products.csv", "sku,Title,Vendor\n1,chair,Acme\n2,lamp,\n3,,\n4,table,Acme\n");

        List<CatalogueRow> rows = readAll(file, template("Studio photo of {Title} by {vendor}"));

        assertThat(rows).extracting(CatalogueRow::rowNumber, CatalogueRow::prompt, CatalogueRow::problem).containsExactly(
                tuple(1L, "Studio photo of chair by Acme", null),
                tuple(2L, null, "row 2, column Vendor: empty, but the prompt template needs it"),
                tuple(3L, null, "row 3, column Title: empty, but the prompt template needs it; "
                        + "row 3, column Vendor: empty, but the prompt template needs it"),
                tuple(4L, "Studio photo of table by Acme", null));
    }

    @Test
    void unknownPlaceholderIsAFileErrorListingTheHeaders() {
        Path file = write(dir, "products.csv", "sku,title,vendor\n1,chair,Acme\n");

        assertThatThrownBy(() -> readAll(file, template("{Title} by {Brand}")))
                .isInstanceOf(CatalogueException.class)
                .hasMessageContaining("{Brand}")
                .hasMessageContaining("products.csv")
                .hasMessageContaining("(headers: sku, title, vendor)");
    }

    @Test
    void malformedTemplateIsAFileError() {
        Path file = write(dir, "products.csv", "title\nchair\n");

        assertThatThrownBy(() -> readAll(file, template("photo of {title")))
                .isInstanceOf(CatalogueException.class)
                .hasMessageContaining("not closed");
    }

    @Test
    void withoutAnIdColumnTheIdIsTheRowNumber() {
        Path file = write(dir, "noid.csv", "prompt\na\n\nb\nc\n");

        assertThat(readAll(file)).extracting(CatalogueRow::id).containsExactly("1", "2", "3");
    }

    @Test
    void blankIdIsARowProblemWhenTheCatalogueHasAnIdColumn() {
        Path file = write(dir, "ids.csv", "id,prompt\nx,a\n ,b\ny,c\n");

        assertThat(readAll(file)).extracting(CatalogueRow::id, CatalogueRow::problem).containsExactly(
                tuple("x", null),
                tuple(null, "row 2, column id: empty; every row needs an id when the catalogue has an id column"),
                tuple("y", null));
    }

    @Test
    void blankIdProblemNamesTheMappedHeader() {
        Path file = write(dir, "ids.csv", "SKU,prompt\n,b\n");

        assertThat(readAll(file, new CatalogueFormat(null, Map.of("id", "sku"), null)))
                .extracting(CatalogueRow::problem)
                .containsExactly("row 1, column SKU: empty; every row needs an id when the catalogue has an id column");
    }

    @Test
    void raggedRowsAreReturnedWithAProblemAndReadingGoesOn() {
        Path file = write(dir, "ragged.csv", """
                id,prompt,model,resolution,output_format
                1,a cat,m,2K,png
                2,a dog, sitting,m,2K,png
                3,a bird
                4,a fish,m,2K,png
                """);

        List<CatalogueRow> rows = readAll(file);

        assertThat(rows).extracting(CatalogueRow::rowNumber, CatalogueRow::id, CatalogueRow::problem).containsExactly(
                tuple(1L, "1", null),
                tuple(2L, "2", "row 2: has 6 fields, the header has 5 (check for an unquoted delimiter or a missing quote)"),
                tuple(3L, "3", "row 3: has 2 fields, the header has 5 (check for an unquoted delimiter or a missing quote)"),
                tuple(4L, "4", null));
        assertThat(rows.get(3).prompt()).isEqualTo("a fish");
    }

    @Test
    void raggedRowReportsOnlyTheRaggednessNotItsSymptoms() {
        Path file = write(dir, "ragged.csv", "id,title,vendor\n7\n");

        assertThat(readAll(file, template("{title} by {vendor}"))).extracting(CatalogueRow::problem).containsExactly(
                "row 1: has 1 fields, the header has 3 (check for an unquoted delimiter or a missing quote)");
    }

    @Test
    void rowsWithAProblemDoNotStopTheReader() {
        Path file = write(dir, "mixed.csv", "id,prompt\n,a\n2,b,extra\n3,c\n");
        CatalogueItemReader reader = new CatalogueItemReader(file, CatalogueFormat.defaults());
        reader.open(new ExecutionContext());

        assertThat(CatalogueFiles.drain(reader)).extracting(CatalogueRow::id).containsExactly(null, "2", "3");
        reader.close();
    }
}
