package io.imagebatch.serve;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;

/**
 * An {@link OutputStream} that logs each line written to it, prefixed with the batch it is about: what
 * {@code run} prints to the terminal (start, progress, summary) goes to the log under {@code serve}.
 */
final class LogLines extends OutputStream {

    private final Logger log;
    private final String prefix;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    private LogLines(Logger log, String prefix) {
        this.log = log;
        this.prefix = prefix;
    }

    /**
     * @param log     where the lines go, at INFO
     * @param context what the lines are about, for example {@code job nightly}
     * @return a print stream whose every line is one log line
     */
    static PrintStream to(Logger log, String context) {
        return new PrintStream(new LogLines(log, "[" + context + "] "), true, StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            flushLine();
        } else if (b != '\r') {
            line.write(b);
        }
    }

    @Override
    public synchronized void close() {
        flushLine();
    }

    private void flushLine() {
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        if (!text.isBlank()) {
            log.info("{}{}", prefix, text.strip());
        }
    }
}
