package io.imagebatch.console.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.cli.ImageBatchCli;
import io.imagebatch.serve.RunningServe;
import io.imagebatch.testsupport.CliRun;
import io.imagebatch.testsupport.ScriptedHttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sign-in page offers the company sign-in (OpenID Connect) exactly when one is configured: {@code serve} over
 * real HTTP, its issuer a scripted loopback server that answers the discovery document (docs/console.md).
 */
class SignInPageOidcTest {

    @TempDir
    Path work;
    private ScriptedHttpServer issuer;
    private RunningServe serve;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @AfterEach
    void stop() {
        if (serve != null) {
            serve.close();
        }
        if (issuer != null) {
            issuer.close();
        }
    }

    @Test
    void theSignInPageLinksToTheCompanySignInWhichSendsTheBrowserToTheIssuer() throws Exception {
        issuer = ScriptedHttpServer.start();
        String base = issuer.baseUrl().toString();
        String discovery = """
                {"issuer": "%1$s", "authorization_endpoint": "%1$s/authorize", "token_endpoint": "%1$s/token",
                 "jwks_uri": "%1$s/jwks", "userinfo_endpoint": "%1$s/userinfo", "response_types_supported": ["code"],
                 "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"]}
                """.formatted(base);
        issuer.script(exchange -> {
            byte[] body = discovery.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        serve = serve("--imagebatch.console.oidc.issuer-uri=" + base,
                "--imagebatch.console.oidc.client-id=console-client",
                "--imagebatch.console.oidc.client-secret=console-secret");

        String login = get("/login").body();
        assertThat(login).contains("href=\"" + LoginController.OIDC_SIGN_IN + "\"")
                .contains("Sign in with your company account").doesNotContain("console-secret");
        HttpResponse<String> start = get(LoginController.OIDC_SIGN_IN);
        assertThat(start.statusCode()).isEqualTo(302);
        assertThat(start.headers().firstValue("Location")).get().asString()
                .startsWith(base + "/authorize?").contains("client_id=console-client")
                .doesNotContain("console-secret");
    }

    @Test
    void withoutOpenIdConnectTheSignInPageHasOnlyTheForm() throws Exception {
        serve = serve();
        String login = get("/login").body();
        assertThat(login).contains("name=\"username\"").contains("name=\"password\"").contains("name=\"_csrf\"")
                .doesNotContain(LoginController.OIDC_SIGN_IN);
    }

    private RunningServe serve(String... settings) throws Exception {
        List<String> args = new ArrayList<>(List.of("--jobs", Files.createDirectories(work.resolve("jobs")).toString(),
                "--server.port=0", "--imagebatch.console.upload-dir=" + work.resolve("uploads")));
        args.addAll(CliRun.database(work));
        args.addAll(List.of(settings));
        return ImageBatchCli.startServe(args, System.out);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + serve.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
