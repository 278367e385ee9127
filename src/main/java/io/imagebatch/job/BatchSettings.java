package io.imagebatch.job;

import io.imagebatch.catalogue.CatalogueFormat;
import io.imagebatch.provider.RequestDefaults;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.TreeMap;
import tools.jackson.databind.json.JsonMapper;

/**
 * Everything that defines one batch (one job instance of {@code imageProductionJob}): the catalogue and its
 * content hash, how to read it, the provider and model, defaults and the output location. Stored as JSON in
 * {@code IB_BATCH}; it holds no secret.
 *
 * @param name            a readable name (the job file's or the catalogue's), the first part of the batch id
 * @param catalogue       absolute path of the catalogue file
 * @param catalogueSha256 lower-case hex SHA-256 of the catalogue's bytes
 * @param catalogueRows   number of data rows in the catalogue
 * @param format          delimiter, column mapping and prompt template
 * @param provider        the batch's provider (a row's {@code provider} column overrides it)
 * @param model           the batch's model, or null for the provider's default (a row's {@code model} overrides)
 * @param defaults        values for blank fields, before the provider's documented defaults
 * @param output          the output location URI ({@code s3://bucket/prefix} or {@code file:dir})
 */
public record BatchSettings(String name, String catalogue, String catalogueSha256, long catalogueRows,
        CatalogueFormat format, String provider, String model, RequestDefaults defaults, String output) {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * The batch id: the name, then 12 hex digits of a hash over everything that changes what the batch
     * produces (catalogue content, format, provider, model, defaults, output). The same catalogue with the same
     * settings is the same batch, wherever the file lies; any change is a new batch.
     *
     * @return for example {@code demo-3f9a0c12be47}; at most 80 characters of {@code [a-z0-9._-]}
     */
    public String batchId() {
        String identity = String.join("\n", catalogueSha256, String.valueOf(format.delimiter()),
                new TreeMap<>(format.columns()).toString(), String.valueOf(format.promptTemplate()), provider,
                String.valueOf(model), String.valueOf(defaults), output);
        String safeName = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-").replaceAll("^-+|-+$", "");
        if (safeName.isEmpty()) {
            safeName = "batch";
        }
        if (safeName.length() > 60) {
            safeName = safeName.substring(0, 60);
        }
        return safeName + "-" + sha256(identity).substring(0, 12);
    }

    /** @return these settings as JSON, for {@code IB_BATCH.SETTINGS} */
    public String toJson() {
        return JSON.writeValueAsString(this);
    }

    /**
     * @param json settings written by {@link #toJson()}
     * @return the settings
     */
    public static BatchSettings fromJson(String json) {
        return JSON.readValue(json, BatchSettings.class);
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
