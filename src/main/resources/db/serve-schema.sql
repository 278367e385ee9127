-- serve (io.imagebatch.serve): the last batch each job file started, so that a new batch of a job (its catalogue
-- changed) is started only after the previous one, if it failed, was resumed. Portable SQL (H2 2.x and
-- PostgreSQL); times are epoch milliseconds.
CREATE TABLE IF NOT EXISTS IB_JOB_LAST_BATCH (
    JOB_NAME    VARCHAR(200) NOT NULL PRIMARY KEY,
    BATCH_ID    VARCHAR(160) NOT NULL,
    UPDATED_AT  BIGINT       NOT NULL
);
