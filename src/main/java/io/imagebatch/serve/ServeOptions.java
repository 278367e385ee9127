package io.imagebatch.serve;

import io.imagebatch.app.UsageException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The options of {@code serve}: {@code serve [--jobs DIR] [--sandbox] [--NAME.X=V]...}.
 *
 * @param jobs       the folder of job files ({@code --jobs DIR}, default {@code jobs})
 * @param sandbox    {@code --sandbox}: start the sandbox provider and point every provider at it
 * @param springArgs {@code --name.with.dots=value} settings, passed to Spring (for example
 *                   {@code --server.port=9090} or {@code --spring.datasource.url=...})
 */
public record ServeOptions(Path jobs, boolean sandbox, List<String> springArgs) {

    /** The folder read when {@code --jobs} is not given. */
    public static final String DEFAULT_JOBS = "jobs";

    /**
     * @param args the arguments after {@code serve}
     * @return the options
     * @throws UsageException for an unknown option, a missing value, or a stray argument
     */
    public static ServeOptions parse(List<String> args) {
        String jobs = DEFAULT_JOBS;
        boolean sandbox = false;
        List<String> springArgs = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--jobs") || arg.startsWith("--jobs=")) {
                if (arg.contains("=")) {
                    jobs = arg.substring(arg.indexOf('=') + 1);
                } else if (i + 1 < args.size()) {
                    jobs = args.get(++i);
                } else {
                    throw new UsageException("--jobs needs a folder, e.g. --jobs jobs/");
                }
            } else if (arg.equals("--sandbox")) {
                sandbox = true;
            } else if (arg.startsWith("--") && arg.substring(2).contains(".")) {
                if (!arg.contains("=")) {
                    throw new UsageException(arg + " needs a value: write " + arg + "=VALUE");
                }
                springArgs.add(arg);
            } else {
                throw new UsageException("serve takes --jobs DIR, --sandbox and --NAME.X=V settings (got \"" + arg
                        + "\"); each job file's own settings are in the file");
            }
        }
        if (jobs.isBlank()) {
            throw new UsageException("--jobs needs a folder, e.g. --jobs jobs/");
        }
        return new ServeOptions(Path.of(jobs), sandbox, List.copyOf(springArgs));
    }
}
