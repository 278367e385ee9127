package io.imagebatch.sandbox;

import org.awaitility.core.ConditionTimeoutException;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A plain HTTP client for the sandbox's LiangXin API, as a test would write it from the documentation. */
final class LiangXinClient {

    static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final URI baseUrl;
    private final String key;

    LiangXinClient(URI baseUrl) {
        this(baseUrl, SandboxProvider.API_KEY);
    }

    LiangXinClient(URI baseUrl, String key) {
        this.baseUrl = baseUrl;
        this.key = key;
    }

    /** An answer: HTTP status, headers and body parsed as JSON (empty object when not JSON). */
    record Answer(int status, HttpResponse<byte[]> raw, JsonNode json) {

        String text() {
            return new String(raw.body(), StandardCharsets.UTF_8);
        }
    }

    Answer create(String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(baseUrl.resolve("/api/v1/jobs/createTask"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        return send(authorize(request));
    }

    Answer recordInfo(String taskId) {
        HttpRequest.Builder request = HttpRequest.newBuilder(baseUrl.resolve("/api/v1/jobs/recordInfo?taskId="
                + URLEncoder.encode(taskId, StandardCharsets.UTF_8))).GET();
        return send(authorize(request));
    }

    Answer get(String pathOrUrl) {
        return send(HttpRequest.newBuilder(baseUrl.resolve(pathOrUrl)).GET());
    }

    /** Creates a task and returns its taskId, failing the test unless the create succeeds. */
    String createOk(String body) {
        Answer answer = create(body);
        assertEquals(200, answer.status(), answer::text);
        assertEquals(200, answer.json().path("code").asInt(), answer::text);
        return answer.json().path("data").path("taskId").asString();
    }

    /** Polls recordInfo every 10 ms until the task is terminal; returns every data object seen. */
    List<JsonNode> pollUntilTerminal(String taskId, Duration timeout) throws InterruptedException {
        List<JsonNode> seen = new ArrayList<>();
        try {
            await("task " + taskId + " terminal").atMost(timeout).pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(10)).pollInSameThread().until(() -> {
                        Answer answer = recordInfo(taskId);
                        assertEquals(200, answer.status(), answer::text);
                        JsonNode data = answer.json().path("data");
                        seen.add(data);
                        String state = data.path("state").asString();
                        return state.equals("success") || state.equals("fail");
                    });
        } catch (ConditionTimeoutException e) {
            return fail("task " + taskId + " not terminal after " + timeout + "; last " + seen.get(seen.size() - 1));
        }
        return seen;
    }

    private HttpRequest.Builder authorize(HttpRequest.Builder request) {
        return key == null ? request : request.header("Authorization", "Bearer " + key);
    }

    static Answer send(HttpRequest.Builder request) {
        try {
            HttpResponse<byte[]> response = HTTP.send(request.timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            JsonNode json;
            try {
                json = response.body().length == 0 ? null : JSON.readTree(response.body());
                json = json == null ? JSON.createObjectNode() : json;
            } catch (RuntimeException notJson) {
                json = JSON.createObjectNode();
            }
            return new Answer(response.statusCode(), response, json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A create body for the Flash model with the given input fields (a JSON object's inside, may be empty). */
    static String flash(String inputFields) {
        return "{\"model\":\"nano-banana-pro-flash\",\"input\":{" + inputFields + "}}";
    }
}
