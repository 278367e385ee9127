package io.imagebatch.console;

import io.imagebatch.app.BatchProofCheck;
import io.imagebatch.app.BatchRunner;
import io.imagebatch.app.RedoRefusedException;
import io.imagebatch.app.RowRedo;
import io.imagebatch.app.VariantChoice;
import io.imagebatch.app.ExitCodes;
import io.imagebatch.app.BatchSettingsResolver;
import io.imagebatch.app.BatchSpendCheck;
import io.imagebatch.app.JobFile;
import io.imagebatch.app.RunOptions;
import io.imagebatch.app.UsageException;
import io.imagebatch.catalogue.CatalogueException;
import io.imagebatch.job.BatchPreflight;
import io.imagebatch.job.BatchSettings;
import io.imagebatch.job.BatchSettingsStore;
import io.imagebatch.job.BatchStoppedException;
import io.imagebatch.job.JobProperties;
import io.imagebatch.job.ReportTasklet;
import io.imagebatch.job.RowProcessor;
import io.imagebatch.job.SubmitItem;
import io.imagebatch.ledger.BatchRegistry;
import io.imagebatch.ledger.LedgerEntry;
import io.imagebatch.ledger.LedgerRowPage;
import io.imagebatch.ledger.LedgerRetries;
import io.imagebatch.ledger.ProofState;
import io.imagebatch.ledger.RowState;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.spend.Budget;
import io.imagebatch.spend.PriceTable;
import io.imagebatch.spend.SpendEstimate;
import io.imagebatch.security.ConsoleRole;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Profile;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.stereotype.Service;

/**
 * The console's batches ({@link ConsoleBatches}; docs/console.md), in {@code serve} only (profile {@code serve}).
 * A batch made here is the batch {@code run} would make: its settings come from
 * {@link BatchSettingsResolver#resolve(RunOptions, JobFile)} (a job template under the form's values), it is
 * registered as {@code run} registers it ({@link BatchSettingsStore#save}), checked with the submit step's own
 * reader and processor ({@link BatchPreflight}), and run with {@link BatchRunner#run} on a small executor of its
 * own, never on a request thread. Under {@code serve --sandbox} every console batch is a sandbox batch, as every
 * job file served there is.
 *
 * <p>Ownership ({@code IB_CONSOLE_BATCH}): a console batch belongs to its creator's team; any other batch (a job
 * file's) to everyone. A batch the requester may not see ({@link Requester#maySee}) is answered as unknown.
 * A batch a user started is resumed when {@code serve} starts again, until it completes.
 */
