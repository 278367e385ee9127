package io.imagebatch.job;

import io.imagebatch.catalogue.CatalogueFormat;
import io.imagebatch.label.MetadataLevel;
import io.imagebatch.provider.RequestDefaults;
import io.imagebatch.rendition.Rendition;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
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
 * @param output          the output location URI as given ({@code s3://bucket/prefix} or {@code file:dir}); part
 *                        of the batch's identity as written
 * @param sandbox         whether the batch runs against the built-in sandbox provider ({@code --sandbox}, or a
 *                        job file's {@code sandbox:}): its images are placeholders, so it is never the same batch
 *                        as a real run of the same catalogue
 * @param absoluteOutput  {@code output} resolved once, when the batch was first started: a relative
 *                        {@code file:} folder made absolute against that run's working directory, so that a resume
 *                        from another directory writes to the same place; null in settings stored before it
 *                        existed (then {@code output} is resolved at each run, as it was)
 * @param renditions      the renditions made of every stored image (a job file's {@code renditions:}, README.md,
 *                        "Renditions"); part of the batch's identity, as they change what is delivered; empty
 *                        (never null) when none, also in settings stored before they existed
 * @param metadata        how much the AI-generated label of every stored image and rendition says (a job file's
 *                        {@code metadata:}, README.md, "Labelled as AI-generated"); part of the batch's identity
 *                        when {@link MetadataLevel#MINIMAL}, as it changes the delivered bytes;
 *                        {@link MetadataLevel#FULL} (never null) by default, also in settings stored before it
 *                        existed
 * @param variants        how many images to make of each row, 1 to {@value #MAX_VARIANTS} (a job file's
 *                        {@code variants:} or {@code --variants}; README.md, Variants), each its own task and ledger
 *                        entry; a row's {@code variants} cell overrides it. Part of the batch's identity when it is
 *                        not 1; settings stored before it existed read as 1
 * @param fallbacks       the job file's {@code fallback:} list ({@link Fallback}, README.md, "A fallback provider"),
 *                        in order; part of the batch's identity when not empty (who may make the images); empty
 *                        (never null) when none, also in settings stored before they existed
 */
public record BatchSettings(String name, String catalogue, String catalogueSha256, long catalogueRows,
        CatalogueFormat format, String provider, String model, RequestDefaults defaults, String output,
        boolean sandbox, String absoluteOutput, List<Rendition> renditions, MetadataLevel metadata, int variants,
        List<Fallback> fallbacks) {

    /** The most variants of a row (README.md, Variants). */
    public static final int MAX_VARIANTS = 8;

    /**
     * Settings stored before {@code renditions}, {@code metadata}, {@code variants} or {@code fallbacks} existed
     * read as none, full, 1 and none.
     *
     * @throws IllegalArgumentException when {@code variants} is not 0 (read as 1) or 1 to {@value #MAX_VARIANTS}
     */
    public BatchSettings {
        renditions = renditions == null ? List.of() : List.copyOf(renditions);
        metadata = metadata == null ? MetadataLevel.FULL : metadata;
        fallbacks = fallbacks == null ? List.of() : List.copyOf(fallbacks);
        variants = variants == 0 ? 1 : variants;
        if (variants < 1 || variants > MAX_VARIANTS) {
            throw new IllegalArgumentException("variants: " + variants + " is not from 1 to " + MAX_VARIANTS);
        }
    }

    /**
     * Settings with the full AI-generated label ({@link MetadataLevel#FULL}), one variant per row and no
     * fallbacks; the fields as in the record description.
     *
     * @param name            see the record
     * @param catalogue       see the record
     * @param catalogueSha256 see the record
     * @param catalogueRows   see the record
     * @param format          see the record
     * @param provider        see the record
     * @param model           see the record
     * @param defaults        see the record
     * @param output          see the record
     * @param sandbox         see the record
     * @param absoluteOutput  see the record
     * @param renditions      see the record
     */
    public BatchSettings(String name, String catalogue, String catalogueSha256, long catalogueRows,
            CatalogueFormat format, String provider, String model, RequestDefaults defaults, String output,
            boolean sandbox, String absoluteOutput, List<Rendition> renditions) {
        this(name, catalogue, catalogueSha256, catalogueRows, format, provider, model, defaults, output, sandbox,
                absoluteOutput, renditions, MetadataLevel.FULL, 1, List.of());
    }

    /**
     * Reads a number of variants as written in a job file, a flag or a catalogue cell (README.md, Variants).
     *
     * @param text the value as written, or null
     * @return the number, 1 to {@value #MAX_VARIANTS}; 1 when {@code text} is null or blank; null when it is not
     *         a whole number in that range
     */
    public static Integer variantsOf(String text) {
        if (text == null || text.isBlank()) {
            return 1;
        }
        try {
            int n = Integer.parseInt(text.strip());
            return n >= 1 && n <= MAX_VARIANTS ? n : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Whether the batch's images are named per variant ({@code <row id>-<k>.<ext>}, README.md, Variants): when it
     * makes more than one variant of each row, or its catalogue has a {@code variants} column (so that a row's
     * first variant never takes the name {@code choose} copies the chosen one to).
     *
     * @param catalogueHasVariantsColumn whether the catalogue's header maps the {@code variants} field
     * @return true to name every image {@code <row id>-<k>.<ext>}
     */
    public boolean namesVariants(boolean catalogueHasVariantsColumn) {
        return variants > 1 || catalogueHasVariantsColumn;
    }

    /**
     * Settings without renditions; the fields as in the record description.
     *
     * @param name            see the record
     * @param catalogue       see the record
     * @param catalogueSha256 see the record
     * @param catalogueRows   see the record
     * @param format          see the record
     * @param provider        see the record
     * @param model           see the record
     * @param defaults        see the record
     * @param output          see the record
     * @param sandbox         see the record
     * @param absoluteOutput  see the record
     */
    public BatchSettings(String name, String catalogue, String catalogueSha256, long catalogueRows,
            CatalogueFormat format, String provider, String model, RequestDefaults defaults, String output,
            boolean sandbox, String absoluteOutput) {
        this(name, catalogue, catalogueSha256, catalogueRows, format, provider, model, defaults, output, sandbox,
                absoluteOutput, List.of());
    }

    /**
     * A real (not sandbox) batch whose output is resolved where it is used; the constructor of settings made
     * before {@code sandbox} and {@code absoluteOutput} existed.
     *
     * @param name            see the record
     * @param catalogue       see the record
     * @param catalogueSha256 see the record
     * @param catalogueRows   see the record
     * @param format          see the record
     * @param provider        see the record
     * @param model           see the record
     * @param defaults        see the record
     * @param output          see the record
     */
    public BatchSettings(String name, String catalogue, String catalogueSha256, long catalogueRows,
            CatalogueFormat format, String provider, String model, RequestDefaults defaults, String output) {
        this(name, catalogue, catalogueSha256, catalogueRows, format, provider, model, defaults, output, false, null);
    }

    /** Settings stored before {@code sandbox} existed have no such field: they read as a real batch. */
    private static final JsonMapper JSON = JsonMapper.builder()
            .disable(tools.jackson.databind.DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES).build();

    /**
     * The batch id: the name, then 12 hex digits of a hash over everything that changes what the batch
     * produces (catalogue content, format, provider, model, defaults, output, and whether it is a sandbox run).
     * The same catalogue with the same settings is the same batch, wherever the file lies; any change is a new
     * batch. A sandbox batch's hash covers the word {@code sandbox} too (a real batch's does not, so the ids of
     * real batches are those they always had); so do the renditions and the fallbacks, when there are any (a
     * batch without them keeps the id it always had), {@code metadata: minimal} (the full label keeps the id), and
     * the number of variants when it is not 1.
     *
     * @return for example {@code demo-3f9a0c12be47}; at most 80 characters of {@code [a-z0-9._-]}
     */
    public String batchId() {
        String identity = String.join("\n", catalogueSha256, String.valueOf(format.delimiter()),
                new TreeMap<>(format.columns()).toString(), String.valueOf(format.promptTemplate()), provider,
                String.valueOf(model), String.valueOf(defaults), output) + (sandbox ? "\nsandbox" : "")
                + (renditions.isEmpty() ? "" : "\nrenditions " + String.join(";", renditions.stream()
                        .map(r -> String.join(",", r.name(), r.width() + "x" + r.height(), r.fit().name(),
                                r.background(), r.format().name(), String.valueOf(r.quality())))
                        .toList()))
                + (metadata == MetadataLevel.FULL ? "" : "\nmetadata " + metadata.value())
                + (variants == 1 ? "" : "\nvariants " + variants)
                + (fallbacks.isEmpty() ? "" : "\nfallback " + String.join(";",
                        fallbacks.stream().map(Fallback::label).toList()));
        String safeName = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-").replaceAll("^-+|-+$", "");
        if (safeName.isEmpty()) {
            safeName = "batch";
        }
        if (safeName.length() > 60) {
            safeName = safeName.substring(0, 60);
        }
        return safeName + "-" + sha256(identity).substring(0, 12);
    }

    /**
     * Where the batch's stores write: {@link #absoluteOutput()} when it was resolved at the batch's start, else
     * {@link #output()} (settings stored before that existed).
     *
     * @return an output location URI for {@code io.imagebatch.storage.OutputLocation#parse}
     */
    public String destination() {
        return absoluteOutput != null ? absoluteOutput : output;
    }

    /**
     * The same settings reading the same catalogue content from another path (a resume given a copy of the
     * file); the batch id is unchanged, as the path is not part of it.
     *
     * @param path the absolute path of a file whose SHA-256 is {@link #catalogueSha256()}
     * @return the settings with {@code catalogue} replaced
     */
    public BatchSettings withCatalogue(String path) {
        return new BatchSettings(name, path, catalogueSha256, catalogueRows, format, provider, model, defaults,
                output, sandbox, absoluteOutput, renditions, metadata, variants, fallbacks);
    }

    /**
     * @return the same settings as a sandbox batch (a run whose providers all point at the sandbox, as
     *         {@code serve --sandbox} runs every job file); a different batch id
     */
    public BatchSettings asSandbox() {
        return new BatchSettings(name, catalogue, catalogueSha256, catalogueRows, format, provider, model, defaults,
                output, true, absoluteOutput, renditions, metadata, variants, fallbacks);
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
