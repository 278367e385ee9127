package io.imagebatch.sandbox;

import java.net.URI;
import java.util.Objects;

/**
 * One task a sandbox protocol accepted. Immutable: its phase at any moment follows from the create time, the
 * generation time and {@code fails} ({@link TaskEngine#phaseAt}).
 *
 * @param id               the public task id, unique within the sandbox
 * @param protocol         the protocol that created it, for example {@code liangxin}
 * @param model            the model named in the create request
 * @param prompt           the prompt text
 * @param size             the pixel size of the image it produces
 * @param paramJson        the create request body, re-serialized as compact JSON
 * @param createTimeMs     epoch milliseconds of the create
 * @param generationTimeMs milliseconds from create to the terminal phase
 * @param fails            true when the task ends in {@link TaskPhase#FAILED}
 * @param callbackUrl      where to POST the terminal payload, or null
 */
record SandboxTask(String id, String protocol, String model, String prompt, ImageSize size, String paramJson,
        long createTimeMs, long generationTimeMs, boolean fails, URI callbackUrl) {

    SandboxTask {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(size, "size");
        Objects.requireNonNull(paramJson, "paramJson");
    }

    /** @return epoch milliseconds when the task reaches its terminal phase */
    long completeTimeMs() {
        return createTimeMs + generationTimeMs;
    }
}
