package io.imagebatch.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link OutputStore} on a local folder ({@code file:} locations). A key maps to a path below the folder,
 * its {@code /} separators becoming sub-folders, created as needed.
 *
 * <p>A put writes a hidden temporary file ({@code .NAME.RANDOM.part}) in the target's own folder, forces it to
 * disk, checks the byte count against the declared length, then renames it over the target with an atomic move:
 * readers see the old file or the new one, never a partial one. On any failure the temporary file is deleted.
 * A process killed during a put cannot delete its temporary file; the first put of a later store into the same
 * folder deletes it once it has not been written for {@link #ABANDONED_AFTER} (a younger one may be a put in
 * progress in another process: the workers of a partitioned batch share the batch's folder), so a partial file
 * of a killed put stays at most that long after the batch resumes. Rules: {@code docs/design.md}, "Output store".
 *
 * <p>A process that stops (SIGTERM, Ctrl-C) while a put is in flight deletes the temporary file in a shutdown
 * hook ({@link Transfers}), and the put fails.
 */
public final class FileOutputStore extends MeasuredOutputStore {

    /** A put's temporary file: {@code .NAME.<16 hex digits>.part}. */
    private static final Pattern TEMPORARY = Pattern.compile("\\..+\\.[0-9a-f]{16}\\.part");

    /**
     * How long a temporary file must have gone unwritten to count as abandoned: far longer than a live put goes
     * without writing (a fetch's whole deadline, {@code imagebatch.download.timeout}, is 5 minutes by default).
     */
    static final java.time.Duration ABANDONED_AFTER = java.time.Duration.ofMinutes(15);

    /** Folders whose abandoned temporary files this store has already deleted. */
    private final java.util.concurrent.ConcurrentMap<Path, Boolean> cleanedFolders =
            new java.util.concurrent.ConcurrentHashMap<>();

    private static final Logger log = LoggerFactory.getLogger(FileOutputStore.class);
    private static final int BUFFER_SIZE = 64 * 1024;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path root;

    /**
     * @param location a {@link OutputLocation.Kind#FILE} location; the folder is created on the first put
     * @throws IllegalArgumentException when the location is not a folder
     */
    public FileOutputStore(OutputLocation location) {
        super(location);
        if (location.kind() != OutputLocation.Kind.FILE) {
            throw new IllegalArgumentException("not a file location: " + location);
        }
        this.root = location.directory();
    }

    /**
     * {@inheritDoc}
     *
     * <p>The temporary file is forced to disk before the rename, and the folder afterwards (best effort).
     */
    @Override
    URI putMeasured(String key, MeasuringInputStream in, long contentLength, String contentType) {
        return write(key, out -> {
            byte[] buffer = new byte[BUFFER_SIZE];
            int n;
            while ((n = in.read(buffer, 0, buffer.length)) >= 0) {
                ByteBuffer bb = ByteBuffer.wrap(buffer, 0, n);
                while (bb.hasRemaining()) {
                    out.write(bb);
                }
            }
            return in.count();
        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>Copied from the file's channel through the same temporary file and atomic rename as
     * {@link #put(String, InputStream, long, String)}, without counting its bytes once more: a spooled download was
     * measured as it arrived ({@link ImageDownloader}). A file that ends before its size at the call fails the
     * put and leaves nothing new under the key.
     */
    @Override
    public URI putFile(String key, Path file, String contentType) {
        Objects.requireNonNull(file, "file");
        FileChannel source;
        try {
            source = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException | UncheckedIOException | SecurityException e) {
            throw new OutputStoreException("could not read " + file + " to store it as " + uriOf(key) + ": "
                    + e.getMessage(), e);
        }
        try {
            return write(key, out -> {
                long size = source.size();
                long position = 0;
                while (position < size) {
                    long n = source.transferTo(position, size - position, out);
                    if (n <= 0) {
                        throw new IOException(file + " ended after " + position + " of " + size + " bytes");
                    }
                    position += n;
                }
                return size;
            });
        } finally {
            try {
                source.close();
            } catch (IOException e) {
                log.debug("could not close {}: {}", file, e.toString());
            }
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>When the folder is on the file's file system, the file is hard-linked as the put's temporary file (no
     * byte is copied), given the permissions a file this store writes gets, forced to disk and renamed over the
     * target, as every put: the same all-or-nothing write, without a second copy of a big image. Where no link
     * can be made (another file system, one without hard links), it is copied as {@link #putFile} does. The
     * caller's later deletion of the file removes its own name only; the stored object stays.
     */
    @Override
    public URI putSpooled(String key, Path file, String contentType) {
        Objects.requireNonNull(file, "file");
        URI linked = link(key, file);
        return linked != null ? linked : putFile(key, file, contentType);
    }

    /** @return the stored object's URI, or null when {@code file} cannot be linked into the folder */
    private URI link(String key, Path file) {
        return store(key, temp -> {
            // a file created here has the permissions every put gives (the umask's); the spool's are private
            Files.createFile(temp);
            java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions = posixPermissions(temp);
            Files.delete(temp);
            try {
                Files.createLink(temp, file);
            } catch (IOException | UnsupportedOperationException e) {
                log.debug("could not link {} into {} ({}); copying it", file, temp.getParent(), e.toString());
                return -1;
            }
            if (permissions != null) {
                Files.setPosixFilePermissions(temp, permissions);
            }
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.force(true);
                return channel.size();
            }
        });
    }

    private static java.util.Set<java.nio.file.attribute.PosixFilePermission> posixPermissions(Path file)
            throws IOException {
        try {
            return Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException e) {
            return null; // not a POSIX file system: a link keeps what the file system gives
        }
    }

    /** Writes a put's bytes into its temporary file. */
    @FunctionalInterface
    private interface ContentWriter {
        /** @return the bytes written */
        long writeTo(FileChannel out) throws IOException;
    }

    private URI write(String key, ContentWriter content) {
        return store(key, temp -> {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                long bytes = content.writeTo(out);
                out.force(true);
                return bytes;
            }
        });
    }

    /** Makes a put's temporary file, which does not exist yet, and forces it to disk. */
    @FunctionalInterface
    private interface TemporaryFile {
        /** @return the bytes in it, or -1 when this way cannot make it (and left no file behind) */
        long make(Path temp) throws IOException;
    }

    /**
     * The all-or-nothing put every way shares: a temporary file beside the target (tracked, so that a process
     * stopped mid-put deletes it), made by {@code way}, renamed over the target, the folder synced.
     *
     * @return the stored object's URI, or null when {@code way} could not make the file
     */
    private URI store(String key, TemporaryFile way) {
        Path target = pathOf(key);
        URI uri = toUri(target);
        Path temp = null;
        Transfers.Transfer transfer = null;
        try {
            transfer = Transfers.track();
            Path dir = target.getParent();
            Files.createDirectories(dir);
            // once per folder and store, before any put into it: a scan per put made a big batch quadratic
            cleanedFolders.computeIfAbsent(dir, FileOutputStore::deleteAbandonedTemporaryFiles);
            temp = dir.resolve("." + target.getFileName() + "." + randomSuffix() + ".part");
            transfer.file(temp); // deleted by the shutdown hook if the process stops mid-write
            long bytes = way.make(temp);
            if (bytes < 0) {
                transfer.release(temp);
                temp = null;
                return null;
            }
            move(temp, target);
            temp = null;
            syncDirectory(dir);
            log.debug("stored {} ({} bytes)", uri, bytes);
            return uri;
        } catch (IOException | UncheckedIOException | SecurityException e) {
            throw new OutputStoreException("could not store " + uri + ": " + describe(e), e);
        } finally {
            if (temp != null) {
                deleteQuietly(temp);
            }
            if (transfer != null) {
                transfer.close();
            }
        }
    }

    @Override
    public URI putBytes(String key, byte[] content, String contentType) {
        Objects.requireNonNull(content, "content");
        return put(key, new java.io.ByteArrayInputStream(content), content.length, contentType);
    }

    @Override
    public Optional<Long> size(String key) {
        Path path = pathOf(key);
        try {
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
            return attributes.isRegularFile() ? Optional.of(attributes.size()) : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new OutputStoreException("could not read the size of " + toUri(path) + ": " + describe(e), e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>The file is opened once ({@code Files.newInputStream}) and its size read from the open channel, so a
     * put replacing it meanwhile (an atomic rename) leaves this stream on the complete previous file.
     */
    @Override
    public Optional<StoredObject> open(String key) {
        Path path = pathOf(key);
        FileChannel channel = null;
        try {
            if (!Files.readAttributes(path, BasicFileAttributes.class).isRegularFile()) {
                return Optional.empty(); // a folder is no object
            }
            channel = FileChannel.open(path, StandardOpenOption.READ);
            long size = channel.size();
            return Optional.of(new StoredObject(java.nio.channels.Channels.newInputStream(channel), size));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | SecurityException e) {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw new OutputStoreException("could not read " + toUri(path) + ": " + describe(e), e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Through the same temporary file and atomic rename as {@link #putFile}.
     */
    @Override
    public URI copy(String fromKey, String toKey) {
        Path from = pathOf(fromKey);
        if (!Files.isRegularFile(from)) {
            throw new OutputStoreException("cannot copy " + toUri(from) + " to " + uriOf(toKey)
                    + ": no object is stored there", null);
        }
        return putFile(toKey, from, null);
    }

    @Override
    public URI uriOf(String key) {
        return toUri(pathOf(key));
    }

    /**
     * {@inheritDoc}
     *
     * <p>Creates the folder (with its parents), writes a one-byte hidden file in it and deletes it.
     */
    @Override
    public void checkWritable() {
        Path probe = null;
        try {
            Files.createDirectories(root);
            probe = Files.createTempFile(root, ".imagebatch-probe-", ".tmp");
            Files.write(probe, new byte[] {0});
            Files.delete(probe);
            probe = null;
        } catch (IOException | UncheckedIOException | SecurityException e) {
            throw new OutputStoreException("cannot write in " + toUri(root) + ": " + describe(e), e);
        } finally {
            if (probe != null) {
                deleteQuietly(probe);
            }
        }
    }

    /** Nothing to release. */
    @Override
    public void close() {
        // no resources
    }

    private Path pathOf(String key) {
        Path path = root.resolve(location.key(ObjectKeys.check(key))).normalize();
        if (!path.startsWith(root) || path.equals(root)) {
            throw new IllegalArgumentException("object key escapes the output folder: \"" + key + "\"");
        }
        return path;
    }

    private static URI toUri(Path path) {
        try {
            return new URI("file", null, path.toString(), null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("cannot express " + path + " as a URI", e);
        }
    }

    private static void move(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            // same folder, so a plain move is still a rename on every common file system
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // not supported on every platform; the file itself was forced before the rename
        }
    }

    /**
     * Deletes the temporary files ({@code .NAME.<16 hex digits>.part}) that earlier puts left in {@code dir}
     * because their process was killed mid-write. Called once per folder, before any put of this store writes
     * there (other puts into the folder wait for it); a temporary file of a put in progress in this process, by
     * another store of the same folder (one per partition of a partitioned batch), is left alone, and so is one
     * written in the last {@link #ABANDONED_AFTER}: it may be a put of another process (a worker of the same
     * partitioned batch, README.md "More than one machine").
     * Best effort: a file that cannot be listed or deleted is logged and left.
     *
     * @return true, for the map of folders already cleaned
     */
    private static Boolean deleteAbandonedTemporaryFiles(Path dir) {
        try (DirectoryStream<Path> abandoned = Files.newDirectoryStream(dir,
                p -> TEMPORARY.matcher(p.getFileName().toString()).matches())) {
            for (Path file : abandoned) {
                if (Transfers.inProgress(file)) {
                    continue; // a put of this process into the same folder, by another store: not abandoned
                }
                if (recentlyWritten(file)) {
                    continue; // maybe a put in progress in another process sharing the folder
                }
                log.info("deleting {}, left by a put that did not finish (its process was stopped)", file);
                deleteQuietly(file);
            }
        } catch (IOException | UncheckedIOException e) {
            log.warn("could not look for abandoned temporary files in {}: {}", dir, e.toString());
        }
        return Boolean.TRUE;
    }

    private static boolean recentlyWritten(Path file) {
        try {
            return Files.getLastModifiedTime(file).toInstant()
                    .isAfter(java.time.Instant.now().minus(ABANDONED_AFTER));
        } catch (IOException e) {
            return true; // gone already, or unreadable: nothing to delete
        }
    }

    private static void deleteQuietly(Path temp) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            log.warn("could not delete temporary file {}: {}", temp, e.toString());
        }
    }

    private static String randomSuffix() {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName()
                : e.getClass().getSimpleName() + ": " + message;
    }
}
