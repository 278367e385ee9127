package io.imagebatch.sandbox;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * The sandbox's big result files ({@link SandboxSettings#withResultBytes}): a set of {@value #COUNT} PNGs of
 * {@value #SIZE} x {@value #SIZE} pixels, 8-bit RGB, whose sizes spread evenly over {@code [minBytes, maxBytes]},
 * as the 4K results of 8 to 20 MB that some providers deliver (README, "Performance", "Big images"). Each image's
 * top rows are seeded noise, which no compressor shrinks, and its other rows black, which compress to almost
 * nothing; the number of noise rows sets the file's size. The files are valid PNGs (PNG specification: IHDR,
 * zlib-compressed IDAT chunks of at most {@value #IDAT_BYTES} bytes with filter type 0 on every row, IEND, every
 * CRC-32 right), so they pass the job's image check and declare their true size.
 *
 * <p>Made once per sandbox, on the first request (about a second in all; rendering must not be what a benchmark
 * measures), then served from memory by the task's id: the same task always gets the same image, and tasks share
 * the {@value #COUNT} images. Memory: the sum of the images' sizes. Thread-safe.
 */
final class BigImages {

    /** Width and height of every big image, pixels. */
    static final int SIZE = 4096;
    /** How many distinct images a sandbox serves. */
    static final int COUNT = 4;
    /** The smallest size accepted for a big image, bytes: 1 MiB (a few noise rows). */
    static final long MIN_BYTES = 1L << 20;
    /**
     * The largest size accepted for a big image, bytes: 48 MiB, a little under the {@value #SIZE}-squared RGB
     * image's raw data (50,335,744 bytes with the filter bytes), which noise on every row would reach.
     */
    static final long MAX_BYTES = 48L << 20;
    /** Most data bytes per IDAT chunk. */
    static final int IDAT_BYTES = 1 << 20;

    private static final int ROW_BYTES = 1 + SIZE * 3; // filter type byte + RGB
    /** What a PNG costs besides its noise rows: signature, IHDR, IEND, chunk headers, zlib, the black rows. */
    private static final int OVERHEAD_BYTES = 64 * 1024;

    private final long seed;
    private final long minBytes;
    private final long maxBytes;
    private volatile byte[][] images;

    /**
     * @param seed     seed of the noise ({@link SandboxSettings#seed()})
     * @param minBytes the smallest image, bytes, from {@link #MIN_BYTES}
     * @param maxBytes the largest image, bytes, up to {@link #MAX_BYTES}, not smaller than {@code minBytes}
     * @throws IllegalArgumentException when the range is outside those bounds
     */
    BigImages(long seed, long minBytes, long maxBytes) {
        if (minBytes < MIN_BYTES || maxBytes > MAX_BYTES || maxBytes < minBytes) {
            throw new IllegalArgumentException("big images must be " + MIN_BYTES + " <= min <= max <= " + MAX_BYTES
                    + " bytes, got " + minBytes + ".." + maxBytes);
        }
        this.seed = seed;
        this.minBytes = minBytes;
        this.maxBytes = maxBytes;
    }

    /**
     * @param taskId a task's id
     * @return the PNG served for that task: always the same one for the same id; the caller must not modify it
     */
    byte[] forTask(String taskId) {
        byte[][] all = all();
        return all[Math.floorMod(taskId.hashCode() ^ Long.hashCode(seed), all.length)];
    }

    /** @return the {@value #COUNT} images, made on the first call */
    byte[][] all() {
        byte[][] made = images;
        if (made == null) {
            synchronized (this) {
                made = images;
                if (made == null) {
                    made = new byte[COUNT][];
                    for (int i = 0; i < COUNT; i++) {
                        // sizes at the middle of COUNT equal slices of the range, so each is inside it
                        long target = minBytes + (maxBytes - minBytes) * (2L * i + 1) / (2L * COUNT);
                        made[i] = png(target, new SplittableRandom(seed * 31 + i));
                    }
                    images = made;
                }
            }
        }
        return made;
    }

    /** A PNG of about {@code targetBytes} (never more): {@code targetBytes / row} noise rows, then black ones. */
    private static byte[] png(long targetBytes, SplittableRandom random) {
        int noiseRows = (int) Math.max(1, Math.min(SIZE, (targetBytes - OVERHEAD_BYTES) / ROW_BYTES));
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) targetBytes);
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(SIZE).putInt(SIZE)
                .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0); // 8-bit RGB, no interlace
        chunk(out, "IHDR", ihdr.array(), 13);
        // noise does not compress: stored blocks cost nothing to make; black rows: the fastest real compression
        Deflater deflater = new Deflater(Deflater.NO_COMPRESSION);
        byte[] row = new byte[ROW_BYTES];
        byte[] idat = new byte[IDAT_BYTES];
        int filled = 0;
        try {
            for (int y = 0; y < SIZE; y++) {
                if (y < noiseRows) {
                    nextBytes(random, row);
                    row[0] = 0; // filter type None
                } else if (y == noiseRows) {
                    Arrays.fill(row, (byte) 0);
                    filled = drain(deflater, out, idat, filled, Deflater.SYNC_FLUSH);
                    deflater.setLevel(Deflater.BEST_SPEED);
                }
                deflater.setInput(row);
                while (!deflater.needsInput()) {
                    filled = drain(deflater, out, idat, filled, Deflater.NO_FLUSH);
                }
            }
            deflater.finish();
            while (!deflater.finished()) {
                filled = drain(deflater, out, idat, filled, Deflater.NO_FLUSH);
            }
        } finally {
            deflater.end();
        }
        if (filled > 0) {
            chunk(out, "IDAT", idat, filled);
        }
        chunk(out, "IEND", new byte[0], 0);
        return out.toByteArray();
    }

    /** Deflates into {@code idat}, writing it as an IDAT chunk whenever full; returns the bytes now in it. */
    private static int drain(Deflater deflater, ByteArrayOutputStream out, byte[] idat, int filled, int flush) {
        while (true) {
            if (filled == idat.length) {
                chunk(out, "IDAT", idat, filled);
                filled = 0;
            }
            int n = deflater.deflate(idat, filled, idat.length - filled, flush);
            filled += n;
            if (filled < idat.length) {
                return filled; // the deflater had no more to give
            }
        }
    }

    private static void nextBytes(SplittableRandom random, byte[] row) {
        int i = 0;
        while (i + 8 <= row.length) {
            long v = random.nextLong();
            for (int k = 0; k < 8; k++) {
                row[i++] = (byte) (v >>> (8 * k));
            }
        }
        long v = random.nextLong();
        while (i < row.length) {
            row[i++] = (byte) v;
            v >>>= 8;
        }
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data, int length) {
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(data, 0, length);
        out.writeBytes(ByteBuffer.allocate(8).putInt(length).put(name).array());
        out.write(data, 0, length);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
