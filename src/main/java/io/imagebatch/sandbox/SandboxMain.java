package io.imagebatch.sandbox;

import java.util.concurrent.CountDownLatch;

/**
 * Starts a sandbox provider for manual trials: {@code java ... io.imagebatch.sandbox.SandboxMain [PORT]}. Listens
 * on 127.0.0.1, port 8089 unless given, with {@link SandboxSettings#defaults()} otherwise; prints the base URL
 * and the API key, then runs until the JVM is stopped (Ctrl-C).
 */
public final class SandboxMain {

    /** Port used when none is given. */
    public static final int DEFAULT_PORT = 8089;

    private SandboxMain() {
    }

    /**
     * @param args optional first argument: the TCP port (0 for a free one)
     * @throws InterruptedException never in practice: the main thread waits until the JVM exits
     * @throws NumberFormatException when the port is not a number
     */
    public static void main(String[] args) throws InterruptedException {
        int port = args.length > 0 ? Integer.parseInt(args[0].trim()) : DEFAULT_PORT;
        SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults().withPort(port));
        Runtime.getRuntime().addShutdownHook(new Thread(sandbox::close, "sandbox-shutdown"));
        System.out.println(sandbox.baseUrl());
        System.out.println("API key: " + SandboxProvider.API_KEY + "  (Authorization: Bearer "
                + SandboxProvider.API_KEY + ")");
        new CountDownLatch(1).await(); // the server's threads are daemons: keep the JVM alive
    }
}
