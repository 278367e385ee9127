package io.imagebatch.storage;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The downloads and file writes in flight in this JVM, so that a stopping process leaves nothing partial behind:
 * when the JVM shuts down (SIGTERM, Ctrl-C, the end of a command), a shutdown hook {@linkplain #abortAll aborts}
 * every transfer: it closes the response bodies being read (which wakes a blocked read) and deletes the spool
 * and temporary ({@code .part}) files, and no new transfer starts after it. SIGKILL runs no hook; the file store
 * deletes what such a process left at its next put into the folder ({@link FileOutputStore}).
 */
final class Transfers {

    private static final Logger log = LoggerFactory.getLogger(Transfers.class);
    private static final Set<Transfer> OPEN = ConcurrentHashMap.newKeySet();
    private static volatile boolean shuttingDown;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Transfers::shutdown, "imagebatch-transfers-shutdown"));
    }

    private Transfers() {
    }

    /**
     * Starts tracking a transfer.
     *
     * @return the transfer; close it when done (that only stops tracking: it does not close or delete anything)
     * @throws IOException when the JVM is shutting down: no transfer may start then
     */
    static Transfer open() throws IOException {
        return open(true);
    }

    /**
     * Starts tracking a transfer that may start while the JVM shuts down (a store's write of the report: the
     * command is still finishing); if it does, the hook has run already and will not delete its files.
     *
     * @return the transfer; close it when done
     */
    static Transfer track() {
        try {
            return open(false);
        } catch (IOException e) {
            throw new IllegalStateException("a tracked transfer is never refused", e);
        }
    }

    private static Transfer open(boolean refuseWhenStopping) throws IOException {
        if (refuseWhenStopping && shuttingDown) {
            throw new IOException("the process is stopping: no transfer starts now");
        }
        Transfer transfer = new Transfer();
        OPEN.add(transfer);
        if (refuseWhenStopping && shuttingDown) {
            transfer.abort();
            throw new IOException("the process is stopping: no transfer starts now");
        }
        return transfer;
    }

    /**
     * Aborts every transfer in flight: marks it {@linkplain Transfer#aborted() aborted}, closes its stream and
     * deletes its files. Called by the shutdown hook; tests call it to stand in for a signal.
     *
     * @return how many transfers were aborted
     */
    /**
     * Whether a partial file belongs to a transfer of this process still in progress: a put of another store of
     * the same folder (the download steps of a partitioned batch each have their own, README.md, "More than one
     * machine"), which must not be taken for one left by a killed process.
     *
     * @param file a partial file
     * @return true when an open transfer owns it
     */
    static boolean inProgress(Path file) {
        Path wanted = file.toAbsolutePath().normalize();
        for (Transfer transfer : OPEN) {
            for (Path owned : transfer.files) {
                if (owned.toAbsolutePath().normalize().equals(wanted)) {
                    return true;
                }
            }
        }
        return false;
    }

    static int abortAll() {
        int n = 0;
        for (Transfer transfer : OPEN) {
            transfer.abort();
            n++;
        }
        return n;
    }

    private static void shutdown() {
        shuttingDown = true;
        int n = abortAll();
        if (n > 0) {
            log.info("stopping: aborted {} download(s) or write(s) in flight and deleted their partial files", n);
        }
    }

    /** One download or file write: the stream it reads and the files it owns until it ends. */
    static final class Transfer implements AutoCloseable {

        private final Set<Path> files = ConcurrentHashMap.newKeySet();
        private volatile Closeable stream;
        private volatile boolean aborted;

        private Transfer() {
        }

        /**
         * @param in the stream to close on abort (a response body), or null
         * @throws IOException when the transfer was aborted already (then {@code in} is closed)
         */
        void stream(Closeable in) throws IOException {
            this.stream = in;
            if (aborted) {
                closeQuietly(in);
                throw new IOException("the process is stopping: transfer aborted");
            }
        }

        /**
         * @param file a partial file this transfer owns, deleted on abort
         * @throws IOException when the transfer was aborted already (then the file is deleted)
         */
        void file(Path file) throws IOException {
            files.add(file);
            if (aborted) {
                deleteQuietly(file);
                throw new IOException("the process is stopping: transfer aborted");
            }
        }

        /** @param file a file no longer partial (renamed into place, or deleted by its owner) */
        void release(Path file) {
            files.remove(file);
        }

        /** @return whether {@link Transfers#abortAll()} aborted this transfer */
        boolean aborted() {
            return aborted;
        }

        private void abort() {
            aborted = true;
            Closeable in = stream;
            if (in != null) {
                closeQuietly(in);
            }
            files.forEach(Transfer::deleteQuietly);
        }

        /** Stops tracking; closes and deletes nothing. */
        @Override
        public void close() {
            OPEN.remove(this);
        }

        private static void closeQuietly(Closeable in) {
            try {
                in.close();
            } catch (IOException | RuntimeException e) {
                // the reader reports the abort
            }
        }

        private static void deleteQuietly(Path file) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                log.warn("could not delete the partial file {}: {}", file, e.toString());
            }
        }
    }
}
