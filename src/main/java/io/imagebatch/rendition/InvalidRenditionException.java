package io.imagebatch.rendition;

/**
 * A job file's {@code renditions:} breaks a rule ({@link Rendition#parseList}). The message names the rendition
 * (its name, or {@code #N} for the N-th when it has no usable name) and the key; the job file adds its own name.
 */
public class InvalidRenditionException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /**
     * @param rendition the rendition's name or {@code #N}, or null when the list itself is wrong
     * @param key       the key at fault, or null when the whole rendition is
     * @param rule      what is wrong, in words
     */
    public InvalidRenditionException(String rendition, String key, String rule) {
        super((rendition == null ? "renditions" : "rendition " + rendition)
                + (key == null ? "" : ", key " + key) + ": " + rule);
    }
}
