package io.imagebatch.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fault-injecting HTTP proxy in front of an S3-compatible server (an {@link S3ProxyServer}), for tests of
 * transient store errors: it listens on a random loopback port and forwards every request unchanged, except that
 * a seeded share of writes (PUT and POST: PutObject, UploadPart, CreateMultipartUpload,
 * CompleteMultipartUpload) is answered as S3 answers under load, without reaching the server:
 * {@code 503 SlowDown} or {@code 500 InternalError}, with S3's XML error body.
 *
 * <p>One request per connection: the request head is read, {@code Connection: close} is added (the header is not
 * part of an AWS signature), and the bytes are then piped both ways until the server closes. A faulted request
 * whose client waits for {@code 100 Continue} is answered before its body is sent; otherwise its body is read
 * first, so the client sees a clean answer rather than a reset.
 *
 * <p>It also counts reads ({@link #reads()}) and can hold back the reads of one object ({@link #hold}), for tests
 * of code that streams from the store.
 *
 * <pre>{@code
 * try (S3ProxyServer s3 = S3ProxyServer.start();
 *         S3FaultProxy faults = S3FaultProxy.start(s3.endpoint(), 0.10, 0.03, 42)) {
 *     ... point the client at faults.endpoint() ...
 * }
 * }</pre>
 */
public final class S3FaultProxy implements AutoCloseable {

    private final URI upstream;
    private final double slowDownRate;
    private final double internalErrorRate;
    private final Random random;
    private final ServerSocket socket;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "s3-fault-proxy");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger writes = new AtomicInteger();
    private final AtomicInteger slowDowns = new AtomicInteger();
    private final AtomicInteger internalErrors = new AtomicInteger();
    private volatile boolean closed;
    private final AtomicInteger reads = new AtomicInteger();
    private volatile Hold hold;

    private S3FaultProxy(URI upstream, double slowDownRate, double internalErrorRate, long seed) throws IOException {
        this.upstream = upstream;
        this.slowDownRate = slowDownRate;
        this.internalErrorRate = internalErrorRate;
        this.random = new Random(seed);
        this.socket = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
        executor.execute(this::accept);
    }

    /**
     * Starts a proxy.
     *
     * @param upstream          the S3 server's base URI, {@code http://127.0.0.1:PORT}
     * @param slowDownRate      share of writes answered {@code 503 SlowDown}, 0 to 1
     * @param internalErrorRate share of writes answered {@code 500 InternalError}, 0 to 1
     * @param seed              seed of the choice of faulted writes
     * @return the running proxy; close it to stop it
     * @throws IOException when no port can be opened
     */
    public static S3FaultProxy start(URI upstream, double slowDownRate, double internalErrorRate, long seed)
            throws IOException {
        return new S3FaultProxy(upstream, slowDownRate, internalErrorRate, seed);
    }

    /** @return the proxy's base URI, {@code http://127.0.0.1:PORT}: the S3 endpoint to give the code under test */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }

    /** @return writes (PUT, POST) received, faulted or not */
    public int writes() {
        return writes.get();
    }

    /** @return writes answered {@code 503 SlowDown} */
    public int slowDowns() {
        return slowDowns.get();
    }

    /** @return writes answered {@code 500 InternalError} */
    public int internalErrors() {
        return internalErrors.get();
    }

    /** @return reads (GET) received: the store read counter */
    public int reads() {
        return reads.get();
    }

    /**
     * Holds back the reads (GET) of one object: the first {@code count} GET requests whose path ends with
     * {@code pathSuffix} wait, before they reach the server, until {@link Hold#release()} (or 60 s). Replaces an
     * earlier hold.
     *
     * @param pathSuffix the end of the request path, for example {@code /b7/row-5.png}
     * @param count      how many such requests to hold
     * @return the hold, to see the held requests arrive and to release them
     */
    public Hold hold(String pathSuffix, int count) {
        Hold h = new Hold(pathSuffix, count);
        hold = h;
        return h;
    }

    /** Reads held back by {@link #hold}. */
    public static final class Hold {
        private final String pathSuffix;
        private final AtomicInteger left;
        private final AtomicInteger arrived = new AtomicInteger();
        private final AtomicInteger waiting = new AtomicInteger();
        private final java.util.concurrent.CountDownLatch released = new java.util.concurrent.CountDownLatch(1);

        private Hold(String pathSuffix, int count) {
            this.pathSuffix = pathSuffix;
            this.left = new AtomicInteger(count);
        }

        /** @return the held requests that have arrived so far (and wait, until released) */
        public int arrived() {
            return arrived.get();
        }

        /** @return the held requests waiting now: arrived, and neither released nor given up after 60 s */
        public int waiting() {
            return waiting.get();
        }

        /** Lets the held requests (and any later ones) through. */
        public void release() {
            released.countDown();
        }

        private void await(String requestLine) throws InterruptedException {
            String path = requestLine.split(" ")[1];
            int query = path.indexOf('?');
            if (query >= 0) {
                path = path.substring(0, query);
            }
            if (path.endsWith(pathSuffix) && left.getAndDecrement() > 0) {
                waiting.incrementAndGet();
                arrived.incrementAndGet();
                try {
                    released.await(60, java.util.concurrent.TimeUnit.SECONDS);
                } finally {
                    waiting.decrementAndGet();
                }
            }
        }
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = socket.accept();
                executor.execute(() -> serve(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            String head = readHead(in);
            if (head == null) {
                return;
            }
            String method = head.substring(0, Math.max(0, head.indexOf(' '))).toUpperCase(Locale.ROOT);
            if (method.equals("GET")) {
                reads.incrementAndGet();
                Hold h = hold;
                if (h != null) {
                    try {
                        h.await(head.substring(0, head.indexOf('\r')));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
            if (method.equals("PUT") || method.equals("POST")) {
                writes.incrementAndGet();
                int fault = chooseFault();
                if (fault != 0) {
                    answerFault(client, in, head, fault);
                    return;
                }
            }
            try (Socket server = new Socket(upstream.getHost(), upstream.getPort())) {
                OutputStream toServer = server.getOutputStream();
                toServer.write(withConnectionClose(head).getBytes(StandardCharsets.ISO_8859_1));
                toServer.flush();
                executor.execute(() -> pipe(in, toServer));
                server.getInputStream().transferTo(client.getOutputStream());
            }
        } catch (IOException e) {
            // a client or the server went away
        }
    }

    private synchronized int chooseFault() {
        double draw = random.nextDouble();
        if (draw < slowDownRate) {
            return 503;
        }
        return draw < slowDownRate + internalErrorRate ? 500 : 0;
    }

    private void answerFault(Socket client, InputStream in, String head, int status) throws IOException {
        String lower = head.toLowerCase(Locale.ROOT);
        if (!lower.contains("\r\nexpect: 100-continue")) {
            long length = headerValue(lower, "content-length");
            if (length > 0) {
                in.skipNBytes(length);
            }
        }
        String code = status == 503 ? "SlowDown" : "InternalError";
        String message = status == 503 ? "Please reduce your request rate." : "We encountered an internal error."
                + " Please try again.";
        (status == 503 ? slowDowns : internalErrors).incrementAndGet();
        byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>"
                + message + "</Message><RequestId>FAULT" + System.nanoTime() + "</RequestId></Error>")
                .getBytes(StandardCharsets.UTF_8);
        OutputStream out = client.getOutputStream();
        out.write(("HTTP/1.1 " + status + (status == 503 ? " Slow Down" : " Internal Server Error")
                + "\r\nContent-Type: application/xml\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
        client.shutdownOutput();
    }

    private static long headerValue(String lowerHead, String name) {
        for (String line : lowerHead.split("\r\n")) {
            if (line.startsWith(name + ":")) {
                return Long.parseLong(line.substring(name.length() + 1).trim());
            }
        }
        return -1;
    }

    private static String withConnectionClose(String head) {
        StringBuilder sb = new StringBuilder();
        String[] lines = head.split("\r\n");
        for (String line : lines) {
            if (line.isEmpty() || line.toLowerCase(Locale.ROOT).startsWith("connection:")) {
                continue;
            }
            sb.append(line).append("\r\n");
        }
        return sb.append("Connection: close\r\n\r\n").toString();
    }

    private static void pipe(InputStream from, OutputStream to) {
        try {
            from.transferTo(to);
        } catch (IOException e) {
            // one side closed
        }
    }

    /** @return the request head up to and including the blank line, or null when the connection closed first */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        int c;
        while ((c = in.read()) >= 0) {
            head.write(c);
            matched = (c == '\r' && (matched == 0 || matched == 2)) || (c == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : (c == '\r' ? 1 : 0);
            if (matched == 4) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    /** Stops listening; connections in flight are cut. */
    @Override
    public void close() throws IOException {
        closed = true;
        socket.close();
        executor.shutdownNow();
    }
}
