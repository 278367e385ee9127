package io.imagebatch.ledger;

import static io.imagebatch.testsupport.Proxies.invoke;
import static org.assertj.core.api.Assertions.assertThat;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The poll and download steps ask for their due rows many times a second; a question whose cost grows with the
 * batch makes a large run slow down as it goes (README.md, Performance, "A million rows"). Here a ledger of 20,000
 * lines, most of them STORED, and each question's cost read from H2's own plan ({@code EXPLAIN ANALYZE}: the rows
 * the database read, {@code scanCount}) for the very statements and parameters the ledger ran: each must read
 * about as many rows as it returns, not the batch. Nothing is timed.
 */
class LedgerDueQueriesH2Test extends LedgerTestDatabase {

    private static final Pattern SCAN_COUNT = Pattern.compile("scanCount: (\\d+)");
    private static final int LINES = 20_000;
    private static final int LIMIT = 100;

    /** The statements run through the data source since the last {@link #clearRecorded()}, with their parameters. */
    private final List<Recorded> recorded = new CopyOnWriteArrayList<>();
    private DataSource plain;

    private record Recorded(String sql, Map<Integer, Object> params) {
    }

    @Override
    DataSource openDataSource() {
        plain = h2();
        return (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    Object result = invoke(plain, method, args);
                    return result instanceof Connection c ? recording(c) : result;
                });
    }

    private Connection recording(Connection connection) {
        return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    Object result = invoke(connection, method, args);
                    if (result instanceof PreparedStatement ps && method.getName().equals("prepareStatement")) {
                        return recording(ps, (String) args[0]);
                    }
                    return result;
                });
    }

    private PreparedStatement recording(PreparedStatement statement, String sql) {
        Map<Integer, Object> params = new TreeMap<>();
        return (PreparedStatement) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {PreparedStatement.class}, (proxy, method, args) -> {
                    if (method.getName().startsWith("set") && args != null && args.length >= 2
                            && args[0] instanceof Integer index) {
                        params.put(index, args[1]);
                    }
                    if (method.getName().equals("executeQuery")) {
                        recorded.add(new Recorded(sql, Map.copyOf(params)));
                    }
                    return invoke(statement, method, args);
                });
    }

    @org.junit.jupiter.api.AfterEach
    void closePlainDataSource() throws Exception {
        ((AutoCloseable) plain).close();
    }

    private void clearRecorded() {
        recorded.clear();
    }

    /** The rows H2 read for the recorded SELECTs, from the plans of the same statements with the same parameters. */
    private long rowsRead() throws SQLException {
        long read = 0;
        try (Connection c = plain.getConnection()) {
            for (Recorded r : recorded) {
                if (!r.sql().stripLeading().toUpperCase(java.util.Locale.ROOT).startsWith("SELECT")
                        || !r.sql().contains("IB_TASK_LEDGER")) {
                    continue;
                }
                try (PreparedStatement explain = c.prepareStatement("EXPLAIN ANALYZE " + r.sql())) {
                    for (Map.Entry<Integer, Object> p : r.params().entrySet()) {
                        explain.setObject(p.getKey(), p.getValue());
                    }
                    try (ResultSet plan = explain.executeQuery()) {
                        plan.next();
                        Matcher m = SCAN_COUNT.matcher(plan.getString(1));
                        while (m.find()) {
                            read += Long.parseLong(m.group(1));
                        }
                    }
                }
            }
        }
        return read;
    }

    /**
     * 20,000 lines: every 20th SUBMITTED, every 20th (offset 1) RUNNING, every 10th (offset 5) GENERATED, the rest
     * STORED; every next check due, in an order that is not the row order (so that the merge of the two in-flight
     * states is seen).
     */
    private void fill() throws SQLException {
        try (Connection c = plain.getConnection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO IB_TASK_LEDGER (BATCH_ID, ROW_NUM, ROW_ID,"
                        + " STATE, PROVIDER, MODEL, PROMPT, TASK_ID, NEXT_CHECK_AT, UPDATED_AT)"
                        + " VALUES (?, ?, ?, ?, 'liangxin', 'm', ?, ?, ?, 0)")) {
            for (long n = 1; n <= LINES; n++) {
                String state = n % 20 == 0 ? "SUBMITTED" : n % 20 == 1 ? "RUNNING" : n % 10 == 5 ? "GENERATED"
                        : "STORED";
                ps.setString(1, BATCH);
                ps.setLong(2, n);
                ps.setString(3, "R" + n);
                ps.setString(4, state);
                ps.setString(5, "a prompt of row " + n);
                ps.setString(6, "task-" + n);
                ps.setLong(7, T0 - (n * 7919) % 5000); // due, in an order unlike the rows'
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /**
     * What a step must get of rows {@code from} to {@code to} in {@code states}: every due line, earliest due first,
     * then in row order, at most {@link #LIMIT}.
     *
     * @param states an SQL list of states, e.g. {@code 'GENERATED'}
     */
    private List<Long> expectedDue(String states, long from, long to) {
        return jdbc.sql("SELECT ROW_NUM, NEXT_CHECK_AT FROM IB_TASK_LEDGER WHERE BATCH_ID = ?"
                        + " AND STATE IN (" + states + ") AND ROW_NUM BETWEEN ? AND ?").params(BATCH, from, to)
                .query((rs, i) -> new long[] {rs.getLong(1), rs.getLong(2)}).list().stream()
                .sorted(Comparator.<long[]>comparingLong(a -> a[1]).thenComparingLong(a -> a[0]))
                .map(a -> a[0]).limit(LIMIT).toList();
    }

    /** What the poll step must get: every due in-flight line, earliest check first, then in row order. */
    private List<Long> expectedDueForPoll(long from, long to) {
        return expectedDue("'SUBMITTED', 'RUNNING'", from, to);
    }

    /** What the download step must get of rows {@code from} to {@code to}: earliest due first, then in row order. */
    private List<Long> expectedDueForDownload(long from, long to) {
        return expectedDue("'GENERATED'", from, to);
    }

    /**
     * One pass over the filled ledger ({@link #fill()}): it gets exactly the due rows {@code expectedDue} gives for
     * the whole batch, only in {@code states} and each of them present, and H2 reads at most 3 rows for each row it
     * gets ({@link #rowsRead()}).
     *
     * @param expectedDue the due rows of rows {@code from} to {@code to}, e.g. {@link #expectedDueForPoll}
     * @param pass        the step's question, asked once
     * @param states      the states the rows it gets may and do have
     * @param readAs      the description of the rows-read check
     */
    private void aPassReadsAboutTheRowsItGets(java.util.function.BiFunction<Long, Long, List<Long>> expectedDue,
            java.util.function.Supplier<List<LedgerEntry>> pass, List<RowState> states, String readAs)
            throws SQLException {
        fill();
        List<Long> expected = expectedDue.apply(1L, (long) LINES);
        clearRecorded();

        List<LedgerEntry> due = pass.get();

        assertThat(due).extracting(LedgerEntry::rowNum).containsExactlyElementsOf(expected);
        assertThat(due).extracting(LedgerEntry::state).containsOnlyElementsOf(states).containsAll(states);
        assertThat(rowsRead()).as(readAs).isLessThanOrEqualTo(3L * LIMIT);
    }

    @Test
    void aPollPassReadsAboutTheRowsItGetsNotTheWholeBatch() throws SQLException {
        aPassReadsAboutTheRowsItGets(this::expectedDueForPoll, () -> ledger.polls().dueForPoll(BATCH, T0, LIMIT),
                List.of(RowState.SUBMITTED, RowState.RUNNING),
                String.format("rows H2 read for %d due rows of a %d-line batch", LIMIT, LINES));
    }

    /**
     * 2,000 rows wait for their download (the downloads fell behind): a pass reads about the rows it gets. In row
     * order H2 read all 2,000 and sorted them, each pass, so a run whose downloads fell behind fell further behind.
     */
    @Test
    void aDownloadPassReadsAboutTheRowsItGetsNotEveryRowWaitingForItsDownload() throws SQLException {
        aPassReadsAboutTheRowsItGets(this::expectedDueForDownload,
                () -> ledger.downloads().dueForDownload(BATCH, T0, LIMIT), List.of(RowState.GENERATED),
                String.format("rows H2 read for %d due rows of %d waiting", LIMIT, LINES / 10));
    }

    @Test
    void theNextPollTimeIsOneIndexEntryPerStateNotAScan() throws SQLException {
        fill();
        long earliest = jdbc.sql("SELECT MIN(NEXT_CHECK_AT) FROM IB_TASK_LEDGER WHERE BATCH_ID = ?"
                + " AND STATE IN ('SUBMITTED', 'RUNNING')").param(BATCH).query(Long.class).single();
        clearRecorded();

        assertThat(ledger.polls().nextPollAt(BATCH)).contains(earliest);
        assertThat(rowsRead()).isLessThanOrEqualTo(10);
        assertThat(ledger.polls().nextPollAt(OTHER)).isEmpty();
    }

    @Test
    void theNextDownloadTimeIsOneIndexEntryNotAScanOfEveryRowWaitingForItsDownload() throws SQLException {
        fill();
        long waiting = jdbc.sql("SELECT COUNT(*) FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND STATE = 'GENERATED'")
                .param(BATCH).query(Long.class).single();
        assertThat(waiting).isEqualTo(LINES / 10);
        long earliest = jdbc.sql("SELECT MIN(NEXT_CHECK_AT) FROM IB_TASK_LEDGER WHERE BATCH_ID = ?"
                + " AND STATE = 'GENERATED'").param(BATCH).query(Long.class).single();
        clearRecorded();

        assertThat(ledger.downloads().nextDownloadAt(BATCH)).contains(earliest);
        assertThat(rowsRead()).as("rows H2 read for the next of %d waiting rows", waiting).isLessThanOrEqualTo(10);
        assertThat(ledger.downloads().nextDownloadAt(OTHER)).isEmpty();
    }

    /**
     * A partition of a partitioned batch (README.md, "More than one machine") asks for its own rows only: it gets
     * exactly the due rows of its range, and H2 reads about the due rows ahead of them in the index order (the
     * other partitions' share), never the partition's whole range of rows nor the batch.
     */
    @Test
    void aPartitionsPassGetsOnlyItsRowsAndReadsAboutThemNotItsRange() throws SQLException {
        fill();
        long from = 5_001;
        long to = 10_000; // a quarter of the batch: 5,000 rows, 500 of them in flight, 500 GENERATED
        List<Long> expectedPoll = expectedDueForPoll(from, to);
        clearRecorded();

        List<LedgerEntry> due = ledger.polls().dueForPoll(BATCH, from, to, T0, LIMIT);

        assertThat(due).extracting(LedgerEntry::rowNum).containsExactlyElementsOf(expectedPoll);
        long pollRead = rowsRead();
        clearRecorded();
        List<LedgerEntry> downloads = ledger.downloads().dueForDownload(BATCH, from, to, T0, LIMIT);
        assertThat(downloads).hasSize(LIMIT).allSatisfy(e -> assertThat(e.rowNum()).isBetween(from, to));
        assertThat(downloads).extracting(LedgerEntry::rowNum).containsExactlyElementsOf(expectedDueForDownload(from,
                to));
        long downloadRead = rowsRead();
        clearRecorded();
        assertThat(ledger.polls().nextPollAt(BATCH, from, to)).isPresent();
        assertThat(ledger.downloads().nextDownloadAt(BATCH, from, to)).isPresent();
        long nextRead = rowsRead();

        // 4 partitions of this size: about 4 due rows read for each one returned, 2 in-flight states
        assertThat(pollRead).as("rows H2 read for %d due rows of a partition of %d rows", LIMIT, to - from + 1)
                .isLessThanOrEqualTo(2 * 4 * 3L * LIMIT).isLessThan(to - from + 1);
        assertThat(downloadRead).as("rows H2 read for %d downloads of a partition of %d rows", LIMIT, to - from + 1)
                .isLessThan(to - from + 1);
        assertThat(nextRead).as("rows H2 read for the partition's next due times").isLessThan(to - from + 1);
        System.out.printf("partition pass: poll read %d, download read %d, next due times read %d%n", pollRead,
                downloadRead, nextRead);
    }

    @Test
    void aRowNotDueYetIsLeftForLater() throws SQLException {
        fill();
        jdbc.sql("UPDATE IB_TASK_LEDGER SET NEXT_CHECK_AT = ? WHERE BATCH_ID = ? AND STATE IN ('SUBMITTED', 'RUNNING',"
                + " 'GENERATED') AND ROW_NUM > 100").params(T0 + 60_000, BATCH).update();
        List<Long> inFlight = new ArrayList<>(jdbc.sql("SELECT ROW_NUM FROM IB_TASK_LEDGER WHERE BATCH_ID = ?"
                + " AND STATE IN ('SUBMITTED', 'RUNNING') AND ROW_NUM <= 100").param(BATCH).query(Long.class).list());

        assertThat(ledger.polls().dueForPoll(BATCH, T0, LIMIT)).extracting(LedgerEntry::rowNum)
                .containsExactlyInAnyOrderElementsOf(inFlight);
        assertThat(ledger.downloads().dueForDownload(BATCH, T0, LIMIT)).extracting(LedgerEntry::rowNum)
                .containsExactlyInAnyOrder(5L, 15L, 25L, 35L, 45L, 55L, 65L, 75L, 85L, 95L);
        assertThat(ledger.polls().dueForPoll(BATCH, T0 + 60_000, 5)).hasSize(5);
    }
}
