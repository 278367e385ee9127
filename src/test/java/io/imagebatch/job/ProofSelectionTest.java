package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The choice of a proof run's rows (README.md, Spend, "The proof run"). */
class ProofSelectionTest {

    @Test
    void aProofCoversEveryGroupWhenNAllowsAndIsSpreadEvenlyOverTheValidRows() {
        List<ProofSelection.Candidate> rows = new ArrayList<>();
        for (long n = 1; n <= 100; n++) {
            // one 2K row (row 70) and one 16:9 row (row 90) among 1K 1:1 rows
            rows.add(new ProofSelection.Candidate(n, "liangxin", "flash", n == 70 ? "2K" : "1K",
                    n == 90 ? "16:9" : "1:1"));
        }
        assertThat(ProofSelection.choose(rows, 5)).containsExactly(11L, 31L, 51L, 70L, 90L);
        assertThat(ProofSelection.choose(rows, 3)).as("groups first, then spread").containsExactly(51L, 70L, 90L)
                .isEqualTo(ProofSelection.choose(rows, 3));
        assertThat(ProofSelection.choose(rows, 2)).as("N does not allow every group").containsExactly(51L, 70L);
        assertThat(ProofSelection.choose(rows.subList(0, 4), 5)).containsExactly(1L, 2L, 3L, 4L);
        assertThatThrownBy(() -> ProofSelection.choose(rows, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
