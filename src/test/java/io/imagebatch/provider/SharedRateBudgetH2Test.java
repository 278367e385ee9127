package io.imagebatch.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;

/** {@link SharedRateBudgetContract} on an H2 file database, the default database, and what is H2's own. */
class SharedRateBudgetH2Test extends SharedRateBudgetContract {

    @TempDir
    Path folder;

    @Override
    HikariDataSource openDataSource() {
        HikariDataSource dataSource = new HikariDataSource();
        dataSource.setJdbcUrl("jdbc:h2:file:" + folder.resolve("budget").toAbsolutePath() + ";AUTO_SERVER=FALSE");
        dataSource.setUsername("sa");
        dataSource.setMaximumPoolSize(2);
        return dataSource;
    }

    @Override
    boolean leaseStatementsHaveATimeout() {
        return false;
    }

    /**
     * A lease's statements are given a 2 s timeout, and H2 keeps a statement's timeout as its whole session's: the
     * connection that served a lease goes back to the pool without it, so that a long statement of whoever takes it
     * next (the report step's read of a large batch) is not cancelled. Before, a statement that ran over 2 s on
     * that connection failed with "Statement was canceled or the session timed out" (a million-row batch's report).
     */
    @Test
    void aLeasesQueryTimeoutDoesNotStayOnItsPooledConnection() {
        HikariDataSource pool = openDataSource();
        opened.add(pool);
        pool.setMaximumPoolSize(1); // the lease's connection is the one the long statement gets
        RateBuckets shared = process(pool);
        assertThat(shared.forKey("liangxin", KEY).lease(5, 50, Double.NaN).orElseThrow().permits()).isEqualTo(5);
        shared.forKey("liangxin", KEY).hold(30, Duration.ZERO);
        assertThat(shared.flush(30_000)).isTrue();

        // a statement that runs 3 s or more: 300 rows, each 10 ms in a function (H2 looks at the timeout every
        // 128 rows)
        JdbcClient jdbc = JdbcClient.create(pool);
        jdbc.sql("CREATE ALIAS IF NOT EXISTS TEST_PAUSE FOR 'java.lang.Thread.sleep(long)'").update();
        List<Long> rows = jdbc.sql("SELECT X FROM SYSTEM_RANGE(1, 300) WHERE TEST_PAUSE(10) IS NULL ORDER BY X")
                .query(Long.class).list();

        assertThat(rows).hasSize(300);
    }
}
