package io.imagebatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SignalTest {

    @Test
    void aSignalEndsAWaitLongBeforeItsTimeIsUp() throws Exception {
        Signal signal = new Signal();
        Thread[] waiter = new Thread[1];
        CompletableFuture<Void> woke = CompletableFuture.runAsync(() -> {
            waiter[0] = Thread.currentThread();
            try {
                signal.await(TimeUnit.HOURS.toMillis(1));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(30))
                .until(() -> waiter[0] != null && waiter[0].getState() == Thread.State.TIMED_WAITING);

        signal.signal();

        woke.get(30, TimeUnit.SECONDS);
        assertThat(woke).isCompleted();
    }

    @Test
    void aSignalGivenBeforeAWaitBeganDoesNotEndIt() throws Exception {
        Signal signal = new Signal();
        signal.signal();
        Thread[] waiter = new Thread[1];
        CompletableFuture<Void> woke = CompletableFuture.runAsync(() -> {
            waiter[0] = Thread.currentThread();
            try {
                signal.await(TimeUnit.HOURS.toMillis(1));
            } catch (InterruptedException e) {
                // ended by the test below
            }
        });
        await().atMost(Duration.ofSeconds(30))
                .until(() -> waiter[0] != null && waiter[0].getState() == Thread.State.TIMED_WAITING);
        assertThat(woke).isNotDone();
        waiter[0].interrupt();
        woke.get(30, TimeUnit.SECONDS);
    }
}
