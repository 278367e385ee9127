package io.imagebatch.report;

import io.imagebatch.ledger.LedgerEntry;
import io.imagebatch.ledger.TaskLedger;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;

/**
 * Writes a batch's contact sheet, {@code report.html}: one self-contained page (inline CSS, no script, nothing
 * loaded from elsewhere) with a header (batch id, provider and model, start and end, counts per status), then
 * every REJECTED, FAILED and UNCERTAIN row with its reason, then a thumbnail of every stored image in catalogue
 * order with its row number, row id, prompt, provider and model.
 *
 * <p>A batch with variants (README.md, Variants; {@link BatchManifest#variants()} set) shows a row's stored
 * variants side by side in one card, each captioned with its number, the one {@code choose} picked outlined and
 * captioned {@code chosen}.
 *
 * <p>Images are linked by relative path ({@code ./<row id>.png}, see {@link SiblingLink}), so the page works
 * from the output folder on disk or from a static S3 website. Every value is HTML-escaped ({@link Html}): a
 * prompt with markup in it shows as text. The page is written in two streaming passes over the ledger (problems,
 * then successes), so memory does not grow with the catalogue; for 100,000 rows the page is some tens of MB.
 */
public final class ContactSheet {

    /** The page's file name, next to {@code report.csv}. */
    public static final String FILE_NAME = "report.html";

    private static final DateTimeFormatter WHEN =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private ContactSheet() {
    }

    /**
     * Writes the page.
     *
     * @param ledger   the ledger
     * @param manifest the batch's manifest: its id, times, provider, model and counts make the header, its
     *                 {@code rows} is the catalogue's row count (a row number without a ledger line, never
     *                 expected, is listed as FAILED, as in {@code report.csv})
     * @param page     the URI the page will have once stored, for example {@code file:/out/demo-1/report.html};
     *                 only images beside it are shown (linked relatively), any other is named as text
     * @param out      where the HTML goes (the caller writes it as UTF-8, which the page declares)
     * @return the number of thumbnails on the page
     * @throws UncheckedIOException     when {@code out} fails
     * @throws IllegalArgumentException when a row is not in a final state (the batch is not finished)
     */
    public static long write(TaskLedger ledger, BatchManifest manifest, URI page, Appendable out) {
        try {
            head(manifest, out);
            problems(ledger, manifest, out);
            contentRefusals(ledger, manifest, out);
            long thumbnails = successes(ledger, manifest, page, out);
            out.append("</main>\n<footer>Written by ImageBatch from the batch&#39;s ledger. ")
                    .append("<a href=\"./report.csv\">report.csv</a> has the same rows with task ids, SHA-256 and ")
                    .append("sizes; <a href=\"./manifest.json\">manifest.json</a> the totals.</footer>\n")
                    .append("</body>\n</html>\n");
            return thumbnails;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the contact sheet of batch " + manifest.batchId(), e);
        }
    }

