package io.imagebatch.storage;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.zip.CRC32;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Checks a spooled image before it is stored: that its structure is that of the sniffed format, and that the
 * size its header declares is within the pixel limit (the decompression-bomb guard). No pixel is decoded: a
 * 51 KB PNG that declares 100,000 x 100,000 pixels is refused from its header, in microseconds.
 *
 * <ul>
 *   <li>PNG: every chunk is walked ({@link PngStream}, which a download also feeds as the body arrives): IHDR
 *       first, its width, height, bit depth and colour type valid, each chunk's CRC-32 right, at least one IDAT,
 *       and IEND last, with nothing after it (PNG specification, sections 5.3 to 5.6 and 11.2).</li>
 *   <li>JPEG: the JDK's ImageIO reader reads the width and height from the frame header (SOF); then the marker
 *       segments are walked from SOI: every segment starts with a marker and fits its length, the entropy-coded
 *       data after each SOS runs to a marker, and an EOI ends the image (ITU-T T.81, annex B). Bytes after EOI
 *       are ignored.</li>
 *   <li>WebP (no JDK reader): the RIFF size must match the file, the chunks must fill it exactly, and the width
 *       and height are read from the VP8X, VP8L or VP8 header (RFC 9649, sections 2.4 to 2.7).</li>
 * </ul>
 */
final class ImageCheck {

    /** The image was refused; the message says why, without a URL. */
    static final class Refused extends Exception {

        private static final long serialVersionUID = 1L;
        private final boolean retryable;

        Refused(String message, boolean retryable) {
            super(message);
            this.retryable = retryable;
        }

        /** @return false for a size over the limit (the same file again would be refused again) */
        boolean retryable() {
            return retryable;
        }
    }

    /**
     * @param width  pixels
     * @param height pixels
     */
    record Size(int width, int height) {
    }

    private ImageCheck() {
    }

    /**
     * Checks {@code file} as an image of {@code format}.
     *
     * @param file      the whole image, spooled
     * @param format    the format its first bytes were sniffed as
     * @param maxPixels the largest width times height accepted
     * @return the declared width and height
     * @throws Refused     when the structure is not that of {@code format} (retryable: a CDN may have served a
     *                     broken copy) or the declared size is over {@code maxPixels} (not retryable)
     * @throws IOException when the spool file cannot be read
     */
    static Size inspect(Path file, ImageFormat format, long maxPixels) throws Refused, IOException {
        Size size = switch (format) {
            case PNG -> walkPng(file, maxPixels);
            case JPEG -> {
                Size declared = imageIoSize(file, "jpeg");
                checkPixels(declared, maxPixels);
                walkJpeg(file);
                yield declared;
            }
            case WEBP -> walkWebp(file);
        };
        checkPixels(size, maxPixels);
        return size;
    }

    static void checkPixels(Size size, long maxPixels) throws Refused {
        long pixels = (long) size.width() * size.height();
        if (pixels > maxPixels) {
            throw new Refused(String.format(Locale.ROOT, "the image declares %d x %d pixels (%.1f megapixels), more"
                    + " than the limit of %.1f megapixels (imagebatch.download.max-pixels)", size.width(),
                    size.height(), pixels / 1e6, maxPixels / 1e6), false);
        }
    }

