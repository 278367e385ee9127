package io.imagebatch.sandbox;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Thread factories for the sandbox's pools: named, daemon, so a forgotten sandbox never keeps a JVM alive. */
final class SandboxThreads {

    private SandboxThreads() {
    }

    /**
     * @param prefix thread name prefix, for example {@code sandbox-http}
     * @return a factory of daemon threads named {@code prefix-1}, {@code prefix-2}...
     */
    static ThreadFactory named(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
