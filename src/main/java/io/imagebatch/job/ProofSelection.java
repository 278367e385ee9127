package io.imagebatch.job;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Chooses the rows of a proof run (README.md, Spend, "The proof run"; docs/design.md, Spend), deterministically
 * from the valid rows in catalogue order: first, while {@code n} allows, one row of each provider/model group,
 * then of each provider/model/resolution group, then of each provider/model/resolution/aspect-ratio group (each
 * group's middle row, groups in order of first appearance); then rows evenly spaced over the valid rows, until
 * {@code n} are chosen. Pure: the same rows and {@code n} always give the same choice.
 */
public final class ProofSelection {

    /**
     * A valid row, as the preflight read it.
     *
     * @param rowNumber   1-based row number
     * @param provider    its provider
     * @param model       its model
     * @param resolution  its resolution, or null for the provider's default
     * @param aspectRatio its aspect ratio, or null for the provider's default
     */
    public record Candidate(long rowNumber, String provider, String model, String resolution, String aspectRatio) {
    }

    private ProofSelection() {
    }

    /**
     * @param valid the valid rows, in catalogue order
     * @param n     how many rows to choose, at least 1
     * @return the chosen row numbers, ascending: every valid row when there are no more than {@code n}
     * @throws IllegalArgumentException when {@code n} is less than 1
     */
    public static SortedSet<Long> choose(List<Candidate> valid, int n) {
        if (n < 1) {
            throw new IllegalArgumentException("a proof run sends at least 1 row (got " + n + ")");
        }
        SortedSet<Long> chosen = new TreeSet<>();
        if (valid.size() <= n) {
            valid.forEach(c -> chosen.add(c.rowNumber()));
            return chosen;
        }
        List<Function<Candidate, List<String>>> levels = List.of(
                c -> java.util.Arrays.asList(c.provider(), c.model()),
                c -> java.util.Arrays.asList(c.provider(), c.model(), c.resolution()),
                c -> java.util.Arrays.asList(c.provider(), c.model(), c.resolution(), c.aspectRatio()));
        for (Function<Candidate, List<String>> level : levels) {
            Map<List<String>, List<Long>> groups = new LinkedHashMap<>();
            valid.forEach(c -> groups.computeIfAbsent(level.apply(c), k -> new ArrayList<>()).add(c.rowNumber()));
            for (List<Long> members : groups.values()) {
                if (chosen.size() >= n) {
                    return chosen;
                }
                if (members.stream().noneMatch(chosen::contains)) {
                    chosen.add(members.get(members.size() / 2));
                }
            }
        }
        // evenly spaced: the middle of each of n equal stretches of the valid rows, then the rows after them
        for (int i = 0; i < n && chosen.size() < n; i++) {
            chosen.add(valid.get((int) ((2L * i + 1) * valid.size() / (2L * n))).rowNumber());
        }
        for (int i = 0; chosen.size() < n; i++) {
            chosen.add(valid.get(i).rowNumber());
        }
        return chosen;
    }
}
