package io.imagebatch.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.serve.RunningServe;
import io.imagebatch.testsupport.CliRun;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/**
 * The pages' side of the console's security over real HTTP, on {@code serve --sandbox} started as the command
 * starts it: the form login for pages, HTTP Basic and ADMIN for Actuator (health open), the callback endpoint
 * open and CSRF-exempt, CSRF on page forms, the secure headers, the session timeout; and a wrong user setting
 * that stops serve at start without printing the hash.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(OutputCaptureExtension.class)
class ConsoleSecurityTest {

    private static final String PASSWORD = "pages-pass";

    @TempDir
    static Path work;
    private RunningServe serve;
    private final HttpClient http = HttpClient.newHttpClient();

    private List<String> args(String... more) throws Exception {
        Path jobs = Files.createDirectories(work.resolve("jobs"));
        String hash = new BCryptPasswordEncoder(4).encode(PASSWORD);
        List<String> args = new ArrayList<>(List.of("--jobs", jobs.toString(), "--sandbox", "--server.port=0",
                "--imagebatch.console.session-timeout=7m",
                "--imagebatch.console.users[0].name=viewer", "--imagebatch.console.users[0].password-hash=" + hash,
                "--imagebatch.console.users[0].roles=VIEWER",
                "--imagebatch.console.users[1].name=admin", "--imagebatch.console.users[1].password-hash=" + hash,
                "--imagebatch.console.users[1].roles=ADMIN"));
        args.addAll(CliRun.database(work));
        args.addAll(List.of(more));
        return args;
    }

    @BeforeAll
    void startServe() throws Exception {
        serve = ImageBatchCli.startServe(args(), System.out);
    }

    @AfterAll
    void stopServe() {
        if (serve != null) {
            serve.close();
        }
    }

    private HttpResponse<String> send(String method, String path, String user) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + serve.port() + path))
                .method(method, HttpRequest.BodyPublishers.ofString(method.equals("GET") ? "" : "{}"));
        if (user != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)));
        }
        if (!method.equals("GET")) {
            request.header("Content-Type", "application/json");
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aPageAsksAnUnknownVisitorToSignInAndActuatorButHealthIsForAnAdmin() throws Exception {
        HttpResponse<String> page = send("GET", "/batches", null);
        assertThat(page.statusCode()).isEqualTo(302);
        assertThat(page.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).endsWith("/login"));

        assertThat(send("GET", "/actuator/health", null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/actuator/health/liveness", null).statusCode()).isIn(200, 404);
        HttpResponse<String> prometheus = send("GET", "/actuator/prometheus", null);
        assertThat(prometheus.statusCode()).isEqualTo(401);
        assertThat(prometheus.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                h -> assertThat(h).startsWith("Basic"));
        assertThat(send("GET", "/actuator/prometheus", "viewer").statusCode()).isEqualTo(403);
        assertThat(send("GET", "/actuator/prometheus", "admin").statusCode()).isEqualTo(200);
        assertThat(send("GET", "/settings", "viewer").statusCode()).isEqualTo(403);
    }

    @Test
    void theCallbackEndpointIsOpenAndNeedsNoCsrfTokenWhileAPageFormDoes() throws Exception {
        // an unknown batch's callback: the controller's own answer (204, nothing done), not the security's
        assertThat(send("POST", "/callbacks/liangxin/nobatch/notoken", null).statusCode()).isEqualTo(204);
        // a page form without its CSRF token is refused, even for a signed-in user
        assertThat(send("POST", "/batches/x/start", "admin").statusCode()).isEqualTo(403);
        assertThat(send("POST", "/logout", "admin").statusCode()).isEqualTo(403);
    }

    @Test
    void everyAnswerCarriesTheSecureHeadersAndASessionLastsTheConfiguredTimeout() throws Exception {
        HttpResponse<String> health = send("GET", "/actuator/health", null);
        assertThat(health.headers().firstValue("Content-Security-Policy"))
                .contains("default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
        assertThat(health.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
        assertThat(health.headers().firstValue("X-Frame-Options")).contains("DENY");
        assertThat(health.headers().firstValue("Referrer-Policy")).contains("same-origin");

        jakarta.servlet.http.HttpSessionListener timeout = serve.context().getBean("consoleSessionTimeout",
                jakarta.servlet.http.HttpSessionListener.class);
        org.springframework.mock.web.MockHttpSession session = new org.springframework.mock.web.MockHttpSession();
        timeout.sessionCreated(new jakarta.servlet.http.HttpSessionEvent(session));
        assertThat(session.getMaxInactiveInterval()).isEqualTo(7 * 60);
    }

    @Test
    void aUserWhoseHashIsNotBcryptStopsServeAtStartNamingTheSettingNotTheHash(CapturedOutput output)
            throws Exception {
        String notBcrypt = "plain-text-password-in-config";
        assertThatThrownBy(() -> ImageBatchCli.startServe(args("--imagebatch.console.users[2].name=oops", "--imagebatch.console.users[2].password-hash=" + notBcrypt,
                "--imagebatch.console.users[2].roles=VIEWER"), System.out))
                .hasStackTraceContaining("imagebatch.console.users[2].password-hash: not a bcrypt hash");
        assertThat(output.getAll()).doesNotContain(notBcrypt);
    }
}
