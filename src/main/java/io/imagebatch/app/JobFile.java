package io.imagebatch.app;

import io.imagebatch.label.MetadataLevel;
import io.imagebatch.rendition.InvalidRenditionException;
import io.imagebatch.job.Fallback;
import io.imagebatch.rendition.Rendition;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.scheduling.support.CronExpression;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * A job definition file ({@code jobs/*.yml}): the settings of a recurring batch. Every key is optional; the
 * command line's options override them. Example:
 *
 * <pre>
 * name: demo
 * catalogue: sample-data/catalogue.csv
 * provider: liangxin
 * model: nano-banana-pro-flash
 * output: file:./output
 * prompt-template: "Studio photo of {Title} by {Vendor}"
 * columns: { id: sku }
 * delimiter: ","
 * defaults: { aspect-ratio: "1:1", resolution: 1K }
 * sandbox: true                 # or { min-generation-time: 500ms, max-generation-time: 2s, failure-rate: 0.05 }
 * schedule: { cron: "0 0 2 * * *", zone: Europe/Berlin }   # or schedule: "0 0 2 * * *" (the system's zone)
 * fallback:                     # README.md, "A fallback provider"
 *   - { provider: hiapi, model: Nano-Banana-Pro }
 * renditions:                   # README.md, "Renditions"
 *   - { name: shop, width: 1000, height: 1000, fit: pad, background: white, format: jpg, quality: 90 }
 * metadata: minimal             # README.md, "Labelled as AI-generated"; full (the default) or minimal
 * </pre>
 *
 * Relative paths are relative to the working directory, as on the command line. {@code schedule} is read by
 * {@code serve} only ({@link Schedule}); {@code run} ignores it.
 *
 * @param path           the file, for messages
 * @param name           batch name
 * @param catalogue      catalogue path
 * @param provider       provider name
 * @param model          model name
 * @param output         output location URI
 * @param columns        field to header
 * @param promptTemplate prompt template
 * @param delimiter      field separator
 * @param aspectRatio    default aspect ratio
 * @param resolution     default resolution
 * @param sandbox        sandbox settings (keys as in the example), or null when the file does not ask for it
 * @param schedule       when {@code serve} runs the job, or null when the file has no {@code schedule}
 * @param budget         {@code budget:}, the batch budget as written ({@code 50}, {@code "50.00 USD"}), or null;
 *                       checked when the batch runs (docs/design.md, Spend)
 * @param proof          {@code proof:}, the rows of the batch's first run (README.md, Spend, "The proof run"), at
 *                       least 1, or null for no proof run
 * @param team           {@code team:}, the console team the job's batches belong to (docs/console.md, "Who may do
 *                       what"), or null: they belong to everyone
 * @param renditions     {@code renditions:}, the renditions made of every stored image ({@link Rendition},
 *                       README.md, "Renditions"), in the order written; empty when the file has none
 * @param metadata       {@code metadata:}, how much the AI-generated label of every delivered image says
 *                       ({@link MetadataLevel}, README.md, "Labelled as AI-generated"), or null when the file does
 *                       not say (the full label)
 * @param variants       {@code variants:}, how many images to make of each row, 1 to 8 (README.md, Variants), or
 *                       null when the file has none (then 1)
 * @param fallbacks      {@code fallback:}, the providers the batch's rows move to when its provider cannot take
 *                       them ({@link Fallback}, README.md, "A fallback provider"), in order; empty when none
 * @param partitions     {@code partitions:}, how many partitions the batch is split into, run at the same time
 *                       (README.md, "More than one machine"), at least 1, or null when the file has none (then 1)
 */
public record JobFile(Path path, String name, String catalogue, String provider, String model, String output,
        Map<String, String> columns, String promptTemplate, Character delimiter, String aspectRatio,
        String resolution, Map<String, String> sandbox, Schedule schedule, String budget, Integer proof,
        String team, List<Rendition> renditions, MetadataLevel metadata, Integer variants,
        List<Fallback> fallbacks, Integer partitions) {

    /** A file without {@code fallback:} has none. */
    public JobFile {
        fallbacks = fallbacks == null ? List.of() : List.copyOf(fallbacks);
    }

    /**
     * A job file without {@code partitions:}; the fields as in the record description.
     */
    public JobFile(Path path, String name, String catalogue, String provider, String model, String output,
            Map<String, String> columns, String promptTemplate, Character delimiter, String aspectRatio,
            String resolution, Map<String, String> sandbox, Schedule schedule, String budget, Integer proof,
            String team, List<Rendition> renditions, MetadataLevel metadata, Integer variants,
            List<Fallback> fallbacks) {
        this(path, name, catalogue, provider, model, output, columns, promptTemplate, delimiter, aspectRatio,
                resolution, sandbox, schedule, budget, proof, team, renditions, metadata, variants, fallbacks, null);
    }

    /**
     * A job file without {@code fallback:}; the fields as in the record description.
     */
    public JobFile(Path path, String name, String catalogue, String provider, String model, String output,
            Map<String, String> columns, String promptTemplate, Character delimiter, String aspectRatio,
            String resolution, Map<String, String> sandbox, Schedule schedule, String budget, Integer proof,
            String team, List<Rendition> renditions) {
        this(path, name, catalogue, provider, model, output, columns, promptTemplate, delimiter, aspectRatio,
                resolution, sandbox, schedule, budget, proof, team, renditions, null, null, List.of());
    }

    /**
     * A job file without {@code renditions:}; the fields as in the record description.
     */
    public JobFile(Path path, String name, String catalogue, String provider, String model, String output,
            Map<String, String> columns, String promptTemplate, Character delimiter, String aspectRatio,
            String resolution, Map<String, String> sandbox, Schedule schedule, String budget, Integer proof,
            String team) {
        this(path, name, catalogue, provider, model, output, columns, promptTemplate, delimiter, aspectRatio,
                resolution, sandbox, schedule, budget, proof, team, List.of());
    }

    /**
     * A job file without {@code team:}; the fields as in the record description.
     */
    public JobFile(Path path, String name, String catalogue, String provider, String model, String output,
            Map<String, String> columns, String promptTemplate, Character delimiter, String aspectRatio,
            String resolution, Map<String, String> sandbox, Schedule schedule, String budget, Integer proof) {
        this(path, name, catalogue, provider, model, output, columns, promptTemplate, delimiter, aspectRatio,
                resolution, sandbox, schedule, budget, proof, null);
    }

    /**
     * When {@code serve} runs a job: a Spring cron expression in a time zone. Written in a job file as
     * {@code schedule: "0 0 2 * * *"} (the system's time zone) or
     * {@code schedule: { cron: "0 0 2 * * *", zone: Europe/Berlin }}.
     *
     * @param cron the expression as written: six fields, second minute hour day-of-month month day-of-week
     *             ({@link CronExpression}, for example {@code 0 0 2 * * *} for 02:00 every day, or
     *             {@code 0 30 1 * * MON-FRI}); checked when the file is read
     * @param zone the time zone the fields are read in
     */
    public record Schedule(String cron, ZoneId zone) {

        /** @return the parsed expression */
        public CronExpression expression() {
            return CronExpression.parse(cron);
        }

        /** @return for example {@code "0 0 2 * * *" (Europe/Berlin)} */
        @Override
        public String toString() {
            return "\"" + cron + "\" (" + zone + ")";
        }
    }

    /**
     * The job's name: {@code name}, else the file's name without its extension. It is also the batch name
     * {@code run} gives the job's batches when no {@code --name} is given.
     *
     * @return the name, never null
     */
    public String jobName() {
        if (name != null && !name.isBlank()) {
            return name;
        }
        String file = path.getFileName().toString();
        int dot = file.lastIndexOf('.');
        return dot > 0 ? file.substring(0, dot) : file;
    }

    private static final Set<String> KEYS = Set.of("name", "catalogue", "provider", "model", "output", "columns",
            "prompt-template", "delimiter", "defaults", "sandbox", "schedule", "budget", "proof", "team",
            "renditions", "metadata", "variants", "fallback",
            "partitions");
    private static final Set<String> FIELDS = Set.of("id", "prompt", "provider", "model", "aspect_ratio",
            "resolution", "output_format", "reference_images", "variants");

    /**
     * Reads a job file.
     *
     * @param path the file
     * @return its settings
     * @throws UsageException when the file is missing, is not YAML, or has an unknown key or a wrong value (a
     *                        cron expression that does not parse, an unknown time zone, a rendition that breaks
     *                        a rule of {@link Rendition#parseList}, a {@code metadata} other than {@code full}
     *                        or {@code minimal}); the message names the file, the key (for a
     *                        rendition: its name and key), and the line where YAML gives one
     */
    public static JobFile load(Path path) {
        Object root;
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
        } catch (NoSuchFileException e) {
            throw new UsageException("job file " + path + " does not exist");
        } catch (MarkedYAMLException e) {
            throw new UsageException("job file " + path + ", line " + (e.getProblemMark().getLine() + 1) + ": "
                    + e.getProblem());
        } catch (YAMLException | IOException e) {
            throw new UsageException("job file " + path + " cannot be read: " + e.getMessage());
        }
        if (root == null) {
            root = Map.of();
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw new UsageException("job file " + path + " must be a YAML mapping of settings (name, catalogue, ...)");
        }
        for (Object key : map.keySet()) {
            if (!KEYS.contains(String.valueOf(key))) {
                throw new UsageException("job file " + path + ": unknown key \"" + key + "\" (known: "
                        + String.join(", ", KEYS.stream().sorted().toList()) + ")");
            }
        }
        Map<String, String> columns = new LinkedHashMap<>();
        stringMap(path, map.get("columns"), "columns").forEach((k, v) -> columns.put(field(k), v));
        Map<String, String> defaults = stringMap(path, map.get("defaults"), "defaults");
        for (String key : defaults.keySet()) {
            if (!List.of("aspect-ratio", "resolution").contains(key)) {
                throw new UsageException("job file " + path + ": unknown key \"defaults." + key
                        + "\" (known: aspect-ratio, resolution)");
            }
        }
        Object sandboxValue = map.get("sandbox");
        Map<String, String> sandbox = null;
        if (sandboxValue instanceof Boolean b) {
            sandbox = b ? Map.of() : null;
        } else if (sandboxValue != null) {
            sandbox = stringMap(path, sandboxValue, "sandbox");
        }
        return new JobFile(path, text(map.get("name")), text(map.get("catalogue")), text(map.get("provider")),
                text(map.get("model")), text(map.get("output")), columns, text(map.get("prompt-template")),
                delimiter(text(map.get("delimiter")), "job file " + path + ": delimiter"),
                defaults.get("aspect-ratio"), defaults.get("resolution"), sandbox,
                schedule(path, map.get("schedule")), text(map.get("budget")),
                proof("job file " + path + ": proof", text(map.get("proof"))), text(map.get("team")),
                renditions(path, map.get("renditions")), metadata(path, map.get("metadata")),
                map.get("variants") == null ? null : variants(where(path, "variants") + ": variants",
                        text(map.get("variants"))), fallbacks(path, map),
                partitions("job file " + path + ": partitions", text(map.get("partitions"))));
    }

    /** Reads {@code metadata}: {@code full} or {@code minimal} (README.md, "Labelled as AI-generated"). */
    private static MetadataLevel metadata(Path path, Object value) {
        if (value == null) {
            return null;
        }
        return MetadataLevel.parse(value instanceof String text ? text : null).orElseThrow(() ->
                new UsageException(where(path, "metadata") + ": metadata must be \"full\" or \"minimal\""
                        + " (README.md, \"Labelled as AI-generated\"), got " + (value instanceof Boolean
                        ? "a YAML boolean (on, off, yes, no, true and false are read as booleans)"
                        : "\"" + value + "\"")));
    }

    /**
     * Reads a number of variants (README.md, Variants): how many images to make of each row.
     *
     * @param setting where it was given, for the message: {@code --variants}, {@code job file F, line N: variants}
     * @param value   the value as written, or null
     * @return the number, 1 to 8, or null when {@code value} is null
     * @throws UsageException when the value is not a whole number from 1 to 8, naming {@code setting}
     */
    public static Integer variants(String setting, String value) {
        if (value == null) {
            return null;
        }
        Integer n = value.isBlank() ? null : io.imagebatch.job.BatchSettings.variantsOf(value);
        if (n == null) {
            throw new UsageException(setting + ": '" + value + "' is not a whole number from 1 to "
                    + io.imagebatch.job.BatchSettings.MAX_VARIANTS + " (the images to make of each row)");
        }
        return n;
    }

    /**
     * Reads {@code fallback}: a list of {@link Fallback} entries; a wrong one is a usage error naming the file, the
     * line of {@code fallback} and the rule.
     */
    private static List<Fallback> fallbacks(Path path, Map<?, ?> map) {
        String provider = text(map.get("provider"));
        try {
            return Fallback.parseList(map.get("fallback"), provider == null ? null : provider.trim().toLowerCase(),
                    text(map.get("model")));
        } catch (IllegalArgumentException e) {
            throw new UsageException(where(path, "fallback") + ": " + e.getMessage());
        }
    }

    /**
     * "job file F, line N" of this file's {@code fallback:} key, for the messages of checks made when the batch
     * runs ({@code FallbackCheck}).
     *
     * @return the place, or "job file F" when the line cannot be found
     */
    public String fallbackPlace() {
        return where(path, "fallback");
    }

    /** Reads {@code renditions}: a list of {@link Rendition} mappings; wrong ones are usage errors. */
    private static List<Rendition> renditions(Path path, Object value) {
        try {
            return Rendition.parseList(value);
        } catch (InvalidRenditionException e) {
            throw new UsageException(where(path, "renditions") + ": " + e.getMessage());
        }
    }

    /** Reads {@code schedule}: a cron expression, or a mapping of {@code cron} and {@code zone}. */
    private static Schedule schedule(Path path, Object value) {
        if (value == null) {
            return null;
        }
        String cron;
        String zone = null;
        String cronKey = "schedule";
        if (value instanceof Map<?, ?> map) {
            for (Object key : map.keySet()) {
                if (!List.of("cron", "zone").contains(String.valueOf(key))) {
                    throw new UsageException(where(path, "schedule") + ": unknown key \"schedule." + key
                            + "\" (known: cron, zone)");
                }
            }
            cron = text(map.get("cron"));
            zone = text(map.get("zone"));
            cronKey = "schedule.cron";
            if (cron == null) {
                throw new UsageException(where(path, "schedule") + ": schedule.cron is missing, e.g."
                        + " schedule: { cron: \"0 0 2 * * *\", zone: Europe/Berlin }");
            }
        } else if (value instanceof String || value instanceof Number) {
            cron = String.valueOf(value);
        } else {
            throw new UsageException(where(path, "schedule") + ": schedule must be a cron expression, e.g."
                    + " schedule: \"0 0 2 * * *\", or a mapping: schedule: { cron: \"0 0 2 * * *\", zone: Europe/Berlin }");
        }
        try {
            CronExpression.parse(cron);
        } catch (IllegalArgumentException e) {
            throw new UsageException(where(path, "schedule") + ", key " + cronKey + ": \"" + cron
                    + "\" is not a cron expression of six fields (second minute hour day-of-month month"
                    + " day-of-week, e.g. \"0 0 2 * * *\" for 02:00 every day): " + e.getMessage());
        }
        ZoneId zoneId;
        try {
            zoneId = zone == null ? ZoneId.systemDefault() : ZoneId.of(zone.trim());
        } catch (DateTimeException e) {
            throw new UsageException(where(path, "schedule") + ", key schedule.zone: unknown time zone \"" + zone
                    + "\" (a region such as Europe/Berlin, or UTC)");
        }
        return new Schedule(cron, zoneId);
    }

    /** "job file F, line N" for a top-level key, or "job file F" when its line cannot be found. */
    private static String where(Path path, String topKey) {
        return "job file " + path + lineOf(path, topKey).map(line -> ", line " + line).orElse("");
    }

    /** The 1-based line of a top-level key, read again from the file (only when reporting an error). */
    private static Optional<Integer> lineOf(Path path, String topKey) {
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            Node root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(reader);
            if (root instanceof MappingNode mapping) {
                for (NodeTuple tuple : mapping.getValue()) {
                    if (tuple.getKeyNode() instanceof ScalarNode key && key.getValue().equals(topKey)) {
                        return Optional.of(key.getStartMark().getLine() + 1);
                    }
                }
            }
        } catch (IOException | YAMLException e) {
            // the line is a courtesy: the key is named anyway
        }
        return Optional.empty();
    }

    /**
     * Checks a catalogue field name for {@code --column} and {@code columns:}.
     *
     * @param name a field name, any case, {@code -} or {@code _}
     * @return the field's canonical name
     * @throws UsageException when it is not a catalogue field
     */
    static String field(String name) {
        String canonical = name.trim().toLowerCase().replace('-', '_');
        if (!FIELDS.contains(canonical)) {
            throw new UsageException("\"" + name + "\" is not a catalogue field; fields: "
                    + String.join(", ", FIELDS.stream().sorted().toList()));
        }
        return canonical;
    }

    /**
     * @param value a single character, or {@code tab}, {@code \t}, {@code comma}, {@code semicolon}; or null
     * @param where the option or key, for the message
     * @return the delimiter, or null when {@code value} is null
     * @throws UsageException for anything else
     */
    static Character delimiter(String value, String where) {
        if (value == null) {
            return null;
        }
        return switch (value.toLowerCase()) {
            case "tab", "\\t", "\t" -> '\t';
            case "comma" -> ',';
            case "semicolon" -> ';';
            default -> {
                if (value.length() != 1 || value.equals("\"") || value.equals("\n") || value.equals("\r")) {
                    throw new UsageException(where + " must be one character, or tab (got \"" + value + "\")");
                }
                yield value.charAt(0);
            }
        };
    }

    /**
     * Reads the size of a proof run (README.md, Spend, "The proof run").
     *
     * @param setting where it was given, for the message: {@code --proof}, {@code job file F: proof}
     * @param value   the value as written, or null
     * @return the number of rows, or null when {@code value} is null
     * @throws UsageException when the value is not a whole number of at least 1
     */
    public static Integer proof(String setting, String value) {
        if (value == null) {
            return null;
        }
        try {
            int rows = Integer.parseInt(value.trim());
            if (rows >= 1) {
                return rows;
            }
        } catch (NumberFormatException e) {
            // the message below says what is expected
        }
        throw new UsageException(setting + ": '" + value + "' is not a whole number of rows of at least 1");
    }

    /**
     * Reads a number of partitions (README.md, "More than one machine").
     *
     * @param setting where it was given, for the message: {@code --partitions}, {@code job file F: partitions}
     * @param value   the value as written, or null
     * @return the number of partitions, or null when {@code value} is null
     * @throws UsageException when the value is not a whole number of at least 1
     */
    public static Integer partitions(String setting, String value) {
        if (value == null) {
            return null;
        }
        try {
            int partitions = Integer.parseInt(value.trim());
            if (partitions >= 1) {
                return partitions;
            }
        } catch (NumberFormatException e) {
            // the message below says what is expected
        }
        throw new UsageException(setting + ": '" + value + "' is not a whole number of partitions of at least 1");
    }

    private static String text(Object value) {
        return value == null ? null : String.valueOf(value);
    }

    private static Map<String, String> stringMap(Path path, Object value, String key) {
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new UsageException("job file " + path + ": \"" + key + "\" must be a mapping");
        }
        Map<String, String> result = new LinkedHashMap<>();
        map.forEach((k, v) -> result.put(String.valueOf(k), v == null ? null : String.valueOf(v)));
        return result;
    }
}
