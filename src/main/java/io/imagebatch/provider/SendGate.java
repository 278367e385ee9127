package io.imagebatch.provider;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Asks a caller, at the last moment before a request's body leaves this machine, whether it may go: the submit
 * step commits a row's intent there (README, "Exactly once"), so that a row in flight always has a request on
 * the wire, never one still waiting for a connection, a cold HTTP client or its turn in the throttle.
 *
 * <p>{@link #onlyIf} puts a gate on the calling thread; {@link ProviderHttp#send} wraps the first request with a
 * body that it sends on that thread, so that the JDK {@link java.net.http.HttpClient} asks the gate when it
 * subscribes to the body: after the connection is made, before the body is written. A gate that says no (or
 * throws) fails the body, so no complete request reaches the provider, and {@link #onlyIf} returns empty (or
 * rethrows the gate's exception). The gate is asked at most once, possibly on one of the HTTP client's threads.
 */
public final class SendGate {

    private static final ThreadLocal<SendGate> CURRENT = new ThreadLocal<>();

    private final BooleanSupplier mayProceed;
    private final AtomicBoolean wrapped = new AtomicBoolean();
    private final AtomicBoolean asked = new AtomicBoolean();
    private volatile boolean answered;
    private volatile boolean allowed;
    private volatile RuntimeException failure;

    private SendGate(BooleanSupplier mayProceed) {
        this.mayProceed = mayProceed;
    }

    /**
     * Makes a call whose request with a body is sent only if {@code mayProceed} agrees right before the body
     * leaves.
     *
     * @param mayProceed asked at most once, right before the body leaves; false sends nothing
     * @param call       the call (an adapter's create), made on this thread
     * @param <T>        its result
     * @return its result, or empty when {@code mayProceed} said no
     * @throws RuntimeException whatever {@code mayProceed} threw (nothing was sent), else whatever the call threw
     */
    public static <T> Optional<T> onlyIf(BooleanSupplier mayProceed, Supplier<T> call) {
        SendGate gate = new SendGate(mayProceed);
        SendGate outer = CURRENT.get();
        CURRENT.set(gate);
        try {
            T result = call.get();
            return gate.answered && !gate.allowed ? Optional.empty() : Optional.ofNullable(result);
        } catch (RuntimeException e) {
            if (gate.answered && !gate.allowed) {
                if (gate.failure != null) {
                    throw gate.failure;
                }
                return Optional.empty();
            }
            throw e;
        } finally {
            if (outer == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(outer);
            }
        }
    }

    /**
     * @param request a request about to be sent on this thread
     * @return the request with its body behind this thread's gate, when there is one and it has not been used;
     *         else the request as given
     */
    static HttpRequest guard(HttpRequest request) {
        SendGate gate = CURRENT.get();
        if (gate == null || request.bodyPublisher().isEmpty() || !gate.wrapped.compareAndSet(false, true)) {
            return request;
        }
        HttpRequest.BodyPublisher body = request.bodyPublisher().get();
        return HttpRequest.newBuilder(request, (name, value) -> true)
                .method(request.method(), gate.new GatedBody(body)).build();
    }

    /** @return true when this thread's gate said no (or threw): the request was not sent */
    static boolean refusedOnThisThread() {
        SendGate gate = CURRENT.get();
        return gate != null && gate.answered && !gate.allowed;
    }

    private boolean ask() {
        if (asked.compareAndSet(false, true)) {
            try {
                allowed = mayProceed.getAsBoolean();
            } catch (RuntimeException e) {
                failure = e;
                allowed = false;
            }
            answered = true;
        }
        return answered && allowed;
    }

    /** A body that asks the gate when the HTTP client subscribes to it. */
    private final class GatedBody implements HttpRequest.BodyPublisher {

        private final HttpRequest.BodyPublisher body;

        GatedBody(HttpRequest.BodyPublisher body) {
            this.body = body;
        }

        @Override
        public long contentLength() {
            return body.contentLength();
        }

        @Override
        public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
            if (ask()) {
                body.subscribe(subscriber);
                return;
            }
            subscriber.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                    // nothing will come
                }

                @Override
                public void cancel() {
                    // nothing to stop
                }
            });
            subscriber.onError(new IOException("not sent: withdrawn before its body left"));
        }
    }
}
