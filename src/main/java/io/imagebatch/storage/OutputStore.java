package io.imagebatch.storage;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the job stores images and its report: a local folder ({@link FileOutputStore}) or an S3 bucket
 * ({@link S3OutputStore}), opened with {@link OutputStores#open(OutputLocation, StorageProperties)}.
 *
 * <p>Keys are relative to the location's prefix (for {@code s3://bucket/images} the key {@code b7/row-1.png} is
 * stored as {@code images/b7/row-1.png}), slash-separated, without empty, {@code .} or {@code ..} segments.
 * Keys are deterministic from the batch and the row id (key layout: {@code docs/design.md}, "Output store").
 *
 * <p>Writes are all-or-nothing: readers see either the previous object or the complete new one, never a
 * partial object, and a failed write leaves nothing new under the key. Implementations are safe for concurrent
 * use by several threads on different keys.
 */
public interface OutputStore extends AutoCloseable {

    /**
     * Stores {@code content} under {@code key}, replacing any object there. The stream is read to its end (or to
     * {@code contentLength} bytes) but not closed.
     *
     * @param key           the key relative to the location's prefix, for example {@code batch-7/row-42.png}
     * @param content       the bytes to store; if reading it throws, nothing is left under the key
     * @param contentLength the exact number of bytes {@code content} yields, or {@code -1} when unknown; when
     *                      given, a stream that ends earlier or yields more is a failure and nothing is stored
     * @param contentType   the MIME type, for example {@code image/png}; stored as S3 metadata, ignored for files
     * @return the stored object's URI: {@code s3://bucket/prefix/key} or {@code file:/abs/path}
     * @throws OutputStoreException     when the object could not be stored (the content stream failed, its length
     *                                  did not match, the disk or S3 refused it); the message names the URI and the
     *                                  cause, never credentials
     * @throws IllegalArgumentException when the key is not a valid relative key
     */
    URI put(String key, InputStream content, long contentLength, String contentType);

    /**
     * Stores a local file's content under {@code key}, replacing any object there. Unlike
     * {@link #put(String, InputStream, long, String)} the content can be read again, so a store may retry a
     * write that failed for a passing reason (the S3 store does: {@link S3OutputStore}). The file is neither
     * changed nor deleted.
     *
     * @param key         the key relative to the location's prefix, for example {@code batch-7/row-42.png}
     * @param file        a regular file; its size at the call is the object's length
     * @param contentType the MIME type, for example {@code image/png}
     * @return the stored object's URI
     * @throws OutputStoreException     when the object could not be stored (after the store's retries) or the
     *                                  file could not be read
     * @throws IllegalArgumentException when the key is not a valid relative key
     */
    default URI putFile(String key, Path file, String contentType) {
        try (InputStream in = Files.newInputStream(file)) {
            return put(key, in, Files.size(file), contentType);
        } catch (IOException e) {
            throw new OutputStoreException("could not read " + file + " to store it as " + uriOf(key) + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Stores a spooled file under {@code key} as {@link #putFile} does, for a caller that hands the file over:
     * after the call it only deletes the file, never writes it again (the download step's spool,
     * {@link ImageDownloader}). A store may then take the file's bytes without copying them (the folder store
     * links the file into place when both are on one file system: README, "Performance", "Big images"). This
     * default stores a copy through {@link #putFile}.
     *
     * @param key         the key relative to the location's prefix, for example {@code batch-7/row-42.png}
     * @param file        a regular file; its size at the call is the object's length; not written after the call
     * @param contentType the MIME type, for example {@code image/png}
     * @return the stored object's URI
     * @throws OutputStoreException     as {@link #putFile}
     * @throws IllegalArgumentException when the key is not a valid relative key
     */
    default URI putSpooled(String key, Path file, String contentType) {
        return putFile(key, file, contentType);
    }

    /**
     * Stores a small object held in memory (the results report), replacing any object there.
     *
     * @param key         the key relative to the location's prefix
     * @param content     the whole object
     * @param contentType the MIME type, for example {@code text/csv}
     * @return the stored object's URI
     * @throws OutputStoreException     when the object could not be stored
     * @throws IllegalArgumentException when the key is not a valid relative key
     */
    URI putBytes(String key, byte[] content, String contentType);

    /**
     * The size of the object stored under {@code key}.
     *
     * @param key the key relative to the location's prefix
     * @return the size in bytes, or empty when no object is stored under the key
     * @throws OutputStoreException     when the store could not be asked (I/O error, S3 access denied, ...)
     * @throws IllegalArgumentException when the key is not a valid relative key
     */
    Optional<Long> size(String key);

    /**
     * Reads back the object stored under {@code key}, as a stream: nothing of it is held in memory beyond the
     * stream's buffer. The caller closes the stream (for S3 this releases the HTTP connection).
     *
     * @param key the key relative to the location's prefix, for example {@code batch-7/row-42.png}
     * @return the object's content and length in bytes; empty when no object is stored under the key (a folder
     *         there counts as none)
     * @throws OutputStoreException     when the store could not be read (I/O error, S3 access denied, a store
     *                                  that keeps failing after its retries); the message names the URI, never
     *                                  credentials
     * @throws IllegalArgumentException when the key is not a valid relative key
     */
    Optional<StoredObject> open(String key);

    /**
     * Copies the object stored under {@code fromKey} to {@code toKey}, replacing any object there, inside the
     * store (a folder: a copy to a temporary file and an atomic rename, as {@link #putFile}; S3: one
     * {@code CopyObject}, retried as puts are): a redo keeps a row's earlier image in its history this way
     * (README, "Redo a row"). All-or-nothing like every write.
     *
     * @param fromKey the key of a stored object, relative to the location's prefix
     * @param toKey   the key to copy it to
     * @return the copy's URI
     * @throws OutputStoreException     when nothing is stored under {@code fromKey}, or the copy failed; the
     *                                  message names the URIs and the cause, never credentials
     * @throws IllegalArgumentException when a key is not a valid relative key
     */
    URI copy(String fromKey, String toKey);

    /**
     * The URI an object under {@code key} has (or would have) in this store; does not touch the store.
     *
     * @param key the key relative to the location's prefix
     * @return {@code s3://bucket/prefix/key} or {@code file:/abs/path}
     * @throws IllegalArgumentException when the key is not a valid relative key
     */
    URI uriOf(String key);

    /**
     * The location this store writes to.
     *
     * @return the parsed destination
     */
    OutputLocation location();

    /**
     * Checks, before anything is paid for, that this store can be written: a small probe object is written under
     * the location and deleted again (and, for S3, the bucket is asked for first with {@code HeadBucket}). Leaves
     * nothing behind when it succeeds; a folder that does not exist yet is created, as the first put would.
     *
     * @throws OutputStoreException when the location cannot be written (no permission, no such bucket, a file
     *                              where the folder should be, no credentials); the message names the location
     *                              and the cause, never credentials
     */
    void checkWritable();

    /** Releases the store's resources (the S3 client it created); never throws a checked exception. */
    @Override
    void close();
}
