package io.imagebatch.job;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * When to query a task next, so that most tasks are queried about once, right after they finish
 * (every status query spends the same per-key budget as a create).
 *
 * <p>It learns the generation times of each provider and model from the tasks that finished in this process
 * (the provider's own figure where it reports one, LiangXin {@code costTime}; else the task's age when it was
 * seen finished, which is a little late). Once {@value #MIN_SAMPLES} are known, a task is first queried at the
 * {@value #FIRST_QUANTILE} quantile of those times, then at the 0.97 and 0.995 quantiles, then by the kie.ai
 * schedule ({@link JobProperties#pollDelayMillis}). Before that, the kie.ai schedule alone (docs/providers/liangxin.md,
 * polling: every 2-3 s for the first 30 s, then 5-10 s, then 15-30 s) is the fallback.
 */
@Component
public class PollSchedule {

    /** Generation times known before the schedule trusts them. */
    static final int MIN_SAMPLES = 10;
    /** The quantile of known generation times at which a task is first queried. */
    static final double FIRST_QUANTILE = 0.85;
    private static final double[] QUANTILES = {FIRST_QUANTILE, 0.97, 0.995};
    /** Generation times kept per provider and model (the most recent ones). */
    private static final int WINDOW = 512;
    /** The shortest gap between two queries of one task, ms. */
    private static final long MIN_GAP_MILLIS = 250;

    private final JobProperties properties;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    /** @param properties the kie.ai fallback schedule */
    public PollSchedule(JobProperties properties) {
        this.properties = properties;
    }

    /**
     * Records how long a finished task took.
     *
     * @param providerModel    for example {@code liangxin nano-banana-pro-flash}
     * @param generationMillis its generation time, ms
     */
    public void observe(String providerModel, long generationMillis) {
        if (generationMillis >= 0) {
            windows.computeIfAbsent(providerModel, k -> new Window()).add(generationMillis);
        }
    }

    /**
     * When to query a task that will call back (callbacks on, and its provider sends them): polling is then only
     * the fallback for a callback that never comes, so the next query waits four times as long as without
     * callbacks, and at least {@link JobProperties#pollCallbackFallback()}; the callback, when it comes, makes the
     * query happen at once instead.
     *
     * @param providerModel for example {@code hiapi Nano-Banana-Pro}
     * @param ageMillis     the task's age now, ms
     * @param callsBack     whether a callback is expected for this task
     * @return how long to wait before querying it, ms
     */
    public long nextDelayMillis(String providerModel, long ageMillis, boolean callsBack) {
        long delay = nextDelayMillis(providerModel, ageMillis);
        return callsBack ? Math.max(properties.pollCallbackFallback().toMillis(), 4 * delay) : delay;
    }

    /**
     * @param providerModel for example {@code liangxin nano-banana-pro-flash}
     * @param ageMillis     the task's age now (0 right after its create call), ms
     * @return how long to wait before querying it, ms
     */
    public long nextDelayMillis(String providerModel, long ageMillis) {
        Window window = windows.get(providerModel);
        long[] known = window == null ? null : window.snapshot();
        if (known != null && known.length >= MIN_SAMPLES) {
            for (double q : QUANTILES) {
                long at = known[(int) Math.min(known.length - 1, Math.floor(q * known.length))];
                if (at >= ageMillis + MIN_GAP_MILLIS) {
                    return at - ageMillis;
                }
            }
        }
        return properties.pollDelayMillis(ageMillis);
    }

    /** The most recent generation times of one provider and model. Thread-safe. */
    private static final class Window {
        private final long[] values = new long[WINDOW];
        private int count;
        private int next;
        private long[] sorted = new long[0];
        private boolean dirty;

        synchronized void add(long value) {
            values[next] = value;
            next = (next + 1) % WINDOW;
            count = Math.min(WINDOW, count + 1);
            dirty = true;
        }

        /** @return the known times, sorted; re-sorted only after a change */
        synchronized long[] snapshot() {
            if (dirty) {
                sorted = Arrays.copyOf(values, count);
                Arrays.sort(sorted);
                dirty = false;
            }
            return sorted;
        }
    }
}
