-- The lock table of Spring Integration's JDBC lock registry (io.imagebatch.lock.BatchLocks): one batch is never
-- run by two executions at once, across every process sharing this database. The same table as
-- org/springframework/integration/jdbc/schema-h2.sql and schema-postgresql.sql in spring-integration-jdbc 7.0,
-- made idempotent (IF NOT EXISTS) because it runs on every start. Portable SQL (H2 2.x and PostgreSQL).
CREATE TABLE IF NOT EXISTS INT_LOCK (
    LOCK_KEY      CHAR(36)     NOT NULL,
    REGION        VARCHAR(100) NOT NULL,
    CLIENT_ID     CHAR(36),
    CREATED_DATE  TIMESTAMP    NOT NULL,
    EXPIRED_AFTER TIMESTAMP    NOT NULL,
    CONSTRAINT INT_LOCK_PK PRIMARY KEY (LOCK_KEY, REGION)
);

-- The fence of one partition of a batch run by a worker (README.md, "More than one machine"): the generation of
-- the partition's lock, one more each time a worker takes it (io.imagebatch.ledger.BatchRegistry
-- #takePartitionFence); a worker's ledger writes for the batch are refused once the generation is another one.
CREATE TABLE IF NOT EXISTS IB_PARTITION_FENCE (
    BATCH_ID       VARCHAR(160) NOT NULL,
    PARTITION_NAME VARCHAR(100) NOT NULL,
    GENERATION     BIGINT       NOT NULL,
    HOLDER         VARCHAR(200),
    SINCE          BIGINT,
    CONSTRAINT IB_PARTITION_FENCE_PK PRIMARY KEY (BATCH_ID, PARTITION_NAME)
);
