package io.imagebatch.callback;

import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.util.unit.DataSize;

/**
 * Provider callbacks, {@code imagebatch.callback.*} (env {@code IMAGEBATCH_CALLBACK_BASEURL}).
 *
 * @param baseUrl the public URL at which providers reach this process's callback endpoint, for example
 *                {@code https://imagebatch.example.com} (providers want HTTPS: LiangXin "Public HTTPS URL for
 *                final callback", HiAPI "HTTPS URL that receives terminal task notifications"); null turns
 *                callbacks off, and polling alone finishes the batch
 * @param maxBodyBytes the longest callback body read, for example {@code 1MB} (the default,
 *                {@link #DEFAULT_MAX_BODY}; a callback is a status answer of a few KB): a longer one is answered
 *                413 unread. Only callbacks with a known batch and its token are read at all (README "Callbacks")
 * @param overdueGrace how long, past the generation times seen so far, a task's callback may still be on its way
 *                before the task is polled anyway, for example {@code 1s} (the default,
 *                {@link #DEFAULT_OVERDUE_GRACE}); at least a tenth of those times is allowed in any case
 *                ({@code job.PollSchedule}, README "Callbacks"). Null or negative: the default
 */
@ConfigurationProperties("imagebatch.callback")
public record CallbackProperties(URI baseUrl, DataSize maxBodyBytes, Duration overdueGrace) {

    /** The default callback body limit, 1 MiB. */
    public static final DataSize DEFAULT_MAX_BODY = DataSize.ofMegabytes(1);
    /** The default time a callback may take to arrive past the generation times seen, 1 s. */
    public static final Duration DEFAULT_OVERDUE_GRACE = Duration.ofSeconds(1);

    @ConstructorBinding
    public CallbackProperties {
        maxBodyBytes = maxBodyBytes == null || maxBodyBytes.toBytes() < 1 ? DEFAULT_MAX_BODY : maxBodyBytes;
        overdueGrace = overdueGrace == null || overdueGrace.isNegative() ? DEFAULT_OVERDUE_GRACE : overdueGrace;
    }

    /**
     * @param baseUrl      see {@link #baseUrl()}
     * @param maxBodyBytes see {@link #maxBodyBytes()}; null for the default
     */
    public CallbackProperties(URI baseUrl, DataSize maxBodyBytes) {
        this(baseUrl, maxBodyBytes, null);
    }

    /**
     * @param baseUrl see {@link #baseUrl()}; the body limit and the overdue grace are the defaults
     */
    public CallbackProperties(URI baseUrl) {
        this(baseUrl, null, null);
    }

    /** @return true when callbacks are on */
    public boolean enabled() {
        return baseUrl != null;
    }
}
