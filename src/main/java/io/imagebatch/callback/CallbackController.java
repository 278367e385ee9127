package io.imagebatch.callback;

import io.imagebatch.OutsideText;
import io.imagebatch.ledger.BatchRegistry;
import io.imagebatch.ledger.LedgerEntry;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.provider.ProviderAdapter;
import io.imagebatch.provider.ProviderRegistry;
import io.imagebatch.provider.TaskState;
import io.imagebatch.provider.TaskStatus;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * The callback endpoint, {@code POST /callbacks/{provider}/{batchId}/{token}}: served by {@code run} while it
 * polls (when {@code imagebatch.callback.base-url} is set) and by {@code serve}.
 *
 * <p>It answers 204 at once, whatever it receives (but a body over the limit: 413), so a provider never retries
 * because of us and a prober learns nothing. A callback whose path names an unknown batch or a wrong token is
 * answered without reading its body, so no one without the token can make this process read anything.
 *
 * <p>An authenticated callback (the batch's token, compared in constant time, and for HiAPI a valid signature
 * when a secret is set) about an in-flight task of a batch this process runs ({@link BatchRegistry#holdsFence})
 * is trusted (docs/design.md, Callbacks): its terminal state is recorded as a status answer's would be, with the
 * same fenced ledger writes ({@link io.imagebatch.ledger.LedgerPolls#markGeneratedByCallback},
 * {@link TaskOutcomes#recordFailed}), and no status query is made. The download step then fetches its result
 * URL through every check a polled URL gets (private addresses, image check, SHA-256), and a URL that cannot be
 * fetched is replaced by a fresh status query's, as an expired one is. A payload without a usable terminal state
 * ({@link ProviderAdapter#callbackStatus} empty), or a batch running in another process, only makes the task's
 * status query due now. A callback naming no in-flight task of the batch (another batch's, an unknown one, a
 * duplicate of one already recorded) changes nothing.
 */
@RestController
public class CallbackController {

    private static final Logger log = LoggerFactory.getLogger(CallbackController.class);

    private final TaskLedger ledger;
    private final BatchRegistry registry;
    private final ProviderRegistry providers;
    private final CallbackSignal signal;
    private final long maxBodyBytes;
    private final Clock clock;
    private final ApplicationEventPublisher events;

    /**
     * @param ledger     the ledger
     * @param registry   the batch registry, which keeps the batches' callback tokens and says which batches this
     *                   process runs
     * @param providers  the adapters, which read their callback payloads
     * @param signal     wakes the poll step
     * @param properties the callback body limit ({@code imagebatch.callback.max-body-bytes})
     * @param clock      the clock a task's generation time is measured by (callback arrival less its create)
     * @param events     where {@link TaskEndedByCallback} is published once a callback's state is recorded
     */
    public CallbackController(TaskLedger ledger, BatchRegistry registry, ProviderRegistry providers,
            CallbackSignal signal, CallbackProperties properties, Clock clock, ApplicationEventPublisher events) {
        this.ledger = ledger;
        this.registry = registry;
        this.providers = providers;
        this.signal = signal;
        this.maxBodyBytes = properties.maxBodyBytes().toBytes();
        this.clock = clock;
        this.events = events;
    }

    /**
     * Receives one callback. The path's batch and token are checked first: an unknown batch or a wrong token is
     * answered 204 without reading the body. A known one's body is read up to
     * {@code imagebatch.callback.max-body-bytes} (1 MiB by default): a longer one (declared or sent) is answered
     * 413 unread.
     *
     * @param provider the provider named in the URL
     * @param batchId  the batch named in the URL
     * @param token    the batch's token from the URL
     * @param headers  the request headers (HiAPI signs with {@code X-HiAPI-Timestamp}, {@code X-HiAPI-Signature})
     * @param request  the request, whose body is read only once the token matched
     * @return 204, or 413 for a body over the limit
     */
    @PostMapping("/callbacks/{provider}/{batchId}/{token}")
    public ResponseEntity<Void> receive(@PathVariable String provider, @PathVariable String batchId,
            @PathVariable String token, @RequestHeader HttpHeaders headers, HttpServletRequest request) {
        try {
            if (!tokenMatches(batchId, token)) {
                log.warn("callback ignored: unknown batch or wrong token (batch {})", OutsideText.of(batchId));
                return ResponseEntity.noContent().build(); // the body stays unread
            }
            // at most one byte past the limit is read: enough to know the body is too long
            byte[] body = request.getContentLengthLong() > maxBodyBytes ? null
                    : request.getInputStream().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
            if (body == null || body.length > maxBodyBytes) {
                log.warn("callback ignored: body longer than {} bytes (imagebatch.callback.max-body-bytes; batch {})",
                        maxBodyBytes, OutsideText.of(batchId));
                return ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE).build();
            }
            handle(provider, batchId, headers, new String(body, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            log.warn("callback for batch {} could not be handled: {}", OutsideText.of(batchId),
                    OutsideText.of(e.toString()));
        }
        return ResponseEntity.noContent().build();
    }

    private boolean tokenMatches(String batchId, String token) {
        Optional<String> expected = registry.storedCallbackToken(batchId);
        return expected.isPresent() && MessageDigest.isEqual(expected.get().getBytes(StandardCharsets.UTF_8),
                token.getBytes(StandardCharsets.UTF_8));
    }

    private void handle(String provider, String batchId, HttpHeaders headers, String body) {
        Optional<ProviderAdapter> adapter = providers.find(provider);
        if (adapter.isEmpty()) {
            log.warn("callback ignored: unknown provider in the URL (batch {})", OutsideText.of(batchId));
            return;
        }
        Map<String, String> lowerCaseHeaders = headers.toSingleValueMap().entrySet().stream()
                .collect(Collectors.toMap(e -> e.getKey().toLowerCase(Locale.ROOT), Map.Entry::getValue,
                        (a, b) -> a));
        if (!adapter.get().verifyCallback(lowerCaseHeaders, body)) {
            log.warn("callback ignored: signature missing or wrong (batch {}, provider {})", OutsideText.of(batchId),
                    OutsideText.of(provider));
            return;
        }
        if (registry.holdsFence(batchId)) {
            Optional<TaskStatus> terminal = adapter.get().callbackStatus(body);
            if (terminal.isPresent()) {
                record(batchId, adapter.get().name(), terminal.get());
                return;
            }
        }
        Optional<String> taskId = adapter.get().callbackTaskId(body);
        if (taskId.isEmpty()) {
            log.warn("callback ignored: no taskId in the body (batch {}, provider {})", OutsideText.of(batchId),
                    OutsideText.of(provider));
            return;
        }
        if (ledger.polls().expediteCheck(batchId, adapter.get().name(), taskId.get())) {
            log.debug("callback for task {} of batch {}: status query due now", OutsideText.of(taskId.get()),
                    OutsideText.of(batchId));
            signal.signal();
        }
    }

    /**
     * Records an authenticated callback's terminal state for the batch's in-flight entry holding its task, as
     * the status query's answer would be recorded; nothing when no in-flight entry holds it.
     */
    private void record(String batchId, String provider, TaskStatus status) {
        Optional<LedgerEntry> found = ledger.polls().findInFlight(batchId, provider, status.taskId());
        if (found.isEmpty()) {
            log.debug("callback for task {} of batch {}: no such task in flight, nothing recorded",
                    OutsideText.of(status.taskId()), OutsideText.of(batchId));
            return;
        }
        LedgerEntry entry = found.get();
        long now = clock.millis();
        boolean succeeded = status.state() == TaskState.SUCCESS;
        if (succeeded) {
            if (!ledger.polls().markGeneratedByCallback(batchId, entry.rowNum(), entry.variant(), entry.taskId(),
                    status.rawState(), status.resultUrls().get(0))) {
                return; // ended meanwhile (a status query, a duplicate callback)
            }
        } else {
            TaskOutcomes.recordFailed(ledger, batchId, entry, status);
        }
        log.debug("callback for task {} of batch {}: {} recorded without a status query",
                OutsideText.of(status.taskId()), OutsideText.of(batchId), status.state());
        long took = status.generationMillis() != null ? status.generationMillis()
                : entry.submittedAt() == null ? -1 : now - entry.submittedAt();
        events.publishEvent(new TaskEndedByCallback(batchId, provider, entry.model(), took, succeeded));
    }
}
