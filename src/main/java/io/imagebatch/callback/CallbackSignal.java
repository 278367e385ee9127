package io.imagebatch.callback;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.springframework.stereotype.Component;

/**
 * Wakes the poll step when a callback has made a task due, so that the status query follows the callback at
 * once instead of at the end of the poll step's idle wait.
 */
@Component
public class CallbackSignal {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private long generation;

    /** Wakes every waiter. */
    public void signal() {
        lock.lock();
        try {
            generation++;
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until {@link #signal()} is called or the time is up.
     *
     * @param millis the longest wait, ms
     * @throws InterruptedException when the thread is interrupted
     */
    public void await(long millis) throws InterruptedException {
        lock.lock();
        try {
            long seen = generation;
            long nanos = TimeUnit.MILLISECONDS.toNanos(millis);
            while (generation == seen && nanos > 0) {
                nanos = arrived.awaitNanos(nanos);
            }
        } finally {
            lock.unlock();
        }
    }
}
