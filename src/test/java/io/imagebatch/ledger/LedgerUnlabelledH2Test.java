package io.imagebatch.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.report.DeliveredFiles;
import io.imagebatch.report.ResultsReport;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * A stored image that could not carry its AI-generated label (README.md, "Labelled as AI-generated"): the row is
 * STORED (it succeeded), its report line says why it is unlabelled, and the manifest's {@code unlabelled} counts
 * it; a labelled row's line has no such warning.
 */
class LedgerUnlabelledH2Test extends LedgerTestDatabase {

    @Override
    DataSource openDataSource() {
        return h2();
    }

    @Test
    void anUnlabelledImageIsStoredWithItsWarningOnTheReportLineAndCountedForTheManifest() {
        for (long row = 1; row <= 2; row++) {
            ledger.insertIntent(BATCH, row, "A" + row, "liangxin", "m", "p" + row, "{}");
            ledger.markSubmitted(BATCH, row, "task-" + row, T0, T0, T0 + 900_000);
            ledger.polls().markGenerated(BATCH, row, "SUCCESS", "https://img.example/" + row + ".jpg");
        }
        ledger.downloads().markStored(BATCH, 1, "file:/out/" + BATCH + "/A1.jpg", "00".repeat(32), 10);
        ledger.downloads().markStoredUnlabelled(BATCH, 2, 1, "file:/out/" + BATCH + "/A2.jpg", "11".repeat(32), 12,
                "JPEG: the XMP packet is 70000 bytes");

        LedgerEntry two = ledger.find(BATCH, 2).orElseThrow();
        assertThat(two.state()).isEqualTo(RowState.STORED);
        assertThat(two.errorCode()).isEqualTo(LedgerDownloads.UNLABELLED);
        assertThat(two.bytes()).isEqualTo(12L);
        StringBuilder csv = new StringBuilder();
        ResultsReport.write(ledger, BATCH, 2, csv);
        List<String> lines = csv.toString().lines().toList();
        assertThat(lines.get(1)).contains("SUCCEEDED").doesNotContain("AI-generated");
        assertThat(lines.get(2)).contains("SUCCEEDED")
                .contains("stored without the AI-generated label: JPEG: the XMP packet is 70000 bytes");
        assertThat(DeliveredFiles.read(ledger, BATCH, List.of(), null).unlabelled()).isEqualTo(1);
    }
}
