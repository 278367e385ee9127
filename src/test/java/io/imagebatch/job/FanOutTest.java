package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The one fan-out of the submit writer, the poll step and the download step. */
class FanOutTest {

    private final ExecutorService workers = Executors.newFixedThreadPool(3);

    @AfterEach
    void stopWorkers() {
        workers.shutdownNow();
    }

    @Test
    void itemsRunConcurrentlyOnTheWorkersAndTheCallReturnsOnceAllHaveEnded() {
        Set<Integer> done = ConcurrentHashMap.newKeySet();
        Set<String> threads = ConcurrentHashMap.newKeySet();
        CountDownLatch allStarted = new CountDownLatch(3);

        FanOut.forEach(List.of(1, 2, 3), workers, item -> {
            threads.add(Thread.currentThread().getName());
            allStarted.countDown();
            try {
                // each waits for the others: passes only when all three run at the same time
                assertThat(allStarted.await(60, TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            done.add(item);
        });

        assertThat(done).containsExactlyInAnyOrder(1, 2, 3);
        assertThat(threads).hasSize(3).noneMatch(name -> name.equals(Thread.currentThread().getName()));
    }

    @Test
    void oneItemsFailureNeitherStopsNorSkipsTheOthersAndIsThrownOnceAllHaveEnded() {
        Set<Integer> done = ConcurrentHashMap.newKeySet();

        assertThatThrownBy(() -> FanOut.forEach(List.of(1, 2, 3, 4), workers, item -> {
            if (item == 2) {
                throw new IllegalStateException("row 2 broke");
            }
            done.add(item);
        })).isInstanceOf(CompletionException.class).hasRootCauseMessage("row 2 broke");

        assertThat(done).containsExactlyInAnyOrder(1, 3, 4);
    }

    @Test
    void noItemsReturnAtOnce() {
        FanOut.forEach(List.<Integer>of(), workers, item -> {
            throw new AssertionError("no item");
        });
    }
}
