package io.imagebatch.provider.hiapi;

import static io.imagebatch.provider.ProviderJson.firstNonNull;

import io.imagebatch.catalogue.CatalogueRow;
import io.imagebatch.provider.ImageRequest;
import io.imagebatch.provider.RequestDefaults;
import io.imagebatch.provider.RowRejectedException;
import io.imagebatch.provider.RowRules;
import java.util.List;

/**
 * HiAPI's input rules for Nano Banana Pro, checked before anything is sent: pure (no HTTP, no state), worded
 * through {@link RowRules}. Source: {@code docs/providers/hiapi-nano-banana-pro.txt}, "Request parameters".
 *
 * <ul>
 * <li>model: only {@code Nano-Banana-Pro} ("Fixed value"); any case in the catalogue, sent in HiAPI's spelling;
 *     any other model is rejected in column {@code model}.</li>
 * <li>prompt: required, {@value #PROMPT_MIN} to {@value #PROMPT_MAX} characters (counted in Unicode code
 *     points); a blank prompt is rejected.</li>
 * <li>reference_images ({@code input.image_input}): at most {@value #MAX_REFERENCES} "reference image URL"s,
 *     each an http(s) URL; left out of the request when there are none ("Omit it or pass an empty array when
 *     unused"). Data URIs are rejected: the page asks for URLs (<b>our reading</b>; no file extension rule is
 *     documented, so none is enforced).</li>
 * <li>aspect_ratio: one of auto 1:1 16:9 9:16 4:3 3:4 3:2 2:3 5:4 4:5 21:9, default {@code auto}.</li>
 * <li>resolution: one of 1K 2K 4K (any case, sent upper case), default {@code 1K}.</li>
 * <li>output_format: {@code png} or {@code jpg} (any case, {@code jpeg} accepted as {@code jpg}), default
 *     {@code png}.</li>
 * </ul>
 * A row value wins over the batch default, which wins over the documented default.
 */
public final class HiApiRules {

    /** Provider name in settings and catalogues. */
    public static final String NAME = "hiapi";
    /** The only model, spelled as HiAPI wants it (hiapi-nano-banana-pro.txt: "Fixed value Nano-Banana-Pro"). */
    public static final String MODEL = "Nano-Banana-Pro";
    /** The documented aspect ratios, in HiAPI's spelling. */
    public static final List<String> ASPECT_RATIOS =
            List.of("auto", "1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3", "5:4", "4:5", "21:9");
    /** The documented resolutions. */
    public static final List<String> RESOLUTIONS = List.of("1K", "2K", "4K");
    /** The documented output formats. */
    public static final List<String> OUTPUT_FORMATS = List.of("png", "jpg");
    /** The documented default aspect ratio. */
    public static final String DEFAULT_ASPECT_RATIO = "auto";
    /** The documented default resolution. */
    public static final String DEFAULT_RESOLUTION = "1K";
    /** The documented default output format. */
    public static final String DEFAULT_OUTPUT_FORMAT = "png";
    /** Fewest prompt characters (required). */
    public static final int PROMPT_MIN = 1;
    /** Most prompt characters (Unicode code points). */
    public static final int PROMPT_MAX = 10000;
    /** Most reference images. */
    public static final int MAX_REFERENCES = 8;

    private static final String WHO = "HiAPI " + MODEL;

    private HiApiRules() {
    }

    /**
     * Validates a row against the rules of the class comment and maps it to a request.
     *
     * @param row      the catalogue row (its {@code problem} already known to be null)
     * @param model    the model asked for, any case; null is taken as {@value #MODEL}
     * @param defaults batch defaults for the row's blank fields
     * @return the request in HiAPI's spellings
     * @throws RowRejectedException when a rule is broken; the message names the row, the column and the rule, for
     *                              example {@code row 7, column reference_images: 9 images; HiAPI Nano-Banana-Pro
     *                              takes at most 8}
     */
    public static ImageRequest prepare(CatalogueRow row, String model, RequestDefaults defaults)
            throws RowRejectedException {
        long n = row.rowNumber();
        if (model != null && !MODEL.equalsIgnoreCase(model.trim())) {
            throw new RowRejectedException(n, "model", "\"" + model + "\" is not supported for HiAPI; supported: "
                    + MODEL + " (hiapi-nano-banana-pro.txt)");
        }
        String prompt = RowRules.promptLength(n, row.prompt(), PROMPT_MIN, PROMPT_MAX, WHO);
        String aspectRatio = RowRules.oneOf(n, "aspect_ratio",
                firstNonNull(row.aspectRatio(), defaults.aspectRatio(), DEFAULT_ASPECT_RATIO), ASPECT_RATIOS, WHO);
        String resolution = RowRules.oneOf(n, "resolution",
                firstNonNull(row.resolution(), defaults.resolution(), DEFAULT_RESOLUTION), RESOLUTIONS, WHO);
        String format = firstNonNull(row.outputFormat(), defaults.outputFormat(), DEFAULT_OUTPUT_FORMAT);
        String outputFormat = RowRules.oneOf(n, "output_format",
                format.trim().equalsIgnoreCase("jpeg") ? "jpg" : format, OUTPUT_FORMATS, WHO);
        for (String reference : row.referenceImages()) {
            if (reference.regionMatches(true, 0, "data:", 0, 5)) {
                throw new RowRejectedException(n, "reference_images", "a data URI; " + WHO
                        + " takes reference image URLs (http or https)");
            }
        }
        List<String> references = RowRules.references(n, row.referenceImages(), MAX_REFERENCES, List.of(), WHO);
        return new ImageRequest(NAME, MODEL, prompt, aspectRatio, resolution, outputFormat, references);
    }
}
