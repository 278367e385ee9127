package io.imagebatch.app;

/**
 * The exit codes of every command ({@code run}, {@code serve}, ...) and of every batch a command runs, as the
 * README's "Exit codes" lists them: {@value #COMPLETED} the batch completed (rows may be rejected or failed: the
 * report says which); {@value #FAILED} the job failed or stopped and can be resumed by running the same command
 * again; {@value #USAGE} a usage or configuration error, with a message that says what to fix; {@value #HELD} the batch
 * ended with rows HELD because the budget is spent (docs/design.md, Spend): the same command with a larger
 * {@code --budget} sends them; {@value #AWAITING_APPROVAL} a proof run ended, awaiting approval (README.md, Spend, "The
 * proof run"): {@code approve BATCH} sends the rest, {@code reject BATCH} sends nothing more.
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
    /** Exit code: awaiting approval of a proof run; its proof rows are sent and the others HELD. */
    public static final int AWAITING_APPROVAL = 4;

    private ExitCodes() {
    }
}
