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

    /** @param prompt the prompt of a task that was created */
    void taskCreated(String prompt) {
        creates.incrementAndGet();
        createsByPrompt.computeIfAbsent(prompt, p -> new AtomicInteger()).incrementAndGet();
    }

    /** Counts a create request answered with anything but success. */
    void createRejected() {
        rejectedCreates.incrementAndGet();
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
        Map<String, Integer> byPrompt = createsByPrompt.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get()));
        return new SandboxStats(creates.get(), byPrompt, statusQueries.get(), downloads.get(),
                rejectedCreates.get());
    }
}
