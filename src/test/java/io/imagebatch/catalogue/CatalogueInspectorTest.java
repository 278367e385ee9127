package io.imagebatch.catalogue;

import static io.imagebatch.catalogue.CatalogueFiles.write;
import static io.imagebatch.catalogue.CatalogueFiles.writeWithBom;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CatalogueInspectorTest {

    @TempDir
    Path dir;

    @Test
    void countsDataRowsAndHashesTheBytes() throws Exception {
        Path file = write(dir, "products.csv", "SKU, Title ,vendor\n\n1,\"a\nchair\",Acme\n2,lamp\n,,\n3,table,Acme\n");

        CatalogueSummary summary = CatalogueInspector.inspect(file, new CatalogueFormat(null, Map.of(), "{title}"));

        assertThat(summary.rows()).isEqualTo(3); // the ragged row counts, the blank lines do not
        assertThat(summary.sha256()).isEqualTo(sha256(file)).hasSize(64);
        assertThat(summary.headers()).containsExactly("SKU", "Title", "vendor");
    }

    @Test
    void hashCoversTheByteOrderMark() throws Exception {
        Path file = writeWithBom(dir, "bom.csv", "prompt\na\n");

        CatalogueSummary summary = CatalogueInspector.inspect(file, CatalogueFormat.defaults());

        assertThat(summary.sha256()).isEqualTo(sha256(file));
        assertThat(summary.headers()).containsExactly("prompt");
        assertThat(summary.rows()).isEqualTo(1);
    }

    @Test
    void headerOnlyHasNoRows() throws Exception {
        Path file = write(dir, "header.tsv", "id\tprompt");

        CatalogueSummary summary = CatalogueInspector.inspect(file, CatalogueFormat.defaults());

        assertThat(summary.rows()).isZero();
        assertThat(summary.headers()).containsExactly("id", "prompt");
        assertThat(summary.sha256()).isEqualTo(sha256(file));
    }

    @Test
    void failsWithTheReadersFileErrors() {
        Path products = write(dir, "products.csv", "sku,title,vendor\n1,chair,Acme\n");
        Path broken = write(dir, "broken.csv", "prompt\nfine\n\"never closed\n");

        assertThatThrownBy(() -> CatalogueInspector.inspect(products, CatalogueFormat.defaults()))
                .isInstanceOf(CatalogueException.class)
                .hasMessage("catalogue products.csv has no column \"prompt\" (headers: sku, title, vendor); add one,"
                        + " map one with --column prompt=HEADER, or give --prompt-template");
        assertThatThrownBy(() -> CatalogueInspector.inspect(products, CatalogueFiles.template("{brand}")))
                .isInstanceOf(CatalogueException.class)
                .hasMessageContaining("{brand}");
        assertThatThrownBy(() -> CatalogueInspector.inspect(broken, CatalogueFormat.defaults()))
                .isInstanceOf(CatalogueException.class)
                .hasMessageContaining("catalogue broken.csv cannot be parsed in row 2");
        assertThatThrownBy(() -> CatalogueInspector.inspect(dir.resolve("missing.csv"), CatalogueFormat.defaults()))
                .isInstanceOf(CatalogueException.class)
                .hasMessageContaining("does not exist");
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
