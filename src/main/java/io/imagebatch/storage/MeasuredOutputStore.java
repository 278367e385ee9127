package io.imagebatch.storage;

import java.io.InputStream;
import java.net.URI;
import java.util.Objects;

/**
 * What the folder and S3 stores share: their location, and a {@link #put} that counts the content and checks it
 * against its declared length as it is read ({@link MeasuringInputStream#content}), so that a body cut short or
 * longer than declared never lands under its key (the contract of {@link OutputStore#put}; README, "Output").
 * Subclasses write the measured stream their own way.
 */
abstract class MeasuredOutputStore implements OutputStore {

    /** Where this store writes; never null. */
    final OutputLocation location;

    /**
     * @param location where the store writes
     * @throws NullPointerException when {@code location} is null
     */
    MeasuredOutputStore(OutputLocation location) {
        this.location = Objects.requireNonNull(location, "location");
    }

    @Override
    public OutputLocation location() {
        return location;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Wraps {@code content} in a {@link MeasuringInputStream} and hands it to {@link #putMeasured}.
     *
     * @throws NullPointerException when {@code content} is null
     */
    @Override
    public final URI put(String key, InputStream content, long contentLength, String contentType) {
        Objects.requireNonNull(content, "content");
        return putMeasured(key, MeasuringInputStream.content(content, contentLength), contentLength, contentType);
    }

    /**
     * Writes measured content under a key, as {@link OutputStore#put} says.
     *
     * @param key           the object key, checked by {@link ObjectKeys#check}
     * @param content       the content, counted and checked against {@code contentLength} as it is read
     * @param contentLength the declared length in bytes, or -1 when unknown
     * @param contentType   the MIME type, for example {@code image/png}
     * @return the stored object's URI
     * @throws OutputStoreException when the content could not be stored; nothing new is left under the key
     */
    abstract URI putMeasured(String key, MeasuringInputStream content, long contentLength, String contentType);
}
