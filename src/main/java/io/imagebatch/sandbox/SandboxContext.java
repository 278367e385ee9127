package io.imagebatch.sandbox;

import java.net.URI;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the shared server gives every protocol.
 *
 * @param tasks     the shared task store
 * @param callbacks delivers callbacks off the request threads
 * @param json      the JSON mapper (Jackson 3)
 * @param baseUrl   the sandbox's base URL, for example {@code http://127.0.0.1:41234}, no trailing slash
 */
record SandboxContext(TaskEngine tasks, CallbackSender callbacks, JsonMapper json, URI baseUrl) {

    /**
     * @param taskId a task id
     * @return the URL its image is served at: {@code <baseUrl>/files/<taskId>.png}
     */
    String fileUrl(String taskId) {
        return baseUrl + FilesEndpoint.PREFIX + taskId + FilesEndpoint.SUFFIX;
    }
}
