package io.imagebatch.console.web;

import io.imagebatch.console.ConsoleBatches;
import io.imagebatch.console.ConsoleBatches.Action;
import io.imagebatch.console.ConsoleRequestException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.context.annotation.Profile;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/**
 * The console's JSON API under {@code /api} (README.md, "The console's API"; docs/console.md, "The API"), for
 * scripts: HTTP Basic, no session, every answer JSON, every error an RFC 9457 problem detail
 * ({@link ApiProblems}). Row numbers (1 = first data row) name rows in URLs, never row ids.
 *
 * <ul>
 * <li>{@code POST /api/batches} (multipart: file {@code catalogue}; optional {@code s3-catalogue}, {@code job},
 *     {@code provider}, {@code model}, {@code output}, {@code prompt-template}, {@code column} (repeatable
 *     {@code FIELD=HEADER}), {@code aspect-ratio}, {@code resolution}, {@code budget}, {@code proof},
 *     {@code start}) → 201, {@code Location: /api/batches/{id}}, the check
 *     ({@link ConsoleBatches.CheckedBatch});</li>
 * <li>{@code GET /api/batches}, {@code GET /api/batches/{id}} (status, counts, progress, actions),
 *     {@code GET /api/batches/{id}/check}, {@code GET /api/batches/{id}/rows?state=&q=&page=&size=},
 *     {@code GET /api/batches/{id}/rows/{rowNum}}, {@code GET /api/templates};</li>
 * <li>{@code POST /api/batches/{id}/start|stop|resume|retry-failed|approve|reject} → the batch as it is now;</li>
 * <li>{@code POST /api/batches/{id}/start-proof} ({@code rows=N}) → the batch, started as a proof run;</li>
 * <li>{@code POST /api/batches/{id}/rows/{rowNum}/redo} (JSON {@code {"prompt":...}} or form {@code prompt});</li>
 * <li>{@code GET /api/batches/{id}/rows/{rowNum}/variants} and
 *     {@code POST /api/batches/{id}/rows/{rowNum}/variants/{k}/choose} (README.md, Variants) → the row's
 *     variants, the chosen one marked.</li>
 * </ul>
 */
@RestController
@Profile("serve")
@RequestMapping(path = "/api", produces = MediaType.APPLICATION_JSON_VALUE)
public class BatchApiController {

    private final ConsoleBatches batches;

    /** @param batches the console's batches */
    public BatchApiController(ConsoleBatches batches) {
        this.batches = batches;
    }

