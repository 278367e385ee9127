package io.imagebatch.console.web;

import io.imagebatch.console.BatchFiles;
import io.imagebatch.console.ConsoleBatches;
import io.imagebatch.console.ConsoleBatches.Action;
import io.imagebatch.console.ConsoleBatches.BatchView;
import io.imagebatch.console.ConsoleBatches.CheckedBatch;
import io.imagebatch.console.ConsoleBatches.NewBatch;
import io.imagebatch.console.ConsoleBatches.RowPage;
import io.imagebatch.console.ConsoleBatches.RowQuery;
import io.imagebatch.console.ConsoleRequestException;
import io.imagebatch.console.Requester;
import io.imagebatch.ledger.RowState;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.context.annotation.Profile;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The console's pages (README.md, Console): the batch list, the new batch form, a batch's page (its check before
 * it starts; its live progress, actions and rows once started), the live progress fragment, the contact sheet
 * and a row's page with its redo form. Every page acts through {@link ConsoleBatches} on behalf of the signed-in
 * user, so a page shows and does exactly what the API would for the same user. Served by {@code serve} only.
 *
 * <p>Errors: an unknown batch or another team's answers the 404 page ({@link ConsolePageErrors}); a request the
 * batch's state does not allow (409) or a bad form (400) shows the page again with the message.
 */
@Controller
@Profile("serve")
public class BatchPagesController {

    /** Rows per page of the batch page's rows table. */
    static final int ROWS_PER_PAGE = 50;
    /** Thumbnails per page of the contact sheet. */
    static final int THUMBNAILS_PER_PAGE = 100;
    /** The batch page's row filter: the ledger states a user filters by. */
    static final List<String> ROW_STATES = Arrays.stream(RowState.values()).map(Enum::name).toList();

    private final ConsoleBatches batches;
    private final BatchFiles files;

    /**
     * @param batches the console's batches
     * @param files   the batches' files: the rendition names a row's page and the contact sheet link
     */
    public BatchPagesController(ConsoleBatches batches, BatchFiles files) {
        this.batches = batches;
        this.files = files;
    }

    /** @return the batch list: the console's home */
    @GetMapping("/")
    String home() {
        return "redirect:/batches";
    }

    /**
     * @param auth  the signed-in user
     * @param model the page's model
     * @return the batch list, newest first
     */
    @GetMapping("/batches")
    String list(Authentication auth, Model model) {
        Requester who = ConsoleRequesters.of(auth);
        model.addAttribute("batches", batches.list(who));
        model.addAttribute("maySubmit", who.maySubmit());
        return "batches";
    }

    /**
     * @param auth  the signed-in user
     * @param model the page's model
     * @return the new batch form, with the job templates to choose from
     */
    @GetMapping("/batches/new")
    String newBatch(Authentication auth, Model model) {
        model.addAttribute("templates", batches.templates());
        model.addAttribute("form", Map.of());
        return "new-batch";
    }

    /**
     * Checks (and, for "Check and start", starts) a new batch from the form; the fields are those of
     * {@code POST /api/batches} (docs/console.md).
     *
     * @param auth  the signed-in user
     * @param catalogue the uploaded catalogue, or empty when {@code catalogueUri} is given
     * @param params    the form's other fields
     * @param columns   the {@code column} fields, {@code FIELD=HEADER} each (one per line in the form)
     * @param model     the page's model, for the form again after an error
     * @return a redirect to the batch's page, or the form again with the error
     * @throws IOException when the upload cannot be read
     */
    @PostMapping("/batches")
    String create(Authentication auth, @RequestParam(name = "catalogue", required = false) MultipartFile catalogue,
            @RequestParam Map<String, String> params,
            @RequestParam(name = "column", required = false) List<String> columns, Model model) throws IOException {
        Requester who = ConsoleRequesters.of(auth);
        boolean upload = catalogue != null && !catalogue.isEmpty();
        try (InputStream content = upload ? catalogue.getInputStream() : null) {
            NewBatch req = new NewBatch(upload ? catalogue.getOriginalFilename() : null, content,
                    upload ? null : blankToNull(params.get("catalogue-uri")), blankToNull(params.get("job")),
                    blankToNull(params.get("provider")), blankToNull(params.get("model")),
                    blankToNull(params.get("output")), blankToNull(params.get("prompt-template")),
                    columnMappings(columns), blankToNull(params.get("aspect-ratio")),
                    blankToNull(params.get("resolution")), blankToNull(params.get("budget")),
                    proof(params.get("proof")), "true".equals(params.get("start")));
            if (!upload && req.s3Catalogue() == null) {
                throw new ConsoleRequestException(400, "Choose a catalogue file or give an s3:// catalogue.");
            }
            CheckedBatch checked = batches.create(who, req);
            return "redirect:/batches/" + checked.id();
        } catch (ConsoleRequestException e) {
            model.addAttribute("templates", batches.templates());
            model.addAttribute("form", params);
            model.addAttribute("error", e.getMessage());
            return "new-batch";
        }
    }

