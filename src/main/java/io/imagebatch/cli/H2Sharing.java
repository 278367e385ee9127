package io.imagebatch.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import org.h2.tools.Server;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets {@code status}, {@code stop} and a second {@code run} reach the H2 database file of a running batch.
 * H2 opens a database file in one process only ("Database may be already in use"); its own {@code AUTO_SERVER}
 * mode cannot be combined with {@code DB_CLOSE_ON_EXIT=FALSE}, which the graceful stop on SIGTERM needs
 * ({@link CrashSafeH2#url}).
 *
 * <p>So a process that runs batches on an H2 file ({@code run}, {@code restart}, {@code retry-failed},
 * {@code serve}) serves its open database to the other commands of this machine ({@link #serve}): an H2 TCP
 * server on a loopback-only, random port (H2 refuses connections from other machines unless told otherwise), for
 * databases that exist, announced in a file next to the database: {@code <database>.imagebatch-server}, holding
 * {@code port} and {@code pid}. Another command on the same file finds it ({@link #remoteUrl}) and connects
 * through it, while the process that announced it lives and its port answers; else it opens the file itself, as
 * before. A process killed with SIGKILL leaves the file behind: its dead pid or silent port make it ignored, and
 * the next owner replaces it. The database holds no secrets (README.md, Running a batch).
 *
 * <p>The server lives as long as the command that started it. A command connected through it loses its
 * database when that process ends: fine for {@code status} and {@code stop}, which take a second; a second batch
 * run at the same time on one H2 file stops then (resumable). Two batches at once belong on PostgreSQL.
 */
final class H2Sharing {

    private static final Logger log = LoggerFactory.getLogger(H2Sharing.class);

    /** Suffix of the file that announces a served database, next to the database's own files. */
    static final String ANNOUNCEMENT_SUFFIX = ".imagebatch-server";

    private H2Sharing() {
    }

    /**
     * @param url a JDBC URL, or null
     * @return the database path of an H2 URL that opens a file in this process ({@code jdbc:h2:file:PATH;...} or
     *         {@code jdbc:h2:PATH;...}), absolute and normalized; empty for any other URL (in memory, TCP, other
     *         databases)
     */
    static Optional<Path> embeddedFile(String url) {
        if (url == null || !url.regionMatches(true, 0, "jdbc:h2:", 0, "jdbc:h2:".length())) {
            return Optional.empty();
        }
        String rest = url.substring("jdbc:h2:".length());
        int semicolon = rest.indexOf(';');
        String name = semicolon < 0 ? rest : rest.substring(0, semicolon);
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.startsWith("file:")) {
            name = name.substring("file:".length());
        } else if (lower.startsWith("mem:") || lower.startsWith("tcp:") || lower.startsWith("ssl:")
                || lower.matches("^[a-z]{2,}:.*")) {
            return Optional.empty();
        }
        if (name.startsWith("~")) {
            name = System.getProperty("user.home") + name.substring(1);
        }
        return name.isBlank() ? Optional.empty() : Optional.of(Path.of(name).toAbsolutePath().normalize());
    }

    /**
     * The URL through which this process should reach an H2 database file that another live process serves.
     *
     * @param url the command's {@code spring.datasource.url}
     * @return {@code jdbc:h2:tcp://127.0.0.1:PORT/PATH} when {@code url} opens an H2 file that another process
     *         of this machine announced ({@link #serve}) and whose port answers within 1 s; else empty
     */
    static Optional<String> remoteUrl(String url) {
        Optional<Path> file = embeddedFile(url);
        if (file.isEmpty()) {
            return Optional.empty();
        }
        Path announcement = announcement(file.get());
        Properties served = new Properties();
        try {
            if (!Files.isRegularFile(announcement)) {
                return Optional.empty();
            }
            try (var reader = Files.newBufferedReader(announcement, StandardCharsets.UTF_8)) {
                served.load(reader);
            }
            long pid = Long.parseLong(served.getProperty("pid", "-1"));
            int port = Integer.parseInt(served.getProperty("port", "-1"));
            if (pid == ProcessHandle.current().pid() || ProcessHandle.of(pid).map(ProcessHandle::isAlive).isEmpty()
                    || !answers(port)) {
                return Optional.empty(); // left by a process that died: the file is ours to open
            }
            return Optional.of("jdbc:h2:tcp://127.0.0.1:" + port + "/" + file.get().toString().replace('\\', '/'));
        } catch (IOException | RuntimeException unreadable) {
            return Optional.empty();
        }
    }

    /**
     * Serves this process's open H2 database file to the other commands of this machine until the returned
     * handle is closed; does nothing (an empty handle) for other databases, or when the file is reached through
     * another process already.
     *
     * @param url the command's {@code spring.datasource.url}, as the context uses it
     * @return the handle; closing it stops the server and removes the announcement. Never throws: a server that
     *         cannot start is logged, and the command goes on unshared
     */
    static Shared serve(String url) {
        Optional<Path> file = embeddedFile(url);
        if (file.isEmpty()) {
            return () -> { };
        }
        Path announcement = announcement(file.get());
        Server server;
        try {
            server = Server.createTcpServer("-tcpPort", "0", "-ifExists").start();
        } catch (SQLException e) {
            log.warn("Other commands cannot reach this database while this one runs: {}", e.getMessage());
            return () -> { };
        }
        long pid = ProcessHandle.current().pid();
        try {
            Path tmp = Files.createTempFile(announcement.getParent(), "server", ".tmp");
            Files.writeString(tmp, "# an imagebatch process serves this H2 database to status, stop and run\n"
                    + "pid=" + pid + "\nport=" + server.getPort() + "\n", StandardCharsets.UTF_8);
            try {
                Files.move(tmp, announcement, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, announcement, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            server.stop();
            log.warn("Other commands cannot reach this database while this one runs: {}", e.getMessage());
            return () -> { };
        }
        return () -> {
            try {
                Properties served = new Properties();
                try (var reader = Files.newBufferedReader(announcement, StandardCharsets.UTF_8)) {
                    served.load(reader);
                }
                if (String.valueOf(pid).equals(served.getProperty("pid"))
                        && String.valueOf(server.getPort()).equals(served.getProperty("port"))) {
                    Files.deleteIfExists(announcement);
                }
            } catch (IOException | UncheckedIOException gone) {
                // removed already
            } finally {
                server.stop();
            }
        };
    }

    /** A served database; {@link #close()} ends the serving, and never throws. */
    interface Shared extends AutoCloseable {

        /** Stops the server and removes the announcement. */
        @Override
        void close();
    }

    private static Path announcement(Path file) {
        return file.resolveSibling(file.getFileName() + ANNOUNCEMENT_SUFFIX);
    }

    private static boolean answers(int port) {
        if (port <= 0 || port > 65535) {
            return false;
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
