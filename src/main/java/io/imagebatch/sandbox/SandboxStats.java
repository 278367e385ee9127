package io.imagebatch.sandbox;

import java.util.Map;

/**
 * A snapshot of what a {@link SandboxProvider} has been asked, since it started. Also served as JSON by
 * {@code GET /sandbox/stats} with the same field names, for example
 * {@code {"creates":2,"createsByPrompt":{"a red fox":2},"statusQueries":7,"downloads":2,"rejectedCreates":1,
 * "droppedCreates":1,"droppedCreatesByPrompt":{"a red fox":1},"cutDownloads":0}}.
 *
 * @param creates                create requests that made a task (each one is a task that a real provider would
 *                               charge), including those whose answer was dropped
 * @param createsByPrompt        the same, counted by the exact prompt text; never null, unmodifiable
 * @param statusQueries          status requests received (recordInfo), whatever they were answered
 * @param downloads              result files served in full with HTTP 200
 * @param rejectedCreates        create requests answered with anything but success (validation 400, 401,
 *                               injected 500, 429, outage); none of them made a task
 * @param droppedCreates         create requests that made a task but got no answer: the connection was closed
 *                               ({@link SandboxSettings#createDropRate()}); also counted in {@code creates}
 * @param droppedCreatesByPrompt the same, counted by the exact prompt text; never null, unmodifiable
 * @param cutDownloads           result files sent with their full {@code Content-Length} but only half the body
 *                               ({@link SandboxSettings#downloadCutRate()}); not counted in {@code downloads}
 */
public record SandboxStats(int creates, Map<String, Integer> createsByPrompt, int statusQueries, int downloads,
        int rejectedCreates, int droppedCreates, Map<String, Integer> droppedCreatesByPrompt, int cutDownloads) {

    /**
     * Copies the maps; null becomes an empty map.
     *
     * @param creates                create requests that made a task
     * @param createsByPrompt        the same by exact prompt text
     * @param statusQueries          status requests received
     * @param downloads              result files served in full
     * @param rejectedCreates        create requests answered with anything but success
     * @param droppedCreates         create requests that made a task but got no answer
     * @param droppedCreatesByPrompt the same by exact prompt text
     * @param cutDownloads           result files cut short
     */
    public SandboxStats {
        createsByPrompt = createsByPrompt == null ? Map.of() : Map.copyOf(createsByPrompt);
        droppedCreatesByPrompt = droppedCreatesByPrompt == null ? Map.of() : Map.copyOf(droppedCreatesByPrompt);
    }

    /**
     * Stats of a sandbox that dropped no create answer and cut no download, as before those faults existed.
     *
     * @param creates         create requests that made a task
     * @param createsByPrompt the same by exact prompt text
     * @param statusQueries   status requests received
     * @param downloads       result files served
     * @param rejectedCreates create requests answered with anything but success
     */
    public SandboxStats(int creates, Map<String, Integer> createsByPrompt, int statusQueries, int downloads,
            int rejectedCreates) {
        this(creates, createsByPrompt, statusQueries, downloads, rejectedCreates, 0, Map.of(), 0);
    }
}
