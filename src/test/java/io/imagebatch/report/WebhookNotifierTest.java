package io.imagebatch.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/** The webhook: its settings, and what happens when it answers, fails or is not there. */
@ExtendWith(OutputCaptureExtension.class)
class WebhookNotifierTest {

    private static final String JSON = "{\"batchId\":\"b-1\",\"status\":\"COMPLETED\"}";

    @Test
    void aWebhookThatAnswers2xxGetsTheJsonOnce(CapturedOutput output) {
        try (WebhookReceiver hook = WebhookReceiver.answering(204)) {
            boolean sent = new WebhookNotifier(new NotifyProperties(hook.url(), null)).send(JSON);

            assertThat(sent).isTrue();
            assertThat(hook.calls()).singleElement().satisfies(call -> {
                assertThat(call.method()).isEqualTo("POST");
                assertThat(call.path()).isEqualTo("/hooks/imagebatch");
                assertThat(call.query()).isEqualTo("token=s3cr3t-t0ken");
                assertThat(call.contentType()).isEqualTo("application/json; charset=utf-8");
                assertThat(call.body()).isEqualTo(JSON);
            });
        }
        assertThat(output).contains("Sent the batch manifest").doesNotContain("s3cr3t").doesNotContain("hooks/");
    }

    @Test
    void aWebhookThatAnswers500IsLoggedWithoutItsSecretsAndNotRetried(CapturedOutput output) {
        try (WebhookReceiver hook = WebhookReceiver.answering(500)) {
            assertThat(new WebhookNotifier(new NotifyProperties(hook.url(), null)).send(JSON)).isFalse();
            assertThat(hook.calls()).hasSize(1);
        }
        assertThat(output).contains("answered HTTP 500").doesNotContain("s3cr3t").doesNotContain("token");
    }

    @Test
    void aRedirectIsNotFollowed() {
        try (WebhookReceiver hook = WebhookReceiver.answering(302)) {
            assertThat(new WebhookNotifier(new NotifyProperties(hook.url(), null)).send(JSON)).isFalse();
            assertThat(hook.calls()).hasSize(1);
        }
    }

    @Test
    void anUnreachableWebhookIsLoggedAndNothingIsThrown(CapturedOutput output) throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        URI url = URI.create("http://127.0.0.1:" + closed + "/hook?key=s3cr3t");
        assertThat(new WebhookNotifier(new NotifyProperties(url, null)).send(JSON)).isFalse();
        assertThat(output).contains("Could not notify the webhook http://127.0.0.1:" + closed + "/...")
                .doesNotContain("s3cr3t");
    }

    @Test
    void aSlowWebhookIsGivenUpAfterTheTimeout() {
        try (WebhookReceiver hook = WebhookReceiver.answering(200).holding()) {
            assertThat(new WebhookNotifier(new NotifyProperties(hook.url(), Duration.ofMillis(300))).send(JSON))
                    .isFalse();
            assertThat(hook.answered()).as("given up before the webhook answered").isZero();
        }
    }

    @Test
    void withoutAUrlNothingIsSent() {
        WebhookNotifier none = new WebhookNotifier(NotifyProperties.none());
        assertThat(none.isConfigured()).isFalse();
        assertThat(none.send(JSON)).isFalse();
    }

    @Test
    void theSettingBindsFromTheEnvironmentVariable() {
        SystemEnvironmentPropertySource env = new SystemEnvironmentPropertySource(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, Map.of(
                        "IMAGEBATCH_NOTIFY_WEBHOOKURL", "https://hooks.example/x?token=abc",
                        "IMAGEBATCH_NOTIFY_TIMEOUT", "2s"));
        NotifyProperties bound = new Binder(ConfigurationPropertySources.from(env))
                .bindOrCreate("imagebatch.notify", NotifyProperties.class);
        assertThat(bound.webhookUrl()).isEqualTo(URI.create("https://hooks.example/x?token=abc"));
        assertThat(bound.timeout()).isEqualTo(Duration.ofSeconds(2));

        NotifyProperties defaults = new Binder(new MapConfigurationPropertySource(Map.of()))
                .bindOrCreate("imagebatch.notify", NotifyProperties.class);
        assertThat(defaults).isEqualTo(NotifyProperties.none());
        NotifyProperties blank = new Binder(new MapConfigurationPropertySource(Map.of(
                "imagebatch.notify.webhook-url", ""))).bindOrCreate("imagebatch.notify", NotifyProperties.class);
        assertThat(blank.webhookUrl()).isNull();
    }

    @Test
    void aUrlThatIsNotHttpIsRefusedWithoutShowingIt() {
        Binder binder = new Binder(new MapConfigurationPropertySource(Map.of(
                "imagebatch.notify.webhook-url", "ftp://files.example/in?token=abc")));
        assertThatThrownBy(() -> binder.bindOrCreate("imagebatch.notify", NotifyProperties.class))
                .isInstanceOf(BindException.class)
                .rootCause().hasMessageContaining("must be an http or https URL").hasMessageNotContaining("abc");
        assertThatThrownBy(() -> new NotifyProperties(URI.create("https://h.example/"), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aLoggedUrlKeepsOnlySchemeHostAndPort() {
        assertThat(WebhookNotifier.redact(URI.create("https://user:pw@hooks.example:8443/services/T0/B0/XyZ?t=1#f")))
                .isEqualTo("https://hooks.example:8443/...");
        assertThat(WebhookNotifier.redact(URI.create("http://hooks.example"))).isEqualTo("http://hooks.example");
        assertThat(WebhookNotifier.redact(URI.create("mailto:someone@example.com"))).isEqualTo("mailto:...");
        assertThat(WebhookNotifier.redact(null)).isEqualTo("(none)");
    }

    @Test
    void aWebhookWhoseAnswerDripsForEverDoesNotHoldTheBatchUp() throws Exception {
        com.sun.net.httpserver.HttpServer server =
                com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        java.util.concurrent.ExecutorService handlers = java.util.concurrent.Executors.newCachedThreadPool();
        server.setExecutor(handlers);
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                exchange.sendResponseHeaders(200, 0); // chunked, and it never ends
                while (true) {
                    exchange.getResponseBody().write(' ');
                    exchange.getResponseBody().flush();
                    Thread.sleep(200);
                }
            } catch (IOException | InterruptedException e) {
                // the notifier went away
            }
        });
        server.start();
        try {
            URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
            boolean sent = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(60),
                    () -> new WebhookNotifier(new NotifyProperties(url, Duration.ofSeconds(2))).send(JSON));

            assertThat(sent).isTrue(); // its status said it got the manifest
        } finally {
            server.stop(0);
            handlers.shutdownNow();
        }
    }
}
