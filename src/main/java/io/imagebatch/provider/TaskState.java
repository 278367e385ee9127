package io.imagebatch.provider;

/**
 * A task's state at the provider, reduced to what the job acts on. Each adapter maps its provider's own
 * words (LiangXin {@code waiting | queuing | generating | success | fail}, ...) onto these.
 */
public enum TaskState {
    /** Accepted, not yet started (LiangXin waiting, queuing). */
    QUEUED,
    /** Being generated (LiangXin generating). */
    RUNNING,
    /** Terminal: result URLs are known. */
    SUCCESS,
    /** Terminal: the generation failed. */
    FAIL,
    /** A state word the documentation does not list: logged, kept in flight until the task's deadline. */
    UNKNOWN;

    /** @return true for {@link #SUCCESS} and {@link #FAIL} */
    public boolean isTerminal() {
        return this == SUCCESS || this == FAIL;
    }
}
