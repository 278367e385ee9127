package io.imagebatch.provider;

/**
 * Batch-wide values for fields a row leaves blank; any of them may be null, and then the provider's
 * documented default applies.
 *
 * @param aspectRatio  for example {@code 1:1}
 * @param resolution   for example {@code 1K}
 * @param outputFormat for example {@code png}
 */
public record RequestDefaults(String aspectRatio, String resolution, String outputFormat) {

    /** @return defaults that leave everything to the provider */
    public static RequestDefaults none() {
        return new RequestDefaults(null, null, null);
    }
}
