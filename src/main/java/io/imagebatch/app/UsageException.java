package io.imagebatch.app;

/**
 * A usage or configuration error: exit code 2, with a message that says what to fix. Never carries a secret.
 */
public class UsageException extends RuntimeException {

    /** @param message what is wrong and what to do about it */
    public UsageException(String message) {
        super(message);
    }

    /**
     * The message a usage error quotes for a failure it wraps: that of the innermost cause (a binding or
     * parsing failure's own words), or its class name when it has none.
     *
     * @param e a failure; never null
     * @return the innermost cause's message, or its {@code toString()} when the message is null
     */
    public static String innermostMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getMessage() != null ? cause.getMessage() : cause.toString();
    }
}
