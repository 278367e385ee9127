package io.imagebatch.sandbox;

import java.net.URI;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A HiAPI {@code POST /v1/tasks} body for Nano Banana Pro, checked against the documented rules. Sources:
 * hiapi-nano-banana-pro.txt ("Request parameters") and docs/providers/hiapi.md.
 *
 * <p>Body: {@code {"model":"Nano-Banana-Pro","input":{"prompt","image_input"?,"aspect_ratio"?,"resolution"?,
 * "output_format"?},"callback"?:{"url","when"?}}}. A field whose value is JSON {@code null} counts as absent;
 * unknown fields are ignored. Enum values are matched exactly, in HiAPI's spelling.
 *
 * @param model        the model, always {@value #MODEL}
 * @param prompt       the prompt text
 * @param aspectRatio  the aspect ratio as sent, {@code auto} when not given
 * @param resolution   the resolution class, 1K when not given
 * @param outputFormat {@code png} or {@code jpg}, {@code png} when not given
 * @param imageInput   the reference image URLs, empty when not given
 * @param callbackUrl  {@code callback.url}, or null
 * @param paramJson    the whole body as compact JSON
 */
record HiApiCreateRequest(String model, String prompt, String aspectRatio, Resolution resolution,
        String outputFormat, List<String> imageInput, URI callbackUrl, String paramJson) {

    /** The only model (hiapi-nano-banana-pro.txt: "Fixed value Nano-Banana-Pro"). */
    static final String MODEL = "Nano-Banana-Pro";
    /** Most characters (Unicode code points) in a prompt. */
    static final int PROMPT_MAX = 10000;
    /** Most reference images. */
    static final int MAX_REFERENCES = 8;
    /** The documented aspect ratios, in the page's order. */
    static final List<String> ASPECT_RATIOS =
            List.of("auto", "1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3", "5:4", "4:5", "21:9");
    /** The documented output formats. */
    static final List<String> OUTPUT_FORMATS = List.of("png", "jpg");

    private static final Choices<Resolution> RESOLUTIONS = Choices.of(List.of("1K", "2K", "4K"),
            List.of(Resolution.ONE_K, Resolution.TWO_K, Resolution.FOUR_K));

    /**
     * @param body the raw request body
     * @param json the mapper
     * @return the checked request
     * @throws BadRequestException with the reason when the body breaks a rule: not JSON or not an object;
     *                             {@code model} missing or not {@value #MODEL}; {@code input} missing or not an
     *                             object; {@code input.prompt} missing, blank or over 10000 characters;
     *                             {@code input.image_input} not an array of strings, over 8 entries, or an entry
     *                             not an http(s) URL; {@code aspect_ratio}, {@code resolution} or
     *                             {@code output_format} outside their sets; {@code callback} not an object,
     *                             {@code callback.url} missing or not an http(s) URL, {@code callback.when} not
     *                             {@code final}
     */
    static HiApiCreateRequest parse(String body, JsonMapper json) throws BadRequestException {
        JsonNode root = RequestFields.object(body, json);
        String model = RequestFields.notBlank(root, "model", "model");
        if (!model.equals(MODEL)) {
            throw RequestFields.unsupportedModel(model, MODEL);
        }
        JsonNode input = RequestFields.requiredObject(root, "input", "input");
        String prompt = RequestFields.notBlank(input, "prompt", "input.prompt");
        int length = prompt.codePointCount(0, prompt.length());
        if (length > PROMPT_MAX) {
            throw new BadRequestException("input.prompt must be at most " + PROMPT_MAX + " characters, got " + length);
        }
        // the items are checked before the count
        List<String> references = RequestFields.strings(input, "image_input", "input.image_input",
                RequestFields::httpUrl, "must be an http or https URL");
        RequestFields.atMost("input.image_input", MAX_REFERENCES, references.size());
        String aspectRatio = Choices.ofLabels(ASPECT_RATIOS).read(input, "aspect_ratio", "input.aspect_ratio", "auto");
        Resolution resolution = RESOLUTIONS.read(input, "resolution", "input.resolution", Resolution.ONE_K);
        String outputFormat = Choices.ofLabels(OUTPUT_FORMATS)
                .read(input, "output_format", "input.output_format", "png");
        URI callbackUrl = callback(root.get("callback"));
        return new HiApiCreateRequest(model, prompt, aspectRatio, resolution, outputFormat, references, callbackUrl,
                json.writeValueAsString(root));
    }

    /**
     * The pixel size of the image this request produces. {@code auto} lets the model choose; the sandbox, with no
     * image to look at, renders it square (<b>sandbox choice</b>).
     *
     * @return the Gemini size of the ratio at the resolution
     */
    ImageSize imageSize() {
        AspectRatio ratio = AspectRatio.LABELS.find(aspectRatio).orElse(AspectRatio.SQUARE);
        return ImageSize.of(ratio, resolution);
    }

    private static URI callback(JsonNode callback) throws BadRequestException {
        if (callback == null || callback.isNull()) {
            return null;
        }
        if (!callback.isObject()) {
            throw new BadRequestException("callback must be an object");
        }
        // the docs ask for an HTTPS URL; the sandbox also takes http, to reach a local test server
        URI url = RequestFields.callbackUrl(RequestFields.required(callback, "url", "callback.url"), "callback.url");
        String when = RequestFields.string(callback, "when", "callback.when");
        if (when != null && !when.equals("final")) {
            throw new BadRequestException("callback.when must be final, got " + when);
        }
        return url;
    }
}
