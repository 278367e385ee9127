package io.imagebatch.label;

/**
 * An image whose structure {@link ImageLabeller} cannot add XMP to without re-encoding it (not PNG, JPEG or WebP,
 * a PNG whose first chunk is not IHDR, a WebP that is neither simple nor extended, a JPEG that Commons Imaging
 * cannot segment, an XMP packet larger than a JPEG APP1 segment holds). Checked, so that every caller decides:
 * the download step stores such an image unlabelled with a warning, never fails it.
 */
public class UnlabellableImageException extends Exception {

    private static final long serialVersionUID = 1L;

    /**
     * @param message why, naming the format and the structure found; never a secret
     * @param cause   the reader's exception, or null
     */
    public UnlabellableImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
