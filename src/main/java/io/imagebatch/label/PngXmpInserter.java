package io.imagebatch.label;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Labels a PNG as its bytes stream past, in one pass and without holding the image: what is written here goes on
 * to the wrapped stream unchanged, except that an {@code iTXt} chunk with keyword {@code XML:com.adobe.xmp}
 * carrying the label's XMP is written right after {@code IHDR}, and an XMP {@code iTXt} chunk already in the image
 * is left out (replaced by ours). The rules of {@link ImageLabeller} for PNG (Adobe XMP Specification Part 3,
 * "Storage in files", PNG; PNG specification, sections 5.3 and 11.3.4.5); the pixels' chunks are copied byte for
 * byte. Memory: the XMP chunk and at most the first 26 bytes of a chunk held while deciding whether it is an
 * XMP packet.
 *
 * <p>It does not check the image: a chunk's CRC is copied, not verified (the download's image check does that on
 * the bytes as fetched). {@link #finish()} says whether the structure allowed the label (the signature, IHDR
 * first, IEND reached). Not thread-safe: one writer.
 */
public final class PngXmpInserter extends FilterOutputStream {

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final byte[] KEYWORD = "XML:com.adobe.xmp".getBytes(StandardCharsets.ISO_8859_1);
    private static final int ITXT = 0x69545874; // "iTXt"
    private static final int IHDR = 0x49484452;
    private static final int IEND = 0x49454E44;

    private enum State { SIGNATURE, HEADER, DATA, CRC, AFTER_IEND, BROKEN }

    private final byte[] xmpChunk;
    /** The chunk header being read, and for an iTXt chunk the first data bytes held until decided. */
    private final byte[] held = new byte[8 + KEYWORD.length + 1];
    private int heldCount;
    private State state = State.SIGNATURE;
    private boolean first = true;
    private int type;
    private long left;
    private boolean dropping;
    private boolean deciding;
    private String problem;

    /**
     * @param out where the labelled PNG goes; closed by {@link #close()}
     * @param xmp the XMP packet ({@link ImageLabel#xmp()}), written as UTF-8
     */
    public PngXmpInserter(OutputStream out, String xmp) {
        super(out);
        this.xmpChunk = ImageLabeller.pngXmpChunk(xmp.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        int end = off + len;
        int at = off;
        while (at < end) {
            switch (state) {
                case SIGNATURE -> {
                    int n = Math.min(end - at, SIGNATURE.length - heldCount);
                    System.arraycopy(b, at, held, heldCount, n);
                    heldCount += n;
                    at += n;
                    if (heldCount == SIGNATURE.length) {
                        if (!Arrays.equals(held, 0, SIGNATURE.length, SIGNATURE, 0, SIGNATURE.length)) {
                            broken("not a PNG: no PNG signature");
                        } else {
                            out.write(SIGNATURE);
                            heldCount = 0;
                            state = State.HEADER;
                        }
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
                    if (deciding) {
                        int n = (int) Math.min(end - at, Math.min(left, held.length - heldCount));
                        System.arraycopy(b, at, held, heldCount, n);
                        heldCount += n;
                        at += n;
                        left -= n;
                        if (heldCount == held.length || left == 0) {
                            decide();
                        }
                    } else {
                        int n = (int) Math.min(end - at, left);
                        if (!dropping) {
                            out.write(b, at, n);
                        }
                        at += n;
                        left -= n;
                    }
                    if (left == 0 && !deciding) {
                        state = State.CRC;
                        left = 4;
                    }
                }
                case CRC -> {
                    int n = (int) Math.min(end - at, left);
                    if (!dropping) {
                        out.write(b, at, n);
                    }
                    at += n;
                    left -= n;
                    if (left == 0) {
                        endChunk();
                    }
                }
                case AFTER_IEND, BROKEN -> {
                    out.write(b, at, end - at); // bytes after IEND: copied; the image check refuses them
                    at = end;
                }
                default -> throw new IllegalStateException(state.name());
            }
        }
    }

    private void startChunk() throws IOException {
        int length = (held[0] & 0xFF) << 24 | (held[1] & 0xFF) << 16 | (held[2] & 0xFF) << 8 | (held[3] & 0xFF);
        type = (held[4] & 0xFF) << 24 | (held[5] & 0xFF) << 16 | (held[6] & 0xFF) << 8 | (held[7] & 0xFF);
        if (length < 0) {
            broken("PNG: chunk " + new String(held, 4, 4, StandardCharsets.ISO_8859_1) + " has a length over 2^31-1");
            return;
        }
        if (first && type != IHDR) {
            broken("PNG: the first chunk is " + new String(held, 4, 4, StandardCharsets.ISO_8859_1) + ", not IHDR");
            return;
        }
        left = length;
        dropping = false;
        deciding = type == ITXT && length >= KEYWORD.length + 1;
        if (!deciding) {
            out.write(held, 0, 8);
            heldCount = 0;
        }
        state = left == 0 ? State.CRC : State.DATA;
        if (left == 0) {
            left = 4;
        }
    }

    /** An iTXt chunk's keyword is in: an XMP packet is left out, anything else is written as it came. */
    private void decide() throws IOException {
        deciding = false;
        boolean xmp = heldCount == held.length && held[held.length - 1] == 0
                && Arrays.equals(held, 8, 8 + KEYWORD.length, KEYWORD, 0, KEYWORD.length);
        dropping = xmp;
        if (!xmp) {
            out.write(held, 0, heldCount);
        }
        heldCount = 0;
    }

    private void endChunk() throws IOException {
        if (first) {
            out.write(xmpChunk);
            first = false;
        }
        dropping = false;
        heldCount = 0;
        state = type == IEND ? State.AFTER_IEND : State.HEADER;
    }

    private void broken(String why) throws IOException {
        problem = why;
        out.write(held, 0, heldCount); // the rest is copied as it comes
        heldCount = 0;
        state = State.BROKEN;
    }

    /**
     * Checks, once everything was written, that the PNG could be labelled.
     *
     * @throws UnlabellableImageException when the bytes had no PNG signature, their first chunk was not IHDR, a
     *                                    chunk declared a length over 2^31-1, or they ended before IEND; what was
     *                                    written on is then not a labelled PNG: discard it
     * @throws IOException                when flushing the wrapped stream fails
     */
    public void finish() throws UnlabellableImageException, IOException {
        flush();
        if (problem != null) {
            throw new UnlabellableImageException(problem, null);
        }
        if (state != State.AFTER_IEND) {
            throw new UnlabellableImageException(first ? "PNG: the file is cut short"
                    : "PNG: the file ends without an IEND chunk", null);
        }
    }
}
