package io.imagebatch.job;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * One partition's rows of a partitioned batch ({@code --partitions N}, README.md, "More than one machine"): the
 * catalogue rows {@code from} to {@code to}, 1-based and inclusive, as numbered by the catalogue reader (blank
 * records are not numbered). Kept in the {@link PipelineSteps#PARTITION} step execution's {@link ExecutionContext}
 * under {@link #FROM_KEY} and {@link #TO_KEY}, from where the partition's inner steps (each starts with a copy of
 * that context) read it: the submit step's reader reads only these rows, the poll and download steps take only
 * ledger rows whose {@code ROW_NUM} is in the range.
 *
 * @param from the first row, at least 1
 * @param to   the last row, at least {@code from - 1} (an empty range only for an empty catalogue)
 */
public record PartitionRows(long from, long to) {

    /** The {@link ExecutionContext} key of {@link #from()} (a {@code long}). */
    public static final String FROM_KEY = "partition.rows.from";
    /** The {@link ExecutionContext} key of {@link #to()} (a {@code long}). */
    public static final String TO_KEY = "partition.rows.to";
    /**
     * The {@link ExecutionContext} key of the ids that rows of the partition repeat from rows before it (a map of
     * id to the first row with it, 1-based), absent when there are none ({@link #earlierIds}).
     */
    public static final String EARLIER_IDS_KEY = "partition.ids.earlier";
    /** The prefix of a partition's name; the partitions of a batch are {@code partition0} to {@code partitionN-1}. */
    public static final String NAME_PREFIX = "partition";

    /** @throws IllegalArgumentException when {@code from} is less than 1 or {@code to} less than {@code from - 1} */
    public PartitionRows {
        if (from < 1 || to < from - 1) {
            throw new IllegalArgumentException("partition rows " + from + " to " + to + " are not a range of rows");
        }
    }

    /**
     * Splits a catalogue into row ranges of sizes that differ by at most one row, in row order: every row is in
     * exactly one range. There are never more ranges than rows (a catalogue of 2 rows split 5 ways gives 2 ranges),
     * and one empty range for an empty catalogue.
     *
     * @param rows       the catalogue's data rows ({@link BatchSettings#catalogueRows()}), 0 or more
     * @param partitions how many ranges are asked for, 1 or more
     * @return the ranges by partition name ({@code partition0}, {@code partition1}, ...), in row order
     * @throws IllegalArgumentException when {@code rows} is negative or {@code partitions} less than 1
     */
    public static Map<String, PartitionRows> split(long rows, int partitions) {
        if (rows < 0 || partitions < 1) {
            throw new IllegalArgumentException("cannot split " + rows + " rows into " + partitions + " partitions");
        }
        Map<String, PartitionRows> ranges = new LinkedHashMap<>();
        if (rows == 0) {
            ranges.put(NAME_PREFIX + 0, new PartitionRows(1, 0));
            return ranges;
        }
        long n = Math.min(rows, partitions);
        long size = rows / n;
        long larger = rows % n; // the first `larger` ranges take one row more
        long from = 1;
        for (int i = 0; i < n; i++) {
            long to = from + size - 1 + (i < larger ? 1 : 0);
            ranges.put(NAME_PREFIX + i, new PartitionRows(from, to));
            from = to + 1;
        }
        return ranges;
    }

    /**
     * {@link #split} as the {@link ExecutionContext}s of Spring Batch's {@code Partitioner}.
     *
     * @param rows       as {@link #split}
     * @param partitions as {@link #split}
     * @return one context per partition, holding its range, by partition name
     * @throws IllegalArgumentException as {@link #split}
     */
    public static Map<String, ExecutionContext> contexts(long rows, int partitions) {
        Map<String, ExecutionContext> contexts = new LinkedHashMap<>();
        split(rows, partitions).forEach((name, range) -> {
            ExecutionContext context = new ExecutionContext();
            range.writeTo(context);
            contexts.put(name, context);
        });
        return contexts;
    }

    /**
     * @param context a step execution's context
     * @return the partition's rows it holds, or empty when it holds none (a step of a batch run without partitions)
     * @throws IllegalStateException when it holds only one of the keys, or a value that is not a number
     */
    public static Optional<PartitionRows> of(ExecutionContext context) {
        if (!context.containsKey(FROM_KEY) && !context.containsKey(TO_KEY)) {
            return Optional.empty();
        }
        if (context.get(FROM_KEY) instanceof Number from && context.get(TO_KEY) instanceof Number to) {
            return Optional.of(new PartitionRows(from.longValue(), to.longValue()));
        }
        throw new IllegalStateException("the step's execution context holds " + FROM_KEY + "="
                + context.get(FROM_KEY) + " and " + TO_KEY + "=" + context.get(TO_KEY) + ", not a range of rows");
    }

    /**
     * The ids that rows of a partition repeat from a row before the partition: such a row is rejected as a repeat
     * whatever the order the partitions run in ({@link RowProcessor#earlierRows}, README.md, "Catalogue rules").
     *
     * @param context a partition's step execution context (or a copy, as its inner steps have)
     * @return id to the first row with it; empty when the context holds none
     */
    public static Map<String, Long> earlierIds(ExecutionContext context) {
        Map<String, Long> ids = new LinkedHashMap<>();
        if (context.get(EARLIER_IDS_KEY) instanceof Map<?, ?> map) {
            map.forEach((id, row) -> ids.put(String.valueOf(id), ((Number) row).longValue()));
        }
        return ids;
    }

    /** @param context where to keep the range, under {@link #FROM_KEY} and {@link #TO_KEY} */
    public void writeTo(ExecutionContext context) {
        context.putLong(FROM_KEY, from);
        context.putLong(TO_KEY, to);
    }

    /**
     * @param rowNum a 1-based row number
     * @return whether the row is in this partition
     */
    public boolean contains(long rowNum) {
        return rowNum >= from && rowNum <= to;
    }

    /** @return the number of rows, 0 or more */
    public long size() {
        return to - from + 1;
    }
}
