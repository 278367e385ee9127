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
 *   <li>PNG: the JDK's ImageIO reader reads the width and height from IHDR; then every chunk is walked: IHDR
 *       first, each chunk's CRC-32 right, at least one IDAT, and IEND last, with nothing after it (PNG
 *       specification, sections 5.3 to 5.6 and 11.2).</li>
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
            case PNG -> {
                Size declared = imageIoSize(file, "png");
                checkPixels(declared, maxPixels);
                walkPng(file);
                yield declared;
            }
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

    private static void checkPixels(Size size, long maxPixels) throws Refused {
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

    private static void walkPng(Path file) throws Refused, IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 65536))) {
            in.skipNBytes(8); // the signature, sniffed already
            CRC32 crc = new CRC32();
            byte[] buffer = new byte[65536];
            boolean first = true;
            boolean idat = false;
            while (true) {
                int length;
                int type;
                try {
                    length = in.readInt();
                    type = in.readInt();
                } catch (EOFException e) {
                    throw new Refused("not a valid PNG: it ends without an IEND chunk", true);
                }
                String name = chunkName(type);
                if (length < 0) {
                    throw new Refused("not a valid PNG: chunk " + name + " declares a negative length", true);
                }
                if (first && !name.equals("IHDR")) {
                    throw new Refused("not a valid PNG: the first chunk is " + name + ", not IHDR", true);
                }
                first = false;
                crc.reset();
                crc.update(new byte[] {(byte) (type >>> 24), (byte) (type >>> 16), (byte) (type >>> 8), (byte) type});
                long left = length;
                try {
                    while (left > 0) {
                        int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                        if (n < 0) {
                            throw new EOFException();
                        }
                        crc.update(buffer, 0, n);
                        left -= n;
                    }
                    if ((int) crc.getValue() != in.readInt()) {
                        throw new Refused("not a valid PNG: chunk " + name + " fails its CRC", true);
                    }
                } catch (EOFException e) {
                    throw new Refused("not a valid PNG: chunk " + name + " is cut short", true);
                }
                if (name.equals("IDAT")) {
                    idat = true;
                } else if (name.equals("IEND")) {
                    if (!idat) {
                        throw new Refused("not a valid PNG: no IDAT chunk before IEND", true);
                    }
                    if (in.read() >= 0) {
                        throw new Refused("not a valid PNG: data follows the IEND chunk", true);
                    }
                    return;
                }
            }
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
