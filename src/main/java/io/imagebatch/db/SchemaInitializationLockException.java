package io.imagebatch.db;

/**
 * Another process held the lock for initializing the database's tables ({@link SchemaInitializationLock}) for
 * longer than this process waits ({@link SchemaInitializationLock#DEFAULT_WAIT}): the process does not start. The
 * message names the schema and how to find the process that holds the lock; it has no cause, so that it is the
 * message a command's "cannot start" shows (the database's own error is attached as a suppressed exception).
 */
public class SchemaInitializationLockException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /** @param message what was waited for, how long, and what to do */
    public SchemaInitializationLockException(String message) {
        super(message);
    }
}
