package io.imagebatch.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * {@link BufferPipeline}: the body is read ahead while the sink works, every byte reaches the sink once and in
 * order, and whatever ends the transfer, {@code pump} returns only once the sink's thread has ended.
 */
class BufferPipelineTest {

    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final int BUFFER = 1024;

    @Test
    void theBodyIsReadAheadWhileTheSinkIsStillBusyWithTheFirstBytes() throws Exception {
        byte[] body = bytes(20 * BUFFER);
        AtomicLong read = new AtomicLong();
        CountDownLatch readAhead = new CountDownLatch(1);
        InputStream source = new ByteArrayInputStream(body) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                int n = super.read(b, off, len);
                if (n > 0 && read.addAndGet(n) >= 4 * BUFFER) {
                    readAhead.countDown();
                }
                return n;
            }
        };
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        AtomicInteger waitedAtFirst = new AtomicInteger();

        String thread = threadName();
        long total = run(thread, () -> BufferPipeline.pump(new byte[0], source, null, (b, off, len) -> {
            if (got.size() == 0) {
                // one thread that read and then wrote would never get here with four buffers read
                waitedAtFirst.set(awaitQuietly(readAhead) ? 1 : -1);
            }
            got.write(b, off, len);
        }, 8, BUFFER, -1)).get(60, TimeUnit.SECONDS);

        assertThat(waitedAtFirst).as("the first buffer's sink call saw four buffers read ahead").hasValue(1);
        assertThat(total).isEqualTo(body.length);
        assertThat(got.toByteArray()).isEqualTo(body);
        assertNoSinkThread(thread);
    }

    @Test
    void aBodyDeclaredToFitOneBufferIsCopiedOnTheCallingThreadThroughOneBufferOfItsSize() throws Exception {
        byte[] head = bytes(12);
        byte[] rest = bytes(3_000);
        Set<Thread> sinkThreads = ConcurrentHashMap.newKeySet();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        BufferPipeline.pump(new byte[0], new ByteArrayInputStream(bytes(10)), null, (b, off, len) -> { }, 8,
                64 * 1024, 10); // the code paths are loaded before the allocations are counted

        long before = threads.getCurrentThreadAllocatedBytes();
        long total = BufferPipeline.pump(head, new ByteArrayInputStream(rest), null, (b, off, len) -> {
            sinkThreads.add(Thread.currentThread());
            got.write(b, off, len);
        }, 8, 64 * 1024, head.length + rest.length);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertThat(total).isEqualTo(head.length + rest.length);
        assertThat(got.toByteArray()).startsWith(head).endsWith(rest).hasSize(head.length + rest.length);
        assertThat(sinkThreads).as("no second thread for a body of one buffer").containsExactly(Thread.currentThread());
        assertThat(allocated).as("bytes allocated to copy 3 KB: less than one 64 KiB buffer (eight before)")
                .isLessThan(64 * 1024);
    }

    @Test
    void aBodyLongerThanItsDeclaredLengthIsCopiedWholeAllTheSame() throws Exception {
        byte[] head = bytes(7);
        byte[] rest = bytes(5 * BUFFER + 3);
        ByteArrayOutputStream got = new ByteArrayOutputStream();

        long total = BufferPipeline.pump(head, new ByteArrayInputStream(rest), null, (b, off, len) -> got.write(b, off,
                len), 3, BUFFER, 20);

        byte[] expected = Arrays.copyOf(head, head.length + rest.length);
        System.arraycopy(rest, 0, expected, head.length, rest.length);
        assertThat(total).isEqualTo(expected.length);
        assertThat(got.toByteArray()).isEqualTo(expected);
    }

    @Test
    void aSmallBodyOfUnknownLengthAllocatesOnlyTheBufferItFills() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        BufferPipeline.pump(new byte[0], new ByteArrayInputStream(bytes(10)), null, (b, off, len) -> { }, 8,
                64 * 1024, -1); // the code paths are loaded before the allocations are counted
        ByteArrayOutputStream got = new ByteArrayOutputStream(40_000);
        byte[] body = bytes(30_000);

        long before = threads.getCurrentThreadAllocatedBytes();
        long total = BufferPipeline.pump(new byte[0], new ByteArrayInputStream(body), null, (b, off, len) -> got.write(
                b, off, len), 8, 64 * 1024, -1);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertThat(total).isEqualTo(body.length);
        assertThat(got.toByteArray()).isEqualTo(body);
        assertThat(allocated).as("bytes the reading thread allocated: one 64 KiB buffer and the second thread,"
                + " not eight buffers").isLessThan(2 * 64 * 1024);
    }

    @Test
    void theSinkGetsTheHeadThenEveryByteOnceAndInOrderWhateverThePiecesTheSourceGives() throws Exception {
        byte[] head = bytes(10);
        byte[] rest = bytes(100_003);
        Random random = new Random(5);
        InputStream source = new ByteArrayInputStream(rest) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1 + random.nextInt(3000)));
            }
        };
        ByteArrayOutputStream got = new ByteArrayOutputStream();

        String thread = threadName();
        long total = run(thread, () -> BufferPipeline.pump(head, source, null, (b, off, len) -> got.write(b, off, len),
                3, BUFFER, -1)).get(60, TimeUnit.SECONDS);

        byte[] expected = Arrays.copyOf(head, head.length + rest.length);
        System.arraycopy(rest, 0, expected, head.length, rest.length);
        assertThat(total).isEqualTo(expected.length);
        assertThat(got.toByteArray()).isEqualTo(expected);
        assertNoSinkThread(thread);
    }

    @Test
    void aSinkThatFailsWakesAReadBlockedOnASilentSourceAndEndsTheTransferWithItsFailure() throws Exception {
        SilentSource source = new SilentSource(3 * BUFFER);
        IOException diskFull = new IOException("No space left on device");

        String thread = threadName();
        Throwable failure = failureOf(run(thread, () -> BufferPipeline.pump(new byte[0], source, source,
                (b, off, len) -> {
                    throw diskFull;
                }, 4, BUFFER, -1)));

        assertThat(failure).isInstanceOf(BufferPipeline.SinkFailure.class).hasCause(diskFull);
        assertThat(source.closed).as("woken by wake, not by a timeout").isTrue();
        assertNoSinkThread(thread);
    }

    @Test
    void aReadThatFailsEndsTheSinkThreadEvenWhileTheSinkIsBlocked() throws Exception {
        IOException reset = new IOException("Connection reset");
        InputStream source = new InputStream() {
            private int calls;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (++calls > 3) {
                    throw reset;
                }
                return len;
            }
        };
        CountDownLatch never = new CountDownLatch(1);

        String thread = threadName();
        Throwable failure = failureOf(run(thread, () -> BufferPipeline.pump(new byte[0], source, null,
                (b, off, len) -> {
                    try {
                        never.await(); // a sink stuck in its work: ended by the interrupt
                    } catch (InterruptedException e) {
                        throw new InterruptedIOException();
                    }
                }, 8, BUFFER, -1)));

        assertThat(failure).as("the read's failure, not the sink's").isSameAs(reset);
        assertNoSinkThread(thread);
    }

    @Test
    void anInterruptOfTheReadingThreadEndsBothThreads() throws Exception {
        CountDownLatch sinkBusy = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return 0;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return len;
            }
        };

        String thread = threadName();
        CompletableFuture<Long> running = run(thread, () -> BufferPipeline.pump(new byte[0], endless, null,
                (b, off, len) -> {
                    sinkBusy.countDown();
                    try {
                        never.await();
                    } catch (InterruptedException e) {
                        throw new InterruptedIOException();
                    }
                }, 2, BUFFER, -1));
        assertThat(sinkBusy.await(60, TimeUnit.SECONDS)).isTrue();
        Thread reading = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(thread))
                .findFirst().orElseThrow();
        reading.interrupt(); // it waits for a free buffer, the sink holds one, the other is queued
        Throwable failure = failureOf(running);

        assertThat(failure).isInstanceOf(InterruptedIOException.class);
        assertNoSinkThread(thread);
    }

    // ---- helpers ----

    /** Gives {@code bytes} bytes, then blocks in read until closed (a server that stops sending). */
    private static final class SilentSource extends InputStream implements java.io.Closeable {
        private final CountDownLatch closing = new CountDownLatch(1);
        private int left;
        volatile boolean closed;

        SilentSource(int bytes) {
            this.left = bytes;
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left > 0) {
                int n = Math.min(len, left);
                left -= n;
                return n;
            }
            try {
                if (!closing.await(60, TimeUnit.SECONDS)) {
                    throw new IOException("not woken within 60 s");
                }
            } catch (InterruptedException e) {
                throw new InterruptedIOException();
            }
            throw new IOException("Stream closed");
        }

        @Override
        public void close() {
            closed = true;
            closing.countDown();
        }
    }

    @FunctionalInterface
    private interface Call<T> {
        T call() throws Exception;
    }

    private static <T> CompletableFuture<T> run(String name, Call<T> call) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                result.complete(call.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
        return result;
    }

    private static Throwable failureOf(CompletableFuture<?> running) throws Exception {
        try {
            running.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("the transfer succeeded");
    }

    private static boolean awaitQuietly(CountDownLatch latch) {
        try {
            return latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String threadName() {
        return "buffer-pipeline-test-" + THREADS.incrementAndGet();
    }

    /** pump returned or threw: the sink's thread has ended, not "will end". */
    private static void assertNoSinkThread(String readingThread) {
        assertThat(Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName))
                .doesNotContain(BufferPipeline.THREAD_PREFIX + readingThread);
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }
}
