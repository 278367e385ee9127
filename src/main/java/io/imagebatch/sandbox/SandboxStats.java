package io.imagebatch.sandbox;

import java.util.Map;

/**
 * A snapshot of what a {@link SandboxProvider} has been asked, since it started. Also served as JSON by
 * {@code GET /sandbox/stats} with the same field names, for example
 * {@code {"creates":2,"createsByPrompt":{"a red fox":2},"statusQueries":7,"downloads":2,"rejectedCreates":1}}.
 *
 * @param creates         create requests that made a task (each one is a task that a real provider would charge)
 * @param createsByPrompt the same, counted by the exact prompt text; never null, unmodifiable
 * @param statusQueries   status requests received (recordInfo), whatever they were answered
 * @param downloads       result files served with HTTP 200
 * @param rejectedCreates create requests answered with anything but success (validation 400, 401, injected
 *                        500, 429, outage); none of them made a task
 */
public record SandboxStats(int creates, Map<String, Integer> createsByPrompt, int statusQueries, int downloads,
        int rejectedCreates) {

    /**
     * Copies {@code createsByPrompt}; null becomes an empty map.
     *
     * @param creates         create requests that made a task
     * @param createsByPrompt the same by exact prompt text
     * @param statusQueries   status requests received
     * @param downloads       result files served
     * @param rejectedCreates create requests answered with anything but success
     */
    public SandboxStats {
        createsByPrompt = createsByPrompt == null ? Map.of() : Map.copyOf(createsByPrompt);
    }
}
