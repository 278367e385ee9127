package io.imagebatch.callback;

import java.net.URI;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Provider callbacks, {@code imagebatch.callback.*} (env {@code IMAGEBATCH_CALLBACK_BASEURL}).
 *
 * @param baseUrl the public URL at which providers reach this process's callback endpoint, for example
 *                {@code https://imagebatch.example.com} (providers want HTTPS: LiangXin "Public HTTPS URL for
 *                final callback", HiAPI "HTTPS URL that receives terminal task notifications"); null turns
 *                callbacks off, and polling alone finishes the batch
 */
@ConfigurationProperties("imagebatch.callback")
public record CallbackProperties(URI baseUrl) {

    /** @return true when callbacks are on */
    public boolean enabled() {
        return baseUrl != null;
    }
}
