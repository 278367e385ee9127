package io.imagebatch.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagebatch.ledger.RowState;
import io.imagebatch.report.LedgerFixture.Line;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contact sheet, written from a real ledger (H2) and read back with a real HTML parser. */
class ContactSheetTest {

    private static final String BATCH = "sheet-0123456789ab";
    private static final URI PAGE = URI.create("file:/out/" + BATCH + "/report.html");

    @TempDir
    Path dir;

    private final LedgerFixture fixture = new LedgerFixture();

    private static String image(String rowId) {
        return "file:/out/" + BATCH + "/" + rowId + ".png";
    }

    private static BatchManifest manifest(long rows, BatchTally tally) {
        BatchFacts facts = new BatchFacts(BATCH, "/data/catalogue.csv", "ab".repeat(32), rows, "liangxin",
                "nano-banana-pro-flash", "file:/out");
        return BatchManifest.of(facts, tally, "COMPLETED", Instant.parse("2025-05-01T09:00:00Z"),
                Instant.parse("2025-05-01T09:00:15Z"), null);
    }

    /** The manifest as the report step makes it: with the counts of report.csv. */
    private BatchManifest manifest(long rows) {
        return manifest(rows, ResultsReport.write(fixture.ledger, BATCH, rows, Writer.nullWriter()));
    }

    private Document write(long rows) {
        StringBuilder html = new StringBuilder();
        long thumbnails = ContactSheet.write(fixture.ledger, manifest(rows), PAGE, html);
        Document doc = Jsoup.parse(html.toString(), "");
        assertThat(doc.select("img")).hasSize((int) thumbnails);
        return doc;
    }

    @Test
    void problemsComeFirstInRowOrderWithTheirReasonsThenTheImagesInCatalogueOrder() {
        fixture.insert(BATCH, List.of(
                Line.stored(1, "A1", "a red chair", image("A1"), 1000),
                Line.problem(2, "A2", RowState.REJECTED, "a blue chair",
                        "row 2, column aspect_ratio: \"7:3\" is not accepted"),
                Line.stored(3, "A3", "a green lamp", image("A3"), 2000),
                Line.problem(4, "A4", RowState.FAILED, "a lamp", "generation failed: content policy"),
                Line.problem(5, "A5", RowState.UNCERTAIN, "a rug", "the create call timed out"),
                // row 6 has no ledger line at all; row 8 neither (the catalogue has 8 rows)
                Line.stored(7, "A7", "a vase", image("A7"), 3000)));

        Document doc = write(8);

        List<Element> issues = doc.select("section.problems li.issue");
        assertThat(issues).extracting(e -> e.id()).containsExactly("row-2", "row-4", "row-5", "row-6", "row-8");
        assertThat(issues).extracting(e -> e.selectFirst(".badge").text())
                .containsExactly("REJECTED", "FAILED", "UNCERTAIN", "FAILED", "FAILED");
        assertThat(issues.get(0).selectFirst(".reason").text())
                .isEqualTo("row 2, column aspect_ratio: \"7:3\" is not accepted");
        assertThat(issues.get(0).selectFirst(".prompt").text()).isEqualTo("a blue chair");
        assertThat(issues.get(0).selectFirst(".id").text()).isEqualTo("A2");
        assertThat(issues.get(1).selectFirst(".reason").text()).contains("content policy").contains("code 500");
        assertThat(issues.get(1).text()).contains("task-4").contains("liangxin / nano-banana-pro-flash");
        assertThat(issues.get(2).selectFirst(".reason").text()).isEqualTo("the create call timed out");
        assertThat(issues.get(3).selectFirst(".reason").text()).contains("row 6 has no ledger line");

        List<Element> cards = doc.select("section.images li.card");
        assertThat(cards).extracting(e -> e.id()).containsExactly("row-1", "row-3", "row-7");
        assertThat(cards).extracting(e -> e.selectFirst("img").attr("src"))
                .containsExactly("./A1.png", "./A3.png", "./A7.png");
        assertThat(cards).allSatisfy(card -> {
            assertThat(card.selectFirst("img").attr("loading")).isEqualTo("lazy");
            assertThat(card.selectFirst(".badge").text()).isEqualTo("SUCCEEDED");
            assertThat(card.selectFirst(".pm").text()).isEqualTo("liangxin / nano-banana-pro-flash");
        });
        assertThat(cards.get(1).selectFirst(".prompt").text()).isEqualTo("a green lamp");
        assertThat(cards.get(1).selectFirst(".row").text()).isEqualTo("Row 3");

        // every problem precedes the first image in document order
        String html = doc.outerHtml();
        assertThat(html.indexOf("id=\"row-8\"")).isLessThan(html.indexOf("<img"));

        // the header
        assertThat(doc.selectFirst("h1").text()).isEqualTo(BATCH);
        assertThat(doc.select(".counts li")).extracting(Element::text)
                .containsExactly("3 succeeded", "1 rejected", "3 failed", "1 uncertain");
        assertThat(doc.select("time")).extracting(e -> e.attr("datetime"))
                .containsExactly("2025-05-01T09:00:00Z", "2025-05-01T09:00:15Z");
        assertThat(doc.selectFirst(".facts").text()).contains("liangxin / nano-banana-pro-flash")
                .contains("catalogue.csv").contains("8 rows");
    }

