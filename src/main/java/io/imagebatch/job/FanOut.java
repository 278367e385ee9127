package io.imagebatch.job;

import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Runs one action per item concurrently on the batch's worker pool and waits for all of them: how the submit
 * writer sends a chunk's create calls, and how the poll and download steps work through one pass of due rows. The
 * pool's size bounds the calls in flight ({@code imagebatch.job.concurrency}, README).
 */
final class FanOut {

    private FanOut() {
    }

    /**
     * Runs {@code action} once for each item, each on a thread of {@code workers}, and returns when every one has
     * ended. One item's failure neither stops nor skips the others.
     *
     * @param items   the items, in any order; an empty collection returns at once
     * @param workers the pool the actions run on
     * @param action  what to do with one item; it records its own outcome (the ledger, a shared holder)
     * @param <T>     the item type
     * @throws CompletionException when an action threw, once all have ended: it wraps one of the thrown
     *                             exceptions (the first to be seen)
     */
    static <T> void forEach(Collection<T> items, Executor workers, Consumer<? super T> action) {
        CompletableFuture.allOf(items.stream()
                        .map(item -> CompletableFuture.runAsync(() -> action.accept(item), workers))
                        .toArray(CompletableFuture[]::new))
                .join();
    }
}
