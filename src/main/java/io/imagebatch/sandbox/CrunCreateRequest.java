package io.imagebatch.sandbox;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A crun.ai {@code CreateTask} body, checked. Sources: google-nano-banana-x-api-key-provider.txt ("the crun page")
 * and docs/providers/crun.md.
 *
 * <p>Body: {@code {"model","callback_url"?,"input":{"prompt","image_input"?,"aspect_ratio"?,"resolution"?,
 * "output_format"?}}}. The callback field is also accepted as {@code callBackUrl} (docs/providers/crun.md: the pages
 * disagree on its name); {@code callback_url} wins when both are given. A field whose value is JSON {@code null}
 * counts as absent; unknown fields are ignored.
 *
 * <p>Documented: the two models; on {@code google/nano-banana-v2} {@code output_format} "is not supported and may
 * be ignored" and the resolution "is currently fixed to 1K", so the sandbox ignores both fields there. <b>Inferred</b>
 * (the crun page does not list the input fields; these are the Nano Banana family's): {@code prompt} required and
 * not blank, no maximum; {@code aspect_ratio} one of the ten of {@link AspectRatio}, default 1:1;
 * {@code resolution} 1K, 2K or 4K in any case (default 1K); {@code output_format} png or jpeg (the file served is
 * a PNG either way); {@code image_input} at most {@value #MAX_REFERENCES} http(s) URLs or {@code data:image/}
 * URIs.
 *
 * @param model       the model id, {@code google/nano-banana} or {@code google/nano-banana-v2}
 * @param prompt      the prompt text
 * @param aspectRatio the aspect ratio, {@code 1:1} when not given
 * @param resolution  the resolution; always 1K on v2
 * @param callbackUrl the callback URL, or null
 * @param paramJson   the request as TaskInfo echoes it in {@code param}: {@code {"model","callback_url","input"}}
 *                    as compact JSON ({@code callback_url} null when none was given)
 */
record CrunCreateRequest(String model, String prompt, AspectRatio aspectRatio, Resolution resolution,
        URI callbackUrl, String paramJson) {

    /** The basic model. */
    static final String NANO_BANANA = "google/nano-banana";
    /** The v2 channel: no output_format, fixed 1K. */
    static final String NANO_BANANA_V2 = "google/nano-banana-v2";
    /** Most reference images (<b>inferred</b>: none is documented; the adapter's defensive limit). */
    static final int MAX_REFERENCES = 10;

    private static final Choices<String> MODELS = Choices.ofLabels(List.of(NANO_BANANA, NANO_BANANA_V2));
    /** {@code input.resolution}, in any case. */
    private static final Choices<Resolution> RESOLUTIONS = Choices.of(List.of("1K", "2K", "4K"),
            List.of(Resolution.ONE_K, Resolution.TWO_K, Resolution.FOUR_K)).ignoringCase();
    private static final Choices<String> OUTPUT_FORMATS = Choices.ofLabels(List.of("png", "jpeg"));

    /**
     * @param body the raw request body
     * @param json the mapper
     * @return the checked request
     * @throws BadRequestException with the message the 422 answer carries: the body is not JSON or not an
     *                             object; {@code model} missing or not one of the two; the callback URL not an
     *                             http(s) URL; {@code input} missing or not an object; {@code input.prompt}
     *                             missing, not a string or blank; {@code aspect_ratio} outside the ten;
     *                             {@code resolution} (v1) not 1K/2K/4K; {@code output_format} (v1) not png/jpeg;
     *                             {@code image_input} not an array of strings, more than
     *                             {@value #MAX_REFERENCES}, or an item neither an http(s) URL nor a
     *                             {@code data:image/} URI
     */
    static CrunCreateRequest parse(String body, JsonMapper json) throws BadRequestException {
        JsonNode root = RequestFields.object(body, json);
        String model = MODELS.require(RequestFields.notBlank(root, "model", "model"), "model", null);
        boolean v2 = NANO_BANANA_V2.equals(model);
        String callbackText = RequestFields.string(root, "callback_url", "callback_url");
        String callbackName = "callback_url";
        if (callbackText == null) {
            callbackText = RequestFields.string(root, "callBackUrl", "callBackUrl");
            callbackName = "callBackUrl";
        }
        URI callbackUrl = RequestFields.callbackUrl(callbackText, callbackName);

        JsonNode input = RequestFields.requiredObject(root, "input", "input");
        String prompt = RequestFields.required(input, "prompt", "input.prompt");
        if (prompt.isBlank()) {
            throw new BadRequestException("input.prompt must not be blank");
        }
        references(input);
        AspectRatio ratio = AspectRatio.LABELS.read(input, "aspect_ratio", "input.aspect_ratio", AspectRatio.SQUARE);
        Resolution resolution = Resolution.ONE_K;
        if (!v2) { // v2: "fixed to 1K", the field is ignored
            resolution = RESOLUTIONS.read(input, "resolution", "input.resolution", Resolution.ONE_K);
            OUTPUT_FORMATS.read(input, "output_format", "input.output_format", null);
        }
        ObjectNode param = json.createObjectNode();
        param.put("model", model);
        param.put("callback_url", callbackUrl == null ? null : callbackUrl.toString());
        param.set("input", input);
        return new CrunCreateRequest(model, prompt, ratio, resolution, callbackUrl, json.writeValueAsString(param));
    }

    /** @return the pixel size of the image this request produces */
    ImageSize imageSize() {
        return ImageSize.of(aspectRatio, resolution);
    }

    /** {@code input.image_input}: the count is checked before the items. */
    private static void references(JsonNode input) throws BadRequestException {
        JsonNode list = RequestFields.array(input, "image_input", "input.image_input");
        if (list != null) {
            RequestFields.atMost("input.image_input", MAX_REFERENCES, list.size());
        }
        RequestFields.strings(input, "image_input", "input.image_input", CrunCreateRequest::reference,
                "must be an http(s) URL or a data:image/ URI");
    }

    /** @return true for an http(s) URL or a {@code data:image/} URI, judged by its head in any case */
    private static boolean reference(String text) {
        String head = text.substring(0, Math.min(text.length(), 16)).toLowerCase(Locale.ROOT);
        return head.startsWith("http://") || head.startsWith("https://") || head.startsWith("data:image/");
    }
}
