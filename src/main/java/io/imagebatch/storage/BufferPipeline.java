package io.imagebatch.storage;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads a body on the calling thread and hands its bytes, in order, to a {@link Sink} that runs on a second
 * thread, through a bounded set of buffers: the network is read while the bytes already read are checked, hashed
 * and written (README.md, "Performance", "Big images"). Built on {@link ArrayBlockingQueue}; no library pipes
 * ({@code PipedInputStream} copies through a 1 KiB ring and polls once a second).
 *
 * <p>Promises, whatever ends the transfer (the body's end, a read that fails or times out, a body cut short, the
 * sink's failure, an interrupt of the calling thread): {@link #pump} returns or throws only once the second thread
 * has ended, so no thread is left behind and the sink is never called after it; the sink sees every byte read,
 * once and in order, until the first failure; after a failure the sink is not called again. Memory: at most
 * {@code buffers} times {@code bufferBytes} per transfer in flight, allocated only as the sink falls behind; a body
 * declared to fit one buffer is copied on the calling thread through one buffer of its size.
 *
 * <p>The second thread is a daemon thread named {@code imagebatch-spool-for-} followed by the calling thread's
 * name, so that a test (or a thread dump) can tell whose it is.
 */
final class BufferPipeline {

    /** The prefix of the second thread's name; the calling thread's name follows it. */
    static final String THREAD_PREFIX = "imagebatch-spool-for-";

    /** What the second thread does with each piece of the body, in order. */
    @FunctionalInterface
    interface Sink {
        /**
         * Takes the next bytes of the body.
         *
         * @param b   the buffer; its content is valid only during this call (the buffer is reused)
         * @param off where the bytes start
         * @param len how many there are, at least 1
         * @throws IOException to stop the transfer: {@link #pump} then throws a {@link SinkFailure} with it as the
         *                     cause
         */
        void accept(byte[] b, int off, int len) throws IOException;
    }

    /** The sink failed (its exception is the cause); the body's reading was stopped. */
    static final class SinkFailure extends IOException {
        private static final long serialVersionUID = 1L;

        SinkFailure(Throwable cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** A full buffer and how many of its bytes count; {@link #END} ends the body. */
    private record Piece(byte[] buffer, int length) {
    }

    private static final Piece END = new Piece(null, -1);

    private BufferPipeline() {
    }

    /**
     * Copies {@code head} and then {@code in}, to its end, into {@code sink}, on a second thread (the reads of
     * {@code in} block as they would without this class), spending no more memory and threads than the body
     * needs: a body declared to fit one buffer ({@code expectedBytes} at most {@code bufferBytes}) is copied on the calling thread through one
     * buffer of its size (a second thread gains nothing there, and a download of a small image would otherwise
     * allocate every buffer and start a thread for a few kilobytes); a larger or undeclared one goes through the
     * second thread, whose buffers are allocated only when the sink falls behind (at most {@code buffers}). The
     * declared length is a hint, never trusted: a body longer than declared is copied whole all the same.
     *
     * @param head          bytes already read from the body, handed to the sink first (may be empty; at most
     *                      {@code bufferBytes})
     * @param in            the rest of the body
     * @param wake          closed by the second thread when the sink fails, to wake a read of {@code in} blocked on
     *                      a slow server (it must allow {@code close()} from another thread during a read, as
     *                      {@link ReadTimeoutInputStream} does); may be null
     * @param sink          what is done with the bytes, in order
     * @param buffers       at most this many buffers in the pipeline, at least 2
     * @param bufferBytes   size of each pipeline buffer, bytes, at least 1
     * @param expectedBytes the whole body's declared length ({@code Content-Length}, including {@code head}),
     *                      bytes, or -1 when unknown
     * @return the bytes handed to the sink: {@code head.length} plus what {@code in} gave
     * @throws SinkFailure            when the sink threw an {@link IOException} (the cause); reading stopped
     * @throws InterruptedIOException when the calling thread was interrupted (its interrupt status is kept)
     * @throws IOException            when reading {@code in} failed (that exception, as it was thrown)
     * @throws IllegalArgumentException when {@code buffers} is under 2, {@code bufferBytes} under 1 or under
     *                                  {@code head.length}
     * @throws RuntimeException       or an {@link Error} thrown by the sink, as it was thrown
     */
    static long pump(byte[] head, InputStream in, Closeable wake, Sink sink, int buffers, int bufferBytes,
            long expectedBytes) throws IOException {
        if (buffers < 2 || bufferBytes < 1 || head.length > bufferBytes) {
            throw new IllegalArgumentException("buffers " + buffers + " (at least 2), bufferBytes " + bufferBytes
                    + " (at least 1 and at least the head's " + head.length + ")");
        }
        if (expectedBytes >= 0 && expectedBytes <= bufferBytes) {
            return copyInline(head, in, sink, (int) Math.max(head.length, expectedBytes) + 1);
        }
        Worker worker = new Worker(sink, wake, buffers);
        Thread thread = new Thread(worker, THREAD_PREFIX + Thread.currentThread().getName());
        thread.setDaemon(true);
        thread.start();
        long total = 0;
        Throwable readFailure = null;
        try {
            byte[] buffer = worker.nextBuffer(bufferBytes);
            int at = head.length;
            System.arraycopy(head, 0, buffer, 0, at);
            while (worker.failure == null) {
                int n = in.read(buffer, at, bufferBytes - at);
                if (n < 0) {
                    break;
                }
                at += n;
                if (at == bufferBytes) {
                    worker.full.add(new Piece(buffer, at));
                    total += at;
                    at = 0;
                    buffer = worker.nextBuffer(bufferBytes);
                }
            }
            if (at > 0 && worker.failure == null) {
                worker.full.add(new Piece(buffer, at));
                total += at;
            }
        } catch (InterruptedException e) {
            readFailure = new InterruptedIOException("interrupted while handing the body over");
            readFailure.initCause(e);
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException | Error e) {
            readFailure = e;
        }
        if (readFailure != null && worker.failure == null) {
            worker.cancelled = true;
            thread.interrupt(); // the sink's work is abandoned: stop it between two buffers (or in its I/O)
        } else {
            worker.full.add(END); // never full: it holds at most one entry per buffer, and END
        }
        joinUninterruptibly(thread);
        Throwable sinkFailure = worker.failure;
        if (sinkFailure != null && sinkFailure != Worker.CANCELLED) {
            if (sinkFailure instanceof RuntimeException r) {
                throw r;
            }
            if (sinkFailure instanceof Error e) {
                throw e;
            }
            SinkFailure failure = new SinkFailure(sinkFailure);
            if (readFailure != null) {
                failure.addSuppressed(readFailure); // most likely the read that wake ended
            }
            throw failure;
        }
        if (readFailure instanceof IOException e) {
            throw e;
        }
        if (readFailure instanceof RuntimeException e) {
            throw e;
        }
        if (readFailure instanceof Error e) {
            throw e;
        }
        return total;
    }

    /** The copy of a small body on the calling thread, through one buffer of {@code bufferBytes}. */
    private static long copyInline(byte[] head, InputStream in, Sink sink, int bufferBytes) throws IOException {
        byte[] buffer = new byte[bufferBytes];
        System.arraycopy(head, 0, buffer, 0, head.length);
        int at = head.length;
        long total = 0;
        for (int n = in.read(buffer, at, bufferBytes - at); ; n = in.read(buffer, at, bufferBytes - at)) {
            if (n > 0) {
                at += n;
            }
            if (at > 0 && (n < 0 || at == bufferBytes)) {
                try {
                    sink.accept(buffer, 0, at);
                } catch (IOException e) {
                    throw new SinkFailure(e);
                }
                total += at;
                at = 0;
            }
            if (n < 0) {
                return total;
            }
        }
    }

    private static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The second thread: takes full buffers in order, gives them to the sink, returns them to the free set. */
    private static final class Worker implements Runnable {

        /** Stands for "stopped by the calling thread", which reports its own failure. */
        static final Throwable CANCELLED = new Throwable("cancelled", null, false, false) {
            private static final long serialVersionUID = 1L;
        };

        final BlockingQueue<byte[]> free;
        final BlockingQueue<Piece> full;
        private final Sink sink;
        private final Closeable wake;
        volatile Throwable failure;
        /** Set by the calling thread before it interrupts this one: whatever the sink then throws is moot. */
        volatile boolean cancelled;

        /** Buffers that may still be allocated; touched by the reading thread only. */
        private int unallocated;

        Worker(Sink sink, Closeable wake, int buffers) {
            this.sink = sink;
            this.wake = wake;
            this.free = new ArrayBlockingQueue<>(buffers);
            this.full = new ArrayBlockingQueue<>(buffers + 1);
            this.unallocated = buffers;
        }

        /**
         * The reading thread's next empty buffer: one the sink gave back, else a new one while fewer than the
         * pipeline's buffers exist, else the next one the sink gives back (a zero-length one once it failed).
         */
        byte[] nextBuffer(int bufferBytes) throws InterruptedException {
            byte[] buffer = free.poll();
            if (buffer != null) {
                return buffer;
            }
            if (unallocated > 0) {
                unallocated--;
                return new byte[bufferBytes];
            }
            return free.take();
        }

        @Override
        public void run() {
            try {
                while (true) {
                    Piece piece = full.take();
                    if (piece == END) {
                        return;
                    }
                    sink.accept(piece.buffer(), 0, piece.length());
                    free.add(piece.buffer());
                }
            } catch (Throwable e) { // an interrupt from anyone but the calling thread fails the transfer too
                if (cancelled) {
                    failure = CANCELLED; // the sink's I/O ended by the interrupt: the caller's failure counts
                    return;
                }
                failure = e;
                free.clear();
                free.add(new byte[0]); // a blocked take() of the reading thread returns; it then sees the failure
                closeQuietly(wake);
            }
        }

        private static void closeQuietly(Closeable wake) {
            if (wake == null) {
                return;
            }
            try {
                wake.close();
            } catch (IOException | RuntimeException e) {
                // the reading thread stops at its next buffer anyway
            }
        }
    }
}
