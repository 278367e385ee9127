package io.imagebatch.provider.hiapi;

import io.imagebatch.provider.ImageRequest;
import io.imagebatch.provider.TaskState;
import java.time.Instant;
import java.util.List;

/**
 * One task as HiAPI's task list ({@code GET /v1/tasks}) shows it, with the input it was created with, so that a
 * row whose create call got no answer ({@code UNCERTAIN}) can be matched to the task it may have made. The list's
 * shape is <b>inferred</b> (see {@link HiApiAdapter#listTasks()}); a field the list does not carry is null.
 *
 * @param taskId       the task id
 * @param model        the model, or null
 * @param state        the status, mapped as for a status query
 * @param rawState     HiAPI's status word, as sent
 * @param created      when the task was created ({@code created}, epoch seconds), or null
 * @param prompt       {@code input.prompt}, or null
 * @param imageInput   {@code input.image_input}, empty when absent; never null
 * @param aspectRatio  {@code input.aspect_ratio}, or null
 * @param resolution   {@code input.resolution}, or null
 * @param outputFormat {@code input.output_format}, or null
 */
public record TaskSummary(String taskId, String model, TaskState state, String rawState, Instant created,
        String prompt, List<String> imageInput, String aspectRatio, String resolution, String outputFormat) {

    /**
     * Copies {@code imageInput}; null becomes an empty list.
     *
     * @param taskId       the task id
     * @param model        the model, or null
     * @param state        the mapped status
     * @param rawState     HiAPI's status word
     * @param created      the creation time, or null
     * @param prompt       the prompt, or null
     * @param imageInput   the reference URLs, may be null
     * @param aspectRatio  the aspect ratio, or null
     * @param resolution   the resolution, or null
     * @param outputFormat the output format, or null
     */
    public TaskSummary {
        imageInput = imageInput == null ? List.of() : List.copyOf(imageInput);
    }

    /**
     * Whether this task was created from {@code request}: same model (case ignored, when listed), same prompt,
     * same reference URLs in the same order, and the same aspect ratio, resolution and output format (case
     * ignored), a field the list leaves out counting as HiAPI's documented default (auto, 1K, png;
     * hiapi-nano-banana-pro.txt).
     *
     * @param request a request made by {@link HiApiAdapter#prepare}
     * @return true when every field matches
     */
    public boolean matches(ImageRequest request) {
        return (model == null || model.equalsIgnoreCase(request.model()))
                && prompt != null && prompt.equals(request.prompt())
                && imageInput.equals(request.referenceImages())
                && same(aspectRatio, HiApiRules.DEFAULT_ASPECT_RATIO, request.aspectRatio())
                && same(resolution, HiApiRules.DEFAULT_RESOLUTION, request.resolution())
                && same(outputFormat, HiApiRules.DEFAULT_OUTPUT_FORMAT, request.outputFormat());
    }

    private static boolean same(String listed, String documentedDefault, String requested) {
        String mine = requested == null ? documentedDefault : requested;
        return (listed == null ? documentedDefault : listed).equalsIgnoreCase(mine);
    }
}
