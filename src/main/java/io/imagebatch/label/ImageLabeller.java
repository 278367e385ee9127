package io.imagebatch.label;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import org.apache.commons.imaging.ImagingException;
import org.apache.commons.imaging.bytesource.ByteSource;
import org.apache.commons.imaging.formats.jpeg.xmp.JpegXmpRewriter;

/**
 * Writes an XMP packet ({@link ImageLabel#xmp()}) into an encoded image without decoding or re-encoding its
 * pixels: the image data is copied byte for byte, only metadata is added (and an XMP packet already there is
 * replaced). Where it goes, per format (Adobe XMP Specification Part 3, "Storage in files"; the WebP container
 * specification, "Extended file format"):
 * <ul>
 * <li><b>JPEG</b>: an APP1 segment {@code http://ns.adobe.com/xap/1.0/}, by Apache Commons Imaging's
 *     {@link JpegXmpRewriter}; a packet over what one APP1 segment holds (65,504 bytes; extended XMP is not
 *     written) is unlabellable;</li>
 * <li><b>PNG</b>: an uncompressed {@code iTXt} chunk with keyword {@code XML:com.adobe.xmp}, right after
 *     {@code IHDR}. Written here: Commons Imaging writes XMP into PNG only while encoding a whole image from
 *     pixels (its {@code PngWriter}), which would re-compress the provider's image data. Streamed
 *     ({@link PngXmpInserter}), so a download labels a PNG as it arrives;</li>
 * <li><b>WebP</b>: a RIFF chunk {@code "XMP "} at the end, with the XMP flag set in a {@code VP8X} header (a
 *     simple {@code VP8}/{@code VP8L} file gets a {@code VP8X} header with its canvas size, and the alpha flag
 *     when its {@code VP8L} header says alpha is used). Written here: no maintained Java library writes WebP
 *     metadata (Commons Imaging reads WebP only; {@code webp-imageio} encodes pixels, no metadata).</li>
 * </ul>
 * Stateless and thread-safe.
 */
public final class ImageLabeller {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final String PNG_XMP_KEYWORD = "XML:com.adobe.xmp";
    /**
     * The most XMP one JPEG APP1 segment holds: 65,535 bytes less the length field (2) and the namespace
     * {@code http://ns.adobe.com/xap/1.0/} with its NUL (29) (Adobe XMP Specification Part 3, JPEG).
     */
    static final int JPEG_MAX_XMP_BYTES = 65_504;
    /** WebP VP8X flags (WebP container specification, "Extended file format"). */
    private static final int VP8X_XMP = 0x04;
    private static final int VP8X_ALPHA = 0x10;

    /** The formats that can be labelled, as detected from the file's first bytes. */
    public enum Format {
        /** PNG (signature {@code 89 50 4E 47 0D 0A 1A 0A}). */
        PNG,
        /** JPEG (starts {@code FF D8 FF}). */
        JPEG,
        /** WebP ({@code RIFF....WEBP}). */
        WEBP
    }

    private ImageLabeller() {
    }

    /**
     * Writes {@code source} with {@code xmp} in it to {@code out}.
     *
     * @param source an encoded PNG, JPEG or WebP file; read, never changed
     * @param xmp    the XMP packet, {@link ImageLabel#xmp()}; written as UTF-8
     * @param out    where the labelled image goes; not closed. On an exception part of an image may have been
     *               written: discard it
     * @return the format found and labelled
     * @throws UnlabellableImageException when the file is not one of the three formats, or its structure does not
     *                                    allow adding XMP without re-encoding (see the exception)
     * @throws IOException                when reading {@code source} or writing {@code out} fails
     */
    public static Format label(Path source, String xmp, OutputStream out)
            throws UnlabellableImageException, IOException {
        Format format = detect(source);
        switch (format) {
            case PNG -> png(source, xmp, out);
            case JPEG -> jpeg(source, xmp, out);
            case WEBP -> webp(source, xmp.getBytes(StandardCharsets.UTF_8), out);
            default -> throw new IllegalStateException(format.name());
        }
        return format;
    }

