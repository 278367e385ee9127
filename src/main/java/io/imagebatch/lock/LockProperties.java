package io.imagebatch.lock;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the batch locks ({@code imagebatch.lock.*}).
 *
 * @param ttl how long a lock stays held in the database without being renewed; the holder renews it every third
 *            of this while it runs, so it only matters when a process dies without releasing its locks: another
 *            process can take the lock this long after the last renewal (a {@code run} started right after a crash waits
 *            that long for it). Expiry is judged on the database's clock ({@link DatabaseClockLockRepository}); a
 *            holder whose renewals fail for two thirds of it loses the lock and stops ({@link BatchLocks}).
 *            Default 10 s; at least 3 s
 */
@ConfigurationProperties("imagebatch.lock")
public record LockProperties(@DefaultValue("10s") Duration ttl) {

    /**
     * @param ttl see {@link #ttl()}
     * @throws IllegalArgumentException when the ttl is shorter than 3 s
     */
    public LockProperties {
        if (ttl.compareTo(Duration.ofSeconds(3)) < 0) {
            throw new IllegalArgumentException("imagebatch.lock.ttl must be at least 3s, got " + ttl);
        }
    }
}
