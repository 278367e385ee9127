package io.imagebatch.app;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The options of {@code run} (and {@code validate}), as given on the command line; null means "not given",
 * so that a job file's value stands.
 *
 * @param jobFile        the job definition file (YAML), or null
 * @param catalogue      {@code --catalogue FILE}
 * @param provider       {@code --provider NAME}
 * @param model          {@code --model NAME}
 * @param output         {@code --output URI} ({@code s3://bucket/prefix} or {@code file:dir})
 * @param columns        {@code --column FIELD=HEADER}, repeatable; field to header
 * @param promptTemplate {@code --prompt-template TEXT}
 * @param delimiter      {@code --delimiter C} (a single character, or {@code tab})
 * @param aspectRatio    {@code --aspect-ratio R}, the batch default
 * @param resolution     {@code --resolution R}, the batch default
 * @param name           {@code --name NAME}, the batch name (default: the job file's or catalogue's name)
 * @param sandbox        {@code --sandbox}: start the sandbox provider inside the run and use it
 * @param springArgs     {@code --name.with.dots=value} settings ({@code spring.*}, {@code imagebatch.*},
 *                       {@code server.*}, {@code logging.*}, ...), passed to Spring
 */
public record RunOptions(String jobFile, String catalogue, String provider, String model, String output,
        Map<String, String> columns, String promptTemplate, Character delimiter, String aspectRatio,
        String resolution, String name, boolean sandbox, List<String> springArgs) {

    /**
     * Parses {@code run} options; each takes its value as the next argument or after {@code =}.
     *
     * @param args the arguments after the command
     * @return the options
     * @throws UsageException for an unknown option, a missing value, or a second job file
     */
    public static RunOptions parse(List<String> args) {
        String jobFile = null;
        Map<String, String> single = new LinkedHashMap<>();
        Map<String, String> columns = new LinkedHashMap<>();
        List<String> springArgs = new ArrayList<>();
        boolean sandbox = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--")) {
                if (jobFile != null) {
                    throw new UsageException("only one job file can be given (got " + jobFile + " and " + arg + ")");
                }
                jobFile = arg;
                continue;
            }
            String name = arg.contains("=") ? arg.substring(2, arg.indexOf('=')) : arg.substring(2);
            if (name.contains(".")) { // a Spring setting: spring.*, imagebatch.*, server.*, logging.*, ...
                if (!arg.contains("=")) {
                    throw new UsageException(arg + " needs a value: write --" + name + "=VALUE");
                }
                springArgs.add(arg);
                continue;
            }
            if (name.equals("sandbox")) {
                sandbox = !arg.contains("=") || Boolean.parseBoolean(arg.substring(arg.indexOf('=') + 1));
                continue;
            }
            if (!List.of("catalogue", "provider", "model", "output", "column", "prompt-template", "delimiter",
                    "aspect-ratio", "resolution", "name").contains(name)) {
                throw new UsageException("unknown option --" + name);
            }
            String value;
            if (arg.contains("=")) {
                value = arg.substring(arg.indexOf('=') + 1);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new UsageException("--" + name + " needs a value");
            }
            if (name.equals("column")) {
                int eq = value.indexOf('=');
                if (eq <= 0 || eq == value.length() - 1) {
                    throw new UsageException("--column takes FIELD=HEADER, for example --column prompt=Prompts (got \""
                            + value + "\")");
                }
                columns.put(JobFile.field(value.substring(0, eq).trim()), value.substring(eq + 1).trim());
            } else {
                single.put(name, value);
            }
        }
        return new RunOptions(jobFile, single.get("catalogue"), single.get("provider"), single.get("model"),
                single.get("output"), columns, single.get("prompt-template"),
                JobFile.delimiter(single.get("delimiter"), "--delimiter"), single.get("aspect-ratio"),
                single.get("resolution"), single.get("name"), sandbox, springArgs);
    }
}