    /**
     * Labels {@code source} into a new file {@code target} (created or replaced).
     *
     * @param source an encoded PNG, JPEG or WebP file
     * @param xmp    the XMP packet
     * @param target the labelled copy; deleted again on an exception
     * @return the format labelled
     * @throws UnlabellableImageException as {@link #label(Path, String, OutputStream)}
     * @throws IOException                when reading or writing fails
     */
    public static Format label(Path source, String xmp, Path target) throws UnlabellableImageException, IOException {
        boolean done = false;
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(target), 64 * 1024)) {
            Format format = label(source, xmp, out);
            done = true;
            return format;
        } finally {
            if (!done) {
                Files.deleteIfExists(target);
            }
        }
    }

    /**
     * @param source a file
     * @return its format, from its first 12 bytes
     * @throws UnlabellableImageException when it is not PNG, JPEG or WebP
     * @throws IOException                when it cannot be read
     */
    public static Format detect(Path source) throws UnlabellableImageException, IOException {
        byte[] head = new byte[12];
        int n;
        try (InputStream in = Files.newInputStream(source)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (n >= 8 && Arrays.equals(Arrays.copyOf(head, 8), PNG_SIGNATURE)) {
            return Format.PNG;
        }
        if (n >= 3 && (head[0] & 0xFF) == 0xFF && (head[1] & 0xFF) == 0xD8 && (head[2] & 0xFF) == 0xFF) {
            return Format.JPEG;
        }
        if (n == 12 && ascii(head, 0, 4).equals("RIFF") && ascii(head, 8, 4).equals("WEBP")) {
            return Format.WEBP;
        }
        throw new UnlabellableImageException("not a PNG, JPEG or WebP file: no XMP can be written into it", null);
    }

    private static void jpeg(Path source, String xmp, OutputStream out) throws UnlabellableImageException,
            IOException {
        int length = xmp.getBytes(StandardCharsets.UTF_8).length;
        if (length > JPEG_MAX_XMP_BYTES) {
            // checked here: Commons Imaging 1.0.0-alpha6 fails with an IndexOutOfBoundsException on such a packet
            throw new UnlabellableImageException("JPEG: the XMP packet is " + length + " bytes, more than the "
                    + JPEG_MAX_XMP_BYTES + " bytes one APP1 segment holds (a very long prompt; metadata: minimal"
                    + " leaves it out)", null);
        }
        try {
            new JpegXmpRewriter().updateXmpXml(ByteSource.path(source), out, xmp);
        } catch (ImagingException | RuntimeException e) {
            throw new UnlabellableImageException("JPEG: Commons Imaging could not add the XMP segment: "
                    + e.getMessage(), e);
        }
    }

    /**
     * A PNG is labelled as it streams ({@link PngXmpInserter}): one implementation for a file and for a
     * download's body.
     */
    private static void png(Path source, String xmp, OutputStream out) throws UnlabellableImageException,
            IOException {
        PngXmpInserter labelled = new PngXmpInserter(out, xmp); // not closed: the caller closes out
        try (InputStream in = Files.newInputStream(source)) {
            byte[] buffer = new byte[64 * 1024];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                labelled.write(buffer, 0, n);
            }
        }
        labelled.finish();
    }

    /**
     * An iTXt chunk: keyword, NUL, compression flag 0, method 0, empty language tag, NUL, empty translation, NUL.
     *
     * @param xmp the XMP packet as UTF-8
     * @return the whole chunk: length, type, data and CRC-32
     */
    static byte[] pngXmpChunk(byte[] xmp) {
        byte[] keyword = PNG_XMP_KEYWORD.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer data = ByteBuffer.allocate(keyword.length + 5 + xmp.length);
        data.put(keyword).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0).put(xmp);
        byte[] type = "iTXt".getBytes(StandardCharsets.ISO_8859_1);
        CRC32 crc = new CRC32();
        crc.update(type);
        crc.update(data.array());
        return ByteBuffer.allocate(12 + data.capacity()).putInt(data.capacity()).put(type).put(data.array())
                .putInt((int) crc.getValue()).array();
    }

    /** A RIFF chunk of a WebP file: its FourCC, where its data starts in the file, its data size (no padding). */
    private record Chunk(String fourCc, long dataAt, long size) {
        long paddedSize() {
            return size + (size & 1);
        }
    }

    private static void webp(Path source, byte[] xmp, OutputStream out) throws UnlabellableImageException,
            IOException {
        try (RandomAccessFile file = new RandomAccessFile(source.toFile(), "r")) {
            long fileSize = file.length();
            List<Chunk> chunks = new ArrayList<>();
            long at = 12;
            while (at + 8 <= fileSize) {
                byte[] header = new byte[8];
                file.seek(at);
                file.readFully(header);
                long size = ByteBuffer.wrap(header, 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL;
                Chunk chunk = new Chunk(ascii(header, 0, 4), at + 8, size);
                if (chunk.dataAt() + size > fileSize) { // a last pad byte may be missing: not checked
                    throw new UnlabellableImageException("WebP: chunk " + chunk.fourCc() + " runs past the end of"
                            + " the file", null);
                }
                chunks.add(chunk);
                at = chunk.dataAt() + chunk.paddedSize();
            }
            if (chunks.isEmpty()) {
                throw new UnlabellableImageException("WebP: the file has no chunk", null);
            }
            Chunk first = chunks.get(0);
            byte[] vp8x;
            switch (first.fourCc()) {
                case "VP8X" -> {
                    if (first.size() < 10) {
                        throw new UnlabellableImageException("WebP: the VP8X chunk is shorter than 10 bytes", null);
                    }
                    vp8x = read(file, first.dataAt(), (int) first.size());
                    vp8x[0] |= VP8X_XMP;
                }
                case "VP8 " -> {
                    byte[] frame = read(file, first.dataAt(), (int) Math.min(10, first.size()));
                    if (frame.length < 10 || (frame[3] & 0xFF) != 0x9D || (frame[4] & 0xFF) != 0x01
                            || (frame[5] & 0xFF) != 0x2A) {
                        throw new UnlabellableImageException("WebP: the VP8 frame header is not a key frame's",
                                null);
                    }
                    int width = le16(frame, 6) & 0x3FFF;
                    int height = le16(frame, 8) & 0x3FFF;
                    vp8x = vp8x(VP8X_XMP, width, height);
                }
                case "VP8L" -> {
                    byte[] head = read(file, first.dataAt(), (int) Math.min(5, first.size()));
                    if (head.length < 5 || (head[0] & 0xFF) != 0x2F) {
                        throw new UnlabellableImageException("WebP: the VP8L header has no signature 0x2F", null);
                    }
                    int bits = ByteBuffer.wrap(head, 1, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
                    int width = (bits & 0x3FFF) + 1;
                    int height = ((bits >>> 14) & 0x3FFF) + 1;
                    boolean alpha = ((bits >>> 28) & 1) == 1;
                    vp8x = vp8x(VP8X_XMP | (alpha ? VP8X_ALPHA : 0), width, height);
                }
                default -> throw new UnlabellableImageException("WebP: the first chunk is " + first.fourCc()
                        + ", not VP8, VP8L or VP8X", null);
            }
            long body = 4 + 8 + vp8x.length + (vp8x.length & 1) + 8 + xmp.length + (xmp.length & 1);
            for (Chunk chunk : chunks.subList(1, chunks.size())) {
                if (!chunk.fourCc().equals("XMP ")) {
                    body += 8 + chunk.paddedSize();
                }
            }
            if (!first.fourCc().equals("VP8X")) {
                body += 8 + first.paddedSize(); // the image chunk itself, kept after the new VP8X
            }
            if (body > 0xFFFFFFFEL) {
                throw new UnlabellableImageException("WebP: the labelled file would pass the RIFF size limit", null);
            }
            out.write("RIFF".getBytes(StandardCharsets.ISO_8859_1));
            out.write(le32((int) body));
            out.write("WEBP".getBytes(StandardCharsets.ISO_8859_1));
            writeRiffChunk(out, "VP8X", vp8x);
            for (Chunk chunk : first.fourCc().equals("VP8X") ? chunks.subList(1, chunks.size()) : chunks) {
                if (chunk.fourCc().equals("XMP ")) {
                    continue; // an XMP packet already there is replaced by ours
                }
                out.write(chunk.fourCc().getBytes(StandardCharsets.ISO_8859_1));
                out.write(le32((int) chunk.size()));
                file.seek(chunk.dataAt());
                copy(file, out, chunk.size());
                if ((chunk.size() & 1) == 1) {
                    out.write(0); // the padding byte is 0 (and may be missing at the end of the file)
                }
            }
            writeRiffChunk(out, "XMP ", xmp);
        }
    }

    private static byte[] vp8x(int flags, int width, int height) {
        byte[] data = new byte[10];
        data[0] = (byte) flags;
        int w = width - 1;
        int h = height - 1;
        data[4] = (byte) w;
        data[5] = (byte) (w >>> 8);
        data[6] = (byte) (w >>> 16);
        data[7] = (byte) h;
        data[8] = (byte) (h >>> 8);
        data[9] = (byte) (h >>> 16);
        return data;
    }

    private static void writeRiffChunk(OutputStream out, String fourCc, byte[] data) throws IOException {
        out.write(fourCc.getBytes(StandardCharsets.ISO_8859_1));
        out.write(le32(data.length));
        out.write(data);
        if ((data.length & 1) == 1) {
            out.write(0);
        }
    }

    private static byte[] read(RandomAccessFile file, long at, int length) throws IOException {
        byte[] data = new byte[length];
        file.seek(at);
        file.readFully(data);
        return data;
    }

    private static void copy(RandomAccessFile in, OutputStream out, long count) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long left = count;
        while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new EOFException();
            }
            out.write(buffer, 0, n);
            left -= n;
        }
    }

    private static int le16(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8;
    }

    private static byte[] le32(int value) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array();
    }

    private static String ascii(byte[] b, int at, int length) {
        return new String(b, at, length, StandardCharsets.ISO_8859_1);
    }
}
