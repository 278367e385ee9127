package io.imagebatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SignalTest {

    /** A thread waiting up to an hour on the signal, once it is waiting. */
    private record Waiter(Thread thread, CompletableFuture<Void> woke) {

        static Waiter on(Signal signal) {
            AtomicReference<Thread> thread = new AtomicReference<>();
            CompletableFuture<Void> woke = CompletableFuture.runAsync(() -> {
                thread.set(Thread.currentThread());
                try {
                    signal.await(TimeUnit.HOURS.toMillis(1));
                } catch (InterruptedException e) {
                    throw new IllegalStateException("interrupted", e);
                }
            });
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> thread.get() != null && thread.get().getState() == Thread.State.TIMED_WAITING);
            return new Waiter(thread.get(), woke);
        }
    }

    @Test
    void aSignalEndsAWaitLongBeforeItsTimeIsUp() throws Exception {
        Signal signal = new Signal();
        Waiter waiter = Waiter.on(signal);

        signal.signal();

        waiter.woke().get(30, TimeUnit.SECONDS);
        assertThat(waiter.woke()).isCompleted();
    }

    @Test
    void aSignalGivenBeforeAWaitBeganDoesNotEndIt() {
        Signal signal = new Signal();
        signal.signal();

        Waiter waiter = Waiter.on(signal);

        assertThat(waiter.woke()).isNotDone();
        waiter.thread().interrupt();
        await().atMost(Duration.ofSeconds(30)).until(waiter.woke()::isDone);
        assertThat(waiter.woke()).isCompletedExceptionally();
    }
}
