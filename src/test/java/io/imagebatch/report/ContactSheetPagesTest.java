package io.imagebatch.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagebatch.ledger.RowState;
import io.imagebatch.report.LedgerFixture.Line;
import java.io.Writer;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Test;

/**
 * The paged contact sheet ({@link ContactSheet#writePages}), written from a real ledger (H2) and read back with a
 * real HTML parser: every row on exactly one page, no page over its size, and links between pages that lead to
 * pages that exist.
 */
class ContactSheetPagesTest {

    private static final String BATCH = "pages-0123456789ab";
    private static final URI PAGE = URI.create("file:/out/" + BATCH + "/report.html");

    private final LedgerFixture fixture = new LedgerFixture();

    private BatchManifest manifest(long rows) {
        BatchFacts facts = new BatchFacts(BATCH, "/data/catalogue.csv", "ab".repeat(32), rows, "liangxin",
                "nano-banana-pro-flash", "file:/out");
        BatchTally tally = ResultsReport.write(fixture.ledger, BATCH, rows, Writer.nullWriter());
        return BatchManifest.of(facts, tally, "COMPLETED", Instant.parse("2025-05-01T09:00:00Z"),
                Instant.parse("2025-05-01T09:00:15Z"), null);
    }

    /** Writes the pages into memory, by file name, in the order they were written. */
    private Map<String, Document> writePages(long rows, int pageSize) {
        Map<String, StringBuilder> html = new LinkedHashMap<>();
        ContactSheet.Written written = ContactSheet.writePages(fixture.ledger, manifest(rows), PAGE, pageSize,
                new ContactSheet.Pages() {
                    @Override
                    public Appendable open(int page) {
                        StringBuilder text = new StringBuilder();
                        assertThat(html.put(ContactSheet.fileName(page), text)).as("page %d opened once", page)
                                .isNull();
                        return text;
                    }

                    @Override
                    public void close(int page) {
                        assertThat(html).containsKey(ContactSheet.fileName(page));
                    }
                });
        assertThat(html).hasSize(written.pages());
        Map<String, Document> docs = new LinkedHashMap<>();
        html.forEach((name, text) -> docs.put(name, Jsoup.parse(text.toString(), "")));
        assertThat(docs.values().stream().mapToLong(d -> d.select("img").size()).sum())
                .isEqualTo(written.thumbnails());
        return docs;
    }

    /** 2,500 rows: stored, failed, rejected, refused for content, uncertain, and rows with no ledger line. */
    private void fillMixedLedger(long rows) {
        List<Line> lines = new ArrayList<>();
        for (long n = 1; n <= rows; n++) {
            String id = "R" + n;
            if (n % 97 == 0) {
                continue; // no ledger line: listed as FAILED (internal error)
            } else if (n % 13 == 0) {
                lines.add(Line.problem(n, id, RowState.FAILED, "prompt " + n, "generation failed"));
            } else if (n % 17 == 0) {
                lines.add(Line.problem(n, id, RowState.REJECTED, "prompt " + n, "row " + n + ", column prompt: empty"));
            } else if (n % 29 == 0) {
                lines.add(Line.problem(n, id, RowState.UNCERTAIN, "prompt " + n, "the create call timed out"));
            } else {
                lines.add(Line.stored(n, id, "prompt " + n, "file:/out/" + BATCH + "/" + id + ".png", n));
            }
        }
        fixture.insert(BATCH, lines);
        // some failures are content refusals: their own group, between the problems and the images
        org.springframework.jdbc.core.simple.JdbcClient.create(fixture.dataSource).sql("UPDATE IB_TASK_LEDGER SET"
                + " FAILURE_KIND = 'CONTENT_POLICY' WHERE BATCH_ID = ? AND STATE = 'FAILED' AND MOD(ROW_NUM, 2) = 0")
                .param(BATCH).update();
    }

