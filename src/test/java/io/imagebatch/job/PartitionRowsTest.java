package io.imagebatch.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/** How a partitioned batch's catalogue is split into row ranges (README.md, "More than one machine"). */
class PartitionRowsTest {

    @Test
    void everyCatalogueRowIsInExactlyOnePartitionForOddCountsAndMorePartitionsThanRows() {
        for (long rows : new long[] {1, 2, 3, 7, 45, 100, 1_001}) {
            for (int partitions : new int[] {1, 2, 3, 4, 7, 8, 200}) {
                Map<String, PartitionRows> split = PartitionRows.split(rows, partitions);
                List<Long> covered = new ArrayList<>();
                split.values().forEach(r -> {
                    for (long n = r.from(); n <= r.to(); n++) {
                        covered.add(n);
                    }
                });
                assertThat(covered).as("%d rows in %d partitions", rows, partitions)
                        .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, rows).boxed().toList());
                assertThat(split).as("%d rows in %d partitions", rows, partitions)
                        .hasSize((int) Math.min(rows, partitions));
                // no partition is empty, and their sizes differ by at most one row
                long smallest = split.values().stream().mapToLong(PartitionRows::size).min().orElseThrow();
                long largest = split.values().stream().mapToLong(PartitionRows::size).max().orElseThrow();
                assertThat(smallest).isPositive();
                assertThat(largest - smallest).isLessThanOrEqualTo(1);
            }
        }
    }

    @Test
    void partitionsAreNamedInRowOrderAsSpringBatchsSplitterNamesThemAfterTheWorkerStep() {
        assertThat(PartitionRows.split(10, 3)).containsExactly(
                Map.entry("partition0", new PartitionRows(1, 4)),
                Map.entry("partition1", new PartitionRows(5, 7)),
                Map.entry("partition2", new PartitionRows(8, 10)));
        assertThat(PartitionRows.split(0, 3)).containsExactly(Map.entry("partition0", new PartitionRows(1, 0)));
        assertThat(PartitionWorkerStep.innerStepName(PipelineSteps.SUBMIT, "partition:partition2"))
                .isEqualTo("submit@partition2");
        assertThat(PartitionWorkerStep.partitionSuffix("poll@partition2")).isEqualTo("@partition2");
        assertThat(PartitionWorkerStep.partitionSuffix(PipelineSteps.POLL)).isEmpty();
    }

    @Test
    void aPartitionsRangeIsKeptInItsExecutionContextAndReadBackAsItWasWritten() {
        Map<String, ExecutionContext> contexts = PartitionRows.contexts(45, 3);

        assertThat(contexts.keySet()).containsExactly("partition0", "partition1", "partition2");
        assertThat(PartitionRows.of(contexts.get("partition1"))).contains(new PartitionRows(16, 30));
        ExecutionContext copied = new ExecutionContext(contexts.get("partition2"));
        // a context read back by another serializer may hold an Integer
        copied.put(PartitionRows.FROM_KEY, 31);
        assertThat(PartitionRows.of(copied)).contains(new PartitionRows(31, 45));
        assertThat(PartitionRows.of(new ExecutionContext())).isEmpty();
        ExecutionContext broken = new ExecutionContext();
        broken.putString(PartitionRows.FROM_KEY, "one");
        assertThatThrownBy(() -> PartitionRows.of(broken)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(PartitionRows.FROM_KEY);
        assertThatThrownBy(() -> PartitionRows.split(10, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
