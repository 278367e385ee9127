package io.imagebatch.catalogue;

import static io.imagebatch.catalogue.CatalogueFiles.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Google's PartiPrompts benchmark: tab-separated, header {@code Prompt Category Challenge Note}, no quoted
 * fields, but cells that contain double quotes and one cell that starts with one. The {@code Prompt} header
 * matches the prompt field ignoring case, so no column mapping is needed.
 */
class PartiPromptsTest {

    private static final Path PARTI = Path.of("src/test/resources/catalogue/PartiPrompts.tsv");
    private static final String GIGGLE = "G I G G L E painted in thick colorful lettering as graffiti on a faded red"
            + " brick wall with a splotch of exploding white paint.";

    @Test
    void readsTheWholeFile() {

        List<CatalogueRow> rows = readAll(PARTI);

        assertThat(rows).hasSize(1632);
        assertThat(rows).allSatisfy(row -> {
            assertThat(row.prompt()).isNotNull();
            assertThat(row.problem()).isNull();
        });
        assertThat(rows).filteredOn(row -> row.prompt().length() < 2)
                .extracting(CatalogueRow::rowNumber, CatalogueRow::prompt).containsExactly(tuple(33L, "0"));
        // the one cell that starts with a quote but is not a quoted field: kept, its quote pair dropped
        assertThat(rows.get(1560).prompt()).isEqualTo(GIGGLE);
        assertThat(rows.get(1560).rowNumber()).isEqualTo(1561);
        assertThat(CatalogueInspector.inspect(PARTI, CatalogueFormat.defaults()).rows()).isEqualTo(1632);
    }

    @Test
    void readsASliceKeptInTheTestResources() throws URISyntaxException {
        Path slice = Path.of(getClass().getResource("/catalogue/parti-slice.tsv").toURI());

        List<CatalogueRow> rows = readAll(slice, new CatalogueFormat(null, Map.of("prompt", "Prompt"), null));

        assertThat(rows).extracting(CatalogueRow::id, CatalogueRow::prompt, CatalogueRow::problem).containsExactly(
                tuple("1", "bond", null),
                tuple("2", "0", null),
                tuple("3", "Dogs playing poker", null),
                tuple("4", GIGGLE, null),
                tuple("5", "a cartoon of a dog saying \"I see what you did there\"", null));
    }
}
