package io.imagebatch.serve;

import java.time.Clock;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The last batch each job started under {@code serve} ({@code IB_JOB_LAST_BATCH}, {@code db/serve-schema.sql}),
 * so that when a job's catalogue changes (a new batch) while its previous batch is unfinished, the previous one
 * is resumed first. Written only under the job's lock, so a plain update-or-insert is safe.
 */
@Repository
public class JobLastBatches {

    private final JdbcClient jdbc;
    private final Clock clock;

    /**
     * @param jdbc  the job repository's database
     * @param clock the clock for {@code UPDATED_AT}
     */
    public JobLastBatches(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /**
     * @param jobName a job name ({@link io.imagebatch.app.JobFile#jobName()})
     * @return the batch id the job last started, if any
     */
    public Optional<String> get(String jobName) {
        return jdbc.sql("SELECT BATCH_ID FROM IB_JOB_LAST_BATCH WHERE JOB_NAME = ?").param(jobName)
                .query(String.class).optional();
    }

    /**
     * Records the batch a job starts now.
     *
     * @param jobName the job name
     * @param batchId the batch id
     */
    public void set(String jobName, String batchId) {
        long now = clock.millis();
        if (jdbc.sql("UPDATE IB_JOB_LAST_BATCH SET BATCH_ID = ?, UPDATED_AT = ? WHERE JOB_NAME = ?")
                .params(batchId, now, jobName).update() == 0) {
            jdbc.sql("INSERT INTO IB_JOB_LAST_BATCH (JOB_NAME, BATCH_ID, UPDATED_AT) VALUES (?, ?, ?)")
                    .params(jobName, batchId, now).update();
        }
    }
}
