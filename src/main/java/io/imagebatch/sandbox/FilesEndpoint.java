package io.imagebatch.sandbox;

import java.util.Map;
import java.util.Optional;

/**
 * {@code GET /files/<taskId>.png}: the image of a successful task, as a CDN would serve it (no API key, no
 * injected 500s or 429s, no rate limit). HTTP 200 {@code image/png} with a {@code Content-Length}; HTTP 404 when
 * the task is unknown or has not (yet) succeeded. The one fault of this endpoint: a fraction
 * {@link SandboxSettings#downloadCutRate()} of the answers is cut short ({@link ApiResponse.Delivery#CUT}: the full
 * {@code Content-Length}, half the body, then the connection closes). Shared by all protocols. Thread-safe.
 */
final class FilesEndpoint {

    /** Path prefix of result files. */
    static final String PREFIX = "/files/";
    /** File name suffix of result files. */
    static final String SUFFIX = ".png";

    private final TaskEngine tasks;
    private final ImageCache images;
    private final StatsCounter stats;
    private final FaultGate faults;

    /**
     * @param tasks  the task store
     * @param images the rendered-image cache
     * @param stats  counts served files, full and cut
     * @param faults decides which answers are cut short
     */
    FilesEndpoint(TaskEngine tasks, ImageCache images, StatsCounter stats, FaultGate faults) {
        this.tasks = tasks;
        this.images = images;
        this.stats = stats;
        this.faults = faults;
    }

    /**
     * @param path the request path, for example {@code /files/task_x_1_1.png}
     * @return the PNG answer (sent in full, or cut short), or empty for 404
     * @throws InterruptedException when interrupted while waiting to render
     */
    Optional<ApiResponse> serve(String path) throws InterruptedException {
        if (!path.startsWith(PREFIX) || !path.endsWith(SUFFIX)) {
            return Optional.empty();
        }
        String taskId = path.substring(PREFIX.length(), path.length() - SUFFIX.length());
        Optional<SandboxTask> task = tasks.find(taskId)
                .filter(t -> TaskEngine.phaseAt(t, tasks.nowMillis()) == TaskPhase.SUCCEEDED);
        if (task.isEmpty()) {
            return Optional.empty();
        }
        if (faults.forbiddenResult(taskId)) {
            // an expired or revoked result URL: the task succeeded and is paid for, its image cannot be fetched
            return Optional.of(new ApiResponse(403, "text/plain", Map.of(),
                    "Forbidden".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        }
        byte[] png = images.png(task.get());
        // immutable per task, like a CDN object
        String type = png.length > 2 && (png[0] & 0xFF) == 0xFF && (png[1] & 0xFF) == 0xD8 ? "image/jpeg"
                : "image/png"; // JPEG with SandboxSettings#jpegImages
        ApiResponse answer = new ApiResponse(200, type, Map.of("Cache-Control", "max-age=86400"), png);
        if (faults.cutDownload()) {
            stats.downloadCut();
            return Optional.of(answer.deliveredAs(ApiResponse.Delivery.CUT));
        }
        stats.fileDownloaded();
        return Optional.of(answer);
    }
}
