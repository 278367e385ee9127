package io.imagebatch.ledger;

import static io.imagebatch.testsupport.Proxies.invoke;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.transaction.support.TransactionCallback;

/**
 * The intents and taskIds of create calls made together are committed together (README.md, Performance, "A
 * million rows"), and still each before its caller goes on: {@link LedgerBudget#reserveIntent} and
 * {@link TaskLedger#markSubmitted} return only once their write is committed; each intent keeps its own outcome
 * (taken, held by the budget, refused because the row is there already). The first commit is held open (at the JDBC connection) until the other callers are waiting; then
 * their taskIds go in one more commit. Commits are counted at the connection; nothing is timed.
 *
 * <p>The leader's gather ({@link GroupCommit#GATHER_NANOS}) runs on a time source the test moves (frozen between
 * moves): a leader that gathers waits until the test moves it, so whether a write waited is seen, not timed (its
 * leader read the time again after the write's arrival).
 */
class TaskIdGroupCommitH2Test extends LedgerTestDatabase {

    private static final int CALLS = 32;

    private final AtomicInteger commits = new AtomicInteger();
    /** Set to hold the next commit until released. */
    private final AtomicBoolean holdNextCommit = new AtomicBoolean();
    private final CountDownLatch commitHeld = new CountDownLatch(1);
    private final CountDownLatch releaseCommit = new CountDownLatch(1);
    private final ExecutorService callers = Executors.newFixedThreadPool(CALLS);
    private final List<Thread> callerThreads = new java.util.concurrent.CopyOnWriteArrayList<>();
    private DataSource plain;

