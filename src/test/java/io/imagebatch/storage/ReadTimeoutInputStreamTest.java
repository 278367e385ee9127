package io.imagebatch.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * {@link ReadTimeoutInputStream}: the per-read limit without a timer per read (README, "Performance", "Big
 * images"), and still cutting off a read that waits too long.
 */
class ReadTimeoutInputStreamTest {

    @Test
    void readingABodyInManySmallPiecesSetsNoTimerPerRead() throws IOException {
        byte[] body = new byte[20_000];
        long before = ReadTimeoutInputStream.timersScheduled();
        try (ReadTimeoutInputStream in = new ReadTimeoutInputStream(new ByteArrayInputStream(body),
                Duration.ofMinutes(2), Long.MAX_VALUE, null, 0, Duration.ofSeconds(30))) {
            byte[] piece = new byte[4];
            int reads = 0;
            while (in.read(piece, 0, piece.length) >= 0) {
                reads++;
            }
            assertThat(reads).isEqualTo(5_000);
        }
        // one alarm per stream (other tests running meanwhile may add a few of their own)
        assertThat(ReadTimeoutInputStream.timersScheduled() - before).isLessThan(100);
    }

    @Test
    void aReadThatWaitsLongerThanTheTimeoutAfterManyFastOnesIsCutOff() {
        InputStream stalls = new InputStream() {
            private final CountDownLatch closed = new CountDownLatch(1);
            private int served;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (served++ < 1_000) {
                    b[off] = 1;
                    return 1;
                }
                try {
                    closed.await(); // no more data until the stream is closed
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new IOException("closed");
            }

            @Override
            public void close() {
                closed.countDown();
            }
        };
        ReadTimeoutInputStream in = new ReadTimeoutInputStream(stalls, Duration.ofMillis(300), Long.MAX_VALUE, null,
                0, Duration.ofSeconds(30));

        assertThatThrownBy(() -> in.transferTo(java.io.OutputStream.nullOutputStream()))
                .isInstanceOf(HttpTimeoutException.class).hasMessageContaining("no data received for 300 ms");
    }
}
