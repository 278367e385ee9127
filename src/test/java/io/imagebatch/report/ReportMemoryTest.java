package io.imagebatch.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.rendition.Rendition;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * The report files of a large batch are written in bounded memory (README.md, Performance, "A million rows"): a
 * child JVM with a heap far smaller than the files ({@value #HEAP}) writes {@code report.csv}, the paged contact
 * sheet and {@code manifest.json} (with one rendition per row) of {@value #ROWS} stored rows from a real H2 file
 * ledger, the way the report step does. Anything that holds every row (a list of the rows' renditions, the
 * manifest as one string) runs out of heap there, which the child reports by its exit code. Nothing here depends
 * on time: the child is waited for with a generous timeout.
 */
class ReportMemoryTest {

    static final int ROWS = 200_000;
    static final String HEAP = "-Xmx48m";
    private static final String BATCH = "memory-0123456789ab";
    private static final Rendition SHOP = new Rendition("shop", 1000, 1000, Rendition.Fit.CROP, "#ffffff",
            Rendition.Format.JPG, 85);

    @TempDir
    Path work;

    @Test
    void theReportFilesOfTwoHundredThousandRowsAreWrittenInAHeapSmallerThanThem() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process child = new ProcessBuilder(java, HEAP, "-XX:+ExitOnOutOfMemoryError", "-XX:+UseSerialGC", "-cp",
                classpath, Probe.class.getName(), work.toString(), Integer.toString(ROWS))
                .redirectErrorStream(true).redirectOutput(work.resolve("child.log").toFile()).start();
        assertThat(child.waitFor(15, TimeUnit.MINUTES)).as("the child finished").isTrue();
        String log = Files.readString(work.resolve("child.log"));
        assertThat(child.exitValue()).as("the child's exit code; its output:%n%s", log).isZero();

        Path out = work.resolve("out");
        // the files are larger than the child's heap, and complete
        long written;
        try (var files = Files.list(out)) {
            written = files.mapToLong(f -> f.toFile().length()).sum();
        }
        assertThat(written).isGreaterThan(48L * 1024 * 1024);
        try (var lines = Files.lines(out.resolve("report.csv"))) {
            assertThat(lines.count()).isEqualTo(ROWS + 1);
        }
        try (var pages = Files.list(out)) {
            assertThat(pages.filter(p -> p.getFileName().toString().matches("report(-\\d+)?\\.html")).count())
                    .isEqualTo(ROWS / ContactSheet.DEFAULT_PAGE_SIZE);
        }
        assertThat(renditionRows(out.resolve("manifest.json"))).isEqualTo(ROWS);
    }

    /** The entries of the manifest's {@code renditions} array, read as a stream. */
    private static long renditionRows(Path manifest) throws IOException {
        long rows = 0;
        try (JsonParser json = JsonMapper.builder().build().createParser(manifest.toFile())) {
            int depth = 0;
            boolean inRenditions = false;
            for (JsonToken t = json.nextToken(); t != null; t = json.nextToken()) {
                if (t == JsonToken.PROPERTY_NAME && depth == 1 && "renditions".equals(json.currentName())) {
                    inRenditions = true;
                }
                if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                    if (inRenditions && depth == 2 && t == JsonToken.START_OBJECT) {
                        rows++;
                    }
                    depth++;
                } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                    depth--;
                }
            }
        }
        return rows;
    }

    /**
     * The child: fills an H2 file ledger with {@code rows} stored rows, then writes the report files as the report
     * step does (io.imagebatch.job.ReportTasklet) into {@code <work>/out}. Exits 0 when done; an
     * {@link OutOfMemoryError} ends it with a non-zero code ({@code -XX:+ExitOnOutOfMemoryError}).
     */
    public static final class Probe {

        private Probe() {
        }

        /**
         * @param args the work folder and the number of rows
         * @throws Exception when the ledger or a file cannot be written
         */
        public static void main(String[] args) throws Exception {
            Path work = Path.of(args[0]);
            long rows = Long.parseLong(args[1]);
            JdbcDataSource dataSource = new JdbcDataSource();
            dataSource.setURL("jdbc:h2:file:" + work.resolve("db/ledger").toAbsolutePath());
            dataSource.setUser("sa");
            new ResourceDatabasePopulator(new ClassPathResource("db/ledger-schema.sql")).execute(dataSource);
            Path out = Files.createDirectories(work.resolve("out"));
            fill(dataSource, rows, out);
            TaskLedger ledger = new TaskLedger(JdbcClient.create(dataSource),
                    new DataSourceTransactionManager(dataSource), Clock.systemUTC());
            List<Rendition> renditions = List.of(SHOP);

            BatchTally tally;
            try (Writer csv = Files.newBufferedWriter(out.resolve("report.csv"), StandardCharsets.UTF_8)) {
                tally = ResultsReport.write(ledger, BATCH, rows, renditions, false, csv);
            }
            BatchManifest manifest = BatchManifest.of(new BatchFacts(BATCH, "/data/catalogue.csv", "ab".repeat(32),
                    rows, "liangxin", "nano-banana-pro-flash", "file:" + out.getParent()), tally, "COMPLETED",
                    Instant.parse("2025-05-01T09:00:00Z"), Instant.parse("2025-05-01T10:00:00Z"), null);
            ContactSheet.writePages(ledger, manifest, out.resolve("report.html").toUri(),
                    ContactSheet.DEFAULT_PAGE_SIZE, new ContactSheet.Pages() {
                        private BufferedWriter page;

                        @Override
                        public Appendable open(int number) throws IOException {
                            page = Files.newBufferedWriter(out.resolve(ContactSheet.fileName(number)),
                                    StandardCharsets.UTF_8);
                            return page;
                        }

                        @Override
                        public void close(int number) throws IOException {
                            page.close();
                        }
                    });
            try (Writer json = Files.newBufferedWriter(out.resolve("manifest.json"), StandardCharsets.UTF_8)) {
                manifest.writeJson(DeliveredFiles.unlabelled(ledger, BATCH),
                        each -> DeliveredFiles.forEachRow(ledger, BATCH, renditions, null, each), json);
            }
            System.out.println("written");
        }

        /** Stored rows with prompts of about 200 characters, in JDBC batches of 1,000. */
        private static void fill(JdbcDataSource dataSource, long rows, Path out) throws SQLException {
            try (Connection c = dataSource.getConnection();
                    PreparedStatement ps = c.prepareStatement("INSERT INTO IB_TASK_LEDGER (BATCH_ID, ROW_NUM,"
                            + " ROW_ID, STATE, PROVIDER, MODEL, PROMPT, TASK_ID, OUTPUT_URI, SHA256, BYTES,"
                            + " UPDATED_AT) VALUES (?, ?, ?, 'STORED', 'liangxin', 'nano-banana-pro-flash', ?, ?, ?,"
                            + " ?, ?, 0)")) {
                String sha = "0123456789abcdef".repeat(4);
                for (long n = 1; n <= rows; n++) {
                    String id = "SKU-" + n;
                    ps.setString(1, BATCH);
                    ps.setLong(2, n);
                    ps.setString(3, id);
                    ps.setString(4, "Product photo number " + n + " of a walnut side table with brass legs on a"
                            + " seamless light grey background, soft daylight from the left, 50 mm lens, f/8");
                    ps.setString(5, "task-" + n);
                    ps.setString(6, out.resolve(id + ".png").toUri().toString()); // beside the pages, as a run's
                    ps.setString(7, sha);
                    ps.setLong(8, 100_000 + n);
                    ps.addBatch();
                    if (n % 1000 == 0) {
                        ps.executeBatch();
                    }
                }
                ps.executeBatch();
            }
        }
    }
}
