package io.imagebatch.app;

/**
 * The one place that walks an exception's chain of causes for the message a user is shown (a command's
 * "cannot start", a setting that cannot be read, why a batch stopped).
 */
public final class Causes {

    private Causes() {
    }

    /**
     * @param e an exception
     * @return the message of the innermost cause of {@code e} (a cause that is its own cause ends the walk), or
     *         that cause's {@code toString()} when it has no message
     */
    public static String rootMessage(Throwable e) {
        return message(innermost(e));
    }

    /**
     * The message of the first exception of ours ({@code io.imagebatch.*}) with a message in the chain, else of
     * the innermost cause: our messages say what happened in the batch's terms ("lock lost", "row 3 ..."), the
     * wrappers of Spring Batch ("Encountered an error executing step") and the libraries' innermost causes do
     * not.
     *
     * @param e an exception
     * @return that message, or the innermost cause's {@code toString()} when it has none
     */
    public static String ownMessage(Throwable e) {
        for (Throwable cause = e; ; cause = cause.getCause()) {
            if (cause.getClass().getName().startsWith("io.imagebatch.") && cause.getMessage() != null) {
                return cause.getMessage();
            }
            if (cause.getCause() == null || cause.getCause() == cause) {
                return message(cause);
            }
        }
    }

    /**
     * @param e an exception
     * @return its innermost cause ({@code e} itself when it has none)
     */
    public static Throwable innermost(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static String message(Throwable t) {
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }
}