    @Test
    void userTextIsShownAsTextNeverAsMarkup() {
        String prompt = "<script>alert(1)</script> & a \"quoted\" 'chair'";
        String rowId = "x\"><img src=https://evil.example/p.png onerror=alert(2)>";
        fixture.insert(BATCH, List.of(
                Line.stored(1, rowId, prompt, image("x_-0badc0de"), 10),
                Line.problem(2, "<b>bold</b>", RowState.REJECTED, "<style>body{display:none}</style>",
                        "row 2, column prompt: <iframe src=//evil.example>")));

        Document doc = write(2);

        assertThat(doc.select("script, iframe, style:not(head style), main b")).isEmpty();
        assertThat(doc.select("img")).hasSize(1);
        assertThat(doc.select("[onerror], [onload]")).isEmpty();
        assertThat(doc.selectFirst("li.card .prompt").text()).isEqualTo(prompt);
        assertThat(doc.selectFirst("li.card .id").text()).isEqualTo(rowId);
        assertThat(doc.selectFirst("li.card img").attr("alt")).isEqualTo("Row 1, " + rowId);
        assertThat(doc.selectFirst("li.issue .id").text()).isEqualTo("<b>bold</b>");
        assertThat(doc.selectFirst("li.issue .reason").text()).isEqualTo("row 2, column prompt: <iframe src=//evil.example>");
        assertThat(doc.selectFirst("li.issue .prompt").text()).isEqualTo("<style>body{display:none}</style>");
        assertNoExternalReferences(doc);
    }

    @Test
    void anImageThatIsNotBesideThePageIsNamedNotLinked() {
        fixture.insert(BATCH, List.of(
                Line.stored(1, "A1", "here", image("A1"), 10),
                Line.stored(2, "A2", "elsewhere", "file:/elsewhere/A2.png", 10),
                Line.stored(3, "A3", "other store", "s3://bucket/" + BATCH + "/A3.png", 10)));

        Document doc = write(3);

        assertThat(doc.select("img")).extracting(e -> e.attr("src")).containsExactly("./A1.png");
        assertThat(doc.select("li.card .thumb.missing")).extracting(Element::text)
                .containsExactly("stored at file:/elsewhere/A2.png", "stored at s3://bucket/" + BATCH + "/A3.png");
        assertNoExternalReferences(doc);
    }

