package io.imagebatch.app;

/**
 * A usage or configuration error: exit code 2, with a message that says what to fix. Never carries a secret.
 */
public class UsageException extends RuntimeException {

    /** @param message what is wrong and what to do about it */
    public UsageException(String message) {
        super(message);
    }
}
