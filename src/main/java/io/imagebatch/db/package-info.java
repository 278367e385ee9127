/**
 * The database every process of a batch shares, at start-up: on PostgreSQL, the schema initializers (Spring Boot's
 * {@code spring.sql.init} scripts, Spring Batch's schema script, the ledger's upgrade) run one process at a time
 * ({@link io.imagebatch.db.SchemaInitializationLock}), so that processes started together on an empty schema all
 * start (README.md, PostgreSQL).
 */
package io.imagebatch.db;
