package io.imagebatch.sandbox;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;

/**
 * The rendered PNGs of the most recently downloaded tasks, so that repeated downloads are cheap; older ones are
 * evicted and rendered again on demand, with the same bytes ({@link ImageRenderer} is deterministic). At most
 * a few renders run at once, bounding memory: a 4K frame is up to 17 MB before encoding. Thread-safe.
 */
final class ImageCache {

    private final Map<String, byte[]> images; // guarded by itself
    private final Semaphore renders;
    private final boolean plain;
    /** Result files as JPEG instead of PNG ({@link SandboxSettings#jpegImages()}). */
    private final boolean jpeg;
    /** The big result files, or null ({@link SandboxSettings#withResultBytes}). */
    private final BigImages big;

    /**
     * @param capacity          most images kept, for example 64
     * @param concurrentRenders most renders running at once
     */
    ImageCache(int capacity, int concurrentRenders) {
        this(capacity, concurrentRenders, false);
    }

    /**
     * @param capacity          most images kept, for example 64
     * @param concurrentRenders most renders running at once
     * @param plain             one plain image per size for every task (benchmarks), instead of each task's own
     */
    ImageCache(int capacity, int concurrentRenders, boolean plain) {
        this(capacity, concurrentRenders, plain, false);
    }

    /**
     * @param capacity          most images kept, for example 64
     * @param concurrentRenders most renders running at once
     * @param plain             one plain image per size for every task (benchmarks), instead of each task's own
     * @param jpeg              JPEG result files instead of PNG
     */
    ImageCache(int capacity, int concurrentRenders, boolean plain, boolean jpeg) {
        this(capacity, concurrentRenders, plain, jpeg, null);
    }

    /**
     * @param capacity          most images kept, for example 64
     * @param concurrentRenders most renders running at once
     * @param plain             one plain image per size for every task (benchmarks), instead of each task's own
     * @param jpeg              JPEG result files instead of PNG
     * @param big               the big result files every task gets one of (then nothing is rendered), or null
     */
    ImageCache(int capacity, int concurrentRenders, boolean plain, boolean jpeg, BigImages big) {
        this.big = big;
        this.plain = plain;
        this.jpeg = jpeg;
        this.images = new LinkedHashMap<>(capacity * 4 / 3 + 1, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
                return size() > capacity;
            }
        };
        this.renders = new Semaphore(concurrentRenders);
    }

    /**
     * @param task a task
     * @return its PNG bytes; the caller must not modify them
     * @throws InterruptedException when interrupted while waiting to render
     */
    byte[] png(SandboxTask task) throws InterruptedException {
        if (big != null) {
            return big.forTask(task.id());
        }
        String key = plain ? "plain-" + task.size() : task.id();
        synchronized (images) {
            byte[] cached = images.get(key);
            if (cached != null) {
                return cached;
            }
        }
        // render outside the lock; two threads may render the same task, with identical results
        renders.acquire();
        byte[] png;
        try {
            png = plain ? ImageRenderer.renderPng("sandbox", "", task.size())
                    : ImageRenderer.renderPng(task.id(), task.prompt(), task.size());
            if (jpeg) {
                png = ImageRenderer.toJpeg(png);
            }
        } finally {
            renders.release();
        }
        synchronized (images) {
            images.put(key, png);
        }
        return png;
    }
}
