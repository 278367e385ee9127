package io.imagebatch.provider;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What every adapter reads the same way, on its own (README, "A real provider"). */
class ProviderAnswersTest {

    @Test
    void aStatusQueryAnswered404IsKeptInFlightAndEverythingElseFollowsTheFailureTable() {
        assertThat(ProviderAnswers.classifyStatusQuery(404)).isEqualTo(FailureClass.BUSY);
        for (int status : new int[] {400, 401, 402, 405, 422, 429, 500, 501, 502}) {
            assertThat(ProviderAnswers.classifyStatusQuery(status)).as("HTTP %d", status)
                    .isEqualTo(ProviderHttp.classifyStatus(status));
        }
    }

    @Test
    void aCallbackTaskIdIsReadFromDataOrTheTopLevelInFieldOrder() {
        assertThat(ProviderAnswers.callbackTaskId("{\"data\":{\"taskId\":\"t-1\"}}", "taskId")).contains("t-1");
        assertThat(ProviderAnswers.callbackTaskId("{\"taskId\":\"t-2\",\"status\":\"success\"}", "taskId"))
                .contains("t-2");
        assertThat(ProviderAnswers.callbackTaskId("{\"taskId\":\"a\",\"task_id\":\"b\"}", "task_id", "taskId"))
                .contains("b");
        assertThat(ProviderAnswers.callbackTaskId("{\"data\":{\"taskId\":\"  \"}}", "taskId")).isEmpty();
        assertThat(ProviderAnswers.callbackTaskId("<html>bad gateway</html>", "taskId")).isEmpty();
        assertThat(ProviderAnswers.callbackTaskId(null, "taskId")).isEmpty();
    }

    @Test
    void aSuccessWithoutResultIsAVisibleFailure() {
        TaskStatus status = ProviderAnswers.noResult("t", "success", "no url");
        assertThat(status.state()).isEqualTo(TaskState.FAIL);
        assertThat(status.failCode()).isEqualTo(ProviderAnswers.NO_RESULT);
        assertThat(status.resultUrls()).isEmpty();
    }
}