    @Test
    void aRowsVariantsAreSideBySideInOneCardWithTheChosenOneMarked() {
        org.springframework.jdbc.core.simple.JdbcClient jdbc =
                org.springframework.jdbc.core.simple.JdbcClient.create(fixture.dataSource);
        for (long row = 1; row <= 2; row++) {
            for (int variant = 1; variant <= 2; variant++) {
                jdbc.sql("INSERT INTO IB_TASK_LEDGER (BATCH_ID, ROW_NUM, VARIANT, ROW_ID, STATE, PROVIDER, MODEL,"
                        + " PROMPT, TASK_ID, OUTPUT_URI, BYTES, UPDATED_AT) VALUES (?, ?, ?, ?, 'STORED', 'liangxin',"
                        + " 'm', 'a chair', ?, ?, 10, 0)").params(BATCH, row, variant, "A" + row,
                        "task-" + row + "-" + variant, image("A" + row + "-" + variant)).update();
            }
        }
        assertThat(fixture.ledger.choose(BATCH, 1, 2)).isTrue();
        BatchManifest manifest = manifest(2, ResultsReport.write(fixture.ledger, BATCH, 2, List.of(), true,
                Writer.nullWriter())).withVariants(new BatchManifest.Variants(2, 4, List.of()));
        StringBuilder html = new StringBuilder();

        long thumbnails = ContactSheet.write(fixture.ledger, manifest, PAGE, html);

        Document doc = Jsoup.parse(html.toString(), "");
        assertThat(thumbnails).isEqualTo(4);
        assertThat(doc.select("li.card.group")).extracting(e -> e.id()).containsExactly("row-1", "row-2");
        assertThat(doc.select("li#row-1 figure.variant")).extracting(e -> e.id())
                .containsExactly("row-1-1", "row-1-2");
        assertThat(doc.select("li#row-1 figure.variant img")).extracting(e -> e.attr("src"))
                .containsExactly("./A1-1.png", "./A1-2.png");
        assertThat(doc.select("figure.variant.chosen")).extracting(e -> e.id()).containsExactly("row-1-2");
        assertThat(doc.selectFirst("figure.variant.chosen figcaption").text()).isEqualTo("Variant 2 \u00b7 chosen");
        assertNoExternalReferences(doc);
    }

    @Test
    void aBatchWithoutProblemsSaysSo() {
        fixture.insert(BATCH, List.of(Line.stored(1, "A1", "a chair", image("A1"), 10)));
        Document doc = write(1);
        assertThat(doc.select("section.problems")).isEmpty();
        assertThat(doc.selectFirst(".all-good").text()).isEqualTo("Every row succeeded.");
    }

