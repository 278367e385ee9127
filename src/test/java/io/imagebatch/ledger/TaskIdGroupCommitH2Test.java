package io.imagebatch.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The intents and taskIds of create calls made together are committed together (README.md, Performance, "A
 * million rows"), and still each before its caller goes on: {@link LedgerBudget#reserveIntent} and
 * {@link TaskLedger#markSubmitted} return only once their write is committed; each intent keeps its own outcome
 * (taken, held by the budget, refused because the row is there already). The first commit is held open (at the JDBC connection) until the other callers are waiting; then
 * their taskIds go in one more commit. Commits are counted at the connection; nothing is timed.
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

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
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
}