    /**
     * A batch's page: its check (preview, rejections, estimate) before it starts; its live progress, actions and
     * rows once started.
     *
     * @param auth    the signed-in user
     * @param id      the batch id
     * @param state   the rows table's state filter, or null for every state
     * @param q       the rows table's search in row id and prompt, or null
     * @param page    the rows table's page, 0 first
     * @param model   the page's model
     * @return the batch page
     */
    @GetMapping("/batches/{id}")
    String batch(Authentication auth, @PathVariable String id, @RequestParam(required = false) String state,
            @RequestParam(required = false) String q, @RequestParam(defaultValue = "0") int page, Model model) {
        Requester who = ConsoleRequesters.of(auth);
        BatchView view = batches.get(who, id);
        model.addAttribute("batch", view);
        model.addAttribute("maySubmit", who.maySubmit());
        boolean checkedOnly = "CHECKED".equals(view.summary().status());
        model.addAttribute("checkedOnly", checkedOnly);
        if (checkedOnly) {
            model.addAttribute("check", batches.check(who, id));
        } else {
            addRows(who, id, state, q, page, model);
            model.addAttribute("states", ROW_STATES);
        }
        return "batch";
    }

    /**
     * The live parts of the batch page (its progress, and the rows table as filtered and paged), fetched every 2 s
     * by {@code /console/console.js} with the page's own query and swapped in place.
     *
     * @param auth  the signed-in user
     * @param id    the batch id
     * @param state the rows table's state filter, or null for every state
     * @param q     the rows table's search in row id and prompt, or null
     * @param page  the rows table's page, 0 first
     * @param model the fragment's model
     * @return the live parts of the batch page
     */
    @GetMapping("/batches/{id}/progress")
    String progress(Authentication auth, @PathVariable String id, @RequestParam(required = false) String state,
            @RequestParam(required = false) String q, @RequestParam(defaultValue = "0") int page, Model model) {
        Requester who = ConsoleRequesters.of(auth);
        model.addAttribute("batch", batches.get(who, id));
        model.addAttribute("maySubmit", who.maySubmit());
        addRows(who, id, state, q, page, model);
        return "batch-live";
    }

    /**
     * One of the batch's buttons ({@link BatchView#actions()}).
     *
     * @param auth     the signed-in user
     * @param id       the batch id
     * @param action   {@code start}, {@code stop}, {@code resume}, {@code retry-failed}, {@code approve} or
     *                 {@code reject}
     * @param redirect the page's flash messages
     * @return a redirect to the batch's page, with the refusal's message when the batch's state does not allow it
     */
    @PostMapping("/batches/{id}/{action:start|stop|resume|retry-failed|approve|reject}")
    String act(Authentication auth, @PathVariable String id, @PathVariable String action,
            RedirectAttributes redirect) {
        Action which = Action.valueOf(action.toUpperCase(Locale.ROOT).replace('-', '_'));
        try {
            batches.act(ConsoleRequesters.of(auth), id, which);
        } catch (ConsoleRequestException e) {
            redirect.addFlashAttribute("error", e.getMessage());
        }
        return "redirect:/batches/" + id;
    }

