package io.imagebatch.callback;

import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.provider.ProviderAdapter;
import io.imagebatch.provider.ProviderRegistry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * The callback endpoint, {@code POST /callbacks/{provider}/{batchId}/{token}}: served by {@code run} while it
 * polls (when {@code imagebatch.callback.base-url} is set) and by {@code serve}.
 *
 * <p>It answers 204 at once, whatever it receives, so a provider never retries because of us and a prober
 * learns nothing. A callback is only a hint: with the right token, a valid signature (HiAPI, when a secret is
 * set) and a taskId of one of the batch's in-flight tasks, it makes that task's status query due now; the
 * status query's answer is what the ledger records. So a forged callback (wrong token, or a payload claiming
 * success with a foreign URL) changes nothing, and a duplicate one finds the task already terminal.
 */
@RestController
public class CallbackController {

    private static final Logger log = LoggerFactory.getLogger(CallbackController.class);

    private final TaskLedger ledger;
    private final ProviderRegistry providers;
    private final CallbackSignal signal;

    /**
     * @param ledger    the ledger
     * @param providers the adapters, which read their callback payloads
     * @param signal    wakes the poll step
     */
    public CallbackController(TaskLedger ledger, ProviderRegistry providers, CallbackSignal signal) {
        this.ledger = ledger;
        this.providers = providers;
        this.signal = signal;
    }

    /**
     * Receives one callback.
     *
     * @param provider the provider named in the URL
     * @param batchId  the batch named in the URL
     * @param token    the batch's token from the URL
     * @param headers  the request headers (HiAPI signs with {@code X-HiAPI-Timestamp}, {@code X-HiAPI-Signature})
     * @param body     the raw body
     * @return 204, always
     */
    @PostMapping("/callbacks/{provider}/{batchId}/{token}")
    public ResponseEntity<Void> receive(@PathVariable String provider, @PathVariable String batchId,
            @PathVariable String token, @RequestHeader HttpHeaders headers,
            @RequestBody(required = false) byte[] body) {
        try {
            handle(provider, batchId, token, headers, body == null ? "" : new String(body, StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            log.warn("callback for batch {} could not be handled: {}", batchId, e.toString());
        }
        return ResponseEntity.noContent().build();
    }

    private void handle(String provider, String batchId, String token, HttpHeaders headers, String body) {
        Optional<String> expected = ledger.storedCallbackToken(batchId);
        if (expected.isEmpty() || !MessageDigest.isEqual(expected.get().getBytes(StandardCharsets.UTF_8),
                token.getBytes(StandardCharsets.UTF_8))) {
            log.warn("callback ignored: unknown batch or wrong token (batch {})", batchId);
            return;
        }
        Optional<ProviderAdapter> adapter = providers.find(provider);
        if (adapter.isEmpty()) {
            log.warn("callback ignored: unknown provider in the URL (batch {})", batchId);
            return;
        }
        Map<String, String> lowerCaseHeaders = headers.toSingleValueMap().entrySet().stream()
                .collect(Collectors.toMap(e -> e.getKey().toLowerCase(Locale.ROOT), Map.Entry::getValue,
                        (a, b) -> a));
        if (!adapter.get().verifyCallback(lowerCaseHeaders, body)) {
            log.warn("callback ignored: signature missing or wrong (batch {}, provider {})", batchId, provider);
            return;
        }
        Optional<String> taskId = adapter.get().callbackTaskId(body);
        if (taskId.isEmpty()) {
            log.warn("callback ignored: no taskId in the body (batch {}, provider {})", batchId, provider);
            return;
        }
        if (ledger.expediteCheck(batchId, adapter.get().name(), taskId.get())) {
            log.debug("callback for task {} of batch {}: status query due now", taskId.get(), batchId);
            signal.signal();
        }
    }
}
