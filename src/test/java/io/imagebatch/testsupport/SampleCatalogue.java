package io.imagebatch.testsupport;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The project's sample catalogue ({@code sample-data/catalogue.csv}) and the options {@code jobs/demo.yml}
 * reads it with, so tests run exactly what the demo runs.
 */
public final class SampleCatalogue {

    /** The catalogue file. */
    public static final Path FILE = Path.of("sample-data/catalogue.csv");
    /** The prompt template of jobs/demo.yml. */
    public static final String TEMPLATE = "Studio product photo of the {name}, a {colour} {material} {category},"
            + " {style} style, soft daylight, seamless background, e-commerce catalogue shot";
    /** Data rows in the file. */
    public static final int ROWS = 45;
    /** Rows that break a rule on purpose, with a fragment of the reason each must be given. */
    public static final Map<Long, String> REJECTED = Map.of(
            41L, "row 41, column aspect_ratio: \"7:3\" is not accepted",
            42L, "row 42, column resolution: \"8K\" is not accepted",
            43L, "row 43, column colour",
            44L, "row 44, column reference_images: 4 images",
            45L, "row 45, column id: \"NB-1002\" repeats the id of row 2");
    /** Rows that must be sent: every row but the rejected ones. */
    public static final int VALID = ROWS - 5;

    private SampleCatalogue() {
    }

    /** @return the options that read the catalogue as jobs/demo.yml does */
    public static List<String> options() {
        return List.of("--catalogue", FILE.toString(), "--column", "id=sku", "--prompt-template", TEMPLATE,
                "--aspect-ratio", "1:1", "--resolution", "1K");
    }
}
