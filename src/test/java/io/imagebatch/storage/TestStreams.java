package io.imagebatch.storage;

import java.io.IOException;
import java.io.InputStream;
import java.util.Random;

/** Content streams for store tests. */
final class TestStreams {

    private TestStreams() {
    }

    /** @return {@code size} pseudo-random bytes, reproducible from {@code seed} */
    static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /**
     * A stream that yields {@code failAfter} bytes of {@code data} and then throws an {@link IOException}, like a
     * download whose connection breaks.
     */
    static InputStream failingAfter(byte[] data, int failAfter) {
        return new InputStream() {
            private int position;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (position >= failAfter) {
                    throw new IOException("connection reset (simulated)");
                }
                int n = Math.min(len, failAfter - position);
                System.arraycopy(data, position, b, off, n);
                position += n;
                return n;
            }
        };
    }

    /** A stream over {@code data} that never reports its length and returns small, uneven chunks. */
    static InputStream trickling(byte[] data) {
        return new InputStream() {
            private int position;

            @Override
            public int read() {
                return position < data.length ? data[position++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (position >= data.length) {
                    return -1;
                }
                int n = Math.min(Math.min(len, 7919), data.length - position);
                System.arraycopy(data, position, b, off, n);
                position += n;
                return n;
            }
        };
    }
}