    @Override
    DataSource openDataSource() {
        plain = h2();
        return (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    Object result = invoke(plain, method, args);
                    return result instanceof Connection c ? counting(c) : result;
                });
    }

    private Connection counting(Connection connection) {
        return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("commit")) {
                        commits.incrementAndGet();
                        if (holdNextCommit.compareAndSet(true, false)) {
                            commitHeld.countDown();
                            releaseCommit.await(60, TimeUnit.SECONDS);
                        }
                    }
                    return invoke(connection, method, args);
                });
    }

    /** The time source of the gather tests' {@link GroupCommit}, ns: moved only by the test. */
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    /** Its reads, by thread. */
    private final Map<Thread, AtomicInteger> nanoReads = new ConcurrentHashMap<>();

    private long readNanos() {
        nanoReads.computeIfAbsent(Thread.currentThread(), t -> new AtomicInteger()).incrementAndGet();
        return nanos.get();
    }

    private long nanoReads() {
        return nanoReads.values().stream().mapToLong(AtomicInteger::get).sum();
    }

    /** A write of row {@code row} of the batch (its UPDATED_AT moved on by 1); returns the lines it changed. */
    private TransactionCallback<Integer> touch(long row) {
        return tx -> jdbc.sql("UPDATE IB_TASK_LEDGER SET UPDATED_AT = UPDATED_AT + 1 WHERE BATCH_ID = ?"
                + " AND ROW_NUM = ?").params(BATCH, row).update();
    }

    /**
     * Waits (polling, up to 60 s) until {@code write} is done or its leader gathers: the time source was read again
     * after the write's arrival (a write that does not gather reads it once, at its arrival, and no other write is
     * in flight). The frozen time source keeps a gathering leader waiting.
     *
     * @param readsBefore {@link #nanoReads()} before the write was started
     * @return true when it gathers; false when it was committed without
     */
    private boolean gathers(CompletableFuture<Integer> write, long readsBefore) throws Exception {
        for (int i = 0; i < 6_000; i++) {
            if (nanoReads() - readsBefore >= 2) {
                return true;
            }
            if (write.isDone()) {
                assertThat(write.get()).isEqualTo(1);
                return false;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("a write neither committed nor gathered in 60 s");
    }

    @AfterEach
    void stopCallers() throws Exception {
        releaseCommit.countDown();
        callers.shutdownNow();
        ((AutoCloseable) plain).close();
    }

    /** {@code CALLS} rows with their intents committed, as right before their create calls. */
    private void intents() {
        batches.recordBatch(BATCH, "{}");
        batches.takeFence(BATCH, "this test");
        for (long row = 1; row <= CALLS; row++) {
            assertThat(ledger.insertIntent(BATCH, row, "R" + row, "liangxin", "m", "p", "{}")).isTrue();
        }
    }

    /** Starts one markSubmitted per row, each on its own thread; returns their futures. */
    private List<CompletableFuture<Void>> createCallsReturn() {
        List<CompletableFuture<Void>> calls = new ArrayList<>();
        for (long row = 1; row <= CALLS; row++) {
            long r = row;
            calls.add(CompletableFuture.runAsync(() -> {
                callerThreads.add(Thread.currentThread());
                ledger.markSubmitted(BATCH, r, "task-" + r, T0, T0 + 1000, T0 + 900_000);
            }, callers));
        }
        return calls;
    }

    /** Waits (generously) until every caller thread but the one holding the commit waits; false on timeout. */
    private boolean othersWaiting() throws InterruptedException {
        return othersWaitingWith("SUBMITTED", 0);
    }

    /**
     * As {@link #othersWaiting()}, while {@code expected} lines are committed in {@code state} (none of the
     * callers' writes).
     */
    private boolean othersWaitingWith(String state, long expected) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            long waiting = callerThreads.stream()
                    .filter(t -> t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING)
                    .count();
            long done = jdbc.sql("SELECT COUNT(*) FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND STATE = ?")
                    .params(BATCH, state).query(Long.class).single();
            if (callerThreads.size() == CALLS && waiting >= CALLS && done == expected) {
                return true; // the holder waits on the release latch, the others for the commit under way
            }
            Thread.sleep(50);
        }
        return false;
    }

    @Test
    void taskIdsOfCreateCallsThatReturnTogetherShareOneCommitAndNoCallerGoesOnBeforeItsOwnIsCommitted()
            throws Exception {
        intents();
        commits.set(0);
        holdNextCommit.set(true);

        List<CompletableFuture<Void>> calls = createCallsReturn();
        assertThat(commitHeld.await(60, TimeUnit.SECONDS)).as("a first taskId is being committed").isTrue();
        boolean othersQueued = othersWaiting();
        long returnedBeforeCommit = calls.stream().filter(CompletableFuture::isDone).count();
        releaseCommit.countDown();
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

        assertThat(commits.get()).as("commits for %d taskIds returned together", CALLS).isLessThanOrEqualTo(2);
        assertThat(othersQueued).as("the other callers wait for the commit under way").isTrue();
        assertThat(returnedBeforeCommit).as("callers that went on while the commit was held (none was committed)")
                .isZero();
        assertThat(jdbc.sql("SELECT COUNT(*) FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND STATE = 'SUBMITTED'"
                + " AND TASK_ID = 'task-' || CAST(ROW_NUM AS VARCHAR)").param(BATCH).query(Long.class).single())
                .isEqualTo(CALLS);
    }

    @Test
    void intentsTakenTogetherShareOneCommitAndEachKeepsItsOwnOutcomeTheBudgetAndTheRowAlreadyThere()
            throws Exception {
        batches.recordBatch(BATCH, "{}");
        batches.takeFence(BATCH, "this test");
        batches.recordBudget(BATCH, new java.math.BigDecimal("1.00")); // 25 rows at 0.04
        // row 1 is in the ledger already (another process sends it): its intent is refused, alone
        assertThat(ledger.insertIntent(BATCH, 1, "R1", "liangxin", "m", "p", "{}")).isTrue();
        commits.set(0);
        holdNextCommit.set(true);

        List<CompletableFuture<LedgerBudget.Intent>> calls = new ArrayList<>();
        for (long row = 1; row <= CALLS; row++) {
            long r = row;
            calls.add(CompletableFuture.supplyAsync(() -> {
                callerThreads.add(Thread.currentThread());
                return ledger.budget().reserveIntent(BATCH, r, "R" + r, "liangxin", "m", "p", "{}",
                        new java.math.BigDecimal("0.04"));
            }, callers));
        }
        assertThat(commitHeld.await(60, TimeUnit.SECONDS)).as("a first intent is being committed").isTrue();
        boolean othersQueued = othersWaitingWith("SUBMITTING", 1);
        long returnedBeforeCommit = calls.stream().filter(CompletableFuture::isDone).count();
        releaseCommit.countDown();
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

        assertThat(commits.get()).as("commits for %d intents taken together", CALLS).isLessThanOrEqualTo(2);
        assertThat(othersQueued).as("the other callers wait for the commit under way").isTrue();
        assertThat(returnedBeforeCommit).as("callers that went on while the commit was held").isZero();
        Map<LedgerBudget.Intent, Long> outcomes = new java.util.EnumMap<>(LedgerBudget.Intent.class);
        for (CompletableFuture<LedgerBudget.Intent> call : calls) {
            outcomes.merge(call.get(), 1L, Long::sum);
        }
        assertThat(outcomes).containsEntry(LedgerBudget.Intent.ELSEWHERE, 1L)
                .containsEntry(LedgerBudget.Intent.TAKEN, 25L).containsEntry(LedgerBudget.Intent.HELD, 6L);
        assertThat(jdbc.sql("SELECT COMMITTED_SPEND FROM IB_BATCH WHERE BATCH_ID = ?").param(BATCH)
                .query(java.math.BigDecimal.class).single()).isEqualByComparingTo("1.00");
        assertThat(jdbc.sql("SELECT COUNT(*) FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND STATE = 'SUBMITTING'"
                + " AND COST IS NOT NULL").param(BATCH).query(Long.class).single()).isEqualTo(25);
    }

    @Test
    void aGroupOfTaskIdsWhoseLockWasLostIsRefusedForEveryCallerAndNothingIsWritten() {
        intents();
        new BatchRegistry(jdbc, transactions, clock).takeFence(BATCH, "another process");

        List<CompletableFuture<Void>> calls = createCallsReturn();
        for (CompletableFuture<Void> call : calls) {
            assertThatThrownBy(() -> call.get(60, TimeUnit.SECONDS)).hasCauseInstanceOf(LockLostException.class);
        }
        assertThat(jdbc.sql("SELECT COUNT(*) FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND STATE = 'SUBMITTING'")
                .param(BATCH).query(Long.class).single()).isEqualTo(CALLS);
    }

    @Test
    void denseWritesMakeTheLeaderWaitForMoreWritesAndThoseThatJoinShareItsOneCommit() throws Exception {
        intents();
        GroupCommit group = new GroupCommit(ledger, transactions, this::readNanos);

        // writes one after another while no time passes: their gaps' moving mean falls until they come densely,
        // and the leader of the first dense one waits for more (the time source stays frozen)
        CompletableFuture<Integer> gathering = null;
        int committedAtOnce = 0;
        for (int i = 0; i < 200 && gathering == null; i++) {
            long readsBefore = nanoReads();
            CompletableFuture<Integer> write = CompletableFuture.supplyAsync(() -> group.write(BATCH, touch(1)),
                    callers);
            if (gathers(write, readsBefore)) {
                gathering = write;
            } else {
                committedAtOnce++;
            }
        }
        assertThat(gathering).as("a leader that waits for more writes, after %d written at once", committedAtOnce)
                .isNotNull();
        long commitsWhileGathering = commits.get();

        // more writes come while it waits: each arrives (reads the time once, on a thread of its own: they all wait)
        // and joins the leader's group
        int joiners = 8;
        Map<Thread, Integer> readsBefore = new java.util.HashMap<>();
        nanoReads.forEach((thread, reads) -> readsBefore.put(thread, reads.get()));
        Set<Thread> joining = ConcurrentHashMap.newKeySet();
        List<CompletableFuture<Integer>> joined = new ArrayList<>();
        for (long row = 2; row < 2 + joiners; row++) {
            long r = row;
            joined.add(CompletableFuture.supplyAsync(() -> {
                joining.add(Thread.currentThread());
                return group.write(BATCH, touch(r));
            }, callers));
        }
        boolean allArrived = false;
        for (int i = 0; i < 6_000 && !allArrived; i++) {
            allArrived = joining.stream().mapToInt(t -> nanoReads.getOrDefault(t, new AtomicInteger()).get()
                    - readsBefore.getOrDefault(t, 0)).sum() == joiners;
            if (!allArrived) {
                Thread.sleep(10);
            }
        }
        assertThat(allArrived).as("the other writes arrived while the leader waits").isTrue();
        assertThat(gathering).as("the leader's write, while the time source shows no gather's end").isNotDone();
        assertThat(commits.get()).as("commits while the leader waits").isEqualTo(commitsWhileGathering);

        nanos.addAndGet(GroupCommit.GATHER_NANOS); // the gather's end
        assertThat(gathering.get(60, TimeUnit.SECONDS)).isEqualTo(1);
        for (CompletableFuture<Integer> write : joined) {
            assertThat(write.get(60, TimeUnit.SECONDS)).isEqualTo(1);
        }

        assertThat(commits.get() - commitsWhileGathering).as("commits for the leader's write and %d that joined it",
                joiners).isEqualTo(1);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND ROW_NUM BETWEEN 2 AND ?"
                + " AND UPDATED_AT = (SELECT UPDATED_AT + 1 FROM IB_TASK_LEDGER WHERE BATCH_ID = ? AND ROW_NUM = ?)")
                .params(BATCH, 1 + joiners, BATCH, CALLS).query(Long.class).single())
                .as("the joiners' rows, each written once (row %d: never written)", CALLS).isEqualTo(joiners);
    }

    @Test
    void sparseWritesAreCommittedAtOnceWithoutWaitingForOthers() throws Exception {
        intents();
        GroupCommit group = new GroupCommit(ledger, transactions, this::readNanos);
        commits.set(0);

        int writes = 100;
        for (int i = 1; i <= writes; i++) {
            nanos.addAndGet(10 * GroupCommit.GATHER_NANOS); // 10 ms since the last write; none passes during one
            long readsBefore = nanoReads();
            long row = 1 + i % CALLS;
            CompletableFuture<Integer> write = CompletableFuture.supplyAsync(() -> group.write(BATCH, touch(row)),
                    callers);
            assertThat(gathers(write, readsBefore)).as("write %d, alone, 10 ms after the last, waits for more", i)
                    .isFalse();
        }

        assertThat(commits.get()).as("commits of %d sparse writes", writes).isEqualTo(writes);
    }
}