    /**
     * Creates and checks a batch from an upload (or an s3 catalogue, or a job template's catalogue).
     *
     * @param auth           the signed-in user
     * @param catalogue      the uploaded catalogue (.csv, .tsv, .txt, .xlsx), or null
     * @param s3Catalogue    an {@code s3://bucket/key} catalogue, or null
     * @param job            a job template's name, or null
     * @param provider       the provider, or null
     * @param model          the model, or null
     * @param output         the output, or null
     * @param promptTemplate the prompt template, or null
     * @param column         {@code FIELD=HEADER} mappings, or null
     * @param aspectRatio    the default aspect ratio, or null
     * @param resolution     the default resolution, or null
     * @param budget         the budget, or null
     * @param proof          the proof run's rows, or null
     * @param start          true to start right after the check
     * @return 201 with the check
     * @throws IOException when the upload cannot be read
     */
    @PostMapping(path = "/batches", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    public ResponseEntity<ConsoleBatches.CheckedBatch> create(Authentication auth,
            @RequestParam(name = "catalogue", required = false) MultipartFile catalogue,
            @RequestParam(name = "s3-catalogue", required = false) String s3Catalogue,
            @RequestParam(name = "job", required = false) String job,
            @RequestParam(name = "provider", required = false) String provider,
            @RequestParam(name = "model", required = false) String model,
            @RequestParam(name = "output", required = false) String output,
            @RequestParam(name = "prompt-template", required = false) String promptTemplate,
            @RequestParam(name = "column", required = false) List<String> column,
            @RequestParam(name = "aspect-ratio", required = false) String aspectRatio,
            @RequestParam(name = "resolution", required = false) String resolution,
            @RequestParam(name = "budget", required = false) String budget,
            @RequestParam(name = "proof", required = false) Integer proof,
            @RequestParam(name = "start", defaultValue = "false") boolean start) throws IOException {
        ConsoleBatches.CheckedBatch checked;
        boolean upload = catalogue != null && !catalogue.isEmpty();
        try (InputStream content = upload ? catalogue.getInputStream() : null) {
            checked = batches.create(ConsoleRequesters.of(auth), new ConsoleBatches.NewBatch(
                    upload ? catalogue.getOriginalFilename() : null, content, s3Catalogue, job, provider, model,
                    output, promptTemplate, columns(column), aspectRatio, resolution, budget, proof, start));
        }
        return ResponseEntity.created(URI.create("/api/batches/" + checked.id())).body(checked);
    }

    /** {@code FIELD=HEADER} mappings, in the order given. */
    static Map<String, String> columns(List<String> given) {
        Map<String, String> columns = new LinkedHashMap<>();
        if (given == null) {
            return columns;
        }
        for (String mapping : given) {
            int eq = mapping.indexOf('=');
            if (eq <= 0 || eq == mapping.length() - 1) {
                throw new ConsoleRequestException(400, "column: each mapping is FIELD=HEADER (for example id=sku)");
            }
            columns.put(mapping.substring(0, eq).trim(), mapping.substring(eq + 1).trim());
        }
        return columns;
    }

    /**
     * @param auth the signed-in user
     * @return the batches they may see, newest first
     */
    @GetMapping("/batches")
    public List<ConsoleBatches.BatchSummary> list(Authentication auth) {
        return batches.list(ConsoleRequesters.of(auth));
    }

    /**
     * @param auth the signed-in user
     * @param id   the batch
     * @return the batch: its summary's fields ({@code id}, {@code status}, {@code counts}, ...) with its progress
     *         and the actions allowed now
     */
    @GetMapping("/batches/{id}")
    public Map<String, Object> get(Authentication auth, @PathVariable String id) {
        return view(batches.get(ConsoleRequesters.of(auth), id));
    }

    /**
     * @param auth the signed-in user
     * @param id   the batch
     * @return its check (preview, rejections, estimate), read again from its kept catalogue
     */
    @GetMapping("/batches/{id}/check")
    public ConsoleBatches.CheckedBatch check(Authentication auth, @PathVariable String id) {
        return batches.check(ConsoleRequesters.of(auth), id);
    }

    /**
     * @param auth   the signed-in user
     * @param id     the batch
     * @param action {@code start}, {@code stop}, {@code resume}, {@code retry-failed}, {@code approve} or
     *               {@code reject}
     * @return the batch as it is now
     */
    @PostMapping("/batches/{id}/{action:start|stop|resume|retry-failed|approve|reject}")
    public Map<String, Object> act(Authentication auth, @PathVariable String id, @PathVariable String action) {
        Action which = Action.valueOf(action.toUpperCase(Locale.ROOT).replace('-', '_'));
        return view(batches.act(ConsoleRequesters.of(auth), id, which));
    }

    /**
     * @param auth the signed-in user
     * @param id   the batch
     * @param rows the proof run's size (form or query parameter {@code rows})
     * @return the batch as it is now: started as a proof run, which ends AWAITING_APPROVAL
     */
    @PostMapping("/batches/{id}/start-proof")
    public Map<String, Object> startProof(Authentication auth, @PathVariable String id, @RequestParam int rows) {
        return view(batches.startProof(ConsoleRequesters.of(auth), id, rows));
    }

    /**
     * @param auth  the signed-in user
     * @param id    the batch
     * @param state a ledger state, or null
     * @param q     text to find in the row id or prompt, or null
     * @param page  the page, 0 first
     * @param size  rows per page, 1 to 500
     * @return the page
     */
    @GetMapping("/batches/{id}/rows")
    public ConsoleBatches.RowPage rows(Authentication auth, @PathVariable String id,
            @RequestParam(required = false) String state, @RequestParam(required = false) String q,
            @RequestParam(defaultValue = "0") int page, @RequestParam(defaultValue = "50") int size) {
        if (page < 0 || size < 1 || size > 500) {
            throw new ConsoleRequestException(400, "page must be 0 or more and size 1 to 500");
        }
        return batches.rows(ConsoleRequesters.of(auth), id, new ConsoleBatches.RowQuery(state, q, page, size));
    }

    /**
     * @param auth   the signed-in user
     * @param id     the batch
     * @param rowNum the row's number (1 = first data row)
     * @return the row with its attempts
     */
    @GetMapping("/batches/{id}/rows/{rowNum}")
    public ConsoleBatches.RowDetail row(Authentication auth, @PathVariable String id, @PathVariable long rowNum) {
        return batches.row(ConsoleRequesters.of(auth), id, rowNum);
    }

    /**
     * Redo with a JSON body {@code {"prompt": "..."}}.
     *
     * @param auth   the signed-in user
     * @param id     the batch
     * @param rowNum the row
     * @param body   the new prompt
     * @return the row as it is now
     */
    @PostMapping(path = "/batches/{id}/rows/{rowNum}/redo", consumes = MediaType.APPLICATION_JSON_VALUE)
    public ConsoleBatches.RowDetail redoJson(Authentication auth, @PathVariable String id,
            @PathVariable long rowNum, @RequestBody Map<String, String> body) {
        return batches.redo(ConsoleRequesters.of(auth), id, rowNum, body == null ? null : body.get("prompt"));
    }

    /**
     * Redo with a form field {@code prompt}.
     *
     * @param auth   the signed-in user
     * @param id     the batch
     * @param rowNum the row
     * @param prompt the new prompt
     * @return the row as it is now
     */
    @PostMapping(path = "/batches/{id}/rows/{rowNum}/redo", consumes = {MediaType.APPLICATION_FORM_URLENCODED_VALUE,
        MediaType.MULTIPART_FORM_DATA_VALUE})
    public ConsoleBatches.RowDetail redoForm(Authentication auth, @PathVariable String id, @PathVariable long rowNum,
            @RequestParam(required = false) String prompt) {
        return batches.redo(ConsoleRequesters.of(auth), id, rowNum, prompt);
    }

    /**
     * The row's variants (README.md, Variants), one entry each, in variant order.
     *
     * @param auth   the signed-in user
     * @param id     the batch
     * @param rowNum the row (1 = first data row)
     * @return the row's variants: each a row view with {@code variant} and {@code chosen}
     * @throws io.imagebatch.console.BatchNotFoundException (404) when the batch is unknown or not visible, or has
     *                                                       no such row
     */
    @GetMapping("/batches/{id}/rows/{rowNum}/variants")
    public List<ConsoleBatches.RowView> variants(Authentication auth, @PathVariable String id,
            @PathVariable long rowNum) {
        List<ConsoleBatches.RowView> variants = batches.variants(ConsoleRequesters.of(auth), id, rowNum);
        if (variants.isEmpty()) {
            throw new io.imagebatch.console.BatchNotFoundException("batch " + id + " has no row " + rowNum);
        }
        return variants;
    }

    /**
     * Chooses a stored variant as the row's image, as the CLI's {@code choose BATCH ROW_NUM K} (README.md,
     * Variants, and "The console's API"): 200 with the row's variants; 403 for a VIEWER; 404 for another team's
     * batch or an unknown row or variant; 409 (problem detail naming why) when the variant is not STORED or the
     * batch is held by a run.
     *
     * @param auth    the signed-in user
     * @param id      the batch
     * @param rowNum  the row (1 = first data row)
     * @param variant the variant, 1 to 8
     * @return the row's variants as they are now, the chosen one marked
     */
    @PostMapping("/batches/{id}/rows/{rowNum}/variants/{variant}/choose")
    public List<ConsoleBatches.RowView> choose(Authentication auth, @PathVariable String id,
            @PathVariable long rowNum, @PathVariable int variant) {
        return batches.choose(ConsoleRequesters.of(auth), id, rowNum, variant);
    }

    /** @return the job templates */
    @GetMapping("/templates")
    public List<ConsoleBatches.JobTemplate> templates() {
        return batches.templates();
    }

    /** A batch view as one flat JSON object: the summary's fields, then the progress's. */
    static Map<String, Object> view(ConsoleBatches.BatchView view) {
        Map<String, Object> json = new LinkedHashMap<>();
        ConsoleBatches.BatchSummary s = view.summary();
        json.put("id", s.id());
        json.put("name", s.name());
        json.put("team", s.team());
        json.put("createdBy", s.createdBy());
        json.put("createdAt", s.createdAt());
        json.put("status", s.status());
        json.put("rows", s.rows());
        json.put("counts", s.counts());
        json.put("provider", view.provider());
        json.put("model", view.model());
        json.put("output", view.output());
        json.put("sandbox", view.sandbox());
        json.put("imagesPerMinute", view.imagesPerMinute());
        json.put("secondsLeft", view.secondsLeft());
        json.put("committed", view.committed());
        json.put("currency", view.currency());
        json.put("reportUri", view.reportUri());
        json.put("contactSheetUri", view.contactSheetUri());
        json.put("manifestUri", view.manifestUri());
        json.put("actions", view.actions().stream().map(a -> a.name().toLowerCase(Locale.ROOT).replace('_', '-'))
                .toList());
        return json;
    }
}
