package io.imagebatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands that run no batch start only what they need (README.md, Performance): {@code status} and
 * {@code validate} never start a web server, even when callbacks are configured, so they neither pay for one nor
 * compete with a running batch for {@code server.port}.
 */
class FastCommandsTest {

    @TempDir
    Path dir;

    private record Outcome(int exit, String output) {
    }

    private static Outcome execute(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int exit;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            exit = ImageBatchCli.execute(args, out);
        }
        return new Outcome(exit, bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void statusAndValidateStartNoWebServerEvenWithCallbacksConfigured() throws Exception {
        // the port a web server would take is held here: a command that started one could not start at all
        try (ServerSocket taken = new ServerSocket(0)) {
            int port = taken.getLocalPort();
            String database = "--spring.datasource.url=jdbc:h2:file:" + dir.resolve("imagebatch");
            String callbacks = "--imagebatch.callback.base-url=http://127.0.0.1:" + port + "/callbacks";
            String serverPort = "--server.port=" + port;

            Outcome status = execute("status", database, callbacks, serverPort);
            assertThat(status.output()).contains("No batches in this database yet.");
            assertThat(status.exit()).isEqualTo(ImageBatchCli.COMPLETED);

            Outcome validate = execute("validate", "jobs/demo.yml", database, callbacks, serverPort);
            assertThat(validate.output()).contains("45 rows, 40 would be sent, 5 rejected");
            assertThat(validate.exit()).isEqualTo(ImageBatchCli.COMPLETED);
        }
    }
}
