package io.imagebatch.console;

/**
 * A console request that cannot be done as asked: a file that is not a catalogue, a setting the form gave that
 * the job cannot use, an action the batch's state does not allow. The message says which and why, for the user;
 * it never holds a secret. The API answers with {@link #status()} as an RFC 9457 problem detail.
 */
public class ConsoleRequestException extends RuntimeException {

    private final int status;

    /**
     * @param status  the HTTP status to answer: 400 bad input, 409 the batch's state does not allow it, 413 an
     *                upload over the limit
     * @param message what is wrong and what to do
     */
    public ConsoleRequestException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** @return the HTTP status to answer (400, 409 or 413) */
    public int status() {
        return status;
    }
}
