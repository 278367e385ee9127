package io.imagebatch.cli;

import java.util.List;

/**
 * What a command reads from its environment before Spring starts, because it decides how Spring is started.
 */
final class CommandEnvironment {

    private CommandEnvironment() {
    }

    /**
     * Whether {@code imagebatch.callback.base-url} is set, on the command line, as a system property or in the
     * environment ({@code IMAGEBATCH_CALLBACK_BASEURL} or {@code IMAGEBATCH_CALLBACK_BASE_URL}): then {@code run}
     * serves the callback endpoint (on {@code server.port}, default 8080) while it polls (README, "Callbacks").
     * Read before Spring starts, because the kind of application (with or without a web server) must be chosen
     * first.
     *
     * @param springArgs the command line's {@code --NAME.X=V} settings
     * @return true when the callback base URL is set anywhere
     */
    static boolean callbacksConfigured(List<String> springArgs) {
        return springArgs.stream().anyMatch(a -> a.startsWith("--imagebatch.callback.base-url="))
                || System.getProperty("imagebatch.callback.base-url") != null
                || System.getenv("IMAGEBATCH_CALLBACK_BASEURL") != null
                || System.getenv("IMAGEBATCH_CALLBACK_BASE_URL") != null;
    }
}
