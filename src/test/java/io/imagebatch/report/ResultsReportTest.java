package io.imagebatch.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The report's spreadsheet-formula guard. */
class ResultsReportTest {

    @Test
    void cellsThatASpreadsheetWouldRunAreDefused() {
        assertThat(ResultsReport.defuse("=HYPERLINK(\"http://evil\")")).isEqualTo("'=HYPERLINK(\"http://evil\")");
        assertThat(ResultsReport.defuse("+1+1")).isEqualTo("'+1+1");
        assertThat(ResultsReport.defuse("-2+3")).isEqualTo("'-2+3");
        assertThat(ResultsReport.defuse("@SUM(A1)")).isEqualTo("'@SUM(A1)");
        assertThat(ResultsReport.defuse("\tcmd")).isEqualTo("'\tcmd");
        assertThat(ResultsReport.defuse("a plain prompt = fine")).isEqualTo("a plain prompt = fine");
        assertThat(ResultsReport.defuse("")).isEmpty();
    }
}