@Service
@Profile("serve")
public class ConsoleBatchService implements ConsoleBatches, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(ConsoleBatchService.class);
    /** The rows of a check's preview. */
    static final int PREVIEW_ROWS = 20;
    /** The rejections a check lists (the count covers all). */
    static final int LISTED_REJECTIONS = 1_000;
    /** The batches {@link #list} reads from the registry. */
    private static final int LISTED_BATCHES = 1_000;
    /** MDC key of the batch id on the threads running a console batch (as serve's scheduler does). */
    private static final String MDC_BATCH = "batch";
    /** Longest wait between two passes of {@link #destroy} over the running batches, ms. */
    private static final long STOP_RETRY_MILLIS = 50;

    private final BatchRunner runner;
    private final RowRedo rowRedo;
    private final VariantChoice variantChoice;
    private final io.imagebatch.provider.ProviderRegistry providers;
    private final BatchSettingsStore settingsStore;
    private final BatchRegistry registry;
    private final TaskLedger ledger;
    private final LedgerRetries retries;
    private final BatchPreflight preflight;
    private final BatchProofCheck proofs;
    private final PriceTable prices;
    private final JobProperties jobProperties;
    private final ConsoleProperties properties;
    private final ConsoleUploads uploads;
    private final ConsoleBatchRecords records;
    private final Clock clock;
    private final List<String> springArgs;
    private final boolean sandbox;
    private final Duration stopTimeout;
    private final ExecutorService executor;
    /** Set once the context closes: no run starts any more. */
    private volatile boolean closing;
    /** Runs submitted here and not ended, by batch id. */
    private final Map<String, Future<?>> runs = new ConcurrentHashMap<>();

    /**
     * @param runner        runs a batch as {@code run} does
     * @param settingsStore batch settings by id
     * @param registry      the batch registry (proof state, spend)
     * @param ledger        the ledger (counts per state)
     * @param retries       the retry rounds of {@code retry-failed}
     * @param preflight     the dry run of the submit step
     * @param proofs        the proof run's reject
     * @param prices        the price table of the estimate
     * @param jobProperties the task deadline of a retry round
     * @param properties    the console's settings
     * @param jdbc          the ledger's database
     * @param clock         the clock of created-at times and rates
     * @param arguments     serve's command line, whose {@code --NAME.X=V} settings a catalogue is read with
     * @param sandbox       whether this serve runs every provider on the sandbox ({@code serve --sandbox})
     * @param stopTimeout   how long running console batches get to stop when serve stops
     * @param rowRedo       a row's redo with an edited prompt (README, "Redo a row")
     * @param variantChoice the choice among a row's variants (README.md, Variants), as the CLI's {@code choose}
     * @param providers     the configured providers, to check a job template's {@code fallback:} list against
     */
    public ConsoleBatchService(BatchRunner runner, BatchSettingsStore settingsStore, BatchRegistry registry,
            TaskLedger ledger, LedgerRetries retries, BatchPreflight preflight, BatchProofCheck proofs,
            PriceTable prices, JobProperties jobProperties, ConsoleProperties properties, JdbcClient jdbc, Clock clock,
            ApplicationArguments arguments,
            @Value("${" + BatchSettingsResolver.SANDBOX_ACTIVE + ":false}") boolean sandbox,
            @Value("${imagebatch.serve.stop-timeout:20s}") Duration stopTimeout, RowRedo rowRedo,
            VariantChoice variantChoice, io.imagebatch.provider.ProviderRegistry providers) {
        this.runner = runner;
        this.providers = providers;
        this.variantChoice = variantChoice;
        this.rowRedo = rowRedo;
        this.settingsStore = settingsStore;
        this.registry = registry;
        this.ledger = ledger;
        this.retries = retries;
        this.preflight = preflight;
        this.proofs = proofs;
        this.prices = prices;
        this.jobProperties = jobProperties;
        this.properties = properties;
        this.uploads = new ConsoleUploads(properties.uploadDir(), properties.maxUploadBytes().toBytes());
        this.records = new ConsoleBatchRecords(jdbc);
        this.clock = clock;
        this.springArgs = Stream.of(arguments.getSourceArgs())
                .filter(a -> a.startsWith("--") && a.contains("=")).toList();
        this.sandbox = sandbox;
        this.stopTimeout = stopTimeout;
        this.executor = Executors.newFixedThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "imagebatch-console-run");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** @return the console's own records (ownership, pages of rows) */
    public ConsoleBatchRecords records() {
        return records;
    }

    // ---- create and check ----

    @Override
    public CheckedBatch create(Requester who, NewBatch req) {
        requireSubmitter(who, "create a batch");
        JobFile job = req.job() == null || req.job().isBlank() ? null : template(req.job());
        if (req.proof() != null && req.proof() < 1) {
            throw new ConsoleRequestException(400, "proof: the proof run's rows must be at least 1, got "
                    + req.proof());
        }
        String budget = blankToNull(req.budget());
        if (budget != null) {
            try {
                Budget.parse("budget", budget, prices.currency());
            } catch (IllegalArgumentException e) {
                throw new ConsoleRequestException(400, e.getMessage());
            }
        }
        String catalogue;
        Character delimiter = null;
        String uploadName;
        if (req.content() != null) {
            ConsoleUploads.Upload upload = uploads.keep(req.fileName(), req.content());
            catalogue = upload.catalogue().toString();
            delimiter = upload.delimiter();
            uploadName = displayName(req.fileName());
        } else if (req.s3Catalogue() != null && req.s3Catalogue().startsWith("s3://")) {
            catalogue = req.s3Catalogue();
            uploadName = req.s3Catalogue();
        } else if (job != null && job.catalogue() != null) {
            catalogue = null;
            uploadName = null;
        } else {
            throw new ConsoleRequestException(400, "catalogue: upload a .csv, .tsv or .xlsx file, or give an s3://"
                    + " catalogue or a job template with a catalogue");
        }
        String name = job != null || uploadName == null ? null : stem(uploadName);
        RunOptions options = new RunOptions(job == null ? null : job.path().toString(), catalogue,
                blankToNull(req.provider()), blankToNull(req.model()), blankToNull(req.output()),
                req.columns() == null ? Map.of() : req.columns(), blankToNull(req.promptTemplate()), delimiter,
                blankToNull(req.aspectRatio()), blankToNull(req.resolution()), name, sandbox, springArgs);
        BatchSettings settings;
        try {
            settings = BatchSettingsResolver.resolve(options, job);
            // a fallback the providers cannot take is refused before anything is sent, as run and serve do
            io.imagebatch.app.FallbackCheck.check(job, settings.provider(), settings.model(), providers);
        } catch (UsageException | CatalogueException e) {
            throw new ConsoleRequestException(400, e.getMessage());
        }
        String batchId = settingsStore.save(settings);
        ConsoleBatchRecords.Owner owner = records.recordIfAbsent(new ConsoleBatchRecords.Owner(batchId, who.team(),
                who.name(), clock.instant(), uploadName, false, budget, req.proof()));
        if (!who.maySee(owner.team())) {
            throw new ConsoleRequestException(409, "the same catalogue with the same settings is already a batch of"
                    + " another team; change a setting (for example the output) to make a batch of your own");
        }
        CheckedBatch checked = check(settings, batchId);
        if (req.start() && checked.valid() > 0) {
            act(who, batchId, Action.START);
            checked = new CheckedBatch(checked.id(), status(batchId), checked.rows(), checked.valid(),
                    checked.rejected(), checked.estimate(), checked.columns(), checked.preview());
        }
        return checked;
    }

    @Override
    public CheckedBatch check(Requester who, String batchId) {
        visible(who, batchId);
        return check(settings(batchId), batchId);
    }

    /** The check of a batch's catalogue: every row through the submit step's processor, nothing sent. */
    private CheckedBatch check(BatchSettings settings, String batchId) {
        List<Rejection> rejected = new ArrayList<>();
        List<PreviewRow> preview = new ArrayList<>();
        BatchPreflight.Result result;
        try {
            result = preflight.check(settings, false, false, item -> {
                if (item.rejection() != null && rejected.size() < LISTED_REJECTIONS) {
                    rejected.add(new Rejection(item.row().rowNumber(), item.row().id(), item.column(),
                            item.rejection()));
                }
                if (preview.size() < PREVIEW_ROWS) {
                    preview.add(preview(item));
                }
            });
        } catch (BatchStoppedException | CatalogueException e) {
            throw new ConsoleRequestException(400, e.getMessage());
        }
        SpendEstimate estimate = SpendEstimate.of(prices, result.spendGroups());
        List<EstimateGroup> groups = estimate.lines().stream().map(line -> new EstimateGroup(line.group().provider(),
                line.group().model(), line.group().resolution(), line.group().valid(), line.group().alreadySent(),
                format(line.price()), format(line.subtotal()))).toList();
        Estimate spend = new Estimate(estimate.currency(), groups, estimate.complete()
                ? PriceTable.format(estimate.total()) : null, estimate.describe());
        return new CheckedBatch(batchId, status(batchId), result.rows(), result.rows() - result.rejected(),
                List.copyOf(rejected), spend, new LinkedHashMap<>(settings.format().columns()), List.copyOf(preview));
    }

    private static PreviewRow preview(SubmitItem item) {
        String prompt = item.request() != null ? item.request().prompt() : item.row().prompt();
        String aspect = item.request() != null ? item.request().aspectRatio() : item.row().aspectRatio();
        String resolution = item.request() != null ? item.request().resolution() : item.row().resolution();
        return new PreviewRow(item.row().rowNumber(), item.row().id(), prompt, item.provider(), item.model(), aspect,
                resolution, item.rejection());
    }

    // ---- list and view ----

    @Override
    public List<BatchSummary> list(Requester who) {
        Map<String, ConsoleBatchRecords.Owner> owners = new LinkedHashMap<>();
        records.all().forEach(o -> owners.put(o.batchId(), o));
        Map<String, String> jobTeams = jobTeams();
        List<BatchSummary> list = new ArrayList<>();
        for (Map.Entry<String, Long> batch : registry.batches(LISTED_BATCHES)) {
            ConsoleBatchRecords.Owner owner = owners.get(batch.getKey());
            Optional<BatchSummary> summary = summary(batch.getKey(), owner, Instant.ofEpochMilli(batch.getValue()),
                    jobTeams);
            if (summary.isPresent() && who.maySee(summary.get().team())) {
                list.add(summary.get());
            }
        }
        return list;
    }

    @Override
    public void requireVisible(Requester who, String batchId) {
        visible(who, batchId);
    }

    @Override
    public BatchView get(Requester who, String batchId) {
        ConsoleBatchRecords.Owner owner = visible(who, batchId);
        BatchSettings settings = settings(batchId);
        // a console batch's team is in its own record: the job files are read only for a job file's batch (this is
        // asked every 2 s by an open batch page)
        BatchSummary summary = summary(batchId, owner, null, owner == null ? jobTeams() : Map.of())
                .orElseThrow(() -> notFound(batchId));
        JobExecution last = runner.lastExecution(batchId);
        long stored = summary.counts().getOrDefault(RowState.STORED.name(), 0L);
        double perMinute = 0;
        Long secondsLeft = null;
        if (last != null && last.getStartTime() != null) {
            LocalDateTime end = last.getEndTime() != null ? last.getEndTime()
                    : LocalDateTime.ofInstant(clock.instant(), ZoneId.systemDefault());
            long elapsedMillis = Duration.between(last.getStartTime(), end).toMillis();
            if (elapsedMillis > 0 && stored > 0) {
                perMinute = stored * 60_000.0 / elapsedMillis;
                long ended = summary.counts().entrySet().stream()
                        .filter(e -> RowState.valueOf(e.getKey()).isFinal()).mapToLong(Map.Entry::getValue).sum();
                long left = Math.max(0, settings.catalogueRows() - ended);
                secondsLeft = last.getStatus().isRunning() ? Math.round(left * 60.0 / perMinute) : left == 0 ? 0L
                        : null;
            }
        }
        String committed = registry.spend(batchId).map(s -> BatchSpendCheck.spendLine(s, prices.currency()) == null
                ? null : PriceTable.format(s.committed())).orElse(null);
        String report = null;
        String contactSheet = null;
        if (last != null && last.getExecutionContext().containsKey(ReportTasklet.REPORT_URI)) {
            report = last.getExecutionContext().getString(ReportTasklet.REPORT_URI);
            contactSheet = last.getExecutionContext().containsKey(ReportTasklet.CONTACT_SHEET_URI)
                    ? last.getExecutionContext().getString(ReportTasklet.CONTACT_SHEET_URI) : null;
        }
        String manifest = report != null && report.endsWith("report.csv")
                ? report.substring(0, report.length() - "report.csv".length()) + "manifest.json" : null;
        return new BatchView(summary, settings.provider(), settings.model(), settings.output(), settings.sandbox(),
                perMinute, secondsLeft, committed, prices.currency(), report, contactSheet, manifest,
                actions(who, batchId, summary.status(), summary.counts()));
    }

    private Optional<BatchSummary> summary(String batchId, ConsoleBatchRecords.Owner owner, Instant registered,
            Map<String, String> jobTeams) {
        BatchSettings settings;
        try {
            settings = settingsStore.get(batchId);
        } catch (RuntimeException unknown) {
            return Optional.empty();
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        ledger.report().countByState(batchId).forEach((state, n) -> counts.put(state.name(), n));
        Instant created = owner != null ? owner.createdAt() : registered;
        return Optional.of(new BatchSummary(batchId, settings.name(), team(owner, settings, jobTeams),
                owner == null ? null : owner.createdBy(), created, status(batchId), settings.catalogueRows(),
                counts));
    }

    /**
     * The batch's status, from this process's runs, the last job execution, the proof state and the HELD rows
     * (the values of {@link BatchSummary#status()}).
     */
    String status(String batchId) {
        Future<?> run = runs.get(batchId);
        JobExecution last = runner.lastExecution(batchId);
        ProofState proof = registry.proof(batchId).map(BatchRegistry.Proof::state).orElse(null);
        if (last != null && last.getStatus().isRunning()) {
            return last.getStatus() == BatchStatus.STOPPING ? "STOPPING" : "STARTED";
        }
        if (run != null && !run.isDone()) {
            return "STARTING";
        }
        if (proof == ProofState.AWAITING_APPROVAL) {
            return "AWAITING_APPROVAL";
        }
        if (proof == ProofState.REJECTED) {
            return "REJECTED";
        }
        if (last == null) {
            return "CHECKED";
        }
        return switch (last.getStatus()) {
            case STOPPED -> "STOPPED";
            case COMPLETED -> ledger.report().countByState(batchId).getOrDefault(RowState.HELD, 0L) > 0 ? "HELD"
                    : "COMPLETED";
            default -> "FAILED";
        };
    }

    private List<Action> actions(Requester who, String batchId, String status, Map<String, Long> counts) {
        if (!who.maySubmit()) {
            return List.of();
        }
        long failed = counts.getOrDefault(RowState.FAILED.name(), 0L);
        List<Action> actions = new ArrayList<>();
        switch (status) {
            case "CHECKED" -> actions.add(Action.START);
            case "STARTING", "STARTED" -> actions.add(Action.STOP);
            case "STOPPED", "FAILED" -> actions.add(Action.RESUME);
            case "AWAITING_APPROVAL" -> {
                actions.add(Action.APPROVE);
                actions.add(Action.REJECT);
            }
            case "COMPLETED", "HELD" -> {
                if (failed > 0) {
                    actions.add(Action.RETRY_FAILED);
                }
            }
            default -> {
            }
        }
        return List.copyOf(actions);
    }

    // ---- actions ----

    @Override
    public BatchView act(Requester who, String batchId, Action action) {
        requireSubmitter(who, action.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        ConsoleBatchRecords.Owner owner = visible(who, batchId);
        BatchSettings settings = settings(batchId);
        String status = status(batchId);
        Map<String, Long> counts = new LinkedHashMap<>();
        ledger.report().countByState(batchId).forEach((state, n) -> counts.put(state.name(), n));
        if (!actions(who, batchId, status, counts).contains(action)) {
            throw new ConsoleRequestException(409, "batch " + batchId + " is " + status + ": "
                    + action.name().toLowerCase(Locale.ROOT).replace('_', '-') + " is not possible now");
        }
        switch (action) {
            case START -> {
                if (owner != null) {
                    records.markStartRequested(batchId);
                }
                BatchRunner.BudgetText budget = owner == null || owner.budget() == null ? null
                        : new BatchRunner.BudgetText("budget", owner.budget());
                submit(batchId, out -> runner.run(settings, budget, owner == null ? null : owner.proof(), false,
                        out));
            }
            case RESUME -> {
                if (owner != null) {
                    records.markStartRequested(batchId);
                }
                submit(batchId, out -> runner.run(settings, null, null, false, out));
            }
            case RETRY_FAILED -> submit(batchId, out -> {
                // as retry-failed: a generation that failed is created again, a paid result fetched again
                int rows = retries.startRetryRound(batchId, false, jobProperties.taskDeadline().toMillis());
                out.printf("Retrying %d row(s) of batch %s (round %d).%n", rows, batchId,
                        registry.retryRounds(batchId));
                return runner.run(settings, null, null, false, out);
            });
            case APPROVE -> submit(batchId, out -> runner.run(settings, null, null, true, out));
            case REJECT -> {
                try (PrintStream out = logLines(batchId)) {
                    if (proofs.reject(batchId, runner::lastExecution, out) != ExitCodes.COMPLETED) {
                        throw new ConsoleRequestException(409, "batch " + batchId + " is running elsewhere or its"
                                + " report could not be written; nothing more is sent; try Reject again shortly");
                    }
                } catch (UsageException e) {
                    throw new ConsoleRequestException(409, e.getMessage());
                }
            }
            case STOP -> {
                JobExecution last = runner.lastExecution(batchId);
                if (last != null && last.getStatus().isRunning()) {
                    try {
                        runner.requestStop(last);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new ConsoleRequestException(409, "interrupted while stopping batch " + batchId);
                    } catch (Exception e) {
                        throw new ConsoleRequestException(409, "batch " + batchId + " could not be stopped now ("
                                + e.getMessage() + "); try again");
                    }
                }
            }
            default -> throw new IllegalStateException("unknown action " + action);
        }
        return get(who, batchId);
    }

    /** A run of a batch on the console's executor. */
    @FunctionalInterface
    private interface Run {
        int run(PrintStream out);
    }

    private synchronized void submit(String batchId, Run run) {
        if (closing) {
            throw new ConsoleRequestException(409, "serve is stopping; batch " + batchId + " is resumed when it runs"
                    + " again");
        }
        Future<?> current = runs.get(batchId);
        if (current != null && !current.isDone()) {
            throw new ConsoleRequestException(409, "batch " + batchId + " is starting or running already");
        }
        runs.put(batchId, executor.submit(() -> {
            MDC.put(MDC_BATCH, batchId);
            try (PrintStream out = logLines(batchId)) {
                int exit = run.run(out);
                log.info("Batch {}: console run ended with exit code {}", batchId, exit);
            } catch (UsageException | CatalogueException e) {
                log.error("Batch {}: not run: {}", batchId, e.getMessage());
            } catch (RuntimeException e) {
                log.error("Batch {}: the run failed: {}", batchId, e.toString(), e);
            } finally {
                MDC.remove(MDC_BATCH);
            }
        }));
    }

    @Override
    public BatchView startProof(Requester who, String batchId, int rows) {
        requireSubmitter(who, "start a proof run");
        ConsoleBatchRecords.Owner owner = visible(who, batchId);
        if (rows < 1) {
            throw new ConsoleRequestException(400, "proof: the proof run's rows must be at least 1, got " + rows);
        }
        if (owner == null || !"CHECKED".equals(status(batchId))) {
            throw new ConsoleRequestException(409, "batch " + batchId + " has been started already: a proof run is"
                    + " the first run of a batch");
        }
        records.setProof(batchId, rows);
        return act(who, batchId, Action.START);
    }

    // ---- rows ----

    @Override
    public RowPage rows(Requester who, String batchId, RowQuery query) {
        visible(who, batchId);
        int size = query.size() < 1 ? 50 : Math.min(query.size(), 500);
        int page = Math.max(0, query.page());
        String state = blankToNull(query.state());
        if (state != null) {
            try {
                state = RowState.valueOf(state.trim().toUpperCase(Locale.ROOT)).name();
            } catch (IllegalArgumentException e) {
                throw new ConsoleRequestException(400, "state: \"" + state.replaceAll("[^A-Za-z_]", "?")
                        + "\" is not a row state (one of " + java.util.Arrays.toString(RowState.values()) + ")");
            }
        }
        LedgerRowPage rows = ledger.report().rowPage(batchId, state == null ? null : RowState.valueOf(state),
                blankToNull(query.search()), page, size);
        return new RowPage(rows.rows().stream().map(ConsoleBatchService::rowView).toList(), rows.total(), page, size);
    }

    @Override
    public RowDetail row(Requester who, String batchId, long rowNum) {
        visible(who, batchId);
        LedgerEntry row = ledger.find(batchId, rowNum)
                .orElseThrow(() -> new BatchNotFoundException("no row " + rowNum + " in batch " + batchId));
        List<Attempt> attempts = ledger.report().attempts(batchId, rowNum).stream()
                .map(a -> new Attempt(a.attempt(), a.state().name(), a.taskId(), a.prompt(), a.error(), a.outputUri(),
                        a.submittedAt() == null ? null : Instant.ofEpochMilli(a.submittedAt()),
                        Instant.ofEpochMilli(a.endedAt())))
                .toList();
        return new RowDetail(rowView(row), attempts);
    }

    private static RowView rowView(LedgerEntry e) {
        return new RowView(e.rowNum(), e.rowId(), e.state().name(), e.attempt(), e.provider(), e.model(), e.prompt(),
                e.taskId(), e.error(), e.outputUri(), e.variant(), e.chosen());
    }

    @Override
    public List<RowView> variants(Requester who, String batchId, long rowNum) {
        visible(who, batchId);
        List<RowView> lines = new ArrayList<>();
        for (int k = 1; k <= BatchSettings.MAX_VARIANTS; k++) {
            Optional<LedgerEntry> line = ledger.find(batchId, rowNum, k);
            if (line.isEmpty()) {
                break;
            }
            lines.add(rowView(line.get()));
        }
        return List.copyOf(lines);
    }

    @Override
    public List<RowView> choose(Requester who, String batchId, long rowNum, int variant) {
        requireSubmitter(who, "choose a variant");
        visible(who, batchId);
        if (ledger.find(batchId, rowNum, variant).isEmpty()) {
            throw new BatchNotFoundException("batch " + batchId + " has no row " + rowNum + " variant " + variant);
        }
        Future<?> running = runs.get(batchId);
        if (running != null && !running.isDone()) {
            throw new ConsoleRequestException(409, "batch " + batchId + " is running; choose a variant of row "
                    + rowNum + " once it has ended");
        }
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        int exit;
        try (PrintStream out = new PrintStream(said, true, StandardCharsets.UTF_8)) {
            // the CLI's choose (README.md, Variants): lock, copy, record, report rewritten
            exit = variantChoice.choose(batchId, rowNum, variant, runner::lastExecution, out);
        } catch (UsageException e) {
            throw new ConsoleRequestException(409, e.getMessage());
        } catch (io.imagebatch.storage.OutputStoreException e) {
            // the copy failed: nothing was recorded (VariantChoice); the store's own words, which hold no secret
            throw new ConsoleRequestException(503, "variant " + variant + " of row " + rowNum + " could not be"
                    + " copied in the batch's output (" + e.getMessage() + "); nothing was chosen; try again");
        }
        String message = said.toString(StandardCharsets.UTF_8).strip();
        log.info("console batch {}: {} chose: {}", batchId, who.name(), message);
        if (exit != ExitCodes.COMPLETED) {
            throw new ConsoleRequestException(409, message);
        }
        return variants(who, batchId, rowNum);
    }

    @Override
    public RowDetail redo(Requester who, String batchId, long rowNum, String prompt) {
        requireSubmitter(who, "redo a row");
        RowDetail row = row(who, batchId, rowNum);
        if (prompt == null || prompt.isBlank()) {
            throw new ConsoleRequestException(400, "prompt: must not be blank");
        }
        Future<?> running = runs.get(batchId);
        if (running != null && !running.isDone()) {
            throw new ConsoleRequestException(409, "batch " + batchId + " is running; redo row " + rowNum
                    + " once it has ended");
        }
        try {
            // the engine's redo (README, "Redo a row"): the earlier attempt and image go to the row's history
            rowRedo.redo(batchId, rowNum, prompt);
        } catch (RedoRefusedException e) {
            throw switch (e.reason()) {
                case UNKNOWN -> new BatchNotFoundException(e.getMessage());
                case INVALID_PROMPT -> new ConsoleRequestException(400, e.getMessage());
                case NOT_REDOABLE, BATCH_RUNNING -> new ConsoleRequestException(409, e.getMessage());
            };
        }
        BatchSettings settings = settingsStore.get(batchId);
        records.markStartRequested(batchId);
        submit(batchId, out -> runner.run(settings, null, null, false, out));
        return row(who, batchId, rowNum);
    }

    // ---- templates ----

    @Override
    public List<JobTemplate> templates() {
        List<JobTemplate> templates = new ArrayList<>();
        for (Path file : jobFiles()) {
            try {
                JobFile job = JobFile.load(file);
                templates.add(new JobTemplate(job.jobName(), file.getFileName().toString(), job.provider(),
                        job.model(), job.output(), job.promptTemplate()));
            } catch (UsageException e) {
                log.debug("Job file {} is not offered as a template: {}", file, e.getMessage());
            }
        }
        return List.copyOf(templates);
    }

    private List<Path> jobFiles() {
        Path dir = properties.jobsDir();
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> {
                String name = p.getFileName().toString();
                return (name.endsWith(".yml") || name.endsWith(".yaml")) && Files.isRegularFile(p);
            }).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private JobFile template(String name) {
        for (Path file : jobFiles()) {
            try {
                JobFile job = JobFile.load(file);
                if (job.jobName().equals(name) || file.getFileName().toString().equals(name)) {
                    return job;
                }
            } catch (UsageException e) {
                // not a template
            }
        }
        throw new ConsoleRequestException(400, "job: no job template named \"" + name.replaceAll("[^\\w .-]", "?")
                + "\" (see GET /api/templates)");
    }

    // ---- restart ----

    /**
     * When {@code serve} has started: resumes every console batch a user started that has not completed (not
     * COMPLETED or ABANDONED, not awaiting approval of its proof run), each on the console's executor.
     */
    @EventListener(ApplicationReadyEvent.class)
    public void resumeStartedBatches() {
        for (ConsoleBatchRecords.Owner owner : records.startRequested()) {
            String batchId = owner.batchId();
            try {
                JobExecution last = runner.lastExecution(batchId);
                ProofState proof = registry.proof(batchId).map(BatchRegistry.Proof::state).orElse(null);
                if (proof == ProofState.AWAITING_APPROVAL || proof == ProofState.REJECTED
                        || last != null && (last.getStatus() == BatchStatus.COMPLETED
                                || last.getStatus() == BatchStatus.ABANDONED)) {
                    continue;
                }
                BatchSettings settings = settings(batchId);
                BatchRunner.BudgetText budget = last != null || owner.budget() == null ? null
                        : new BatchRunner.BudgetText("budget", owner.budget());
                Integer proofRows = last == null ? owner.proof() : null;
                log.info("Resuming console batch {} ({}), started by {} before serve restarted", batchId,
                        last == null ? "never ran" : last.getStatus(), owner.createdBy());
                submit(batchId, out -> runner.run(settings, budget, proofRows, false, out));
            } catch (RuntimeException e) {
                log.error("Console batch {} cannot be resumed: {}", batchId, e.getMessage());
            }
        }
    }

    /** No console run starts once the context closes (serve's scheduler stops the running ones first). */
    @EventListener(org.springframework.context.event.ContextClosedEvent.class)
    public void closing() {
        closing = true;
    }

    /**
     * Stops the console's running batches after their current chunk or poll pass (they end STOPPED and are
     * resumed by the next serve), and waits for them up to {@code imagebatch.serve.stop-timeout}. A stop request
     * that fails (a step committed at that moment) is asked again, as serve's scheduler does.
     */
    @Override
    public void destroy() {
        executor.shutdown();
        long deadline = System.nanoTime() + stopTimeout.toNanos();
        java.util.Set<Long> asked = new java.util.HashSet<>();
        try {
            while (!executor.isTerminated() && System.nanoTime() - deadline < 0) {
                for (Map.Entry<String, Future<?>> run : List.copyOf(runs.entrySet())) {
                    if (run.getValue().isDone()) {
                        continue;
                    }
                    JobExecution last = runner.lastExecution(run.getKey());
                    if (last != null && (last.getStatus() == BatchStatus.STARTING
                            || last.getStatus() == BatchStatus.STARTED) && !asked.contains(last.getId())) {
                        try {
                            runner.requestStop(last);
                            asked.add(last.getId());
                            log.info("Stopping console batch {} after its current chunk or poll pass; the next serve"
                                    + " resumes it", run.getKey());
                        } catch (InterruptedException e) {
                            throw e;
                        } catch (Exception e) {
                            log.warn("Could not request the stop of console batch {} ({}); asking again",
                                    run.getKey(), e.getMessage());
                        }
                    }
                }
                executor.awaitTermination(STOP_RETRY_MILLIS, TimeUnit.MILLISECONDS);
            }
            if (!executor.isTerminated()) {
                log.warn("Console batches did not stop within {} s; they resume from their last checkpoint",
                        stopTimeout.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- helpers ----

    /**
     * The console owner of a batch the requester may see.
     *
     * @return the owner, or null for a batch not made in the console (everyone's)
     * @throws BatchNotFoundException when the batch is unknown or another team's
     */
    private ConsoleBatchRecords.Owner visible(Requester who, String batchId) {
        if (batchId == null || !batchId.matches("[a-z0-9._-]{1,160}")) {
            throw notFound(batchId);
        }
        ConsoleBatchRecords.Owner owner = records.find(batchId).orElse(null);
        // settings() is the settings store's cached read, and not found when the batch never started
        if (!who.maySee(team(owner, settings(batchId), owner == null ? jobTeams() : Map.of()))) {
            throw notFound(batchId);
        }
        return owner;
    }

    /**
     * The team a batch belongs to: a console batch's creator's team; a job file's batch (its name is the job's
     * name) the job file's {@code team:}; else null, everyone.
     */
    private static String team(ConsoleBatchRecords.Owner owner, BatchSettings settings, Map<String, String> jobTeams) {
        return owner != null ? owner.team() : jobTeams.get(settings.name());
    }

    /** The job files' teams as last read, with the files' names, sizes and modification times they were read at. */
    private record JobTeams(List<String> stamp, Map<String, String> teams) {
    }

    private volatile JobTeams jobTeams = new JobTeams(null, Map.of());

    /**
     * @return the {@code team:} of each job file of the jobs folder that has one, by job name; the files are parsed
     *         again only when one was added, removed or changed (every file request of a page asks: a stat per
     *         file instead of a YAML parse, and a changed {@code team:} still counts at once)
     */
    private Map<String, String> jobTeams() {
        List<Path> files = jobFiles();
        List<String> stamp = new ArrayList<>();
        for (Path file : files) {
            try {
                stamp.add(file + "|" + Files.size(file) + "|" + Files.getLastModifiedTime(file).toInstant());
            } catch (IOException e) {
                stamp.add(file + "|unreadable");
            }
        }
        JobTeams known = jobTeams;
        if (stamp.equals(known.stamp())) {
            return known.teams();
        }
        Map<String, String> teams = new java.util.HashMap<>();
        for (Path file : files) {
            try {
                JobFile job = JobFile.load(file);
                if (job.team() != null && !job.team().isBlank()) {
                    teams.put(job.jobName(), job.team().trim());
                }
            } catch (UsageException e) {
                // not a job file serve runs
            }
        }
        jobTeams = new JobTeams(List.copyOf(stamp), Map.copyOf(teams));
        return teams;
    }

    private BatchSettings settings(String batchId) {
        try {
            return settingsStore.get(batchId);
        } catch (IllegalArgumentException e) {
            throw notFound(batchId);
        }
    }

    private static BatchNotFoundException notFound(String batchId) {
        String shown = batchId == null ? "" : batchId.replaceAll("[^a-z0-9._-]", "?");
        return new BatchNotFoundException("no batch " + (shown.length() > 160 ? shown.substring(0, 160) : shown));
    }

    private static void requireSubmitter(Requester who, String what) {
        if (!who.maySubmit()) {
            throw new AccessDeniedException("only a " + ConsoleRole.SUBMITTER + " or " + ConsoleRole.ADMIN
                    + " may " + what);
        }
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text.trim();
    }

    private static String format(java.math.BigDecimal amount) {
        return amount == null ? null : PriceTable.format(amount);
    }

    /** The last segment of the browser's file name, cut to 200 printable characters. */
    static String displayName(String fileName) {
        if (fileName == null) {
            return null;
        }
        String name = fileName.replace('\\', '/');
        name = name.substring(name.lastIndexOf('/') + 1).replaceAll("\\p{Cntrl}", "?");
        return name.length() > 200 ? name.substring(0, 200) : name;
    }

    private static String stem(String name) {
        String last = name.substring(name.lastIndexOf('/') + 1);
        int dot = last.lastIndexOf('.');
        return dot > 0 ? last.substring(0, dot) : last;
    }

    /** A print stream whose lines go to this class's log, each on its own line. */
    private static PrintStream logLines(String batchId) {
        OutputStream lines = new OutputStream() {
            private final ByteArrayOutputStream line = new ByteArrayOutputStream();

            @Override
            public synchronized void write(int b) {
                if (b == '\n') {
                    flushLine();
                } else {
                    line.write(b);
                }
            }

            private void flushLine() {
                if (line.size() > 0) {
                    log.info("console batch {}: {}", batchId, line.toString(StandardCharsets.UTF_8));
                    line.reset();
                }
            }

            @Override
            public synchronized void close() {
                flushLine();
            }
        };
        return new PrintStream(lines, true, StandardCharsets.UTF_8);
    }
}
