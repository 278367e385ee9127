package io.imagebatch.app;

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
 * @param variants       {@code --variants N}, the images to make of each row, 1 to 8 (README.md, Variants), checked;
 *                       null when not given
 */
public record RunOptions(String jobFile, String catalogue, String provider, String model, String output,
        Map<String, String> columns, String promptTemplate, Character delimiter, String aspectRatio,
        String resolution, String name, boolean sandbox, List<String> springArgs, Integer variants) {

    /**
     * Options without {@code --variants}; the fields as in the record description.
     */
    public RunOptions(String jobFile, String catalogue, String provider, String model, String output,
            Map<String, String> columns, String promptTemplate, Character delimiter, String aspectRatio,
            String resolution, String name, boolean sandbox, List<String> springArgs) {
        this(jobFile, catalogue, provider, model, output, columns, promptTemplate, delimiter, aspectRatio,
                resolution, name, sandbox, springArgs, null);
    }

    /**
     * Parses {@code run} options with the command line's parser ({@link RunCommandLine},
     * {@link CommandLineParsing}); each option takes its value as the next argument or after {@code =}.
     *
     * @param args the arguments after the command
     * @return the options
     * @throws UsageException for an unknown option, a missing value, or a second job file
     */
    public static RunOptions parse(List<String> args) {
        RunCommandLine options = new RunCommandLine();
        return options.toOptions(CommandLineParsing.parse(options, args, Map.of()));
    }
}
