package io.imagebatch.app;

import io.imagebatch.catalogue.CatalogueException;
import io.imagebatch.catalogue.CatalogueFormat;
import io.imagebatch.catalogue.CatalogueInspector;
import io.imagebatch.catalogue.CatalogueLimits;
import io.imagebatch.catalogue.CatalogueSummary;
import io.imagebatch.job.BatchSettings;
import io.imagebatch.provider.RequestDefaults;
import io.imagebatch.provider.liangxin.LiangXinAdapter;
import io.imagebatch.storage.OutputLocation;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.bind.Binder;

/**
 * Resolves the settings of a batch from the options of {@code run} (or {@code validate}) and a job file, before
 * Spring starts: the command line ({@code cli}) and {@code serve} both make a batch's settings here, so that a
 * scheduled run and a command-line run of the same job file are the same batch (README, "Running a batch").
 */
public final class BatchSettingsResolver {

    /** The output location of a batch whose options and job file name none. */
    public static final String DEFAULT_OUTPUT = "file:./output";

    /**
     * The setting a {@code --sandbox} run (or {@code serve --sandbox}) sets for itself: every provider points at
     * the sandbox, so {@link BatchRunner} runs sandbox batches only ({@link BatchSettings#sandbox()}).
     */
    public static final String SANDBOX_ACTIVE = "imagebatch.sandbox-active";

    private BatchSettingsResolver() {
    }

    /**
     * The settings of a batch, as {@code run} makes them: the options over the job file, over the defaults;
     * then the catalogue is read once (fetched first when it is in S3) to check it, count its rows and hash it.
     * {@code serve} makes each scheduled run's settings with it too.
     *
     * @param o the command line's options (all null but the job file, for {@code serve})
     * @param f the job file, or null
     * @return the batch's settings; its id follows from the catalogue's content and the settings that change the
     *         output ({@link BatchSettings#batchId()}), a sandbox run's included ({@code --sandbox}, a job file's
     *         {@code sandbox:}, or {@code serve --sandbox}); a relative {@code file:} output is resolved here, once,
     *         against the working directory ({@link BatchSettings#absoluteOutput()}), and the catalogue is read
     *         within the {@code imagebatch.catalogue.*} limits ({@link CatalogueLimits})
     * @throws UsageException     when there is no catalogue, or the output or an S3 catalogue cannot be used
     * @throws CatalogueException when the catalogue cannot be read (no header, no prompt column, ...)
     */
    public static BatchSettings resolve(RunOptions o, JobFile f) {
        String catalogue = pick(o.catalogue(), f == null ? null : f.catalogue());
        if (catalogue == null) {
            throw new UsageException("no catalogue: give --catalogue FILE or a job file with \"catalogue:\"");
        }
        Map<String, String> columns = new LinkedHashMap<>(f == null ? Map.of() : f.columns());
        columns.putAll(o.columns());
        CatalogueFormat format = new CatalogueFormat(pick(o.delimiter(), f == null ? null : f.delimiter()), columns,
                pick(o.promptTemplate(), f == null ? null : f.promptTemplate()), catalogueLimits(o.springArgs()));
        Path path = catalogue.startsWith("s3://") ? S3CatalogueSource.fetch(catalogue, o.springArgs())
                : Path.of(catalogue).toAbsolutePath().normalize();
        CatalogueSummary summary = CatalogueInspector.inspect(path, format);
        String output = pick(o.output(), f == null ? null : f.output(), DEFAULT_OUTPUT);
        String absoluteOutput;
        try {
            // resolved once, here, at the batch's start: a resume from another folder writes where this run did
            absoluteOutput = OutputLocation.parse(output).toString();
        } catch (IllegalArgumentException e) {
            throw new UsageException("--output: " + e.getMessage());
        }
        String name = pick(o.name(), f == null ? null : f.name(),
                f == null ? null : stem(f.path()), stem(path));
        String provider = pick(o.provider(), f == null ? null : f.provider(), LiangXinAdapter.NAME).toLowerCase();
        return new BatchSettings(name, path.toString(), summary.sha256(), summary.rows(), format, provider,
                pick(o.model(), f == null ? null : f.model()),
                new RequestDefaults(pick(o.aspectRatio(), f == null ? null : f.aspectRatio()),
                        pick(o.resolution(), f == null ? null : f.resolution()), null),
                output, o.sandbox() || (f != null && f.sandbox() != null)
                        || o.springArgs().contains("--" + SANDBOX_ACTIVE + "=true"), absoluteOutput,
                f == null ? List.of() : f.renditions(), f == null ? null : f.metadata(),
                pick(o.variants(), f == null ? null : f.variants(), 1), f == null ? List.of() : f.fallbacks());
    }

    /**
     * The {@code imagebatch.catalogue.max-cell-chars}, {@code .max-row-chars} and {@code .max-skip-chars} settings
     * ({@link CatalogueLimits}) of the command line, system properties and environment, read before Spring starts
     * because the catalogue is read first.
     *
     * @throws UsageException when a setting is not a number
     */
    private static CatalogueLimits catalogueLimits(List<String> springArgs) {
        Binder binder = PreStartEnvironment.binder(springArgs);
        try {
            return new CatalogueLimits(
                    binder.bind("imagebatch.catalogue.max-cell-chars", Long.class).orElse(0L),
                    binder.bind("imagebatch.catalogue.max-row-chars", Long.class).orElse(0L),
                    binder.bind("imagebatch.catalogue.max-skip-chars", Long.class).orElse(0L));
        } catch (RuntimeException e) {
            throw new UsageException("imagebatch.catalogue.*: " + Causes.rootMessage(e));
        }
    }


    @SafeVarargs
    private static <T> T pick(T... values) {
        for (T value : values) {
            if (value != null) {
                return value;
            }
        }
        return null;
    }

    private static String stem(Path path) {
        String file = path.getFileName().toString();
        int dot = file.lastIndexOf('.');
        return dot > 0 ? file.substring(0, dot) : file;
    }
}
