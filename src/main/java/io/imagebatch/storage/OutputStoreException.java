package io.imagebatch.storage;

/**
 * An output store could not store, measure or reach an object.
 *
 * <p>The message names the object's URI ({@code s3://bucket/key} or {@code file:/abs/path}) and the cause; it
 * never contains credentials. Unchecked: callers in the batch job decide whether a row is retried.
 */
public class OutputStoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, naming the object's URI; never credentials
     * @param cause   the underlying I/O or SDK failure, or null
     */
    public OutputStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