    /**
     * The check page's "Start proof run" button: the batch's first run sends {@code rows} rows and awaits approval.
     *
     * @param auth     the signed-in user
     * @param id       the batch id
     * @param rows     the proof run's size, as typed
     * @param redirect the page's flash messages
     * @return a redirect to the batch's page, with the refusal's message when the size or state does not allow it
     */
    @PostMapping("/batches/{id}/start-proof")
    String startProof(Authentication auth, @PathVariable String id, @RequestParam(required = false) String rows,
            RedirectAttributes redirect) {
        try {
            int size;
            try {
                size = Integer.parseInt(rows == null ? "" : rows.trim());
            } catch (NumberFormatException e) {
                throw new ConsoleRequestException(400, "proof: the proof run's rows must be a whole number");
            }
            batches.startProof(ConsoleRequesters.of(auth), id, size);
        } catch (ConsoleRequestException e) {
            redirect.addFlashAttribute("error", e.getMessage());
        }
        return "redirect:/batches/" + id;
    }

    /**
     * The contact sheet: thumbnails of the batch's rows, {@value #THUMBNAILS_PER_PAGE} a page, each linking to its
     * row's page.
     *
     * @param auth  the signed-in user
     * @param id    the batch id
     * @param page  the page, 0 first
     * @param model the page's model
     * @return the contact sheet
     */
    @GetMapping("/batches/{id}/contact-sheet")
    String contactSheet(Authentication auth, @PathVariable String id, @RequestParam(defaultValue = "0") int page,
            Model model) {
        Requester who = ConsoleRequesters.of(auth);
        model.addAttribute("batch", batches.get(who, id));
        RowPage rows = batches.rows(who, id, new RowQuery(null, null, Math.max(0, page), THUMBNAILS_PER_PAGE));
        model.addAttribute("rows", rows);
        model.addAttribute("pages", pages(rows.total(), rows.size()));
        model.addAttribute("renditions", files.renditionNames(who, id));
        List<RowCard> cards = RowCard.of(rows.rows());
        model.addAttribute("cards", cards);
        // a batch with variants shows every card as variants, also a row cut by the page's end to its variant 1
        model.addAttribute("variantCards", cards.stream().anyMatch(RowCard::hasVariants));
        model.addAttribute("maySubmit", who.maySubmit());
        return "contact-sheet";
    }

    /**
     * A row's page: its prompt, provider, model, task id, image, attempts with their errors and earlier images,
     * and (for a SUBMITTER) the redo form.
     *
     * @param auth   the signed-in user
     * @param id     the batch id
     * @param rowNum the row's number (1 = first data row)
     * @param model  the page's model
     * @return the row page
     */
    @GetMapping("/batches/{id}/rows/{rowNum}")
    String row(Authentication auth, @PathVariable String id, @PathVariable long rowNum, Model model) {
        Requester who = ConsoleRequesters.of(auth);
        model.addAttribute("batch", batches.get(who, id));
        model.addAttribute("detail", batches.row(who, id, rowNum));
        List<ConsoleBatches.RowView> variants = batches.variants(who, id, rowNum);
        model.addAttribute("variants", variants.size() > 1 || variants.stream().anyMatch(v -> v.variant() > 1
                || v.chosen()) ? variants : List.of());
        model.addAttribute("maySubmit", who.maySubmit());
        model.addAttribute("renditions", files.renditionNames(who, id));
        return "row";
    }

    /**
     * Redoes a row with an edited prompt: a new attempt, sent by the batch's next run (started now).
     *
     * @param auth     the signed-in user
     * @param id       the batch id
     * @param rowNum   the row
     * @param prompt   the edited prompt
     * @param redirect the page's flash messages
     * @return a redirect to the row's page, with what happened
     */
    @PostMapping("/batches/{id}/rows/{rowNum}/redo")
    String redo(Authentication auth, @PathVariable String id, @PathVariable long rowNum,
            @RequestParam(defaultValue = "") String prompt, RedirectAttributes redirect) {
        try {
            batches.redo(ConsoleRequesters.of(auth), id, rowNum, prompt);
            redirect.addFlashAttribute("message", "Row " + rowNum + " will be made again with the edited prompt.");
        } catch (ConsoleRequestException e) {
            redirect.addFlashAttribute("error", e.getMessage());
        }
        return "redirect:/batches/" + id + "/rows/" + rowNum;
    }

