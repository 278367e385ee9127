package io.imagebatch;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Wakes threads waiting for "something changed": each {@link #signal()} ends every wait that began before it, and
 * a wait that began after it waits for the next one (a generation count, so no signal is lost between a waiter's
 * check and its wait). Used for the idle waits of the pipeline's steps (a callback made a task due; a step
 * recorded rows or ended), which otherwise would sleep out their whole interval.
 */
public class Signal {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition raised = lock.newCondition();
    private long generation;

    /** Wakes every thread waiting in {@link #await(long)}. */
    public void signal() {
        lock.lock();
        try {
            generation++;
            raised.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until {@link #signal()} is called or the time is up.
     *
     * @param millis the longest wait, ms (0 or less returns at once)
     * @throws InterruptedException when the thread is interrupted
     */
    public void await(long millis) throws InterruptedException {
        lock.lock();
        try {
            long seen = generation;
            long nanos = TimeUnit.MILLISECONDS.toNanos(millis);
            while (generation == seen && nanos > 0) {
                nanos = raised.awaitNanos(nanos);
            }
        } finally {
            lock.unlock();
        }
    }
}