    @Test
    void everyRowIsOnExactlyOnePageAndNoPageHoldsMoreThanItsSize() {
        long rows = 2_500;
        fillMixedLedger(rows);

        Map<String, Document> pages = writePages(rows, 100);

        assertThat(pages).hasSize(25); // one entry per row here: 2,500 / 100
        assertThat(pages.keySet()).first().isEqualTo("report.html");
        assertThat(pages.keySet()).element(1).isEqualTo("report-2.html");
        Map<String, String> pageOfRow = new HashMap<>();
        pages.forEach((name, doc) -> {
            List<Element> entries = doc.select("li.issue, li.card");
            assertThat(entries).as("entries on %s", name).hasSizeBetween(1, 100);
            for (Element entry : entries) {
                assertThat(pageOfRow.put(entry.id(), name)).as("%s is on %s and another page", entry.id(), name)
                        .isNull();
            }
            // every page says what the batch is, with the whole batch's counts
            assertThat(doc.selectFirst("h1").text()).isEqualTo(BATCH);
            assertThat(doc.select(".counts li").first().text()).endsWith("succeeded");
            assertThat(doc.title()).contains("page " + (List.copyOf(pages.keySet()).indexOf(name) + 1) + " of 25");
            ContactSheetTest.assertNoExternalReferences(doc);
        });
        for (long n = 1; n <= rows; n++) {
            assertThat(pageOfRow).as("row %d", n).containsKey("row-" + n);
        }
        assertThat(pageOfRow).hasSize((int) rows);
        // the order is kept across pages: problems, then content refusals, then images
        List<String> sections = new ArrayList<>();
        pages.values().forEach(doc -> doc.select("main > section").forEach(s -> {
            if (sections.isEmpty() || !sections.get(sections.size() - 1).equals(s.id())) {
                sections.add(s.id());
            }
        }));
        assertThat(sections).containsExactly("problems", "content-policy", "images");
    }

    @Test
    void theLinksLeadFromEveryPageToTheFirstPreviousNextLastAndNearbyPages() {
        long rows = 2_000;
        fillMixedLedger(rows);

        Map<String, Document> pages = writePages(rows, 100);
        List<String> names = List.copyOf(pages.keySet());

        assertThat(names).hasSize(20);
        for (int i = 0; i < names.size(); i++) {
            Document doc = pages.get(names.get(i));
            for (Element nav : doc.select("nav.pages")) {
                assertThat(href(nav, "a.first")).isEqualTo(i == 0 ? null : "./report.html");
                assertThat(href(nav, "a.prev")).isEqualTo(i == 0 ? null : "./" + names.get(i - 1));
                assertThat(href(nav, "a.next")).isEqualTo(i == names.size() - 1 ? null : "./" + names.get(i + 1));
                assertThat(href(nav, "a.last")).isEqualTo(i == names.size() - 1 ? null : "./report-20.html");
                assertThat(nav.selectFirst("[aria-current=page]").text()).isEqualTo(Integer.toString(i + 1));
                // every link is to a page that exists, and a number leads to the page of that number
                for (Element a : nav.select("a")) {
                    String target = a.attr("href").substring(2);
                    assertThat(pages).as("link %s on %s", a.attr("href"), names.get(i)).containsKey(target);
                    if (a.hasClass("page")) {
                        assertThat(names.indexOf(target) + 1).isEqualTo(Integer.parseInt(a.text()));
                    }
                }
                // the first and last page are always linked by number, and the pages either side of this one
                List<String> numbers = nav.select(".page").eachText();
                assertThat(numbers).contains("1", "20", Integer.toString(i + 1));
                if (i > 0) {
                    assertThat(numbers).contains(Integer.toString(i));
                }
                if (i < names.size() - 1) {
                    assertThat(numbers).contains(Integer.toString(i + 2));
                }
            }
            assertThat(doc.select("nav.pages")).as("links above and below the entries").hasSize(2);
        }
        // following "next" from report.html visits every page once, in order
        List<String> visited = new ArrayList<>();
        for (String at = "report.html"; at != null; ) {
            visited.add(at);
            String next = href(pages.get(at).selectFirst("nav.pages"), "a.next");
            at = next == null ? null : next.substring(2);
        }
        assertThat(visited).containsExactlyElementsOf(names);
    }

    @Test
    void aBatchThatFitsOnOnePageIsThePageWithoutLinks() {
        fillMixedLedger(50);

        Map<String, Document> pages = writePages(50, ContactSheet.DEFAULT_PAGE_SIZE);

        assertThat(pages).containsOnlyKeys("report.html");
        Document doc = pages.get("report.html");
        assertThat(doc.select("nav.pages")).isEmpty();
        assertThat(doc.select("li.issue, li.card")).hasSize(50);
        StringBuilder single = new StringBuilder();
        ContactSheet.write(fixture.ledger, manifest(50), PAGE, single);
        assertThat(doc.outerHtml()).isEqualTo(Jsoup.parse(single.toString(), "").outerHtml());
    }

    @Test
    void aPageSizeBelowOneIsRefused() {
        assertThatThrownBy(() -> ContactSheet.writePages(fixture.ledger, manifest(1), PAGE, 0, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("page size 0");
    }

    private static String href(Element nav, String selector) {
        Element a = nav.selectFirst(selector);
        return a == null ? null : a.attr("href");
    }
}
