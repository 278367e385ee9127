package io.imagebatch.provider;

import io.imagebatch.http.HttpClients;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The HTTP transport every adapter shares: the JDK {@link HttpClient} of the project's one configuration
 * ({@link HttpClients}: redirects never followed), timeouts, and the classification of transport failures
 * ({@link HttpClients#notSent}). A failure before the request left this machine (connection refused, connect
 * timeout, unknown host) is {@link FailureClass#BUSY} and certainly had no effect; a failure after sending (reset,
 * request timeout) is BUSY with {@link ProviderException#mayHaveReachedProvider()} set, because a create
 * call may then have made a task.
 *
 * <p>Bounds (README "A real provider"): every call has an overall deadline, the request timeout, covering
 * connect, headers and the whole body (a body that drips a byte every few seconds is cut at it), shortened to
 * the deadline set by {@link #callsWithin} (the task deadline of a status query); an answer is read through a
 * size limit ({@link Options#maxAnswerBytes()}, {@code imagebatch.http.max-answer-bytes}), and a longer one
 * is abandoned as a provider fault (BUSY, {@code mayHaveReachedProvider}) instead of filling the heap. Calls in
 * flight can be cancelled at once ({@link #cancelCallsInFlight()}, on SIGTERM). One call, its bounded body and
 * its cancellation, is a {@link BoundedCall}.
 *
 * <p>Every answer body is masked as it arrives, before any adapter reads it: each configured secret (every
 * provider's API key and callback secret, {@link Options#secrets()}) becomes {@code ***}, so an echoed key can
 * reach no message, log line, ledger row or report. Every message this class produces is masked the same way.
 */
public final class ProviderHttp {

    /** Secrets shorter than this many characters are not masked: they would mask ordinary words. */
    public static final int MIN_SECRET_LENGTH = 8;

    /** Calls in flight in this JVM, for {@link #cancelCallsInFlight()}. */
    private static final Set<BoundedCall> IN_FLIGHT = ConcurrentHashMap.newKeySet();
    /** The deadline ({@link System#nanoTime()}) set by {@link #callsWithin} on this thread, or null. */
    private static final ThreadLocal<Long> DEADLINE = new ThreadLocal<>();

    private final String provider;
    private final ProviderSettings settings;
    private final HttpClient client;
    private final long maxAnswerBytes;
    /** The secrets to mask, longest first (so a key that contains another is masked whole). */
    private final List<String> secrets;

    /**
     * Limits and secrets shared by every adapter's transport.
     *
     * @param maxAnswerBytes the longest answer body read, bytes; a longer one is abandoned
     *                       ({@code imagebatch.http.max-answer-bytes}, default {@link HttpProperties#DEFAULT_MAX_ANSWER})
     * @param secrets        every configured secret to mask in answers and messages (all providers' API keys and
     *                       callback secrets); nulls, blanks and secrets under {@link #MIN_SECRET_LENGTH}
     *                       characters are ignored
     */
    public record Options(long maxAnswerBytes, Collection<String> secrets) {

        /** @return the defaults: a 4 MiB answer limit, no secrets besides the provider's own */
        public static Options defaults() {
            return new Options(HttpProperties.DEFAULT_MAX_ANSWER.toBytes(), List.of());
        }
    }

    /**
     * A transport with {@link Options#defaults()}: the provider's own key and callback secret are masked.
     *
     * @param provider the provider name, for messages
     * @param settings base URL, key and timeouts
     */
    public ProviderHttp(String provider, ProviderSettings settings) {
        this(provider, settings, Options.defaults());
    }

    /**
     * @param provider the provider name, for messages
     * @param settings base URL, key and timeouts
     * @param options  the answer size limit and the secrets of every provider, to mask
     */
    public ProviderHttp(String provider, ProviderSettings settings, Options options) {
        this.provider = provider;
        this.settings = settings;
        this.maxAnswerBytes = Math.max(1, options.maxAnswerBytes());
        Set<String> all = new LinkedHashSet<>();
        all.add(settings.apiKey());
        all.add(settings.callbackSecret());
        all.addAll(options.secrets());
        this.secrets = all.stream().filter(s -> s != null && s.strip().length() >= MIN_SECRET_LENGTH)
                .map(String::strip).distinct().sorted(Comparator.comparingInt(String::length).reversed()).toList();
        this.client = HttpClients.create(settings.connectTimeout());
    }

    /**
     * Runs {@code calls} with every provider call it makes on this thread ending by {@code budget} from now at
     * the latest (a call then still unanswered is cancelled and fails BUSY): the task deadline covers the calls
     * in flight (README "A real provider"). Nested budgets keep the earlier end.
     *
     * @param budget how long the calls may take in all; zero or negative: a call fails at once, unsent
     * @param calls  the calls, run on this thread
     * @param <T>    what they return
     * @return what {@code calls} returned
     * @throws ProviderException whatever the calls throw
     */
    public static <T> T callsWithin(Duration budget, Supplier<T> calls) {
        Long outer = DEADLINE.get();
        long end = System.nanoTime() + Math.max(0, Math.min(budget.toNanos(), Long.MAX_VALUE / 4));
        DEADLINE.set(outer != null && outer - end < 0 ? outer : end);
        try {
            return calls.get();
        } finally {
            if (outer == null) {
                DEADLINE.remove();
            } else {
                DEADLINE.set(outer);
            }
        }
    }

    /**
     * Cancels every provider call in flight in this JVM: each fails at once with a BUSY
     * {@link ProviderException} ({@code mayHaveReachedProvider} set), its connection is closed. Used on SIGTERM,
     * so a run stops within its documented time whatever its providers do.
     *
     * @return how many calls were cancelled
     */
    public static int cancelCallsInFlight() {
        int n = 0;
        for (BoundedCall call : IN_FLIGHT) {
            call.cancel();
            n++;
        }
        return n;
    }

    /**
     * An HTTP answer, whatever its status.
     *
     * @param status     HTTP status
     * @param body       the body as UTF-8 text
     * @param retryAfter the {@code Retry-After} header as a duration (seconds form only), or null
     * @param uri        the URL that answered (the request's: redirects are not followed), or null when unknown
     */
    public record Answer(int status, String body, Duration retryAfter, URI uri) {

        /**
         * An answer whose URL is not known.
         *
         * @param status     HTTP status
         * @param body       the body as UTF-8 text
         * @param retryAfter the {@code Retry-After} header as a duration, or null
         */
        public Answer(int status, String body, Duration retryAfter) {
            this(status, body, retryAfter, null);
        }

        /**
         * @param effectiveStatus the status to classify by (for example the body's {@code code} of an HTTP 200)
         * @return this answer with that status, the same body, {@code Retry-After} and URL
         */
        public Answer withStatus(int effectiveStatus) {
            return new Answer(effectiveStatus, body, retryAfter, uri);
        }
    }

    /** @return the provider's base URL joined with {@code pathAndQuery} */
    public URI resolve(String pathAndQuery) {
        if (settings.baseUrl() == null) {
            throw new IllegalStateException("imagebatch.providers." + provider + ".base-url is not set");
        }
        String base = settings.baseUrl().toString();
        return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + pathAndQuery);
    }

    /** @return a request builder for {@code pathAndQuery} with the request timeout and JSON accept header */
    public HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(resolve(pathAndQuery))
                .timeout(settings.requestTimeout())
                .header("Accept", "application/json");
    }

    /** @return the API key, for the adapter's auth header only */
    public String apiKey() {
        return settings.apiKey() == null ? "" : settings.apiKey();
    }

    /**
     * Sends a request and returns the answer, whatever its status, its body masked ({@link #mask}).
     *
     * <p>The whole call (connect, headers, body) ends within the request timeout, or sooner at the deadline of
     * {@link #callsWithin}; the body is read up to {@link Options#maxAnswerBytes()} bytes.
     *
     * @param request  the request
     * @param callName the call, for messages (for example {@code createTask})
     * @return the answer
     * @throws ProviderException BUSY on a transport failure (see the class comment for
     *                           {@code mayHaveReachedProvider}), when the deadline passes (mayHaveReachedProvider),
     *                           when the answer is longer than the limit (mayHaveReachedProvider), when the call is
     *                           cancelled ({@link #cancelCallsInFlight()}) or the thread interrupted
     */
    public Answer send(HttpRequest request, String callName) {
        long timeoutNanos = settings.requestTimeout().toNanos();
        Long deadline = DEADLINE.get();
        if (deadline != null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new ProviderException(FailureClass.BUSY, 0, null,
                        provider + " " + callName + ": not sent, the task's deadline has passed", null, false, null);
            }
            timeoutNanos = Math.min(timeoutNanos, left);
        }
        request = SendGate.guard(request); // a create whose body may leave only if its caller still agrees
        BoundedCall call = BoundedCall.start(client, request, maxAnswerBytes);
        IN_FLIGHT.add(call);
        try {
            HttpResponse<String> response = call.response().get(timeoutNanos, TimeUnit.NANOSECONDS);
            RateLimitHeaders.note(response.headers()); // for this thread's ProviderThrottle (README, Performance)
            return new Answer(response.statusCode(), mask(response.body()),
                    parseRetryAfter(response.headers().firstValue("Retry-After").orElse(null)), request.uri());
        } catch (TimeoutException e) {
            call.cancel();
            throw new ProviderException(FailureClass.BUSY, 0, null, provider + " " + callName + ": no whole answer"
                    + " from " + request.uri().getHost() + " within " + Duration.ofNanos(timeoutNanos).toMillis()
                    + " ms (" + (deadline != null && timeoutNanos < settings.requestTimeout().toNanos()
                            ? "the task's deadline" : "imagebatch.providers." + provider + ".request-timeout")
                    + "); the call was cancelled", null, true, null);
        } catch (CancellationException e) {
            throw cancelled(callName, e);
        } catch (ExecutionException e) {
            throw failed(request, callName, e.getCause() == null ? e : e.getCause());
        } catch (InterruptedException e) {
            call.cancel();
            Thread.currentThread().interrupt();
            throw new ProviderException(FailureClass.BUSY, 0, null, provider + " " + callName + ": interrupted",
                    null, true, e);
        } finally {
            IN_FLIGHT.remove(call);
        }
    }

    private ProviderException cancelled(String callName, Exception e) {
        return new ProviderException(FailureClass.BUSY, 0, null,
                provider + " " + callName + ": cancelled (the process is stopping)", null, true, e);
    }

    private ProviderException failed(HttpRequest request, String callName, Throwable thrown) {
        Throwable e = HttpClients.unwrap(thrown);
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof BoundedCall.AnswerTooLargeException || t instanceof BoundedCall.CallCancelledException) {
                e = t;
                break;
            }
        }
        if (e instanceof BoundedCall.AnswerTooLargeException) {
            return new ProviderException(FailureClass.BUSY, 0, null, provider + " " + callName + ": the answer is"
                    + " longer than " + maxAnswerBytes + " bytes (imagebatch.http.max-answer-bytes); it was abandoned",
                    null, true, null);
        }
        if (e instanceof CancellationException || e instanceof BoundedCall.CallCancelledException) {
            return cancelled(callName, null);
        }
        if (SendGate.refusedOnThisThread()) {
            return new ProviderException(FailureClass.BUSY, 0, null, provider + " " + callName
                    + ": not sent (withdrawn before its body left)", null, false, e instanceof Exception ex ? ex : null);
        }
        if (HttpClients.isConnectFailure(e)) {
            return new ProviderException(FailureClass.BUSY, 0, null,
                    mask(provider + " " + callName + ": cannot connect to " + request.uri().getHost() + " (" + e + ")"),
                    null, false, e);
        }
        boolean notSent = HttpClients.notSent(e);
        return new ProviderException(FailureClass.BUSY, 0, null,
                mask(provider + " " + callName + ": no answer from " + request.uri().getHost() + " (" + e + ")"),
                null, !notSent, e instanceof Exception ex ? ex : null);
    }

    /**
     * Builds the exception for an error answer, classified by HTTP status as in the failure table
     * ({@link #classifyStatus}; README, "A real provider"). A 502 or 504 (a gateway that got no answer in time)
     * and a 2xx that is not the expected body are BUSY with {@link ProviderException#mayHaveReachedProvider()} set: the provider
     * may have made the task behind them, so a create answered so makes its row UNCERTAIN, never resent. A
     * {@link FailureClass#CONFIGURATION} answer's message names the URL that answered and its status.
     *
     * @param answer        the error answer
     * @param providerCode  the provider's code from the body, or null
     * @param message       the provider's message from the body, or null
     * @param callName      the call, for the message
     * @param classify      maps the status to a class, when a provider differs from the table; may be null
     * @return the exception to throw
     */
    public ProviderException error(Answer answer, String providerCode, String message, String callName,
            Function<Integer, FailureClass> classify) {
        int status = answer.status();
        FailureClass failureClass = classify != null ? classify.apply(status) : classifyStatus(status);
        String text = provider + " " + callName + " answered HTTP " + status
                + (failureClass == FailureClass.CONFIGURATION && answer.uri() != null
                        ? " at " + withoutQuery(answer.uri()) : "")
                + (providerCode != null && !providerCode.isBlank() && !providerCode.equals(String.valueOf(status))
                        ? " code " + providerCode : "")
                + (message != null && !message.isBlank() ? ": " + message : "");
        return new ProviderException(failureClass, status, providerCode, mask(truncate(text, 500)),
                answer.retryAfter(), mayHaveMadeTask(status), null);
    }

    /**
     * The failure table, by HTTP status (README, "A real provider"): 400, 413, 422 (the answers every provider
     * documents for an invalid request) the row; 401, 402, 403, 505 the account; 429, 455, 408, 5xx busy; 501 generation failed; 2xx busy (an answer we could not
     * read); any other status (404, 3xx redirects, 405, 415, ...) {@link FailureClass#CONFIGURATION}: a wrong
     * base URL or path answers so for every row, so it must not reject rows. A status query's 404 is mapped
     * to BUSY by {@link ProviderAnswers#classifyStatusQuery} (a task not visible yet).
     *
     * @param status an HTTP status, or a body's {@code code} standing for one
     * @return its class
     */
    public static FailureClass classifyStatus(int status) {
        return switch (status) {
            case 400, 413, 422 -> FailureClass.ROW_INVALID;
            case 401, 402, 403, 505 -> FailureClass.ACCOUNT;
            case 501 -> FailureClass.GENERATION_FAILED;
            case 429, 455, 408 -> FailureClass.BUSY;
            default -> status >= 500 || (status >= 200 && status < 300) ? FailureClass.BUSY
                    : FailureClass.CONFIGURATION;
        };
    }

    /**
     * Whether an error answer may hide a task a create call made: 502 and 504 (a gateway gave up waiting for
     * the provider, which may have made the task meanwhile) and a 2xx we could not read. Our choice, as the
     * design's rule for a dropped answer (README, failure table).
     *
     * @param status an HTTP status
     * @return true when the request may have had its effect
     */
    public static boolean mayHaveMadeTask(int status) {
        return status == 502 || status == 504 || (status >= 200 && status < 300);
    }

    private static String withoutQuery(URI uri) {
        String text = uri.toString();
        int query = text.indexOf('?');
        return query < 0 ? text : text.substring(0, query);
    }

    /**
     * @param text any text from or about a provider, may be null
     * @return {@code text} with every configured secret ({@link Options#secrets()}, this provider's key and
     *         callback secret), as sent or URL-encoded, replaced by {@code ***}; null for null
     */
    public String mask(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String masked = text;
        for (String secret : secrets) {
            masked = masked.replace(secret, "***");
            String encoded = URLEncoder.encode(secret, StandardCharsets.UTF_8);
            if (!encoded.equals(secret)) {
                masked = masked.replace(encoded, "***");
            }
        }
        return masked;
    }

    private static String truncate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max) + "...";
    }

    private static Duration parseRetryAfter(String value) {
        if (value == null) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
        } catch (NumberFormatException e) {
            return null; // HTTP-date form: fall back to our own backoff
        }
    }
}
