package io.imagebatch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The shape of the packages of {@code io.imagebatch} (main code only), checked on the compiled classes.
 *
 * <p>No package imports another in a circle: neither among the top-level packages ({@code cli}, {@code serve},
 * {@code job}, ...) nor among all packages, sub-packages included ({@code provider} and each
 * {@code provider.NAME}), so that every package can be read knowing only the packages below it.
 *
 * <p>The layers, from the top; a layer may use the layers below it, never those above:
 * <ol>
 * <li><b>Commands</b>: {@code cli} (the command line, the jar's entry point) and {@code serve} (the scheduler
 *     of job files). {@code cli} starts {@code serve}; {@code serve} never names {@code cli}.</li>
 * <li><b>Console</b>: {@code console} (the team console's batches, pages and API) and {@code security} (who
 *     may sign in and do what), started with {@code serve}; beside the commands, named by no other layer.</li>
 * <li><b>Application</b>: {@code app}, what both commands share: running a batch ({@code BatchRunner}),
 *     resolving a batch's settings from options and a job file, job files, exit codes, usage errors.</li>
 * <li><b>Cluster</b>: {@code cluster}, a partitioned batch over several machines (the broker, the manager's
 *     partition handler, the {@code worker}'s request listener), which only the commands start (README.md,
 *     "More than one machine").</li>
 * <li><b>Job</b>: {@code job}, the Spring Batch job and its steps (catalogue, submit, poll, download,
 *     report).</li>
 * <li><b>Around the job</b>: {@code report} (report, manifest, contact sheet, notifications) and
 *     {@code callback} (the providers' callback endpoint), which the job's steps use.</li>
 * <li><b>Foundation</b>: {@code provider} with its adapters ({@code provider.NAME}, registered as Spring beans
 *     so that {@code provider} never names them), {@code ledger}, {@code http} (the one HTTP client
 *     configuration), {@code storage}, {@code catalogue},
 *     {@code lock}, {@code metrics}, {@code rendition} (the renditions of a stored image), {@code label}
 *     (the AI-generated label written into delivered images) and {@code db} (the schema initializers' lock).</li>
 * </ol>
 * Beside them: {@code sandbox}, the built-in fake provider, which only the commands start; and the root package
 * {@code io.imagebatch} ({@code FatalErrors}, {@code OutsideText}, the Spring application class), which every
 * layer may use and which uses none.
 *
 * @see <a href="../../../../../README.md">README.md</a>
 */
@AnalyzeClasses(packages = "io.imagebatch", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    /** Top-level packages of {@code io.imagebatch} (each with its sub-packages) import each other in no circle. */
    @ArchTest
    static final ArchRule topLevelPackagesAreFreeOfCycles =
            slices().matching("io.imagebatch.(*)..").should().beFreeOfCycles();

    /** Every package, sub-packages counted apart ({@code provider} vs {@code provider.crun}), is in no circle. */
    @ArchTest
    static final ArchRule everyPackageIsFreeOfCycles =
            slices().matching("io.imagebatch.(**)").should().beFreeOfCycles();

    /** {@code provider} is given its adapters as beans: it names none of its sub-packages. */
    @ArchTest
    static final ArchRule theProviderRegistryNamesNoAdapter = noClasses()
            .that().resideInAPackage("io.imagebatch.provider")
            .should().dependOnClassesThat().resideInAPackage("io.imagebatch.provider.*..");

    /** The layers of the class Javadoc: each uses only those below it. */
    @ArchTest
    static final ArchRule layersUseOnlyTheLayersBelow = layeredArchitecture()
            .consideringOnlyDependenciesInLayers()
            .layer("Commands").definedBy("io.imagebatch.cli..", "io.imagebatch.serve..")
            .layer("Console").definedBy("io.imagebatch.console..", "io.imagebatch.security..")
            .layer("Application").definedBy("io.imagebatch.app..")
            .layer("Cluster").definedBy("io.imagebatch.cluster..")
            .layer("Job").definedBy("io.imagebatch.job..")
            .layer("Around the job").definedBy("io.imagebatch.report..", "io.imagebatch.callback..")
            .layer("Foundation").definedBy("io.imagebatch.provider..", "io.imagebatch.ledger..",
                    "io.imagebatch.storage..", "io.imagebatch.catalogue..", "io.imagebatch.lock..",
                    "io.imagebatch.metrics..", "io.imagebatch.http..", "io.imagebatch.spend..",
                    "io.imagebatch.rendition..", "io.imagebatch.label..", "io.imagebatch.db..")
            .layer("Sandbox").definedBy("io.imagebatch.sandbox..")
            .layer("Root").definedBy("io.imagebatch")
            .whereLayer("Commands").mayNotBeAccessedByAnyLayer()
            .whereLayer("Console").mayNotBeAccessedByAnyLayer()
            .whereLayer("Application").mayOnlyBeAccessedByLayers("Commands", "Console")
            .whereLayer("Cluster").mayOnlyBeAccessedByLayers("Commands")
            .whereLayer("Job").mayOnlyBeAccessedByLayers("Commands", "Console", "Application", "Cluster")
            .whereLayer("Around the job").mayOnlyBeAccessedByLayers("Commands", "Console", "Application", "Cluster",
                    "Job")
            .whereLayer("Foundation").mayOnlyBeAccessedByLayers("Commands", "Console", "Application", "Cluster",
                    "Job", "Around the job")
            .whereLayer("Sandbox").mayOnlyBeAccessedByLayers("Commands");

    /** {@code serve} is started by {@code cli} and never names it (the shared parts live in {@code app}). */
    @ArchTest
    static final ArchRule serveNamesNoCommandLineClass = noClasses()
            .that().resideInAPackage("io.imagebatch.serve..")
            .should().dependOnClassesThat().resideInAPackage("io.imagebatch.cli..");

    /** The root package (the Spring application class, {@code FatalErrors}, {@code OutsideText}) uses no layer. */
    @ArchTest
    static final ArchRule theRootPackageUsesNoLayer = noClasses()
            .that().resideInAPackage("io.imagebatch")
            .should().dependOnClassesThat().resideInAnyPackage("io.imagebatch.*..");
}
