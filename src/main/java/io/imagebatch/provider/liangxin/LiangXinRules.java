package io.imagebatch.provider.liangxin;

import static io.imagebatch.provider.ProviderJson.firstNonNull;

import io.imagebatch.catalogue.CatalogueRow;
import io.imagebatch.provider.ImageRequest;
import io.imagebatch.provider.RequestDefaults;
import io.imagebatch.provider.RowRejectedException;
import io.imagebatch.provider.RowRules;
import java.util.List;

/**
 * LiangXin's input rules for its Nano Banana market models, checked before anything is sent: pure (no HTTP, no
 * state), worded through {@link RowRules}. Sources: {@code docs/providers/liangxin-nano-banana-pro-flash-reference.txt}
 * and {@code docs/providers/liangxin.md}.
 *
 * <ul>
 * <li>model: {@value #FLASH} (the default) or {@value #PRO}, spelled exactly so. The rules for {@value #PRO} are
 *     taken to be Flash's, as our pages give only its default resolution [inferred]. Other market models are
 *     rejected as unsupported: their input rules are not in our pages.</li>
 * <li>prompt: {@value #PROMPT_MIN} to {@value #PROMPT_MAX} characters (Unicode code points).</li>
 * <li>aspect_ratio: one of 1:1 2:3 3:2 4:3 3:4 5:4 4:5 16:9 9:16 21:9, default 1:1.</li>
 * <li>resolution: one of 1K 2K 4K low medium high; default 1K for Flash, 2K for {@value #PRO}
 *     (docs/providers/liangxin.md).</li>
 * <li>reference images: at most {@value #MAX_REFERENCES}, each ending .png/.jpg/.jpeg/.webp or a data URI of
 *     those types.</li>
 * <li>output_format: only png (the default).</li>
 * </ul>
 */
public final class LiangXinRules {

    /** Provider name in settings and catalogues. */
    public static final String NAME = "liangxin";
    /** The default model (README, "A real provider": liangxin defaults to nano-banana-pro-flash). */
    public static final String FLASH = "nano-banana-pro-flash";
    /** Nano Banana Pro on the same market; default resolution 2K (docs/providers/liangxin.md). */
    public static final String PRO = "nano-banana-pro";
    /** The documented aspect ratios. */
    public static final List<String> ASPECT_RATIOS =
            List.of("1:1", "2:3", "3:2", "4:3", "3:4", "5:4", "4:5", "16:9", "9:16", "21:9");
    /** The documented resolutions. */
    public static final List<String> RESOLUTIONS = List.of("1K", "2K", "4K", "low", "medium", "high");
    /** The documented output formats. */
    public static final List<String> OUTPUT_FORMATS = List.of("png");
    /** The documented reference image types (file extensions, lower case). */
    public static final List<String> REFERENCE_EXTENSIONS = List.of("png", "jpg", "jpeg", "webp");
    /** Fewest prompt characters. */
    public static final int PROMPT_MIN = 2;
    /** Most prompt characters. */
    public static final int PROMPT_MAX = 3000;
    /** Most reference images. */
    public static final int MAX_REFERENCES = 3;

    private LiangXinRules() {
    }

    /**
     * Validates a row against the rules of the class comment and maps it to a request.
     *
     * @param row      the catalogue row (its {@code problem} already known to be null)
     * @param model    the model, spelled exactly {@value #FLASH} or {@value #PRO}
     * @param defaults batch defaults for the row's blank fields
     * @return the request, the documented defaults filled in
     * @throws RowRejectedException when a rule is broken; the message names the row, the column ({@code model},
     *                              {@code prompt}, {@code aspect_ratio}, {@code resolution}, {@code output_format},
     *                              {@code reference_images}) and the rule
     */
    public static ImageRequest prepare(CatalogueRow row, String model, RequestDefaults defaults)
            throws RowRejectedException {
        long n = row.rowNumber();
        String who = "LiangXin " + model;
        if (!FLASH.equals(model) && !PRO.equals(model)) {
            throw new RowRejectedException(n, "model", "\"" + model + "\" is not supported for LiangXin;"
                    + " supported: " + FLASH + ", " + PRO + " (other market models' input rules are not documented)");
        }
        String prompt = RowRules.promptLength(n, row.prompt(), PROMPT_MIN, PROMPT_MAX, who);
        String aspectRatio = RowRules.oneOf(n, "aspect_ratio",
                firstNonNull(row.aspectRatio(), defaults.aspectRatio(), "1:1"), ASPECT_RATIOS, who);
        String resolution = RowRules.oneOf(n, "resolution",
                firstNonNull(row.resolution(), defaults.resolution(), PRO.equals(model) ? "2K" : "1K"),
                RESOLUTIONS, who);
        String outputFormat = RowRules.oneOf(n, "output_format",
                firstNonNull(row.outputFormat(), defaults.outputFormat(), "png"), OUTPUT_FORMATS, who);
        List<String> references = RowRules.references(n, row.referenceImages(), MAX_REFERENCES,
                REFERENCE_EXTENSIONS, who);
        return new ImageRequest(NAME, model, prompt, aspectRatio, resolution, outputFormat, references);
    }
}
