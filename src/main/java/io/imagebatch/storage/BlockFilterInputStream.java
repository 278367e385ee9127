package io.imagebatch.storage;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A filter stream whose every check lives in {@link #read(byte[], int, int)}: the one-byte {@link #read()} goes
 * through it, so that no byte bypasses the subclass's counting, digest or timers. The base of the download's
 * stream wrappers ({@link MeasuringInputStream}, {@link ReadTimeoutInputStream}).
 */
abstract class BlockFilterInputStream extends FilterInputStream {

    /** @param in the stream read from */
    BlockFilterInputStream(InputStream in) {
        super(in);
    }

    /**
     * Reads one byte through {@link #read(byte[], int, int)}.
     *
     * @return the byte, 0 to 255, or -1 at the end of the stream
     * @throws IOException whatever the block read throws
     */
    @Override
    public final int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public abstract int read(byte[] b, int off, int len) throws IOException;
}
