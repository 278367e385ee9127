package io.imagebatch.serve;

import io.imagebatch.app.CommandLineParsing;
import io.imagebatch.app.UsageException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The options of {@code serve} as picocli reads them (README, "Running nightly"): {@code [--jobs DIR]
 * [--sandbox]}. Mixed into the {@code serve} command by the command line, and read on its own by
 * {@link ServeOptions#parse}; {@link #toOptions} checks what picocli cannot and makes the {@link ServeOptions}.
 */
public class ServeCommandLine {

    /** What to say when {@code --jobs} comes without its folder. */
    public static final Map<String, String> VALUE_HINTS = Map.of("--jobs", "--jobs needs a folder, e.g. --jobs jobs/");

    @Option(names = "--jobs", paramLabel = "DIR", defaultValue = ServeOptions.DEFAULT_JOBS,
            description = "the folder of job files (default: ${DEFAULT-VALUE})")
    String jobs;

    @Option(names = "--sandbox", negatable = true, arity = "0..1", fallbackValue = "true",
            paramLabel = "true|false",
            description = "start the sandbox provider and point every provider at it;"
                    + " --sandbox=false or --no-sandbox: not")
    boolean sandbox;

    /** Made by picocli, which sets the fields from the command line. */
    public ServeCommandLine() {
    }

    /**
     * The options as parsed, checked.
     *
     * @param unmatched the arguments no option took: {@code --NAME.X=V} Spring settings, else a usage error
     * @return the options
     * @throws UsageException for a stray argument or unknown option (each job file's settings are in the file),
     *                        a setting without a value, or a blank {@code --jobs}
     */
    public ServeOptions toOptions(List<String> unmatched) {
        List<String> springArgs = CommandLineParsing.springSettings(unmatched, ServeCommandLine::notAServeOption,
                ServeCommandLine::notAServeOption);
        if (jobs == null || jobs.isBlank()) {
            throw new UsageException(VALUE_HINTS.get("--jobs"));
        }
        return new ServeOptions(Path.of(jobs), sandbox, springArgs);
    }

    private static String notAServeOption(String arg) {
        return "serve takes --jobs DIR, --sandbox and --NAME.X=V settings (got \"" + arg
                + "\"); each job file's own settings are in the file";
    }
}
