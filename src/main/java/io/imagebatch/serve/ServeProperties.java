package io.imagebatch.serve;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of {@code serve} ({@code imagebatch.serve.*}).
 *
 * @param poolSize    how many jobs can run at once (different jobs; one job never runs twice at once); default 4
 * @param stopTimeout on SIGTERM, how long running batches get to finish their current chunk or poll pass and
 *                    stop; default 20 s (under a pod's usual 30 s grace period)
 */
@ConfigurationProperties("imagebatch.serve")
public record ServeProperties(@DefaultValue("4") int poolSize, @DefaultValue("20s") Duration stopTimeout) {

    /** The Spring profile of {@code serve}: a web application with Actuator ({@code application-serve.properties}). */
    public static final String PROFILE = "serve";

    /**
     * @param poolSize    see {@link #poolSize()}
     * @param stopTimeout see {@link #stopTimeout()}
     * @throws IllegalArgumentException when the pool size is below 1
     */
    public ServeProperties {
        if (poolSize < 1) {
            throw new IllegalArgumentException("imagebatch.serve.pool-size must be at least 1, got " + poolSize);
        }
    }
}
