package io.imagebatch.callback;

import io.imagebatch.ledger.BatchRegistry;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.springframework.stereotype.Component;

/**
 * Builds the callback URL a create call carries: {@code <base>/callbacks/<provider>/<batch id>/<token>}, with the
 * batch's random token ({@link BatchRegistry#callbackToken}), or none when callbacks are off.
 */
@Component
public class CallbackUrls {

    private final CallbackProperties properties;
    private final BatchRegistry ledger;

    /**
     * @param properties the callback base URL
     * @param ledger     the batch registry, where batch tokens are kept
     */
    public CallbackUrls(CallbackProperties properties, BatchRegistry ledger) {
        this.properties = properties;
        this.ledger = ledger;
    }

    /**
     * @param batchId  a known batch
     * @param provider the provider the task is created at
     * @return the callback URL, or null when callbacks are off
     */
    public String urlFor(String batchId, String provider) {
        if (!properties.enabled()) {
            return null;
        }
        String base = properties.baseUrl().toString().replaceAll("/+$", "");
        return base + "/callbacks/" + URLEncoder.encode(provider, StandardCharsets.UTF_8) + "/"
                + URLEncoder.encode(batchId, StandardCharsets.UTF_8) + "/" + ledger.callbackToken(batchId);
    }
}
