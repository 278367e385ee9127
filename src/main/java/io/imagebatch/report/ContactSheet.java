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
 * prompt with markup in it shows as text. The page is written in streaming passes over the ledger (problems,
 * content refusals, then successes), so memory does not grow with the catalogue.
 *
 * <p>Paged ({@link #writePages}; README.md, "Output and the report"): a large batch's sheet is split into pages of at
 * most {@code pageSize} entries (an entry is one problem row, one refused row or one image card; the problems
 * come first, then the refusals, then the images, each in row order), so that a browser can open each page (a
 * million rows on one page are about 500 MB of HTML). Page 1 is {@code report.html}, the name users know; page
 * {@code n} is {@code report-n.html} ({@link #fileName(int)}), beside it. Every page has the batch's header (its
 * counts are the whole batch's) and, when there is more than one page, links to the first, previous, next and last
 * pages and to the page numbers around it. A batch that fits on one page gets exactly the page {@link #write}
 * writes, without links.
 */
public final class ContactSheet {

    /** The page's file name, next to {@code report.csv}. */
    public static final String FILE_NAME = "report.html";

    private static final DateTimeFormatter WHEN =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private ContactSheet() {
    }

    /** Entries per page of the contact sheet by default ({@code imagebatch.report.contact-sheet-page-size}). */
    public static final int DEFAULT_PAGE_SIZE = 1000;

    /**
     * The setting's placeholder with its default, for {@code @Value}: every writer of a batch's contact sheet (the
     * report step, {@code reject}, {@code choose}) pages it the same way.
     */
    public static final String PAGE_SIZE_SETTING = "${imagebatch.report.contact-sheet-page-size:"
            + DEFAULT_PAGE_SIZE + "}";

    /** Page numbers linked either side of the current page; the first and last pages are always linked. */
    private static final int NEIGHBOURS = 5;

    /**
     * The file name of a page of the contact sheet.
     *
     * @param page the page number, 1 first
     * @return {@code report.html} for page 1, {@code report-<page>.html} for any other
     * @throws IllegalArgumentException when {@code page} is less than 1
     */
    public static String fileName(int page) {
        if (page < 1) {
            throw new IllegalArgumentException("page " + page + ": pages start at 1");
        }
        return page == 1 ? FILE_NAME : "report-" + page + ".html";
    }

    /**
     * Where the pages of a paged contact sheet go, one at a time: {@link #open} of page {@code n + 1} is called
     * only after {@link #close} of page {@code n}.
     */
    public interface Pages {

        /**
         * @param page the page number, 1 first
         * @return where the page's HTML goes (the caller writes it as UTF-8, which the page declares)
         * @throws IOException when the page cannot be opened
         */
        Appendable open(int page) throws IOException;

        /**
         * The page is complete.
         *
         * @param page the page number, 1 first
         * @throws IOException when the page cannot be finished (flushed, stored)
         */
        void close(int page) throws IOException;
    }

    /**
     * What {@link #writePages} wrote.
     *
     * @param thumbnails the number of thumbnails on all pages
     * @param pages      the number of pages, 1 or more
     */
    public record Written(long thumbnails, int pages) {
    }

    /**
     * Writes the page: the whole contact sheet on one page, without links to other pages.
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
        Pages one = new Pages() {
            @Override
            public Appendable open(int number) {
                return out;
            }

            @Override
            public void close(int number) {
            }
        };
        return write(ledger, manifest, page, 1, Integer.MAX_VALUE, one).thumbnails();
    }

    /**
     * Writes the contact sheet in pages of at most {@code pageSize} entries (see {@link ContactSheet}): one more
     * streaming pass over the ledger first counts the entries, so that every page can link to the last one. At
     * most one page's entry (and a row's up to 8 variants) is held in memory at a time.
     *
     * @param ledger    the ledger
     * @param manifest  the batch's manifest, as for {@link #write}
     * @param firstPage the URI page 1 ({@code report.html}) will have once stored; the other pages are beside it
     * @param pageSize  entries per page, 1 or more (default {@value #DEFAULT_PAGE_SIZE})
     * @param pages     where each page goes
     * @return the thumbnails written and the number of pages
     * @throws UncheckedIOException     when a page cannot be opened, written or closed
     * @throws IllegalArgumentException when {@code pageSize} is less than 1, or a row is not in a final state
     */
    public static Written writePages(TaskLedger ledger, BatchManifest manifest, URI firstPage, int pageSize,
            Pages pages) {
        if (pageSize < 1) {
            throw new IllegalArgumentException("contact sheet page size " + pageSize + ": a page has 1 entry or more");
        }
        long entries = countEntries(ledger, manifest);
        long needed = Math.max(1, (entries + pageSize - 1) / pageSize);
        if (needed > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("contact sheet page size " + pageSize + " makes " + needed
                    + " pages; use a larger one");
        }
        return write(ledger, manifest, firstPage, (int) needed, pageSize, pages);
    }

    private static Written write(TaskLedger ledger, BatchManifest manifest, URI page, int pageCount, int pageSize,
            Pages pages) {
        try {
            Pager pager = new Pager(manifest, pageCount, pageSize, pages);
            pager.start();
            problems(ledger, manifest, pager);
            contentRefusals(ledger, manifest, pager);
            long thumbnails = successes(ledger, manifest, page, pager);
            pager.finish();
            return new Written(thumbnails, pager.number);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the contact sheet of batch " + manifest.batchId(), e);
        }
    }

    /**
     * The entries the pages will hold, counted as {@link #problems}, {@link #contentRefusals} and
     * {@link #successes} write them: one per problem line (and per row number without a line), one per refused
     * line, one per card (a row's stored variants make one card).
     */
    private static long countEntries(TaskLedger ledger, BatchManifest m) {
        long[] count = {0};
        long[] expected = {1};
        long[] lastCardRow = {0};
        ledger.report().forEachInRowOrder(m.batchId(), entry -> {
            if (expected[0] < entry.rowNum()) {
                count[0] += entry.rowNum() - expected[0];
            }
            expected[0] = Math.max(expected[0], entry.rowNum() + 1);
            if (ReportStatus.of(entry.state()) != ReportStatus.SUCCEEDED) {
                count[0]++;
            } else if (m.variants() == null || lastCardRow[0] != entry.rowNum()) {
                count[0]++;
                lastCardRow[0] = entry.rowNum();
            }
        });
        if (expected[0] <= m.rows()) {
            count[0] += m.rows() - expected[0] + 1;
        }
        return count[0];
    }

    /**
     * Writes entries onto pages: opens page 1 with its header, moves to the next page when one is full (closing
     * the open section there and opening it again on the next page), and ends the last page with its footer.
     */
    private static final class Pager {

        private final BatchManifest manifest;
        private final int pageCount;
        private final int pageSize;
        private final Pages pages;
        private Appendable out;
        private int number;
        private long onPage;
        /** The section entries go into now, or null; and whether its opening is on the current page. */
        private String sectionOpen;
        private String sectionClose;
        private boolean sectionShown;

        Pager(BatchManifest manifest, int pageCount, int pageSize, Pages pages) {
            this.manifest = manifest;
            this.pageCount = pageCount;
            this.pageSize = pageSize;
            this.pages = pages;
        }

        void start() throws IOException {
            number = 1;
            out = pages.open(1);
            head(manifest, number, pageCount, out);
        }

        /** The next entries go into this section; its opening is written before its first entry on each page. */
        void section(String open, String close) throws IOException {
            endSection();
            sectionOpen = open;
            sectionClose = close;
            sectionShown = false;
        }

        /** Closes the current section on this page, when it was opened here. */
        void endSection() throws IOException {
            if (sectionShown) {
                out.append(sectionClose);
            }
            sectionOpen = null;
            sectionClose = null;
            sectionShown = false;
        }

        /** @return where the next entry goes: the current page, or the next one when this one is full */
        Appendable entry() throws IOException {
            if (onPage == pageSize) {
                next();
            }
            if (!sectionShown && sectionOpen != null) {
                out.append(sectionOpen);
                sectionShown = true;
            }
            onPage++;
            return out;
        }

        /** @return where text outside any entry goes now (the current page) */
        Appendable out() {
            return out;
        }

        private void next() throws IOException {
            if (sectionShown) {
                out.append(sectionClose);
            }
            sectionShown = false;
            end();
            number++;
            out = pages.open(number);
            onPage = 0;
            head(manifest, number, pageCount, out);
        }

        void finish() throws IOException {
            endSection();
            end();
        }

        private void end() throws IOException {
            out.append("</main>\n");
            nav(number, Math.max(number, pageCount), out);
            out.append("<footer>Written by ImageBatch from the batch&#39;s ledger. ")
                    .append("<a href=\"./report.csv\">report.csv</a> has the same rows with task ids, SHA-256 and ")
                    .append("sizes; <a href=\"./manifest.json\">manifest.json</a> the totals.</footer>\n")
                    .append("</body>\n</html>\n");
            pages.close(number);
        }
    }

    /**
     * The links between pages (nothing for a sheet of one page): first, previous, the page numbers around this
     * one (and the first and last), next, last; the current page is marked {@code aria-current="page"}.
     */
    private static void nav(int page, int pageCount, Appendable out) throws IOException {
        if (pageCount <= 1) {
            return;
        }
        out.append("<nav class=\"pages\" aria-label=\"Pages of the contact sheet\">\n");
        link(out, 1, page > 1, "first", "First");
        link(out, page - 1, page > 1, "prev", "Previous");
        int from = Math.max(1, page - NEIGHBOURS);
        int to = Math.min(pageCount, page + NEIGHBOURS);
        if (from > 1) {
            numberLink(out, 1, page);
            if (from > 2) {
                out.append("<span class=\"gap\">\u2026</span>\n");
            }
        }
        for (int n = from; n <= to; n++) {
            numberLink(out, n, page);
        }
        if (to < pageCount) {
            if (to < pageCount - 1) {
                out.append("<span class=\"gap\">\u2026</span>\n");
            }
            numberLink(out, pageCount, page);
        }
        link(out, page + 1, page < pageCount, "next", "Next");
        link(out, pageCount, page < pageCount, "last", "Last");
        out.append("</nav>\n");
    }

    private static void link(Appendable out, int target, boolean enabled, String rel, String text)
            throws IOException {
        if (enabled) {
            out.append("<a class=\"").append(rel).append("\" rel=\"").append(rel).append("\" href=\"./")
                    .append(fileName(target)).append("\">").append(text).append("</a>\n");
        } else {
            out.append("<span class=\"").append(rel).append(" off\">").append(text).append("</span>\n");
        }
    }

    private static void numberLink(Appendable out, int target, int page) throws IOException {
        if (target == page) {
            out.append("<span class=\"page\" aria-current=\"page\">").append(Integer.toString(target))
                    .append("</span>\n");
        } else {
            out.append("<a class=\"page\" href=\"./").append(fileName(target)).append("\">")
                    .append(Integer.toString(target)).append("</a>\n");
        }
    }

    private static void head(BatchManifest m, int page, int pageCount, Appendable out) throws IOException {
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
        if (pageCount > 1) {
            out.append(" \u00b7 page ").append(Integer.toString(page)).append(" of ")
                    .append(Integer.toString(pageCount));
        }
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
                .append("<a href=\"./manifest.json\">manifest.json</a></p>\n</header>\n");
        nav(page, pageCount, out);
        out.append("<main>\n");
    }

    private static void problems(TaskLedger ledger, BatchManifest m, Pager pager) throws IOException {
        long refused = ledger.report().refusedForContent(m.batchId()); // shown as a group of their own
        long count = m.count(ReportStatus.REJECTED) + m.count(ReportStatus.FAILED) + m.count(ReportStatus.UNCERTAIN)
                + m.count(ReportStatus.HELD) - refused;
        // the pass runs even when the header counts none, so that an unfinished batch is refused, not misreported
        pager.section("<section class=\"problems\" id=\"problems\">\n<h2>Needs attention <span class=\"n\">"
                + count + "</span></h2>\n<ol class=\"issues\">\n", "</ol>\n</section>\n");
        boolean[] any = {false};
        long[] expected = {1};
        ledger.report().forEachInRowOrder(m.batchId(), entry -> {
            ReportStatus status = ReportStatus.of(entry.state());
            while (expected[0] < entry.rowNum()) {
                any[0] = true;
                missing(expected[0]++, entry(pager));
            }
            expected[0] = entry.rowNum() + 1;
            if (status != ReportStatus.SUCCEEDED && !refusedForContent(entry)) {
                any[0] = true;
                issue(entry, status, entry(pager));
            }
        });
        while (expected[0] <= m.rows()) {
            any[0] = true;
            missing(expected[0]++, entry(pager));
        }
        pager.endSection();
        if (!any[0] && refused == 0) {
            pager.out().append("<p class=\"all-good\">Every row succeeded.</p>\n");
        }
    }

    /** The pager's output for the next entry (a new page when the current one is full). */
    private static Appendable entry(Pager pager) {
        try {
            return pager.entry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A FAILED row the provider refused for its content policy: shown in its own group, not as a technical failure. */
    private static boolean refusedForContent(LedgerEntry entry) {
        return entry.failureKind() == io.imagebatch.ledger.FailureKind.CONTENT_POLICY
                && ReportStatus.of(entry.state()) == ReportStatus.FAILED;
    }

    /**
     * The rows refused for content policy (README, "Content refusals"), as a group of their own after the rows that
     * need attention: nothing when there are none. Streamed like the other groups (none is held in memory).
     */
    private static void contentRefusals(TaskLedger ledger, BatchManifest m, Pager pager) throws IOException {
        long refused = ledger.report().refusedForContent(m.batchId());
        if (refused == 0) {
            return;
        }
        pager.section("<section class=\"problems content-policy\" id=\"content-policy\">\n<h2>Refused for content"
                + " policy <span class=\"n\">" + refused + "</span></h2>\n"
                + "<p class=\"pm\">The provider would not generate these prompts; retry-failed leaves them"
                + " unless --include-content-policy is given.</p>\n<ol class=\"issues\">\n", "</ol>\n</section>\n");
        ledger.report().forEachInRowOrder(m.batchId(), entry -> {
            if (refusedForContent(entry)) {
                issue(entry, ReportStatus.FAILED, entry(pager));
            }
        });
        pager.endSection();
    }

    private static long successes(TaskLedger ledger, BatchManifest m, URI page, Pager pager) throws IOException {
        String open = "<section class=\"images\" id=\"images\">\n<h2>Images <span class=\"n\">"
                + m.count(ReportStatus.SUCCEEDED) + "</span></h2>\n<ul class=\"grid\">\n";
        pager.section(open, "</ul>\n</section>\n");
        long[] cards = {0};
        long[] thumbnails = {0};
        // a batch with variants: a row's stored variants, read in order, make one card (at most 8 held at once)
        java.util.List<LedgerEntry> group = new java.util.ArrayList<>();
        ledger.report().forEachInRowOrder(m.batchId(), entry -> {
            if (ReportStatus.of(entry.state()) == ReportStatus.SUCCEEDED) {
                cards[0]++;
                if (m.variants() != null) {
                    if (!group.isEmpty() && group.get(0).rowNum() != entry.rowNum()) {
                        thumbnails[0] += group(group, page, entry(pager));
                        group.clear();
                    }
                    group.add(entry);
                } else if (card(entry, page, entry(pager))) {
                    thumbnails[0]++;
                }
            }
        });
        if (!group.isEmpty()) {
            thumbnails[0] += group(group, page, entry(pager));
        }
        pager.endSection();
        if (cards[0] == 0) {
            pager.out().append(open).append("</ul>\n<p class=\"pm\">No image was stored.</p>\n</section>\n");
        }
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
