package io.imagebatch.provider.crun;

import static io.imagebatch.provider.ProviderJson.firstNonNull;

import io.imagebatch.catalogue.CatalogueRow;
import io.imagebatch.provider.ImageRequest;
import io.imagebatch.provider.RequestDefaults;
import io.imagebatch.provider.RowRejectedException;
import io.imagebatch.provider.RowRules;
import java.util.List;

/**
 * crun.ai's input rules for Google Nano Banana, checked before anything is sent: pure (no HTTP, no state),
 * worded through {@link RowRules}. Sources: {@code docs/providers/google-nano-banana-x-api-key-provider.txt}
 * ("the crun page" below) and {@code docs/providers/crun.md}; <b>inferred</b> marks a rule the pages do not state.
 *
 * <ul>
 * <li>{@code model}: {@code google/nano-banana} (the default) or {@code google/nano-banana-v2}, matched ignoring
 *     case (crun page, "Available options").</li>
 * <li>{@code prompt}: required, not blank. No maximum length is documented, so none is enforced.</li>
 * <li>{@code aspect_ratio}: one of 1:1 2:3 3:2 3:4 4:3 4:5 5:4 9:16 16:9 21:9, default 1:1, always sent.
 *     <b>Inferred</b>: the Nano Banana family's set and default (LiangXin, mingyan and HiAPI list these ten);
 *     the field name appears in the public TaskInfo example's {@code param.input}.</li>
 * <li>{@code output_format}: {@code google/nano-banana}: png (default, always sent) or jpeg ({@code jpg} is
 *     taken as jpeg) — <b>inferred</b> from the family (kie-style google/nano-banana pages list png and jpeg);
 *     the field name appears in the TaskInfo example. {@code google/nano-banana-v2}: "output_format is not
 *     supported and may be ignored" (crun page), so the field is left out, and a row asking for anything but
 *     png is rejected rather than silently given png.</li>
 * <li>{@code resolution}: {@code google/nano-banana}: 1K, 2K or 4K (any case, sent upper case), sent only when
 *     the row or the batch asks for one, otherwise left to the provider — <b>inferred</b> (the family's values
 *     and spelling; the TaskInfo example sends none). {@code google/nano-banana-v2}: "Resolution is currently
 *     fixed to 1K on v2 channel" (crun page): the field is left out, 1K is accepted, 2K and 4K are rejected.</li>
 * <li>{@code image_input} (the catalogue's reference images): each an http(s) URL or a {@code data:image/...}
 *     URI; at most {@value #MAX_REFERENCES}. <b>Inferred</b>: the field name is the family's (LiangXin, HiAPI,
 *     Replicate's google/nano-banana); no maximum is documented, {@value #MAX_REFERENCES} is a defensive limit
 *     (kie-style google/nano-banana pages take up to 10 images).</li>
 * </ul>
 */
public final class CrunRules {

    /** Provider name in settings and catalogues. */
    public static final String NAME = "crun";
    /** The default model (crun page: the first of the available options). */
    public static final String NANO_BANANA = "google/nano-banana";
    /** The v2 channel: no output_format, resolution fixed to 1K (crun page). */
    public static final String NANO_BANANA_V2 = "google/nano-banana-v2";
    /** Most reference images sent with one task: a defensive limit, <b>inferred</b> (none is documented). */
    public static final int MAX_REFERENCES = 10;

    /** The models, in the provider's spelling (crun page). */
    public static final List<String> MODELS = List.of(NANO_BANANA, NANO_BANANA_V2);
    /** Aspect ratios (<b>inferred</b>: the Nano Banana family's ten). */
    public static final List<String> ASPECT_RATIOS =
            List.of("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9");
    /** google/nano-banana resolutions (<b>inferred</b>: the family's values and spelling). */
    public static final List<String> RESOLUTIONS = List.of("1K", "2K", "4K");
    /** google/nano-banana-v2 resolutions: "fixed to 1K" (crun page). */
    public static final List<String> V2_RESOLUTIONS = List.of("1K");
    /** google/nano-banana output formats (<b>inferred</b>: the family's png and jpeg). */
    public static final List<String> OUTPUT_FORMATS = List.of("png", "jpeg");
    /** What a row may ask of google/nano-banana-v2, which takes no output_format (crun page). */
    public static final List<String> V2_OUTPUT_FORMATS = List.of("png");

    private CrunRules() {
    }

    /**
     * Validates a row against the rules of the class comment and maps it to a request.
     *
     * @param row      the catalogue row (its {@code problem} already known to be null)
     * @param model    the model asked for, any case; null is rejected
     * @param defaults batch defaults for the row's blank fields
     * @return the request in the provider's spellings ({@code google/nano-banana}, {@code 16:9}, {@code 2K},
     *         {@code jpeg}); for {@code google/nano-banana-v2} its {@code outputFormat} is null (not sent) and its
     *         {@code resolution} is {@code 1K} (fixed, not sent)
     * @throws RowRejectedException when a rule is broken; the message names the row, the column ({@code model},
     *                              {@code prompt}, {@code aspect_ratio}, {@code resolution}, {@code output_format},
     *                              {@code reference_images}) and the rule
     */
    public static ImageRequest prepare(CatalogueRow row, String model, RequestDefaults defaults)
            throws RowRejectedException {
        long n = row.rowNumber();
        String canonicalModel = MODELS.stream().filter(m -> model != null && m.equalsIgnoreCase(model.trim()))
                .findFirst().orElseThrow(() -> new RowRejectedException(n, "model", "\"" + model
                        + "\" is not supported for crun.ai; supported: " + String.join(", ", MODELS)));
        boolean v2 = NANO_BANANA_V2.equals(canonicalModel);
        String who = "crun.ai " + canonicalModel;

        if (row.prompt() == null || row.prompt().isBlank()) {
            throw new RowRejectedException(n, "prompt", "empty; " + who + " needs a prompt"
                    + " (no maximum length is documented)");
        }
        String aspectRatio = RowRules.oneOf(n, "aspect_ratio",
                firstNonNull(row.aspectRatio(), defaults.aspectRatio(), "1:1"), ASPECT_RATIOS, who);

        String askedResolution = firstNonNull(row.resolution(), defaults.resolution());
        String resolution;
        if (v2) {
            RowRules.oneOf(n, "resolution", askedResolution, V2_RESOLUTIONS,
                    who + " (resolution is fixed to 1K on the v2 channel)");
            resolution = "1K";
        } else {
            resolution = RowRules.oneOf(n, "resolution", askedResolution, RESOLUTIONS, who);
        }

        String askedFormat = firstNonNull(row.outputFormat(), defaults.outputFormat());
        String outputFormat;
        if (v2) {
            RowRules.oneOf(n, "output_format", askedFormat, V2_OUTPUT_FORMATS,
                    who + " (output_format is not supported on the v2 channel, so only its png can be asked for)");
            outputFormat = null;
        } else {
            String format = askedFormat == null ? "png"
                    : askedFormat.trim().equalsIgnoreCase("jpg") ? "jpeg" : askedFormat;
            outputFormat = RowRules.oneOf(n, "output_format", format, OUTPUT_FORMATS, who);
        }

        List<String> references = RowRules.references(n, row.referenceImages(), MAX_REFERENCES, List.of(),
                who + " (limit inferred; none is documented)");
        return new ImageRequest(NAME, canonicalModel, row.prompt(), aspectRatio, resolution, outputFormat,
                references);
    }
}
