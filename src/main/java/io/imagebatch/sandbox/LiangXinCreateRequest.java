package io.imagebatch.sandbox;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A LiangXin {@code createTask} body, checked against the documented rules. Sources:
 * liangxin-nano-banana-pro-flash-reference.txt (field table) and docs/providers/liangxin.md.
 *
 * <p>Body: {@code {"model","callBackUrl"?,"input":{"prompt","image_input"?,"reference_images"?,
 * "aspect_ratio"?,"resolution"?,"use_google_search_tool"?,"output_format"?}}}. A field whose value is JSON
 * {@code null} counts as absent; unknown fields are ignored.
 *
 * @param model       the model
 * @param prompt      the prompt text
 * @param aspectRatio the aspect ratio, {@code 1:1} when not given
 * @param resolution  the resolution, the model's default when not given
 * @param callbackUrl the {@code callBackUrl}, or null
 * @param paramJson   the whole body as compact JSON, for {@code recordInfo.param}
 */
record LiangXinCreateRequest(LiangXinModel model, String prompt, AspectRatio aspectRatio, Resolution resolution,
        URI callbackUrl, String paramJson) {

    /** Fewest characters (Unicode code points) in a prompt. */
    static final int PROMPT_MIN = 2;
    /** Most characters (Unicode code points) in a prompt. */
    static final int PROMPT_MAX = 3000;
    /** Most reference images, {@code image_input} and {@code reference_images} together. */
    static final int MAX_REFERENCES = 3;

    /** {@code input.resolution}: low, medium and high are 1K, 2K and 4K ({@link Resolution}). */
    private static final Choices<Resolution> RESOLUTIONS = Choices.of(
            List.of("1K", "2K", "4K", "low", "medium", "high"), List.of(Resolution.ONE_K, Resolution.TWO_K,
                    Resolution.FOUR_K, Resolution.ONE_K, Resolution.TWO_K, Resolution.FOUR_K));
    private static final List<String> IMAGE_TYPES = List.of("png", "jpg", "jpeg", "webp");

    /**
     * @param body the raw request body
     * @param json the mapper
     * @return the checked request
     * @throws BadRequestException with the documented {@code msg} text when the body breaks a rule: not JSON or
     *                             not an object; {@code model} missing or not one of {@link LiangXinModel};
     *                             {@code callBackUrl} not an http(s) URL; {@code input.prompt} missing or outside
     *                             2..3000 characters; more than 3 references; a reference not ending
     *                             .png/.jpg/.jpeg/.webp (query and fragment ignored, case ignored) and not a
     *                             {@code data:image/} URI of those types; {@code aspect_ratio},
     *                             {@code resolution} or {@code output_format} outside their sets;
     *                             {@code use_google_search_tool} not a boolean or given to a non-Flash model
     */
    static LiangXinCreateRequest parse(String body, JsonMapper json) throws BadRequestException {
        JsonNode root = RequestFields.object(body, json);
        String modelId = RequestFields.notBlank(root, "model", "model");
        LiangXinModel model = LiangXinModel.IDS.find(modelId)
                .orElseThrow(() -> RequestFields.unsupportedModel(modelId, LiangXinModel.IDS.labels()));
        URI callbackUrl = RequestFields.callbackUrl(RequestFields.string(root, "callBackUrl", "callBackUrl"),
                "callBackUrl");

        JsonNode input = root.get("input");
        if (input == null || input.isNull()) {
            throw new BadRequestException("input.prompt is required");
        }
        input = RequestFields.requiredObject(root, "input", "input");
        String prompt = prompt(RequestFields.required(input, "prompt", "input.prompt"));
        references(input);
        AspectRatio ratio = AspectRatio.LABELS.read(input, "aspect_ratio", "input.aspect_ratio", AspectRatio.SQUARE);
        Resolution resolution = RESOLUTIONS.read(input, "resolution", "input.resolution", model.defaultResolution());
        JsonNode search = input.get("use_google_search_tool");
        if (search != null && !search.isNull()) {
            if (!search.isBoolean()) {
                throw new BadRequestException("input.use_google_search_tool must be a boolean");
            }
            if (!model.googleSearchTool()) {
                throw new BadRequestException("input.use_google_search_tool is supported only by "
                        + LiangXinModel.NANO_BANANA_PRO_FLASH.id());
            }
        }
        String outputFormat = RequestFields.string(input, "output_format", "input.output_format");
        if (outputFormat != null && !outputFormat.equals("png")) {
            throw new BadRequestException("input.output_format must be png, got " + outputFormat);
        }
        return new LiangXinCreateRequest(model, prompt, ratio, resolution, callbackUrl,
                json.writeValueAsString(root));
    }

    /** @return the pixel size of the image this request produces */
    ImageSize imageSize() {
        return ImageSize.of(aspectRatio, resolution);
    }

    private static String prompt(String prompt) throws BadRequestException {
        int length = prompt.codePointCount(0, prompt.length());
        if (length < PROMPT_MIN || length > PROMPT_MAX) {
            throw new BadRequestException("input.prompt must be " + PROMPT_MIN + " to " + PROMPT_MAX
                    + " characters, got " + length);
        }
        return prompt;
    }

    private static void references(JsonNode input) throws BadRequestException {
        List<String> all = new ArrayList<>();
        for (String field : List.of("image_input", "reference_images")) {
            all.addAll(RequestFields.strings(input, field, "input." + field,
                    LiangXinCreateRequest::acceptedImageReference,
                    "must be a URL ending .png, .jpg, .jpeg or .webp, or a data URI of those types"));
        }
        if (all.size() > MAX_REFERENCES) {
            throw new BadRequestException("input.image_input and input.reference_images together take at most "
                    + MAX_REFERENCES + " images, got " + all.size());
        }
    }

    /**
     * @param reference a reference image as sent
     * @return true for a URL whose path (before any {@code ?} or {@code #}) ends .png, .jpg, .jpeg or .webp, any
     * case, or a {@code data:image/png|jpeg|jpg|webp} URI
     */
    static boolean acceptedImageReference(String reference) {
        // only the head of a data URI matters, and it may be megabytes long
        String head = reference.substring(0, Math.min(reference.length(), 32)).toLowerCase(Locale.ROOT);
        if (head.startsWith("data:")) {
            return IMAGE_TYPES.stream().anyMatch(type ->
                    head.startsWith("data:image/" + type + ";") || head.startsWith("data:image/" + type + ","));
        }
        String path = reference.toLowerCase(Locale.ROOT).replaceFirst("[?#].*$", "");
        return IMAGE_TYPES.stream().anyMatch(type -> path.endsWith("." + type));
    }
}