    /**
     * The "Choose" button of a stored variant (README.md, Variants), on the contact sheet and a row's page: the
     * same choice as the API's {@code POST /api/batches/{id}/rows/{rowNum}/variants/{k}/choose}.
     *
     * @param auth     the signed-in user
     * @param id       the batch id
     * @param rowNum   the row
     * @param variant  the variant to choose
     * @param back     {@code sheet} to come back to the contact sheet (at {@code page}), anything else for the
     *                 row's page
     * @param page     the contact sheet's page, 0 first
     * @param redirect the page's flash messages
     * @return a redirect to the page the button was on, with what happened or why it was refused
     */
    @PostMapping("/batches/{id}/rows/{rowNum}/variants/{variant}/choose")
    String choose(Authentication auth, @PathVariable String id, @PathVariable long rowNum,
            @PathVariable int variant, @RequestParam(required = false) String back,
            @RequestParam(defaultValue = "0") int page, RedirectAttributes redirect) {
        try {
            batches.choose(ConsoleRequesters.of(auth), id, rowNum, variant);
            redirect.addFlashAttribute("message", "Variant " + variant + " of row " + rowNum
                    + " is now the row's image.");
        } catch (ConsoleRequestException e) {
            redirect.addFlashAttribute("error", e.getMessage());
        }
        return "sheet".equals(back) ? "redirect:/batches/" + id + "/contact-sheet?page=" + Math.max(0, page)
                : "redirect:/batches/" + id + "/rows/" + rowNum;
    }

    private void addRows(Requester who, String id, String state, String q, int page, Model model) {
        String filter = blankToNull(state);
        String search = blankToNull(q);
        RowPage rows = batches.rows(who, id, new RowQuery(filter, search, Math.max(0, page), ROWS_PER_PAGE));
        model.addAttribute("rows", rows);
        // one line per (row, variant) (README.md, Variants): paged by line, so a page never drops a variant
        model.addAttribute("variantColumn", rows.rows().stream().anyMatch(r -> r.variant() > 1 || r.chosen()));
        model.addAttribute("pages", pages(rows.total(), rows.size()));
        model.addAttribute("state", filter);
        model.addAttribute("q", search);
    }

    /** @return the page numbers (0 first) of {@code total} items at {@code size} a page; at least one */
    static int pages(long total, int size) {
        return (int) Math.max(1, (total + size - 1) / Math.max(1, size));
    }

    private static Map<String, String> columnMappings(List<String> fields) {
        Map<String, String> mappings = new LinkedHashMap<>();
        if (fields == null) {
            return mappings;
        }
        for (String field : fields) {
            for (String line : field.split("[\\r\\n,]+")) {
                String mapping = line.strip();
                if (mapping.isEmpty()) {
                    continue;
                }
                int eq = mapping.indexOf('=');
                if (eq <= 0 || eq == mapping.length() - 1) {
                    throw new ConsoleRequestException(400, "Column mapping \"" + mapping
                            + "\" is not FIELD=HEADER (for example id=sku).");
                }
                mappings.put(mapping.substring(0, eq).strip(), mapping.substring(eq + 1).strip());
            }
        }
        return mappings;
    }

    private static Integer proof(String value) {
        String proof = blankToNull(value);
        if (proof == null) {
            return null;
        }
        try {
            int rows = Integer.parseInt(proof);
            if (rows < 1) {
                throw new NumberFormatException();
            }
            return rows;
        } catch (NumberFormatException e) {
            throw new ConsoleRequestException(400, "Proof run: \"" + proof + "\" is not a number of rows (1 or more).");
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
