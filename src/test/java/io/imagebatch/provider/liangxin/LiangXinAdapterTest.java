package io.imagebatch.provider.liangxin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagebatch.catalogue.CatalogueRow;
import io.imagebatch.provider.FailureClass;
import io.imagebatch.provider.ImageRequest;
import io.imagebatch.provider.ProviderException;
import io.imagebatch.provider.ProviderSettings;
import io.imagebatch.provider.RequestDefaults;
import io.imagebatch.provider.RowRejectedException;
import io.imagebatch.provider.TaskState;
import io.imagebatch.provider.TaskStatus;
import io.imagebatch.testsupport.ScriptedHttpServer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The LiangXin adapter against the documentation's own JSON examples (liangxin-nano-banana-pro-flash-reference.txt,
 * liangxin-create-task-page.txt, docs/providers/liangxin.md), served over real HTTP by a scripted server, and its
 * input rules.
 */
class LiangXinAdapterTest {

    private final ScriptedHttpServer server = ScriptedHttpServer.start();
    private LiangXinAdapter adapter;

    @BeforeEach
    void startServer() {
        adapter = new LiangXinAdapter(ProviderSettings.of(
                server.baseUrl(), "secret-key-123"));
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    private void answer(int status, String body) {
        server.answer(status, body);
    }

    private static CatalogueRow row(String prompt, String aspectRatio, String resolution, String format,
            List<String> references) {
        return new CatalogueRow(7, "sku-7", prompt, null, null, aspectRatio, resolution, format, references, null);
    }

    private ImageRequest request() throws RowRejectedException {
        return adapter.prepare(row("A clean app icon for an AI video editor, vivid but minimal", null, null, null,
                List.of()), LiangXinAdapter.FLASH, RequestDefaults.none());
    }

    @Test
    void createParsesTheDocumentedSuccessAndSendsBearerKeyAndDocumentedFields() throws Exception {
        answer(200, """
                {"code": 200, "msg": "success", "data": {"taskId": "task_nano_banana_flash_1765166238716"}}""");

        String taskId = adapter.createTask(request(), "https://hooks.example.com/cb");

        assertThat(taskId).isEqualTo("task_nano_banana_flash_1765166238716");
        assertThat(server.last().header("Authorization")).isEqualTo("Bearer secret-key-123");
        assertThat(server.last().body())
                .contains("\"model\":\"nano-banana-pro-flash\"")
                .contains("\"callBackUrl\":\"https://hooks.example.com/cb\"")
                .contains("\"input\":{\"prompt\":\"A clean app icon")
                .contains("\"aspect_ratio\":\"1:1\"", "\"resolution\":\"1K\"", "\"output_format\":\"png\"");
    }

    @Test
    void errorBodiesAreClassifiedAsTheFailureTableSays() throws Exception {
        ImageRequest request = request();
        answer(400, "{\"code\": 400, \"msg\": \"input.prompt is required\", \"data\": null}");
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.ROW_INVALID);
                    assertThat(e.getMessage()).contains("input.prompt is required");
                    assertThat(e.mayHaveReachedProvider()).isFalse();
                });

        answer(401, "{\"error\": {\"message\": \"invalid token\", \"type\": \"new_api_error\", \"code\": \"\"}}");
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.ACCOUNT);
                    assertThat(e.getMessage()).contains("invalid token").doesNotContain("secret-key-123");
                });

        answer(429, "{\"code\": 429, \"msg\": \"current group upstream load is saturated\", \"data\": null}");
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY);
                    assertThat(e.retryAfter()).hasSeconds(7);
                });

        answer(403, "{\"code\": 403, \"message\": \"insufficient quota\", \"data\": null}");
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.ACCOUNT);
                    assertThat(e.getMessage()).contains("insufficient quota");
                });

        answer(500, "<html>bad gateway</html>");
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class,
                        e -> assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY));
    }

    @Test
    void anErrorCodeInsideAnHttp200BodyIsStillAnError() throws Exception {
        answer(200, "{\"code\": 422, \"msg\": \"upstream validation rejected the request\", \"data\": null}");
        ImageRequest request = request();
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.ROW_INVALID);
                    assertThat(e.httpStatus()).isEqualTo(422);
                });
    }

    @Test
    void recordInfoReadsEveryDocumentedStateAndTheResultJsonString() {
        for (String waiting : List.of("waiting", "queuing")) {
            answer(200, record(waiting, "\"\""));
            assertThat(adapter.queryTask("task_1").state()).isEqualTo(TaskState.QUEUED);
        }
        answer(200, record("generating", "\"\""));
        assertThat(adapter.queryTask("task_1").state()).isEqualTo(TaskState.RUNNING);
        assertThat(server.last().rawQuery()).isEqualTo("taskId=task_1");

        answer(200, record("success", "\"{\\\"resultUrls\\\":[\\\"https://cdn.example.com/a.png\\\"]}\""));
        TaskStatus success = adapter.queryTask("task_1");
        assertThat(success.state()).isEqualTo(TaskState.SUCCESS);
        assertThat(success.resultUrls()).containsExactly("https://cdn.example.com/a.png");

        answer(200, """
                {"code":200,"msg":"success","data":{"taskId":"task_1","model":"nano-banana-pro-flash","state":"fail",
                "param":"{}","resultJson":"","failCode":"422","failMsg":"content policy","costTime":null,
                "createTime":1765166238716,"completeTime":1765166248716,"updateTime":1765166248716}}""");
        TaskStatus fail = adapter.queryTask("task_1");
        assertThat(fail.state()).isEqualTo(TaskState.FAIL);
        assertThat(fail.failCode()).isEqualTo("422");
        assertThat(fail.failMessage()).isEqualTo("content policy");

        answer(200, record("paused-for-review", "\"\""));
        assertThat(adapter.queryTask("task_1").state()).isEqualTo(TaskState.UNKNOWN);
    }

    @Test
    void aStatusQueryForATaskNotFoundIsKeptInFlight() {
        answer(404, "{\"code\": 404, \"msg\": \"task not found\", \"data\": null}");
        assertThatThrownBy(() -> adapter.queryTask("task_x"))
                .isInstanceOfSatisfying(ProviderException.class,
                        e -> assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY));
    }

    @Test
    void aCreateWhoseConnectionIsRefusedWasCertainlyNotSent() throws Exception {
        server.close();
        ImageRequest request = request();
        assertThatThrownBy(() -> adapter.createTask(request, null))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.failureClass()).isEqualTo(FailureClass.BUSY);
                    assertThat(e.mayHaveReachedProvider()).isFalse();
                });
    }

    @Test
    void rowsThatBreakTheDocumentedRulesAreRejectedNamingRowColumnAndRule() {
        assertRejected(row("x", null, null, null, List.of()), "row 7, column prompt: 1 character",
                "2 to 3000 characters");
        assertRejected(row("y".repeat(3001), null, null, null, List.of()), "column prompt: 3001 characters");
        assertRejected(row("a red bicycle", "7:3", null, null, List.of()), "column aspect_ratio: \"7:3\"");
        assertRejected(row("a red bicycle", null, "8K", null, List.of()), "column resolution: \"8K\"");
        assertRejected(row("a red bicycle", null, null, "jpg", List.of()), "column output_format: \"jpg\"");
        assertRejected(row("a red bicycle", null, null, null, List.of("https://a.example/1.png",
                "https://a.example/2.png", "https://a.example/3.png", "https://a.example/4.png")),
                "column reference_images: 4 images", "at most 3");
        assertRejected(row("a red bicycle", null, null, null, List.of("https://a.example/1.gif")),
                "column reference_images", ".gif");
        assertThatThrownBy(() -> adapter.prepare(row("a red bicycle", null, null, null, List.of()), "imagen4-ultra",
                RequestDefaults.none()))
                .hasMessageContaining("row 7, column model: \"imagen4-ultra\" is not supported");
    }

    @Test
    void defaultsComeFromTheBatchThenFromTheDocumentation() throws Exception {
        CatalogueRow blank = row("a red bicycle", null, null, null, List.of());
        ImageRequest flash = adapter.prepare(blank, LiangXinAdapter.FLASH, RequestDefaults.none());
        assertThat(flash.aspectRatio()).isEqualTo("1:1");
        assertThat(flash.resolution()).isEqualTo("1K");
        assertThat(flash.outputFormat()).isEqualTo("png");

        ImageRequest pro = adapter.prepare(blank, LiangXinAdapter.PRO, RequestDefaults.none());
        assertThat(pro.resolution()).isEqualTo("2K");

        ImageRequest batchDefaults = adapter.prepare(blank, LiangXinAdapter.FLASH,
                new RequestDefaults("16:9", "4k", null));
        assertThat(batchDefaults.aspectRatio()).isEqualTo("16:9");
        assertThat(batchDefaults.resolution()).isEqualTo("4K");

        ImageRequest rowWins = adapter.prepare(row("a red bicycle", "9:16", "2K", "PNG",
                List.of("data:image/png;base64,AAAA")), LiangXinAdapter.FLASH, new RequestDefaults("16:9", "4K", null));
        assertThat(rowWins.aspectRatio()).isEqualTo("9:16");
        assertThat(rowWins.resolution()).isEqualTo("2K");
        assertThat(rowWins.outputFormat()).isEqualTo("png");
        assertThat(rowWins.referenceImages()).hasSize(1);
    }

    private void assertRejected(CatalogueRow row, String... fragments) {
        assertThatThrownBy(() -> adapter.prepare(row, LiangXinAdapter.FLASH, RequestDefaults.none()))
                .isInstanceOf(RowRejectedException.class)
                .message().contains(fragments);
    }

    private static String record(String state, String resultJson) {
        return "{\"code\":200,\"msg\":\"success\",\"data\":{\"taskId\":\"task_1\",\"model\":\"nano-banana-pro-flash\","
                + "\"state\":\"" + state + "\",\"param\":\"{}\",\"resultJson\":" + resultJson + ",\"failCode\":\"\","
                + "\"failMsg\":\"\",\"costTime\":null,\"createTime\":1765166238716,\"completeTime\":null,"
                + "\"updateTime\":1765166238716}}";
    }
}
