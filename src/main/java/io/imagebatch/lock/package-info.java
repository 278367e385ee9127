/**
 * Locks held in the shared database ({@code INT_LOCK}, Spring Integration's JDBC lock registry), so that a batch,
 * and a job under {@code serve}, is never run by two executions at once, in one process or several
 * ({@link io.imagebatch.lock.BatchLocks}).
 */
package io.imagebatch.lock;
