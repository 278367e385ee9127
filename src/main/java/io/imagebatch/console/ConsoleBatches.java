package io.imagebatch.console;

import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the console and its API do with batches (docs/console.md, "The flow"), on behalf of a {@link Requester}.
 * The batches are the engine's: a batch started here is the batch {@code run} would make from the same catalogue
 * and settings (same ledger, same resume, same report).
 *
 * <p>Every method that takes a batch id answers {@link BatchNotFoundException} for an unknown batch and for a
 * batch the requester may not see ({@link Requester#maySee}), so that another team's batch looks unknown; and
 * {@link org.springframework.security.access.AccessDeniedException} when the requester's role does not allow the
 * action (a VIEWER starting a batch).
 */
public interface ConsoleBatches {

    /**
     * A new batch from an uploaded catalogue or an {@code s3://} one: the upload is kept durably with the batch
     * (a resume reads the same bytes), every row is read and checked as the submit step would, and nothing is sent
     * unless {@link NewBatch#start()}.
     *
     * @param who the requester; must be a SUBMITTER
     * @param req the catalogue and the form's settings
     * @return the checked batch: its id, preview, rejections and spend estimate
     * @throws ConsoleRequestException 400 when the file is not a catalogue (binary, no header, not CSV, TSV or
     *                                 .xlsx) or a setting cannot be used, naming it; 413 when the upload is over
     *                                 {@code imagebatch.console.max-upload-bytes}; nothing is kept then
     */
    CheckedBatch create(Requester who, NewBatch req);

    /**
     * @param who the requester
     * @return the batches the requester may see, newest first
     */
    List<BatchSummary> list(Requester who);

    /**
     * @param who     the requester
     * @param batchId the batch
     * @return the batch with its live progress
     * @throws BatchNotFoundException when unknown or not visible to the requester
     */
    BatchView get(Requester who, String batchId);

    /**
     * Whether the requester may see a batch, and nothing else: the batch's team only (a console batch's own
     * record; for a job file's batch, the job file's {@code team:}), none of its progress. Cheap enough to ask at
     * every request for a batch's files, so that a batch is hidden at once from a user who is no longer of its
     * team (docs/console.md, "Who may do what").
     *
     * @param who     the requester
     * @param batchId the batch
     * @throws BatchNotFoundException when unknown or not visible to the requester (as {@link #get})
     */
    void requireVisible(Requester who, String batchId);

    /**
     * The check of a batch (preview, rejections, estimate), as {@link #create} made it; read again from the kept
     * catalogue.
     *
     * @param who     the requester
     * @param batchId the batch
     * @return the check
     * @throws BatchNotFoundException when unknown or not visible to the requester
     */
    CheckedBatch check(Requester who, String batchId);

    /**
     * Starts (or resumes) the batch in the background and returns at once; also the action of Resume.
     *
     * @param who     the requester; must be a SUBMITTER
     * @param batchId the batch
     * @param action  which button: start, resume, retry-failed, approve, reject, stop
     * @return the batch as it is now
     * @throws ConsoleRequestException 409 when the batch's state does not allow the action (start a running
     *                                 batch, approve one that awaits no approval)
     */
    BatchView act(Requester who, String batchId, Action action);

    /**
     * Starts a checked batch as a proof run (README.md, Spend, "The proof run"): {@code rows} valid rows chosen to
     * cover the catalogue are sent, stored and reported, then the batch awaits approval (APPROVE sends the rest,
     * REJECT ends it).
     *
     * @param who     the requester; must be a SUBMITTER
     * @param batchId the batch
     * @param rows    the proof run's size, at least 1 row
     * @return the batch as it is now
     * @throws ConsoleRequestException 400 for a size under 1; 409 when the batch was started already
     */
    BatchView startProof(Requester who, String batchId, int rows);

    /**
     * One page of the batch's rows, filtered and searched; fast on a 100,000-row batch (one indexed query).
     *
     * @param who     the requester
     * @param batchId the batch
     * @param query   the filter, search text and page
     * @return the page
     */
    RowPage rows(Requester who, String batchId, RowQuery query);

    /**
     * @param who     the requester
     * @param batchId the batch
     * @param rowNum  the row's number in the catalogue (1 = first data row)
     * @return the row with every attempt it had
     * @throws BatchNotFoundException when the batch or row is unknown or not visible
     */
    RowDetail row(Requester who, String batchId, long rowNum);

    /**
     * Redo one row with an edited prompt: a new attempt of that row, sent by the batch's next run (started now);
     * the earlier attempt and its image stay in the row's history.
     *
     * @param who     the requester; must be a SUBMITTER
     * @param batchId the batch
     * @param rowNum  the row
     * @param prompt  the new prompt, 1 to the provider's limit of characters
     * @return the row as it is now
     * @throws ConsoleRequestException 400 for a blank or too long prompt; 409 while the row is in flight
     */
    RowDetail redo(Requester who, String batchId, long rowNum, String prompt);

    /**
     * Chooses one stored variant of a row as the row's image (README.md, Variants; the CLI's
     * {@code choose BATCH ROW_NUM K}, by the same code: the batch's lock taken without waiting, the variant's
     * image {@code <row id>-<k>.<ext>} copied byte for byte to {@code <row id>.<ext>}, the choice recorded in the
     * ledger, and report.csv, the contact sheet and manifest.json written again).
     *
     * @param who     the requester; must be a SUBMITTER or ADMIN
     * @param batchId the batch
     * @param rowNum  the row's number (1 = first data row)
     * @param variant the variant to choose, 1 to the row's number of variants
     * @return the row's variants as they are now, the chosen one marked
     * @throws BatchNotFoundException  when the batch is unknown or not visible, or the row or variant unknown
     * @throws ConsoleRequestException 409 when the variant is not STORED, the batch is held by a run (of this
     *                                 console or another process), the batch has no variants, or the copy would
     *                                 overwrite another row's image; nothing is changed then. 409 also when the
     *                                 choice is recorded but the report files could not be written again
     *                                 (choosing again writes them); 503 when the output store could not copy
     *                                 the image (nothing recorded)
     * @throws org.springframework.security.access.AccessDeniedException when the requester is a VIEWER
     */
    List<RowView> choose(Requester who, String batchId, long rowNum, int variant);

    /**
     * Every variant of a row (README.md, Variants), in variant order: one line for a row without variants.
     *
     * @param who     the requester
     * @param batchId the batch
     * @param rowNum  the row's number (1 = first data row)
     * @return the row's lines, variant 1 first; empty when the batch has no such row
     * @throws BatchNotFoundException when the batch is unknown or not visible
     */
    List<RowView> variants(Requester who, String batchId, long rowNum);

    /** @return the job templates: the job files in the jobs folder, by name */
    List<JobTemplate> templates();

    /** The buttons of a batch. */
    enum Action {
        /** Send the batch (or its proof run), after the check. */
        START,
        /** Stop after the current chunk or poll pass; resumable. */
        STOP,
        /** Resume a stopped or failed batch where it stopped. */
        RESUME,
        /** Create the FAILED rows again (as {@code retry-failed}). */
        RETRY_FAILED,
        /** Approve the proof run and send the rest. */
        APPROVE,
        /** Reject the proof run; nothing more is sent. */
        REJECT
    }

    /**
     * A new batch as the form or {@code POST /api/batches} gives it; null fields take the job template's value,
     * then the engine's default.
     *
     * @param fileName       the uploaded file's name as the browser sent it (only its extension is used:
     *                       {@code .csv}, {@code .tsv}, {@code .txt}, {@code .xlsx}); null for an s3 catalogue
     * @param content        the uploaded bytes, read once; null for an s3 catalogue
     * @param s3Catalogue    an {@code s3://bucket/key} catalogue instead of an upload, or null
     * @param job            a job template's name ({@link JobTemplate#name()}), or null
     * @param provider       the provider, or null
     * @param model          the model, or null
     * @param output         the output location ({@code s3://bucket/prefix} or {@code file:dir}), or null
     * @param promptTemplate the prompt template, or null
     * @param columns        {@code FIELD -> HEADER} column mappings, empty for none
     * @param aspectRatio    the default aspect ratio, or null
     * @param resolution     the default resolution, or null
     * @param budget         the batch budget as typed, or null
     * @param proof          the proof run's size in rows, or null for none
     * @param start          true to start right after the check (when it finds valid rows)
     */
    record NewBatch(String fileName, InputStream content, String s3Catalogue, String job, String provider,
            String model, String output, String promptTemplate, Map<String, String> columns, String aspectRatio,
            String resolution, String budget, Integer proof, boolean start) {
    }

    /**
     * A batch checked before anything is paid.
     *
     * @param id        the batch id
     * @param status    the batch's status ({@link BatchSummary#status()})
     * @param rows      the catalogue's data rows
     * @param valid     the rows that would be sent
     * @param rejected  every rejected row (at most the first 1,000; {@code rows - valid} says how many in all)
     * @param estimate  the spend estimate
     * @param columns   which catalogue header became which field ({@code FIELD -> HEADER})
     * @param preview   the first rows (at most 20) as the job will read them
     */
    record CheckedBatch(String id, String status, long rows, long valid, List<Rejection> rejected,
            Estimate estimate, Map<String, String> columns, List<PreviewRow> preview) {
    }

    /**
     * A rejected row: its row, column and rule, as {@code validate} prints it.
     *
     * @param row     the row's number in the catalogue (1 = first data row)
     * @param rowId   the row's id, or null when it has none
     * @param column  the column at fault, or null when the rule is about the whole row
     * @param message the rule broken, for the user
     */
    record Rejection(long row, String rowId, String column, String message) {
    }

    /**
     * The spend estimate (README.md, Spend).
     *
     * @param currency the currency of the price table
     * @param groups   per provider/model/resolution
     * @param total    the total still to spend, or null when a group has no price
     * @param lines    the estimate as {@code validate} prints it, one line each
     */
    record Estimate(String currency, List<EstimateGroup> groups, String total, List<String> lines) {
    }

    /**
     * One provider/model/resolution of the estimate.
     *
     * @param provider    the provider
     * @param model       the model
     * @param resolution  the resolution
     * @param valid       the valid rows
     * @param alreadySent the rows already sent by an earlier run
     * @param price       the price per image, or null when none is configured
     * @param subtotal    the subtotal still to spend, or null when there is no price
     */
    record EstimateGroup(String provider, String model, String resolution, long valid, long alreadySent,
            String price, String subtotal) {
    }

    /**
     * A row as the job will read it.
     *
     * @param row         the row's number (1 = first data row)
     * @param id          the row's id
     * @param prompt      the prompt the row builds (the template filled in)
     * @param provider    the row's provider
     * @param model       the row's model, or null for the provider's default
     * @param aspectRatio the aspect ratio, or null
     * @param resolution  the resolution, or null
     * @param error       why the row is rejected, or null when it is valid
     */
    record PreviewRow(long row, String id, String prompt, String provider, String model, String aspectRatio,
            String resolution, String error) {
    }

    /**
     * A batch in the list.
     *
     * @param id        the batch id
     * @param name      its readable name
     * @param team      the team it belongs to, or null for everyone
     * @param createdBy the user who created it, or null for a job file's batch
     * @param createdAt when it was created
     * @param status    {@code CHECKED} (not started), {@code STARTING}, {@code STARTED}, {@code STOPPING},
     *                  {@code STOPPED}, {@code FAILED}, {@code COMPLETED}, {@code HELD}, {@code AWAITING_APPROVAL}
     *                  or {@code REJECTED}
     * @param rows      the catalogue's rows
     * @param counts    rows per ledger state ({@code STORED}, {@code FAILED}, ...), states with none absent
     */
    record BatchSummary(String id, String name, String team, String createdBy, Instant createdAt, String status,
            long rows, Map<String, Long> counts) {
    }

    /**
     * A batch with its live progress.
     *
     * @param summary         the batch
     * @param provider        the batch's provider
     * @param model           the batch's model, or null for the provider's default
     * @param output          the output location
     * @param sandbox         whether it runs on the sandbox provider
     * @param imagesPerMinute images stored per minute over the current run, 0 before the first
     * @param secondsLeft     the estimated time left, s; null when unknown
     * @param committed       the spend committed so far, in {@code currency}, or null without prices
     * @param currency        the currency
     * @param reportUri       where report.csv is, or null before the report step
     * @param contactSheetUri where report.html is, or null
     * @param manifestUri     where manifest.json is, or null
     * @param actions         the buttons the batch's state and the requester's role allow now
     */
    record BatchView(BatchSummary summary, String provider, String model, String output, boolean sandbox,
            double imagesPerMinute, Long secondsLeft, String committed, String currency, String reportUri,
            String contactSheetUri, String manifestUri, List<Action> actions) {
    }

    /**
     * Which rows to show.
     *
     * @param state  a ledger state to filter by ({@code STORED}, {@code FAILED}, ...), or null for all
     * @param search text to find in the row id or prompt (case-insensitive), or null
     * @param page   the page, 0 first
     * @param size   rows per page, 1 to 500
     */
    record RowQuery(String state, String search, int page, int size) {
    }

    /**
     * One page of rows.
     *
     * @param rows  the rows, in catalogue order
     * @param total the rows that match the query, on all pages
     * @param page  the page, 0 first
     * @param size  rows per page
     */
    record RowPage(List<RowView> rows, long total, int page, int size) {
    }

    /**
     * A row of the batch as the ledger holds it.
     *
     * @param rowNum    the row's number (1 = first data row)
     * @param rowId     the row's id
     * @param state     its ledger state ({@code HELD}, {@code STORED} shown as SUCCEEDED in the report, ...)
     * @param attempt   its current attempt, 1 first
     * @param provider  its provider
     * @param model     its model
     * @param prompt    the prompt sent (or to be sent)
     * @param taskId    the provider's taskId, or null before the create
     * @param error     why it failed or was rejected or held, or null
     * @param outputUri where its image is stored, or null
     * @param variant   which of the row's variants this line is, 1 to 8 (1 for a row without variants; README.md,
     *                  Variants): the rows table shows one line per variant
     * @param chosen    whether this variant is the row's chosen image ({@code choose}; false without variants)
     */
    record RowView(long rowNum, String rowId, String state, int attempt, String provider, String model,
            String prompt, String taskId, String error, String outputUri, int variant, boolean chosen) {
    }

    /**
     * A row with its history.
     *
     * @param row      the row now
     * @param attempts its earlier attempts, oldest first
     */
    record RowDetail(RowView row, List<Attempt> attempts) {
    }

    /**
     * An earlier attempt of a row (kept by {@code retry-failed} and by a redo).
     *
     * @param attempt     the attempt number
     * @param state       how it ended
     * @param taskId      its taskId, or null
     * @param prompt      its prompt, or null when not recorded
     * @param error       its error, or null
     * @param outputUri   its image, kept under the row's history, or null
     * @param submittedAt when it was created, or null
     * @param endedAt     when it ended
     */
    record Attempt(int attempt, String state, String taskId, String prompt, String error, String outputUri,
            Instant submittedAt, Instant endedAt) {
    }

    /**
     * A job file offered as a template.
     *
     * @param name           the job's name
     * @param file           the job file's name
     * @param provider       its provider, or null
     * @param model          its model, or null
     * @param output         its output, or null
     * @param promptTemplate its prompt template, or null
     */
    record JobTemplate(String name, String file, String provider, String model, String output,
            String promptTemplate) {
    }

    /**
     * Looks a batch up without throwing.
     *
     * @param who     the requester
     * @param batchId the batch
     * @return the batch, or empty when unknown or not visible
     */
    default Optional<BatchView> find(Requester who, String batchId) {
        try {
            return Optional.of(get(who, batchId));
        } catch (BatchNotFoundException e) {
            return Optional.empty();
        }
    }
}
