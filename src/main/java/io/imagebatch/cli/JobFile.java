package io.imagebatch.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

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
 * </pre>
 *
 * Relative paths are relative to the working directory, as on the command line.
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
 */
public record JobFile(Path path, String name, String catalogue, String provider, String model, String output,
        Map<String, String> columns, String promptTemplate, Character delimiter, String aspectRatio,
        String resolution, Map<String, String> sandbox) {

    private static final Set<String> KEYS = Set.of("name", "catalogue", "provider", "model", "output", "columns",
            "prompt-template", "delimiter", "defaults", "sandbox", "schedule");
    private static final Set<String> FIELDS = Set.of("id", "prompt", "provider", "model", "aspect_ratio",
            "resolution", "output_format", "reference_images");

    /**
     * Reads a job file.
     *
     * @param path the file
     * @return its settings
     * @throws UsageException when the file is missing, is not YAML, or has an unknown key or a wrong value;
     *                        the message names the file, and the line where YAML gives one
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
                defaults.get("aspect-ratio"), defaults.get("resolution"), sandbox);
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
