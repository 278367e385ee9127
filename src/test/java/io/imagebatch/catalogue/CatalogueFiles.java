package io.imagebatch.catalogue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/** Test helpers: write catalogue files and read them back whole. */
final class CatalogueFiles {

    static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private CatalogueFiles() {
    }

    static Path write(Path dir, String name, String content) {
        return writeBytes(dir, name, content.getBytes(StandardCharsets.UTF_8));
    }

    static Path writeWithBom(Path dir, String name, String content) {
        byte[] text = content.getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[BOM.length + text.length];
        System.arraycopy(BOM, 0, bytes, 0, BOM.length);
        System.arraycopy(text, 0, bytes, BOM.length, text.length);
        return writeBytes(dir, name, bytes);
    }

    static Path writeBytes(Path dir, String name, byte[] bytes) {
        try {
            return Files.write(dir.resolve(name), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<CatalogueRow> readAll(Path file, CatalogueFormat format) {
        CatalogueItemReader reader = new CatalogueItemReader(file, format);
        reader.open(new ExecutionContext());
        try {
            return drain(reader);
        } finally {
            reader.close();
        }
    }

    static List<CatalogueRow> readAll(Path file) {
        return readAll(file, CatalogueFormat.defaults());
    }

    static List<CatalogueRow> drain(CatalogueItemReader reader) {
        List<CatalogueRow> rows = new ArrayList<>();
        for (CatalogueRow row = reader.read(); row != null; row = reader.read()) {
            rows.add(row);
        }
        return rows;
    }

    static CatalogueFormat template(String template) {
        return new CatalogueFormat(null, null, template);
    }
}
