package io.imagebatch.app;

/**
 * A redo ({@link RowRedo#redo}) that was refused; nothing was changed. The message is for the user: it names
 * the batch or row and the rule (for a prompt, the row, the column {@code prompt} and the provider's rule), and
 * never a secret.
 */
public class RedoRefusedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why a redo was refused, so that the command line and the console answer each in their way. */
    public enum Reason {
        /** No such batch, or no such row in its ledger (the console: 404; the command line: exit code 2). */
        UNKNOWN,
        /** The new prompt is empty or breaks a rule (the console: 400; the command line: exit code 2). */
        INVALID_PROMPT,
        /** The row's state or the batch's last run does not allow a redo now (409; exit code 2). */
        NOT_REDOABLE,
        /** The batch is running in this or another process (409; exit code 1, as run's). */
        BATCH_RUNNING
    }

    private final Reason reason;

    /**
     * @param reason  why
     * @param message what the user reads
     */
    public RedoRefusedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** @return why the redo was refused */
    public Reason reason() {
        return reason;
    }
}
