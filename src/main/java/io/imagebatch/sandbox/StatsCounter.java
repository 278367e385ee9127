package io.imagebatch.sandbox;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/** Thread-safe counters behind {@link SandboxStats}. */
final class StatsCounter {

    private final AtomicInteger creates = new AtomicInteger();
    private final Map<String, AtomicInteger> createsByPrompt = new ConcurrentHashMap<>();
    private final AtomicInteger statusQueries = new AtomicInteger();
    private final AtomicInteger downloads = new AtomicInteger();
    private final AtomicInteger rejectedCreates = new AtomicInteger();
    private final AtomicInteger droppedCreates = new AtomicInteger();
    private final Map<String, AtomicInteger> droppedCreatesByPrompt = new ConcurrentHashMap<>();
    private final AtomicInteger cutDownloads = new AtomicInteger();

    /** @param prompt the prompt of a task that was created */
    void taskCreated(String prompt) {
        creates.incrementAndGet();
        createsByPrompt.computeIfAbsent(prompt, p -> new AtomicInteger()).incrementAndGet();
    }

    /** Counts a create request answered with anything but success. */
    void createRejected() {
        rejectedCreates.incrementAndGet();
    }

    /** @param prompt the prompt of a task that was created (and counted) but whose answer was dropped */
    void createDropped(String prompt) {
        droppedCreates.incrementAndGet();
        droppedCreatesByPrompt.computeIfAbsent(prompt, p -> new AtomicInteger()).incrementAndGet();
    }

    /** Counts a result file sent cut short. */
    void downloadCut() {
        cutDownloads.incrementAndGet();
    }

    /** Counts a status request, whatever its answer. */
    void statusQueried() {
        statusQueries.incrementAndGet();
    }

    /** Counts a result file served with HTTP 200. */
    void fileDownloaded() {
        downloads.incrementAndGet();
    }

    /**
     * @return the counts now; each counter is read atomically, the set of them is not (a request in flight may
     * be counted in one and not yet in another)
     */
    SandboxStats snapshot() {
        return new SandboxStats(creates.get(), counts(createsByPrompt), statusQueries.get(), downloads.get(),
                rejectedCreates.get(), droppedCreates.get(), counts(droppedCreatesByPrompt), cutDownloads.get());
    }

    private static Map<String, Integer> counts(Map<String, AtomicInteger> byPrompt) {
        return byPrompt.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get()));
    }
}
