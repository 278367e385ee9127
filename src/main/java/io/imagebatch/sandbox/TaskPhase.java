package io.imagebatch.sandbox;

/**
 * Where a sandbox task is in its life, independent of any protocol's words for it (LiangXin says
 * {@code waiting | queuing | generating | success | fail}, docs/providers/liangxin.md). A task moves through the
 * phases in this order and ends in exactly one of the two terminal ones.
 */
enum TaskPhase {
    /** The first 10% of the generation time. */
    WAITING,
    /** From 10% to 25% of the generation time. */
    QUEUING,
    /** From 25% of the generation time until it has passed. */
    GENERATING,
    /** Terminal: an image is available. */
    SUCCEEDED,
    /** Terminal: no image; the task carries a failure code and message. */
    FAILED;

    /** @return true for {@link #SUCCEEDED} and {@link #FAILED} */
    boolean terminal() {
        return this == SUCCEEDED || this == FAILED;
    }
}