    private static Size imageIoSize(Path file, String formatName) throws Refused, IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(formatName);
            if (!readers.hasNext()) {
                throw new IllegalStateException("the JDK has no ImageIO reader for " + formatName);
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                if (width <= 0 || height <= 0) {
                    throw new Refused("not a valid " + formatName.toUpperCase(Locale.ROOT) + ": its header declares "
                            + width + " x " + height + " pixels", true);
                }
                return new Size(width, height);
            } catch (IOException | RuntimeException e) {
                throw new Refused("not a valid " + formatName.toUpperCase(Locale.ROOT) + ": its header cannot be"
                        + " read (" + FileOutputStore.describe(e) + ")", true);
            } finally {
                reader.dispose();
            }
        }
    }

    private static Size walkPng(Path file, long maxPixels) throws Refused, IOException {
        PngStream png = new PngStream(maxPixels);
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[65536];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                png.update(buffer, 0, n);
            }
        }
        return png.finish();
    }

    /**
     * The PNG check of {@link #inspect}, fed the bytes as they pass (a download checks its body this way while
     * spooling it, with no second read of the file): the signature; IHDR first, 13 bytes, declaring a width and
     * height from 1 to 2^31-1 and a valid bit depth, colour type, compression, filter and interlace method
     * (PNG specification, section 11.2.2), and within the pixel limit; every chunk's CRC-32 right; at least one
     * IDAT; IEND last, with nothing after it (sections 5.3 to 5.6 and 11.2). No pixel is decoded. Memory: a few
     * bytes. Not thread-safe: one writer.
     */
    static final class PngStream {

        private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
        private static final int IHDR = 0x49484452;
        private static final int IDAT = 0x49444154;
        private static final int IEND = 0x49454E44;

        private enum State { SIGNATURE, HEADER, DATA, CRC, AFTER_IEND }

        private final long maxPixels;
        private final CRC32 crc = new CRC32();
        private final byte[] held = new byte[13];
        private int heldCount;
        private State state = State.SIGNATURE;
        private int type;
        private long left;
        private boolean first = true;
        private boolean idat;
        private Size size;
        private Refused refused;

        /** @param maxPixels the largest width times height accepted */
        PngStream(long maxPixels) {
            this.maxPixels = maxPixels;
        }

        /**
         * Checks the next bytes of the image; after the first problem found, the rest is ignored (and
         * {@link #finish()} reports that problem).
         *
         * @param b   the bytes
         * @param off where they start in {@code b}
         * @param len how many there are
         */
        void update(byte[] b, int off, int len) {
            int end = off + len;
            int at = off;
            while (at < end && refused == null) {
                switch (state) {
                    case SIGNATURE -> {
                        int n = Math.min(end - at, SIGNATURE.length - heldCount);
                        System.arraycopy(b, at, held, heldCount, n);
                        heldCount += n;
                        at += n;
                        if (heldCount == SIGNATURE.length) {
                            if (!java.util.Arrays.equals(held, 0, 8, SIGNATURE, 0, 8)) {
                                refuse("not a valid PNG: no PNG signature", true);
                            }
                            heldCount = 0;
                            state = State.HEADER;
                        }
                    }
                    case HEADER -> {
                        int n = Math.min(end - at, 8 - heldCount);
                        System.arraycopy(b, at, held, heldCount, n);
                        heldCount += n;
                        at += n;
                        if (heldCount == 8) {
                            startChunk();
                        }
                    }
                    case DATA -> {
                        int n = (int) Math.min(end - at, left);
                        crc.update(b, at, n);
                        if (type == IHDR && heldCount < held.length) {
                            int keep = Math.min(n, held.length - heldCount);
                            System.arraycopy(b, at, held, heldCount, keep);
                            heldCount += keep;
                        }
                        at += n;
                        left -= n;
                        if (left == 0) {
                            state = State.CRC;
                            left = 4;
                            heldCount = type == IHDR ? heldCount : 0;
                        }
                    }
                    case CRC -> {
                        int n = (int) Math.min(end - at, left);
                        for (int i = 0; i < n; i++) {
                            expected = expected << 8 | (b[at + i] & 0xFF);
                        }
                        at += n;
                        left -= n;
                        if (left == 0) {
                            endChunk();
                        }
                    }
                    case AFTER_IEND -> refuse("not a valid PNG: data follows the IEND chunk", true);
                    default -> throw new IllegalStateException(state.name());
                }
            }
        }

        private int expected;

        private void startChunk() {
            int length = (held[0] & 0xFF) << 24 | (held[1] & 0xFF) << 16 | (held[2] & 0xFF) << 8 | (held[3] & 0xFF);
            type = (held[4] & 0xFF) << 24 | (held[5] & 0xFF) << 16 | (held[6] & 0xFF) << 8 | (held[7] & 0xFF);
            String name = chunkName(type);
            if (length < 0) {
                refuse("not a valid PNG: chunk " + name + " declares a negative length", true);
                return;
            }
            if (first && type != IHDR) {
                refuse("not a valid PNG: the first chunk is " + name + ", not IHDR", true);
                return;
            }
            if (first && length != 13) {
                refuse("not a valid PNG: its IHDR chunk has " + length + " bytes, not 13", true);
                return;
            }
            crc.reset();
            crc.update(held, 4, 4);
            heldCount = 0;
            expected = 0;
            left = length;
            state = length == 0 ? State.CRC : State.DATA;
            if (length == 0) {
                left = 4;
            }
        }

        private void endChunk() {
            if ((int) crc.getValue() != expected) {
                refuse("not a valid PNG: chunk " + chunkName(type) + " fails its CRC", true);
                return;
            }
            if (first) {
                first = false;
                header();
                if (refused != null) {
                    return;
                }
            }
            heldCount = 0;
            if (type == IDAT) {
                idat = true;
            } else if (type == IEND) {
                if (!idat) {
                    refuse("not a valid PNG: no IDAT chunk before IEND", true);
                    return;
                }
                state = State.AFTER_IEND;
                return;
            }
            state = State.HEADER;
        }

        /** Checks the IHDR fields (PNG specification, section 11.2.2) and the pixel limit. */
        private void header() {
            int width = (held[0] & 0xFF) << 24 | (held[1] & 0xFF) << 16 | (held[2] & 0xFF) << 8 | (held[3] & 0xFF);
            int height = (held[4] & 0xFF) << 24 | (held[5] & 0xFF) << 16 | (held[6] & 0xFF) << 8 | (held[7] & 0xFF);
            int depth = held[8] & 0xFF;
            int colour = held[9] & 0xFF;
            boolean depthFits = switch (colour) {
                case 0 -> depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
                case 3 -> depth == 1 || depth == 2 || depth == 4 || depth == 8;
                case 2, 4, 6 -> depth == 8 || depth == 16;
                default -> false;
            };
            if (width <= 0 || height <= 0) {
                refuse("not a valid PNG: its header declares " + Integer.toUnsignedString(width) + " x "
                        + Integer.toUnsignedString(height) + " pixels", true);
            } else if (!depthFits || held[10] != 0 || held[11] != 0 || (held[12] != 0 && held[12] != 1)) {
                refuse("not a valid PNG: its header declares bit depth " + depth + ", colour type " + colour
                        + ", compression " + held[10] + ", filter " + held[11] + ", interlace " + held[12]
                        + " (PNG specification, 11.2.2)", true);
            } else {
                size = new Size(width, height);
                try {
                    checkPixels(size, maxPixels);
                } catch (Refused e) {
                    refused = e;
                }
            }
        }

        /** @return whether a problem was found already ({@link #finish()} then throws it) */
        boolean refused() {
            return refused != null;
        }

        private void refuse(String message, boolean retryable) {
            if (refused == null) {
                refused = new Refused(message, retryable);
            }
        }

        /**
         * @return the width and height IHDR declares
         * @throws Refused when a problem was found, or the bytes ended before IEND (retryable), or the declared
         *                 size is over the pixel limit (not retryable)
         */
        Size finish() throws Refused {
            if (refused == null && state != State.AFTER_IEND) {
                refuse(state == State.HEADER && heldCount == 0 || state == State.SIGNATURE
                        ? "not a valid PNG: it ends without an IEND chunk"
                        : "not a valid PNG: chunk " + (state == State.HEADER ? "header" : chunkName(type))
                                + " is cut short", true);
            }
            if (refused != null) {
                throw refused;
            }
            return size;
        }
    }

    private static String chunkName(int type) {
        StringBuilder sb = new StringBuilder(4);
        for (int shift = 24; shift >= 0; shift -= 8) {
            int c = (type >>> shift) & 0xff;
            sb.append(c >= 0x21 && c < 0x7f ? (char) c : '?');
        }
        return sb.toString();
    }

    private static void walkJpeg(Path file) throws Refused, IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 65536)) {
            if (in.read() != 0xff || in.read() != 0xd8) {
                throw new Refused("not a valid JPEG: no SOI marker", true);
            }
            boolean frame = false;
            int marker = nextMarker(in);
            while (true) {
                if (marker == 0xd9) { // EOI
                    if (!frame) {
                        throw new Refused("not a valid JPEG: EOI before any frame header", true);
                    }
                    return;
                }
                if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
                    marker = nextMarker(in); // TEM, RSTn: no length
                    continue;
                }
                if (marker == 0xd8) {
                    throw new Refused("not a valid JPEG: a second SOI marker before EOI", true);
                }
                int length = (read(in) << 8) | read(in);
                if (length < 2) {
                    throw new Refused(String.format("not a valid JPEG: segment FF%02X declares length %d", marker,
                            length), true);
                }
                in.skipNBytes(length - 2);
                if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc) {
                    frame = true;
                }
                if (marker == 0xda) { // SOS: entropy-coded data up to the next marker
                    if (!frame) {
                        throw new Refused("not a valid JPEG: scan data before any frame header", true);
                    }
                    marker = skipEntropyCodedData(in);
                } else {
                    marker = nextMarker(in);
                }
            }
        } catch (EOFException e) {
            throw new Refused("not a valid JPEG: it ends without an EOI marker", true);
        }
    }

    /** The marker after a segment: FF (any fill FFs), then a marker code; anything else is not JPEG. */
    private static int nextMarker(InputStream in) throws IOException, Refused {
        int b = read(in);
        if (b != 0xff) {
            throw new Refused(String.format("not a valid JPEG: byte %02X where a marker must start", b), true);
        }
        int code;
        do {
            code = read(in);
        } while (code == 0xff);
        if (code == 0x00) {
            throw new Refused("not a valid JPEG: FF00 where a marker must be", true);
        }
        return code;
    }

    private static int skipEntropyCodedData(InputStream in) throws IOException {
        while (true) {
            if (read(in) != 0xff) {
                continue;
            }
            int code;
            do {
                code = read(in);
            } while (code == 0xff);
            if (code != 0x00 && !(code >= 0xd0 && code <= 0xd7)) {
                return code;
            }
        }
    }

    private static int read(InputStream in) throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException();
        }
        return b;
    }

    private static Size walkWebp(Path file) throws Refused, IOException {
        long fileSize = Files.size(file);
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 65536))) {
            in.skipNBytes(4); // RIFF
            long riffSize = Integer.toUnsignedLong(Integer.reverseBytes(in.readInt()));
            in.skipNBytes(4); // WEBP
            if (riffSize + 8 != fileSize) {
                throw new Refused("not a valid WebP: the RIFF header declares " + (riffSize + 8) + " bytes, the file"
                        + " has " + fileSize, true);
            }
            long position = 12;
            Size size = null;
            while (position < fileSize) {
                if (fileSize - position < 8) {
                    throw new Refused("not a valid WebP: a chunk header is cut short", true);
                }
                byte[] fourcc = in.readNBytes(4);
                String name = new String(fourcc, java.nio.charset.StandardCharsets.ISO_8859_1);
                long length = Integer.toUnsignedLong(Integer.reverseBytes(in.readInt()));
                long padded = length + (length & 1);
                if (position + 8 + padded > fileSize) {
                    throw new Refused("not a valid WebP: chunk " + chunkName(fourcc) + " runs past the end", true);
                }
                byte[] head = in.readNBytes((int) Math.min(length, 10));
                in.skipNBytes(padded - head.length);
                if (size == null) {
                    size = webpSize(name, head);
                    if (size == null) {
                        throw new Refused("not a valid WebP: the first chunk is " + chunkName(fourcc)
                                + ", not VP8X, VP8L or VP8", true);
                    }
                }
                position += 8 + padded;
            }
            if (size == null) {
                throw new Refused("not a valid WebP: no image chunk", true);
            }
            return size;
        }
    }

    private static String chunkName(byte[] fourcc) {
        int type = (fourcc[0] & 0xff) << 24 | (fourcc[1] & 0xff) << 16 | (fourcc[2] & 0xff) << 8 | (fourcc[3] & 0xff);
        return chunkName(type).strip();
    }

    private static Size webpSize(String chunk, byte[] h) throws Refused {
        switch (chunk) {
            case "VP8X" -> {
                if (h.length < 10) {
                    throw new Refused("not a valid WebP: VP8X chunk too short", true);
                }
                int width = 1 + ((h[4] & 0xff) | (h[5] & 0xff) << 8 | (h[6] & 0xff) << 16);
                int height = 1 + ((h[7] & 0xff) | (h[8] & 0xff) << 8 | (h[9] & 0xff) << 16);
                return new Size(width, height);
            }
            case "VP8L" -> {
                if (h.length < 5 || (h[0] & 0xff) != 0x2f) {
                    throw new Refused("not a valid WebP: VP8L chunk without its signature", true);
                }
                int bits = (h[1] & 0xff) | (h[2] & 0xff) << 8 | (h[3] & 0xff) << 16 | (h[4] & 0xff) << 24;
                return new Size(1 + (bits & 0x3fff), 1 + ((bits >>> 14) & 0x3fff));
            }
            case "VP8 " -> {
                if (h.length < 10 || (h[3] & 0xff) != 0x9d || (h[4] & 0xff) != 0x01 || (h[5] & 0xff) != 0x2a) {
                    throw new Refused("not a valid WebP: VP8 chunk without its start code", true);
                }
                int width = ((h[6] & 0xff) | (h[7] & 0xff) << 8) & 0x3fff;
                int height = ((h[8] & 0xff) | (h[9] & 0xff) << 8) & 0x3fff;
                if (width == 0 || height == 0) {
                    throw new Refused("not a valid WebP: VP8 frame of " + width + " x " + height + " pixels", true);
                }
                return new Size(width, height);
            }
            default -> {
                return null;
            }
        }
    }
}