    @Test
    void anUnfinishedBatchIsRefused() {
        fixture.insert(BATCH, List.of(new Line(1, "A1", RowState.RUNNING, "liangxin", "m", "p", "t", null, null,
                null, null)));
        assertThatThrownBy(() -> ContactSheet.write(fixture.ledger, BatchManifest.of(
                new BatchFacts(BATCH, "c", "s", 1, "liangxin", "m", "file:/out"),
                BatchTally.soFar(fixture.ledger, BATCH, 1), "FAILED", null, null, null), PAGE, new StringBuilder()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not final");
    }

    /**
     * 100,000 rows: the page (tens of MB) is streamed to disk. The heap in use at the end of the writing,
     * after a collection, has grown by less than half the page's size, so the page was never held in memory.
     */
    @Test
    void aHundredThousandRowsAreStreamedNotHeld() throws Exception {
        int rows = 100_000;
        String prompt = "Studio product photo of a linen armchair in oat, mid-century style, soft daylight,"
                + " seamless background, e-commerce catalogue shot";
        fixture.insert(BATCH, () -> LongStream.rangeClosed(1, rows).mapToObj(n -> n % 1000 == 0
                ? Line.problem(n, "SKU-" + n, RowState.REJECTED, prompt, "row " + n + ", column colour: empty")
                : Line.stored(n, "SKU-" + n, prompt, image("SKU-" + n), 1000)).iterator());
        // counted by hand: a counting pass over 100,000 ledger lines would only slow the test
        BatchManifest manifest = manifest(rows, new BatchTally(Map.of(ReportStatus.SUCCEEDED, (long) rows - rows / 1000,
                ReportStatus.REJECTED, (long) rows / 1000), rows, 0, 1000L * (rows - rows / 1000)));
        System.gc();
        long before = usedHeap();
        long[] grown = {0};
        boolean[] probed = {false};
        Path page = dir.resolve("report.html");
        long started = System.nanoTime();
        long thumbnails;
        try (Writer file = Files.newBufferedWriter(page, StandardCharsets.UTF_8);
                Writer probe = new ProbingWriter(file, 40_000_000, () -> {
                    System.gc();
                    grown[0] = usedHeap() - before;
                    probed[0] = true;
                })) {
            thumbnails = ContactSheet.write(fixture.ledger, manifest, PAGE, probe);
        }
        long size = Files.size(page);
        System.out.printf("contact sheet of %d rows: %.1f MB in %.1f s, heap grown by %.1f MB at 40 MB written%n",
                rows, size / 1e6, (System.nanoTime() - started) / 1e9, grown[0] / 1e6);

        assertThat(thumbnails).isEqualTo(rows - rows / 1000);
        assertThat(size).isGreaterThan(50_000_000L);
        assertThat(probed[0]).as("the heap was measured while writing").isTrue();
        // half the page: a page held in memory would take at least its size (Latin-1 strings), while what the
        // writing may keep is bounded by H2's page cache (16 MB by default), which wider ledger lines fill more
        assertThat(grown[0]).as("heap growth while writing a %d-byte page", size).isLessThan(size / 2);

        // the file itself: problems first, then every image once, in row order (scanned, not parsed: it is big)
        Pattern img = Pattern.compile("<img src=\"\\./SKU-(\\d+)\\.png\"");
        Pattern issue = Pattern.compile("<li class=\"issue s-rejected\" id=\"row-(\\d+)\"");
        List<Long> issues = new ArrayList<>();
        long lastImage = 0;
        long images = 0;
        try (BufferedReader in = Files.newBufferedReader(page, StandardCharsets.UTF_8)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                Matcher i = issue.matcher(line);
                if (i.find()) {
                    assertThat(images).as("problems come before the first image").isZero();
                    issues.add(Long.parseLong(i.group(1)));
                }
                Matcher m = img.matcher(line);
                if (m.find()) {
                    long n = Long.parseLong(m.group(1));
                    assertThat(n).isGreaterThan(lastImage);
                    lastImage = n;
                    images++;
                }
            }
        }
        assertThat(images).isEqualTo(thumbnails);
        assertThat(issues).hasSize(rows / 1000).startsWith(1000L, 2000L).endsWith((long) rows);
    }

    private static long usedHeap() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** No element may load or link anything but a relative path: no scheme, no host, no protocol-relative URL. */
    static void assertNoExternalReferences(Document doc) {
        for (Element e : doc.select("[src], [href], [srcset], [action], [poster], [data]")) {
            for (String attribute : List.of("src", "href", "srcset", "action", "poster", "data")) {
                if (e.hasAttr(attribute)) {
                    assertThat(e.attr(attribute)).as("%s of %s", attribute, e.tagName())
                            .startsWith("./").doesNotContain("//").doesNotContain(":");
                }
            }
        }
        assertThat(doc.select("script, link, iframe, object, embed, base, form")).isEmpty();
        for (Element style : doc.select("style")) {
            assertThat(style.data()).doesNotContain("url(").doesNotContain("@import");
        }
        assertThat(doc.select("[style]")).isEmpty();
        assertThat(doc.select("meta[http-equiv=Content-Security-Policy]").attr("content"))
                .contains("default-src 'none'");
    }

    /** Passes everything through, and runs a probe once when {@code at} characters have gone by. */
    private static final class ProbingWriter extends Writer {
        private final Writer out;
        private final long at;
        private final Runnable probe;
        private long written;

        ProbingWriter(Writer out, long at, Runnable probe) {
            this.out = out;
            this.at = at;
            this.probe = probe;
        }

        @Override
        public void write(char[] buf, int off, int len) throws java.io.IOException {
            out.write(buf, off, len);
            long before = written;
            written += len;
            if (before < at && written >= at) {
                probe.run();
            }
        }

        @Override
        public void flush() throws java.io.IOException {
            out.flush();
        }

        @Override
        public void close() throws java.io.IOException {
            out.close();
        }
    }
}
