package io.imagebatch.rendition;

/**
 * A rendition could not be made: the stored image is missing or unreadable, or the rendition could not be
 * encoded or stored. The message names the image's URI and the rendition, never credentials; the row it
 * belongs to fails with it as its reason, never the batch (README.md, "Renditions").
 */
public class RenditionException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what could not be made and why
     * @param cause   the underlying failure, or null
     */
    public RenditionException(String message, Throwable cause) {
        super(message, cause);
    }
}
