package io.imagebatch.provider.mingyan;

import static io.imagebatch.provider.ProviderJson.firstNonNull;

import io.imagebatch.catalogue.CatalogueRow;
import io.imagebatch.provider.ImageRequest;
import io.imagebatch.provider.RequestDefaults;
import io.imagebatch.provider.RowRejectedException;
import io.imagebatch.provider.RowRules;
import java.util.List;
import java.util.Set;

/**
 * mingyan's input rules for its Nano Banana models, checked before anything is sent: pure (no HTTP, no state),
 * worded through {@link RowRules}. Source: {@code docs/providers/mingyan-nano-banana-create-task.txt} (and
 * {@code docs/providers/mingyan.md}).
 *
 * <ul>
 * <li>{@code model}: one of {@code nano-banana} (the default), {@code nano-banana-pro},
 *     {@code nano-banana-pro-stable}, {@code nano-banana-2-stable}, {@code nano-banana-2}; matched ignoring case,
 *     sent in this spelling.</li>
 * <li>{@code prompt}: required and not blank. The documentation gives no length limit, so no maximum is
 *     checked.</li>
 * <li>{@code aspect_ratio}, sent as {@code size}: one of 1:1 16:9 9:16 4:3 3:4 3:2 2:3 5:4 4:5 21:9. No default is
 *     documented: when the row and the batch give none, {@code size} is left out and the provider's default
 *     applies.</li>
 * <li>{@code resolution}: 1K, 2K or 4K (any case), sent in the documented lower case {@code 1k | 2k | 4k}. The
 *     documentation says it "is only effective when using nano-banana-2 or nano-banana-pro"; for those two it is
 *     sent when given (left out otherwise: no default is documented). For the other three models a row asking
 *     for 2K or 4K is <em>rejected</em>, since the image would not be what the row asks for; 1K is accepted and
 *     left out of the request, since it is what those models make.</li>
 * <li>{@code reference_images}, sent as {@code image_urls}: at most {@value #MAX_REFERENCES}, each an http(s)
 *     URL (the documentation speaks of URLs; data URIs are rejected, no file extension is required).</li>
 * <li>{@code output_format}: no field is documented, so the format cannot be chosen: blank or {@code png} is
 *     accepted and nothing is sent; anything else is rejected.</li>
 * </ul>
 */
public final class MingyanRules {

    /** Provider name in settings and catalogues. */
    public static final String NAME = "mingyan";
    /** The basic model, the default (README, "A real provider"). Ignores resolution. */
    public static final String NANO_BANANA = "nano-banana";
    /** The professional model; honours resolution, up to 4K. */
    public static final String NANO_BANANA_PRO = "nano-banana-pro";
    /** Ignores resolution. */
    public static final String NANO_BANANA_PRO_STABLE = "nano-banana-pro-stable";
    /** Ignores resolution. */
    public static final String NANO_BANANA_2_STABLE = "nano-banana-2-stable";
    /** The enhanced model; honours resolution. */
    public static final String NANO_BANANA_2 = "nano-banana-2";

    /** The documented models ({@code model}), in the documentation's order. */
    public static final List<String> MODELS = List.of(NANO_BANANA, NANO_BANANA_PRO, NANO_BANANA_PRO_STABLE,
            NANO_BANANA_2_STABLE, NANO_BANANA_2);
    /** The models {@code resolution} is effective for (mingyan-nano-banana-create-task.txt, Important Notes). */
    public static final Set<String> RESOLUTION_MODELS = Set.of(NANO_BANANA_2, NANO_BANANA_PRO);
    /** The documented {@code size} values, in the documentation's order. */
    public static final List<String> ASPECT_RATIOS =
            List.of("1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3", "5:4", "4:5", "21:9");
    /** The documented {@code resolution} values, in their documented lower case. */
    public static final List<String> RESOLUTIONS = List.of("1k", "2k", "4k");
    /** Most {@code image_urls} ("up to 6 images"). */
    public static final int MAX_REFERENCES = 6;

    private MingyanRules() {
    }

    /**
     * Validates a row against the rules of the class comment and maps it to a request.
     *
     * @param row      the catalogue row (its {@code problem} already known to be null)
     * @param model    the model asked for, any case; null or blank is rejected
     * @param defaults batch defaults for the row's blank fields
     * @return the request: {@code aspectRatio} is the {@code size} to send or null, {@code resolution} the lower
     *         case value to send or null, {@code outputFormat} always null (no field is documented)
     * @throws RowRejectedException when a rule is broken; the message names the row, the column ({@code model},
     *                              {@code prompt}, {@code aspect_ratio}, {@code resolution}, {@code output_format},
     *                              {@code reference_images}) and the rule
     */
    public static ImageRequest prepare(CatalogueRow row, String model, RequestDefaults defaults)
            throws RowRejectedException {
        long n = row.rowNumber();
        String wanted = model == null ? "" : model.trim();
        String canonical = MODELS.stream().filter(m -> m.equalsIgnoreCase(wanted)).findFirst()
                .orElseThrow(() -> new RowRejectedException(n, "model", "\"" + model
                        + "\" is not a mingyan model; supported: " + String.join(", ", MODELS)));
        String who = "mingyan " + canonical;

        String prompt = row.prompt();
        if (prompt == null || prompt.isBlank()) {
            throw new RowRejectedException(n, "prompt", "empty; " + who + " needs a prompt"
                    + " (mingyan documents no maximum length)");
        }
        String size = RowRules.oneOf(n, "aspect_ratio", firstNonNull(row.aspectRatio(), defaults.aspectRatio()),
                ASPECT_RATIOS, who);
        String resolution = resolution(n, firstNonNull(row.resolution(), defaults.resolution()), canonical, who);
        String outputFormat = firstNonNull(row.outputFormat(), defaults.outputFormat());
        if (outputFormat != null && !outputFormat.trim().equalsIgnoreCase("png")) {
            throw new RowRejectedException(n, "output_format", "\"" + outputFormat + "\" cannot be chosen; "
                    + "mingyan documents no output format field (leave it blank or png)");
        }
        List<String> references = row.referenceImages();
        for (String reference : references) {
            if (reference.regionMatches(true, 0, "data:", 0, 5)) {
                throw new RowRejectedException(n, "reference_images", "a data URI; " + who
                        + " takes reference image URLs (http or https) only");
            }
        }
        references = RowRules.references(n, references, MAX_REFERENCES, List.of(), who);
        return new ImageRequest(NAME, canonical, prompt, size, resolution, null, references);
    }

    /**
     * @return the resolution to send, in mingyan's lower case, or null to send none
     * @throws RowRejectedException when it is not 1K, 2K or 4K, or is 2K or 4K on a model that ignores it
     */
    private static String resolution(long n, String value, String model, String who) throws RowRejectedException {
        String resolution = RowRules.oneOf(n, "resolution", value, RESOLUTIONS, who);
        if (resolution == null || RESOLUTION_MODELS.contains(model)) {
            return resolution;
        }
        if (resolution.equals("1k")) {
            return null; // what the model makes anyway; the documentation says the field has no effect here
        }
        throw new RowRejectedException(n, "resolution", "\"" + value + "\" is not available: " + who
                + " ignores resolution (mingyan: effective only for " + NANO_BANANA_2 + " and " + NANO_BANANA_PRO
                + "), so the image would not be " + value.trim() + "; choose one of those models, or 1K");
    }
}
