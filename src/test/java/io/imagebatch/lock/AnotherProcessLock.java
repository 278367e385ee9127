package io.imagebatch.lock;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.Lock;
import org.springframework.integration.jdbc.lock.DefaultLockRepository;
import org.springframework.integration.jdbc.lock.JdbcLockRegistry;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * A lock of the command line's H2 database in a test folder, taken the way another process would take it: its
 * own lock client ({@link JdbcLockRegistry}) in {@link BatchLocks}' region, held for an hour (only
 * {@link Lock#unlock()} ends it, however busy the machine), as {@link RunBatchLockTest} holds it.
 */
public final class AnotherProcessLock {

    private AnotherProcessLock() {
    }

    /**
     * @param work the test's folder, whose {@code db/imagebatch} H2 file the command line uses
     *             ({@code io.imagebatch.testsupport.CliRun})
     * @param key  the lock's key, e.g. {@link BatchLocks#batchKey}
     * @return the lock, held by this thread; unlock it from the same thread
     * @throws IllegalStateException when another holder has it
     */
    public static Lock hold(Path work, String key) {
        DriverManagerDataSource db = new DriverManagerDataSource(
                "jdbc:h2:file:" + work.resolve("db/imagebatch").toAbsolutePath(), "sa", "");
        DefaultLockRepository repository = new DefaultLockRepository(db);
        repository.setRegion(LockConfiguration.REGION);
        repository.setTransactionManager(new DataSourceTransactionManager(db));
        repository.afterPropertiesSet();
        repository.afterSingletonsInstantiated();
        Lock lock = new JdbcLockRegistry(repository, Duration.ofHours(1)).obtain(key);
        if (!lock.tryLock()) {
            throw new IllegalStateException("the lock " + key + " is held already");
        }
        return lock;
    }
}
