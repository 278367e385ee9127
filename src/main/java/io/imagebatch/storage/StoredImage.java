package io.imagebatch.storage;

import java.net.URI;

/**
 * An image the download step stored: what the ledger records for a {@code STORED} row
 * ({@code docs/design.md}, "The job", download step).
 *
 * @param uri         the stored object's URI, {@code s3://bucket/prefix/key} or {@code file:/abs/path}
 * @param key         the key relative to the output location's prefix: {@code keyStem + "." + extension}
 * @param sha256      SHA-256 of the stored bytes, 64 lower-case hex digits
 * @param bytes       size of the stored object in bytes
 * @param contentType {@code image/png}, {@code image/jpeg} or {@code image/webp}, from the sniffed content
 *                    (not the server's header)
 * @param width       width in pixels from the PNG IHDR chunk; 0 for JPEG and WEBP (not parsed)
 * @param height      height in pixels from the PNG IHDR chunk; 0 for JPEG and WEBP (not parsed)
 * @param unlabelled  why the image was stored without the AI-generated label it was to carry (README.md,
 *                    "Labelled as AI-generated"; {@code io.imagebatch.label.ImageLabeller}), or null when it
 *                    carries it or none was asked for
 */
public record StoredImage(URI uri, String key, String sha256, long bytes, String contentType, int width,
        int height, String unlabelled) {

    /**
     * An image stored as fetched (no label asked for, or labelled): the fields as in the record description.
     */
    public StoredImage(URI uri, String key, String sha256, long bytes, String contentType, int width, int height) {
        this(uri, key, sha256, bytes, contentType, width, height, null);
    }
}