    private static void head(BatchManifest m, Appendable out) throws IOException {
        out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<meta name=\"referrer\" content=\"no-referrer\">\n")
                // belt and braces to the escaping: even injected markup could run no script and load nothing from
                // elsewhere ('self' for a website; file: too, as some browsers give each local file its own origin)
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; ")
                .append("img-src 'self' file:; style-src 'unsafe-inline'\">\n<title>");
        if (m.sandbox()) {
            out.append("SANDBOX \u00b7 ");
        }
        Html.escape(m.batchId(), out);
        out.append(" \u00b7 ImageBatch contact sheet</title>\n<style>\n").append(ContactSheetStyle.CSS)
                .append("</style>\n</head>\n<body>\n<header class=\"top\">\n")
                .append("<p class=\"kicker\">ImageBatch contact sheet</p>\n");
        if (m.sandbox()) {
            out.append("<p class=\"sandbox\"><b>SANDBOX</b>: these images are placeholders drawn by the built-in"
                    + " sandbox provider; nothing was sent to a real provider</p>\n");
        }
        out.append("<h1>");
        Html.escape(m.batchId(), out);
        out.append("</h1>\n<dl class=\"facts\">\n");
        fact(out, "Provider / model", providerModel(m.provider(), m.model()));
        fact(out, "Catalogue", fileName(m.catalogue()) + " \u00b7 " + m.rows() + (m.rows() == 1 ? " row" : " rows"));
        time(out, "Started", m.startTime());
        time(out, "Finished", m.endTime());
        fact(out, "Status", m.status());
        out.append("</dl>\n<ul class=\"counts\">\n");
        for (ReportStatus status : ReportStatus.values()) {
            long n = m.count(status);
            if (status == ReportStatus.HELD && n == 0) {
                continue; // only a batch with a budget holds rows
            }
            out.append("<li class=\"").append(cssClass(status)).append(n > 0 ? " nonzero" : "").append("\"><b>")
                    .append(Long.toString(n)).append("</b> ").append(status.name().toLowerCase(Locale.ROOT))
                    .append("</li>\n");
        }
        out.append("</ul>\n<p class=\"files\"><a href=\"./report.csv\">report.csv</a> \u00b7 ")
                .append("<a href=\"./manifest.json\">manifest.json</a></p>\n</header>\n<main>\n");
    }

    private static void problems(TaskLedger ledger, BatchManifest m, Appendable out) throws IOException {
        long refused = ledger.report().refusedForContent(m.batchId()); // shown as a group of their own
        long count = m.count(ReportStatus.REJECTED) + m.count(ReportStatus.FAILED) + m.count(ReportStatus.UNCERTAIN)
                + m.count(ReportStatus.HELD) - refused;
        // the pass runs even when the header counts none, so that an unfinished batch is refused, not misreported
        boolean[] opened = {false};
        Runnable open = () -> {
            if (!opened[0]) {
                opened[0] = true;
                append(out, "<section class=\"problems\" id=\"problems\">\n<h2>Needs attention <span class=\"n\">"
                        + count + "</span></h2>\n<ol class=\"issues\">\n");
            }
        };
        long[] expected = {1};
        ledger.report().forEachInRowOrder(m.batchId(), entry -> {
            ReportStatus status = ReportStatus.of(entry.state());
            while (expected[0] < entry.rowNum()) {
                open.run();
                missing(expected[0]++, out);
            }
            expected[0] = entry.rowNum() + 1;
            if (status != ReportStatus.SUCCEEDED && !refusedForContent(entry)) {
                open.run();
                issue(entry, status, out);
            }
        });
        while (expected[0] <= m.rows()) {
            open.run();
            missing(expected[0]++, out);
        }
        out.append(opened[0] ? "</ol>\n</section>\n"
                : refused > 0 ? "" : "<p class=\"all-good\">Every row succeeded.</p>\n");
    }

    /** A FAILED row the provider refused for its content policy: shown in its own group, not as a technical failure. */
    private static boolean refusedForContent(LedgerEntry entry) {
        return entry.failureKind() == io.imagebatch.ledger.FailureKind.CONTENT_POLICY
                && ReportStatus.of(entry.state()) == ReportStatus.FAILED;
    }

    /**
     * The rows refused for content policy (README, "Content refusals"), as a group of their own after the rows that
     * need attention: nothing when there are none.
     */
    private static void contentRefusals(TaskLedger ledger, BatchManifest m, Appendable out) throws IOException {
        java.util.List<LedgerEntry> refused = new java.util.ArrayList<>();
        ledger.report().forEachInRowOrder(m.batchId(), entry -> {
            if (refusedForContent(entry)) {
                refused.add(entry);
            }
        });
        if (refused.isEmpty()) {
            return;
        }
        out.append("<section class=\"problems content-policy\" id=\"content-policy\">\n<h2>Refused for content"
                + " policy <span class=\"n\">").append(Long.toString(refused.size())).append("</span></h2>\n")
                .append("<p class=\"pm\">The provider would not generate these prompts; retry-failed leaves them"
                        + " unless --include-content-policy is given.</p>\n<ol class=\"issues\">\n");
        for (LedgerEntry entry : refused) {
            issue(entry, ReportStatus.FAILED, out);
        }
        out.append("</ol>\n</section>\n");
    }

    private static long successes(TaskLedger ledger, BatchManifest m, URI page, Appendable out) throws IOException {
        out.append("<section class=\"images\" id=\"images\">\n<h2>Images <span class=\"n\">")
                .append(Long.toString(m.count(ReportStatus.SUCCEEDED))).append("</span></h2>\n<ul class=\"grid\">\n");
        long[] cards = {0};
        long[] thumbnails = {0};
        // a batch with variants: a row's stored variants, read in order, make one card (at most 8 held at once)
        java.util.List<LedgerEntry> group = new java.util.ArrayList<>();
        ledger.report().forEachInRowOrder(m.batchId(), entry -> {
            if (ReportStatus.of(entry.state()) == ReportStatus.SUCCEEDED) {
                cards[0]++;
                if (m.variants() != null) {
                    if (!group.isEmpty() && group.get(0).rowNum() != entry.rowNum()) {
                        thumbnails[0] += group(group, page, out);
                        group.clear();
                    }
                    group.add(entry);
                } else if (card(entry, page, out)) {
                    thumbnails[0]++;
                }
            }
        });
        if (!group.isEmpty()) {
            thumbnails[0] += group(group, page, out);
        }
        out.append("</ul>\n");
        if (cards[0] == 0) {
            out.append("<p class=\"pm\">No image was stored.</p>\n");
        }
        out.append("</section>\n");
        return thumbnails[0];
    }

    private static void issue(LedgerEntry e, ReportStatus status, Appendable out) {
        try {
            out.append("<li class=\"issue ").append(cssClass(status)).append("\" id=\"row-")
                    .append(Long.toString(e.rowNum())).append("\">\n<div class=\"head\">");
            badge(status, out);
            if (e.failureKind() != null) {
                // the report's "failure" column: paid, result not stored, or generation failed
                out.append(" <span class=\"failure\">");
                Html.escape(e.failureKind().label(), out);
                out.append("</span>");
            }
            rowAndId(e.rowNum(), e.rowId(), out);
            if (e.taskId() != null) {
                out.append(" <span class=\"pm\">task <code>");
                Html.escape(e.taskId(), out);
                out.append("</code></span>");
            }
            out.append(" <span class=\"pm\">");
            Html.escape(providerModel(e.provider(), e.model()), out);
            out.append("</span></div>\n<p class=\"reason\">");
            Html.escape(reason(e), out);
            out.append("</p>\n");
            prompt(e.prompt(), out);
            out.append("</li>\n");
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }

    private static void missing(long rowNum, Appendable out) {
        try {
            out.append("<li class=\"issue s-failed\" id=\"row-").append(Long.toString(rowNum))
                    .append("\">\n<div class=\"head\">");
            badge(ReportStatus.FAILED, out);
            rowAndId(rowNum, null, out);
            out.append("</div>\n<p class=\"reason\">row ").append(Long.toString(rowNum))
                    .append(" has no ledger line (internal error); run the batch again to resume it</p>\n</li>\n");
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }

    /**
     * One row's stored variants side by side in one card (README.md, Variants), the chosen one marked.
     *
     * @return the number of thumbnails in the card
     */
    private static long group(java.util.List<LedgerEntry> variants, URI page, Appendable out) {
        try {
            LedgerEntry first = variants.get(0);
            out.append("<li class=\"card group s-succeeded\" id=\"row-").append(Long.toString(first.rowNum()))
                    .append("\"><div class=\"variants\">\n");
            long thumbnails = 0;
            for (LedgerEntry e : variants) {
                Optional<String> link = SiblingLink.of(page, e.outputUri());
                out.append("<figure class=\"variant").append(e.chosen() ? " chosen" : "").append("\" id=\"row-")
                        .append(Long.toString(e.rowNum())).append("-").append(Integer.toString(e.variant()))
                        .append("\">");
                if (link.isPresent()) {
                    thumbnails++;
                    out.append("<a class=\"thumb\" href=\"");
                    Html.escape(link.get(), out);
                    out.append("\"><img src=\"");
                    Html.escape(link.get(), out);
                    out.append("\" alt=\"");
                    Html.escape("Row " + e.rowNum() + ", " + e.rowId() + ", variant " + e.variant(), out);
                    out.append("\" loading=\"lazy\"></a>");
                } else {
                    out.append("<div class=\"thumb missing\">stored at ");
                    Html.escape(e.outputUri() == null ? "an unknown place" : e.outputUri(), out);
                    out.append("</div>");
                }
                out.append("<figcaption>Variant ").append(Integer.toString(e.variant()))
                        .append(e.chosen() ? " \u00b7 chosen" : "").append("</figcaption></figure>\n");
            }
            out.append("</div>\n<div class=\"body\"><div class=\"head\">");
            rowAndId(first.rowNum(), first.rowId(), out);
            out.append(' ');
            badge(ReportStatus.SUCCEEDED, out);
            out.append("</div>\n");
            prompt(first.prompt(), out);
            out.append("<p class=\"pm\">");
            Html.escape(providerModel(first.provider(), first.model()), out);
            out.append("</p></div></li>\n");
            return thumbnails;
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }

    /** @return true when the card has a thumbnail */
    private static boolean card(LedgerEntry e, URI page, Appendable out) {
        try {
            Optional<String> link = SiblingLink.of(page, e.outputUri());
            out.append("<li class=\"card s-succeeded\" id=\"row-").append(Long.toString(e.rowNum())).append("\">");
            if (link.isPresent()) {
                out.append("<a class=\"thumb\" href=\"");
                Html.escape(link.get(), out);
                out.append("\"><img src=\"");
                Html.escape(link.get(), out);
                out.append("\" alt=\"");
                Html.escape("Row " + e.rowNum() + ", " + e.rowId(), out);
                out.append("\" loading=\"lazy\"></a>");
            } else {
                // never expected (images are written beside the report); say where it is instead of linking out
                out.append("<div class=\"thumb missing\">stored at ");
                Html.escape(e.outputUri() == null ? "an unknown place" : e.outputUri(), out);
                out.append("</div>");
            }
            out.append("\n<div class=\"body\"><div class=\"head\">");
            rowAndId(e.rowNum(), e.rowId(), out);
            out.append(' ');
            badge(ReportStatus.SUCCEEDED, out);
            out.append("</div>\n");
            prompt(e.prompt(), out);
            out.append("<p class=\"pm\">");
            Html.escape(providerModel(e.provider(), e.model()), out);
            out.append("</p></div></li>\n");
            return link.isPresent();
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }

    private static void append(Appendable out, String text) {
        try {
            out.append(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void badge(ReportStatus status, Appendable out) throws IOException {
        out.append("<span class=\"badge\">").append(status.name()).append("</span>");
    }

    private static void rowAndId(long rowNum, String rowId, Appendable out) throws IOException {
        out.append(" <span class=\"row\">Row ").append(Long.toString(rowNum)).append("</span>");
        if (rowId != null) {
            out.append(" <code class=\"id\">");
            Html.escape(rowId, out);
            out.append("</code>");
        }
    }

    private static void prompt(String prompt, Appendable out) throws IOException {
        out.append("<p class=\"prompt\">");
        Html.escape(prompt == null || prompt.isEmpty() ? "(no prompt)" : prompt, out);
        out.append("</p>\n");
    }

    private static void fact(Appendable out, String name, String value) throws IOException {
        out.append("<div><dt>").append(name).append("</dt><dd>");
        Html.escape(value, out);
        out.append("</dd></div>\n");
    }

    private static void time(Appendable out, String name, Instant when) throws IOException {
        if (when == null) {
            fact(out, name, "unknown");
            return;
        }
        out.append("<div><dt>").append(name).append("</dt><dd><time datetime=\"").append(when.toString())
                .append("\">").append(WHEN.format(when)).append("</time></dd></div>\n");
    }

    private static String reason(LedgerEntry e) {
        String reason = e.error() == null || e.error().isBlank() ? "no reason was recorded" : e.error();
        if (e.errorCode() != null && !e.errorCode().isBlank() && !reason.contains(e.errorCode())) {
            reason += " (code " + e.errorCode() + ")";
        }
        return reason;
    }

    private static String providerModel(String provider, String model) {
        if (provider == null) {
            return "no provider";
        }
        return model == null ? provider : provider + " / " + model;
    }

    private static String fileName(String path) {
        if (path == null) {
            return "unknown catalogue";
        }
        int cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
        return path.substring(cut + 1);
    }

    private static String cssClass(ReportStatus status) {
        return "s-" + status.name().toLowerCase(Locale.ROOT);
    }
}
