package io.imagebatch.app;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.UnmatchedArgsBinding;

/**
 * The rules every command's options are parsed by, with picocli (one parser for {@code run}, {@code validate},
 * {@code serve} and the batch commands; README, "Other commands"):
 * <ul>
 * <li>an option takes its value as the next argument or after {@code =}; given twice, the last one wins;</li>
 * <li>an argument starting with {@code @} is a value like any other (picocli's argument files are off, so that a
 *     file named {@code @x.csv} is not read as a list of arguments);</li>
 * <li>an argument {@code --NAME.X=V} (a name with a dot) is a Spring setting ({@code spring.*},
 *     {@code imagebatch.*}, {@code server.*}, {@code logging.*}, ...), passed to Spring as it is
 *     ({@link #springSettings});</li>
 * <li>every usage error is one {@link UsageException} line naming the option ({@link #usageError}).</li>
 * </ul>
 */
public final class CommandLineParsing {

    private CommandLineParsing() {
    }

    /**
     * Applies the rules of the class Javadoc to a command line.
     *
     * @param commandLine a picocli command line (its subcommands are configured too, when added before)
     * @return {@code commandLine}
     */
    public static CommandLine configure(CommandLine commandLine) {
        return commandLine.setExpandAtFiles(false).setOverwrittenOptionsAllowed(true);
    }

    /**
     * Parses {@code args} into the picocli-annotated {@code options} (a class with {@code @Option} and
     * {@code @Parameters} fields), without a command around it.
     *
     * @param options     the annotated options object; its fields are set
     * @param args        the arguments after the command
     * @param valueHints  what to say when an option is given without its value, by option name (for example
     *                    {@code "--jobs" -> "--jobs needs a folder, e.g. --jobs jobs/"}); others get
     *                    {@code "--NAME needs a value"}
     * @return the arguments no option or parameter took, in order ({@link #springSettings} sorts them out)
     * @throws UsageException for a missing or unconvertible value ({@link #usageError})
     */
    public static List<String> parse(Object options, List<String> args, Map<String, String> valueHints) {
        List<String> unmatched = new ArrayList<>();
        CommandSpec spec = CommandSpec.create();
        spec.addMixin("options", CommandSpec.forAnnotatedObject(options));
        spec.addUnmatchedArgsBinding(UnmatchedArgsBinding.forStringArrayConsumer(new CommandLine.Model.ISetter() {
            @Override
            @SuppressWarnings("unchecked")
            public <T> T set(T value) {
                if (value != null) {
                    unmatched.addAll(List.of((String[]) value));
                }
                return null;
            }
        }));
        try {
            configure(new CommandLine(spec)).parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw usageError(e, valueHints);
        }
        return unmatched;
    }

    /**
     * Turns a picocli parse error into a one-line usage error that names the option.
     *
     * @param e          the parse error
     * @param valueHints what to say for an option given without its value, by option name (may be empty)
     * @return {@code "--NAME needs a value"} (or the hint) for a missing value, else picocli's own message (for
     *         example {@code Invalid value for option '--sandbox': 'yes' is not a boolean})
     */
    public static UsageException usageError(CommandLine.ParameterException e, Map<String, String> valueHints) {
        if (e instanceof CommandLine.MissingParameterException missing) {
            for (ArgSpec arg : missing.getMissing()) {
                if (arg instanceof OptionSpec option) {
                    String name = option.longestName();
                    return new UsageException(valueHints.getOrDefault(name, name + " needs a value"));
                }
            }
        }
        return new UsageException(e.getMessage());
    }

    /**
     * Sorts out the arguments no option took: {@code --NAME.X=V} Spring settings are kept; anything else is a
     * usage error.
     *
     * @param unmatched     the arguments left over ({@link #parse}, or a command's {@code @Unmatched} field)
     * @param unknownOption the message for an argument starting with {@code -} that is not a setting, given it
     * @param stray         the message for an argument that is not an option, given it; return null to accept
     *                      it (then it is left out of the result)
     * @return the Spring settings, in order, as given ({@code --NAME.X=V})
     * @throws UsageException for a setting without {@code =VALUE}, an unknown option, or a stray argument
     */
    public static List<String> springSettings(List<String> unmatched, Function<String, String> unknownOption,
            Function<String, String> stray) {
        List<String> settings = new ArrayList<>();
        for (String arg : unmatched) {
            if (arg.startsWith("--")) {
                String name = arg.contains("=") ? arg.substring(2, arg.indexOf('=')) : arg.substring(2);
                if (name.contains(".")) {
                    if (!arg.contains("=")) {
                        throw new UsageException(arg + " needs a value: write --" + name + "=VALUE");
                    }
                    settings.add(arg);
                    continue;
                }
                throw new UsageException(unknownOption.apply(arg));
            }
            if (arg.startsWith("-") && arg.length() > 1) {
                throw new UsageException(unknownOption.apply(arg));
            }
            String message = stray.apply(arg);
            if (message != null) {
                throw new UsageException(message);
            }
        }
        return List.copyOf(settings);
    }

    /**
     * @param arg an unknown option as given ({@code --colour} or {@code --colour=red})
     * @return {@code "unknown option --colour"}: the option's name without its value
     */
    public static String unknownOption(String arg) {
        return "unknown option " + (arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg);
    }
}
