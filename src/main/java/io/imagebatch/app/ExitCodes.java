package io.imagebatch.app;

/**
 * The exit codes of every command ({@code run}, {@code serve}, ...) and of every batch a command runs, as the
 * README's "Exit codes" lists them: {@value #COMPLETED} the batch completed (rows may be rejected or failed: the
 * report says which); {@value #FAILED} the job failed or stopped and can be resumed by running the same command
 * again; {@value #USAGE} a usage or configuration error, with a message that says what to fix; {@value #HELD} the batch
 * ended with rows HELD because the budget is spent (docs/design.md, Spend): the same command with a larger
 * {@code --budget} sends them.
 */
public final class ExitCodes {

    /** Exit code: the batch completed. */
    public static final int COMPLETED = 0;
    /** Exit code: the job failed or stopped; the same command resumes it. */
    public static final int FAILED = 1;
    /** Exit code: usage or configuration error. */
    public static final int USAGE = 2;
    /** Exit code: held, the budget is spent; the batch ended with HELD rows and nothing failed it. */
    public static final int HELD = 3;

    private ExitCodes() {
    }
}
