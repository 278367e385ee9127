package io.imagebatch.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * An object read back from an {@link OutputStore} ({@link OutputStore#open}): its content as a stream, and its
 * length. Close it when done; closing an S3 object's stream before its end aborts the transfer.
 *
 * @param content the object's bytes, from the first; read at most {@code length} bytes from it
 * @param length  the object's length in bytes, as the store reported it when it was opened
 */
public record StoredObject(InputStream content, long length) implements AutoCloseable {

    /**
     * @param content see the record
     * @param length  see the record; 0 or more
     * @throws NullPointerException     when {@code content} is null
     * @throws IllegalArgumentException when {@code length} is negative
     */
    public StoredObject {
        Objects.requireNonNull(content, "content");
        if (length < 0) {
            throw new IllegalArgumentException("length must be 0 or more, got " + length);
        }
    }

    /**
     * Closes the content stream.
     *
     * @throws UncheckedIOException when closing it fails
     */
    @Override
    public void close() {
        try {
            content.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
