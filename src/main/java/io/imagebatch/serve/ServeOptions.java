package io.imagebatch.serve;

import io.imagebatch.app.CommandLineParsing;
import io.imagebatch.app.UsageException;
import java.nio.file.Path;
import java.util.List;

/**
 * The options of {@code serve}: {@code serve [--jobs DIR] [--[no-]sandbox] [--NAME.X=V]...}.
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
     * Parses {@code serve}'s options with the command line's parser ({@link ServeCommandLine},
     * {@link CommandLineParsing}).
     *
     * @param args the arguments after {@code serve}
     * @return the options
     * @throws UsageException for an unknown option, a missing value, or a stray argument
     */
    public static ServeOptions parse(List<String> args) {
        ServeCommandLine options = new ServeCommandLine();
        return options.toOptions(CommandLineParsing.parse(options, args, ServeCommandLine.VALUE_HINTS));
    }
}
