package io.imagebatch.callback;

import java.net.URI;
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
 */
@ConfigurationProperties("imagebatch.callback")
public record CallbackProperties(URI baseUrl, DataSize maxBodyBytes) {

    /** The default callback body limit, 1 MiB. */
    public static final DataSize DEFAULT_MAX_BODY = DataSize.ofMegabytes(1);

    @ConstructorBinding
    public CallbackProperties {
        maxBodyBytes = maxBodyBytes == null || maxBodyBytes.toBytes() < 1 ? DEFAULT_MAX_BODY : maxBodyBytes;
    }

    /**
     * @param baseUrl see {@link #baseUrl()}; the body limit is the default
     */
    public CallbackProperties(URI baseUrl) {
        this(baseUrl, null);
    }

    /** @return true when callbacks are on */
    public boolean enabled() {
        return baseUrl != null;
    }
}
