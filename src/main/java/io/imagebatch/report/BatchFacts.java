package io.imagebatch.report;

import java.util.Objects;

/**
 * What the manifest and the contact sheet say about a batch's settings, taken from the batch's stored settings
 * (never a secret: no key, no credentials, no webhook URL).
 *
 * @param batchId         the batch id, for example {@code demo-3f9a0c12be47}
 * @param catalogue       the catalogue file's absolute path
 * @param catalogueSha256 lower-case hex SHA-256 of the catalogue's bytes
 * @param catalogueRows   the catalogue's data row count, at least 0
 * @param provider        the batch's provider, for example {@code liangxin}
 * @param model           the batch's model; the provider's default model when the batch names none; may be null
 *                        when not even that is known (an unknown provider)
 * @param output          the output location, for example {@code s3://bucket/prefix} or {@code file:/abs/dir}
 * @param sandbox         whether the batch ran against the built-in sandbox provider (placeholder images)
 */
public record BatchFacts(String batchId, String catalogue, String catalogueSha256, long catalogueRows,
        String provider, String model, String output, boolean sandbox) {

    /**
     * The facts of a real (not sandbox) batch.
     *
     * @param batchId         see the record
     * @param catalogue       see the record
     * @param catalogueSha256 see the record
     * @param catalogueRows   see the record
     * @param provider        see the record
     * @param model           see the record
     * @param output          see the record
     * @throws NullPointerException     when the batch id is null
     * @throws IllegalArgumentException when the row count is negative
     */
    public BatchFacts(String batchId, String catalogue, String catalogueSha256, long catalogueRows,
            String provider, String model, String output) {
        this(batchId, catalogue, catalogueSha256, catalogueRows, provider, model, output, false);
    }

    /**
     * @throws NullPointerException     when the batch id is null
     * @throws IllegalArgumentException when the row count is negative
     */
    public BatchFacts {
        Objects.requireNonNull(batchId, "batchId");
        if (catalogueRows < 0) {
            throw new IllegalArgumentException("negative catalogue row count: " + catalogueRows);
        }
    }
}
