package io.imagebatch.console.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A small HTTP client of the console's API for tests: HTTP Basic, multipart uploads, and every answer's body kept
 * ({@link #bodies()}) so that a test can check that none ever held a secret.
 */
final class ConsoleApiClient {

    private final HttpClient http = HttpClient.newHttpClient();
    private final int port;
    private final List<String> bodies = new ArrayList<>();

    ConsoleApiClient(int port) {
        this.port = port;
    }

    /** @return every response body read so far */
    List<String> bodies() {
        return bodies;
    }

    HttpResponse<String> get(String user, String password, String path) throws Exception {
        return send(request(user, password, path).GET().build());
    }

    HttpResponse<String> post(String user, String password, String path) throws Exception {
        return send(request(user, password, path).POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    HttpResponse<String> postJson(String user, String password, String path, String json) throws Exception {
        return send(request(user, password, path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    /**
     * A multipart POST.
     *
     * @param fileName the {@code catalogue} part's file name, or null for no file
     * @param file     its bytes
     * @param fields   the other fields; a key may repeat by giving {@code column=a=b} entries in order
     */
    HttpResponse<String> upload(String user, String password, String path, String fileName, byte[] file,
            List<Map.Entry<String, String>> fields) throws Exception {
        String boundary = "----imagebatch-test-" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Map.Entry<String, String> field : fields) {
            write(body, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field.getKey()
                    + "\"\r\n\r\n" + field.getValue() + "\r\n");
        }
        if (fileName != null) {
            write(body, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"catalogue\"; filename=\""
                    + fileName + "\"\r\nContent-Type: application/octet-stream\r\n\r\n");
            body.write(file);
            write(body, "\r\n");
        }
        write(body, "--" + boundary + "--\r\n");
        return send(request(user, password, path).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build());
    }

    private static void write(ByteArrayOutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
    }

    HttpRequest.Builder request(String user, String password, String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (user != null) {
            builder.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        return builder;
    }

    HttpResponse<String> send(HttpRequest request) throws Exception {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        bodies.add(response.body());
        return response;
    }
}
