package io.imagebatch;

/**
 * A deliberate pause of the calling thread: the backoff before a busy provider's create is tried again
 * ({@code io.imagebatch.job.JobProperties#backoffMillis}; README.md, "Exactly once" and the failure table), or a
 * 429's pause ({@code io.imagebatch.provider.ProviderThrottle}). It waits for nothing that could end it early (the
 * provider asked for the time, or the backoff set it), so it is a pause, not a wait on a condition. A seam, so
 * that tests record or skip the pauses instead of taking them.
 */
@FunctionalInterface
public interface Sleeper {

    /** Pauses the calling thread ({@link Thread#sleep(long)}). */
    Sleeper THREAD = Thread::sleep;

    /**
     * @param millis how long to pause, ms (0 or more)
     * @throws InterruptedException when the thread is interrupted while paused
     */
    void sleep(long millis) throws InterruptedException;
}
