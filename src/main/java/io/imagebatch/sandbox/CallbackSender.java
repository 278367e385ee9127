package io.imagebatch.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers callbacks: POSTs a JSON body to a URL, and when that fails (no 2xx answer, or an I/O error) tries
 * again twice, after {@link #RETRY_DELAYS}. LiangXin: "Webhook delivery is retried briefly"
 * (liangxin-nano-banana-pro-flash-reference.txt). Sending runs on a small pool of its own, never on a request
 * thread; {@link #close()} stops it, abandoning deliveries not yet made.
 */
final class CallbackSender implements AutoCloseable {

    /** Waits before the second and the third attempt. */
    static final List<Duration> RETRY_DELAYS = List.of(Duration.ofMillis(250), Duration.ofSeconds(1));
    /** Connect and read timeout of one attempt. */
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    private static final Logger log = LoggerFactory.getLogger(CallbackSender.class);

    private final ScheduledExecutorService scheduler;
    private final ExecutorService senders;

    /**
     * @param scheduler times the retries; owned by the caller
     * @param threads   how many callbacks may be in flight at once
     * @param threadName name prefix of the sending threads
     */
    CallbackSender(ScheduledExecutorService scheduler, int threads, String threadName) {
        this.scheduler = scheduler;
        this.senders = Executors.newFixedThreadPool(threads, SandboxThreads.named(threadName));
    }

    /**
     * Starts delivering; returns at once.
     *
     * @param url  an http(s) URL
     * @param body JSON bytes
     */
    void deliver(URI url, byte[] body) {
        deliver(url, body, Map.of());
    }

    /**
     * Starts delivering with extra request headers (HiAPI's signature headers); every attempt sends the same
     * body and headers. Returns at once.
     *
     * @param url     an http(s) URL
     * @param body    JSON bytes
     * @param headers extra headers, for example {@code X-HiAPI-Signature}; never null
     */
    void deliver(URI url, byte[] body, Map<String, String> headers) {
        submit(url, body, Map.copyOf(headers), 0);
    }

    private void submit(URI url, byte[] body, Map<String, String> headers, int attempt) {
        try {
            senders.execute(() -> attempt(url, body, headers, attempt));
        } catch (RejectedExecutionException closed) {
            log.debug("sandbox closed; callback to {} dropped", shown(url));
        }
    }

    private void attempt(URI url, byte[] body, Map<String, String> headers, int attempt) {
        String outcome;
        try {
            int status = post(url, body, headers);
            if (status >= 200 && status < 300) {
                return;
            }
            outcome = "HTTP " + status;
        } catch (IOException | RuntimeException e) {
            outcome = e.toString();
        }
        if (attempt >= RETRY_DELAYS.size()) {
            log.warn("sandbox callback to {} failed {} times, last: {}; giving up", shown(url), attempt + 1, outcome);
            return;
        }
        log.debug("sandbox callback to {} failed ({}); retrying", shown(url), outcome);
        try {
            scheduler.schedule(() -> submit(url, body, headers, attempt + 1), RETRY_DELAYS.get(attempt).toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            log.debug("sandbox closed; callback retry to {} dropped", shown(url));
        }
    }

    /**
     * A callback URL as logged: its last path segment (the batch's secret token in ImageBatch's callback URLs,
     * README "Callbacks") replaced by {@code ***}.
     */
    static String shown(URI url) {
        String text = url.toString();
        int cut = text.lastIndexOf('/');
        return cut > text.indexOf("//") + 1 ? text.substring(0, cut + 1) + "***" : text;
    }

    private static int post(URI url, byte[] body, Map<String, String> headers) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) url.toURL().openConnection();
        try {
            connection.setRequestMethod("POST");
            connection.setConnectTimeout((int) TIMEOUT.toMillis());
            connection.setReadTimeout((int) TIMEOUT.toMillis());
            connection.setDoOutput(true);
            connection.setFixedLengthStreamingMode(body.length);
            connection.setRequestProperty("Content-Type", ApiResponse.JSON);
            headers.forEach(connection::setRequestProperty);
            try (OutputStream out = connection.getOutputStream()) {
                out.write(body);
            }
            int status = connection.getResponseCode();
            // drain so the connection can be reused
            try (InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
                if (in != null) {
                    in.transferTo(OutputStream.nullOutputStream());
                }
            }
            return status;
        } finally {
            connection.disconnect();
        }
    }

    /** Stops sending; deliveries not yet made are dropped. */
    @Override
    public void close() {
        senders.shutdownNow();
    }
}
