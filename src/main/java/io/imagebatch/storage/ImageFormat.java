package io.imagebatch.storage;

import java.util.Optional;

/**
 * The image formats the download step accepts, recognised by their first bytes ("magic numbers"):
 * PNG ({@code 89 50 4E 47 0D 0A 1A 0A}, PNG specification section 5.2), JPEG ({@code FF D8 FF}, an SOI marker
 * followed by another marker) and WEBP ({@code RIFF....WEBP}, RIFF container with form type WEBP).
 */
public enum ImageFormat {
    /** Portable Network Graphics. */
    PNG("png", "image/png"),
    /** JPEG / JFIF / EXIF. */
    JPEG("jpg", "image/jpeg"),
    /** WebP in a RIFF container. */
    WEBP("webp", "image/webp");

    /** How many leading bytes {@link #sniff} and {@link #pngSize} look at: 24 (PNG signature plus IHDR size). */
    public static final int HEAD_BYTES = 24;

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private final String extension;
    private final String contentType;

    ImageFormat(String extension, String contentType) {
        this.extension = extension;
        this.contentType = contentType;
    }

    /** @return the file extension without a dot: {@code png}, {@code jpg} or {@code webp} */
    public String extension() {
        return extension;
    }

    /** @return the MIME type: {@code image/png}, {@code image/jpeg} or {@code image/webp} */
    public String contentType() {
        return contentType;
    }

    /**
     * Recognises an image format from the first bytes of a body.
     *
     * @param head   the first bytes, ideally {@link #HEAD_BYTES} of them
     * @param length how many bytes of {@code head} are valid
     * @return the format, or empty when the bytes are none of PNG, JPEG or WEBP (or too few to tell)
     */
    public static Optional<ImageFormat> sniff(byte[] head, int length) {
        if (startsWith(head, length, PNG_SIGNATURE)) {
            return Optional.of(PNG);
        }
        if (length >= 3 && (head[0] & 0xff) == 0xff && (head[1] & 0xff) == 0xd8 && (head[2] & 0xff) == 0xff) {
            return Optional.of(JPEG);
        }
        if (length >= 12 && head[0] == 'R' && head[1] == 'I' && head[2] == 'F' && head[3] == 'F'
                && head[8] == 'W' && head[9] == 'E' && head[10] == 'B' && head[11] == 'P') {
            return Optional.of(WEBP);
        }
        return Optional.empty();
    }

    /**
     * Reads a PNG's size from its IHDR chunk, which must be the first chunk: bytes 12..16 are {@code IHDR},
     * 16..20 the width and 20..24 the height, big-endian (PNG specification section 11.2.2).
     *
     * @param head   the first bytes of a PNG
     * @param length how many bytes of {@code head} are valid
     * @return {@code {width, height}} in pixels, or empty when the IHDR chunk is missing or a dimension is 0 or
     *         above 2^31-1
     */
    public static Optional<int[]> pngSize(byte[] head, int length) {
        if (length < HEAD_BYTES || !startsWith(head, length, PNG_SIGNATURE)
                || head[12] != 'I' || head[13] != 'H' || head[14] != 'D' || head[15] != 'R') {
            return Optional.empty();
        }
        int width = readInt(head, 16);
        int height = readInt(head, 20);
        return width > 0 && height > 0 ? Optional.of(new int[] {width, height}) : Optional.empty();
    }

    private static int readInt(byte[] b, int off) {
        return (b[off] & 0xff) << 24 | (b[off + 1] & 0xff) << 16 | (b[off + 2] & 0xff) << 8 | (b[off + 3] & 0xff);
    }

    private static boolean startsWith(byte[] head, int length, byte[] prefix) {
        if (length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (head[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
