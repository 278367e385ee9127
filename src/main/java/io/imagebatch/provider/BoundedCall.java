package io.imagebatch.provider;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * One provider call in flight ({@link ProviderHttp#send}): its answer and its body subscriber, which reads at most
 * {@code max} bytes into memory as UTF-8 text (JSON's encoding, RFC 8259), checked against
 * {@code Content-Length} first ({@code imagebatch.http.max-answer-bytes}), and which can be cancelled, closing the
 * connection ({@link ProviderHttp#cancelCallsInFlight()}, on SIGTERM).
 */
final class BoundedCall {

    private final long max;
    private volatile CompletableFuture<HttpResponse<String>> future;
    private volatile Limited body;
    private volatile boolean cancelled;

    private BoundedCall(long max) {
        this.max = max;
    }

    /**
     * Sends a request whose answer body is read into memory, up to {@code max} bytes.
     *
     * @param client  the HTTP client
     * @param request the request
     * @param max     the most bytes of answer body read; a longer answer fails with
     *                {@link AnswerTooLargeException}
     * @return the call, its answer under way
     */
    static BoundedCall start(HttpClient client, HttpRequest request, long max) {
        BoundedCall call = new BoundedCall(max);
        call.future = client.sendAsync(request, call::subscriber);
        return call;
    }

    /** @return the answer, completed exceptionally when the body is too long or the call was cancelled */
    CompletableFuture<HttpResponse<String>> response() {
        return future;
    }

    private HttpResponse.BodySubscriber<String> subscriber(HttpResponse.ResponseInfo info) {
        long declared = info.headers().firstValueAsLong("Content-Length").orElse(-1);
        Limited limited = new Limited(max, declared > max);
        body = limited;
        if (cancelled) {
            limited.cancel();
        }
        return limited;
    }

    /** Cancels the call: its body fails with {@link CallCancelledException}, its exchange is aborted. */
    void cancel() {
        cancelled = true;
        Limited b = body;
        if (b != null) {
            b.cancel();
        }
        CompletableFuture<HttpResponse<String>> f = future;
        if (f != null) {
            f.cancel(true); // the JDK client aborts the exchange (JDK 16+)
        }
    }

    /** An answer longer than the limit: abandoned unread. */
    static final class AnswerTooLargeException extends IOException {
        AnswerTooLargeException(long max) {
            super("answer longer than " + max + " bytes");
        }
    }

    /** A call cancelled by {@link ProviderHttp#cancelCallsInFlight()} or its deadline. */
    static final class CallCancelledException extends IOException {
        CallCancelledException() {
            super("cancelled");
        }
    }

    /** A body read into memory, up to {@code max} bytes, as UTF-8 text (JSON's encoding, RFC 8259). */
    private static final class Limited implements HttpResponse.BodySubscriber<String> {

        private final long max;
        private final boolean tooLarge;
        private final CompletableFuture<String> result = new CompletableFuture<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private volatile Flow.Subscription subscription;
        private long count;

        Limited(long max, boolean declaredTooLarge) {
            this.max = max;
            this.tooLarge = declaredTooLarge;
        }

        @Override
        public CompletionStage<String> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (tooLarge) {
                fail(new AnswerTooLargeException(max));
            } else if (result.isDone()) {
                s.cancel();
            } else {
                s.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer item : items) {
                count += item.remaining();
                if (count > max) {
                    fail(new AnswerTooLargeException(max));
                    return;
                }
                byte[] chunk = new byte[item.remaining()];
                item.get(chunk);
                bytes.write(chunk, 0, chunk.length);
            }
        }

        @Override
        public void onError(Throwable error) {
            result.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
            result.complete(bytes.toString(StandardCharsets.UTF_8));
        }

        void cancel() {
            fail(new CallCancelledException());
        }

        private void fail(IOException reason) {
            result.completeExceptionally(reason);
            Flow.Subscription s = subscription;
            if (s != null) {
                s.cancel();
            }
        }
    }
}
