package io.imagebatch.job;

import io.imagebatch.callback.CallbackProperties;
import io.imagebatch.callback.TaskEndedByCallback;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * When to query a task next, so that most tasks are queried about once, right after they finish
 * (every status query spends the same per-key budget as a create), and, with callbacks, not at all.
 *
 * <p>It learns the generation times of each provider and model from the tasks that finished in this process
 * (the provider's own figure where it reports one, LiangXin {@code costTime}; else the task's age when it was
 * seen finished, by a status query or by its callback's arrival, {@link TaskEndedByCallback}). Once
 * {@value #MIN_SAMPLES} are known, a task is first queried at the {@value #FIRST_QUANTILE} quantile of those
 * times, then at the 0.97 and 0.995 quantiles, then by the kie.ai schedule ({@link JobProperties#pollDelayMillis}).
 * Before that, the kie.ai schedule alone (docs/providers/liangxin.md, polling: every 2-3 s for the first 30 s,
 * then 5-10 s, then 15-30 s) is the fallback.
 *
 * <p>A task that will call back is not queried until it is overdue ({@link #overdueAfterMillis}): it has run
 * longer than the generation times seen so far (their {@value #OVERDUE_QUANTILE} quantile plus a tenth, or plus
 * {@link CallbackProperties#overdueGrace()} when that is more: the time a callback may take to arrive, once the
 * earliest tasks seen have had twice that quantile to end), or, before {@value #MIN_SAMPLES} are known, longer than
 * {@link JobProperties#pollCallbackFallback()}; from then on it is queried as a task without callbacks. A
 * callback normally comes first and records the task without any query (docs/design.md, Callbacks).
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
    /** The shortest gap between two queries of one task, ms; also the least margin past the overdue quantile. */
    static final long MIN_GAP_MILLIS = 250;
    /** The quantile of known generation times past which a task that will call back is overdue. */
    static final double OVERDUE_QUANTILE = 0.99;

    private final JobProperties properties;
    /** How long a callback may take to arrive past the generation times seen, ms. */
    private final long overdueGraceMillis;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    /** When this schedule first saw a task of each provider and model (its create, or its end), epoch ms. */
    private final Map<String, Long> firstSeen = new ConcurrentHashMap<>();
    private final Clock clock;

    /** @param properties the kie.ai fallback schedule; the overdue grace is the default (1 s), the clock the system's */
    public PollSchedule(JobProperties properties) {
        this(properties, new CallbackProperties(null));
    }

    /**
     * @param properties the kie.ai fallback schedule and the wait before any generation time is known
     * @param callbacks  the overdue grace ({@code imagebatch.callback.overdue-grace}); the clock is the system's
     */
    public PollSchedule(JobProperties properties, CallbackProperties callbacks) {
        this(properties, callbacks, Clock.systemUTC());
    }

    /**
     * @param properties the kie.ai fallback schedule and the wait before any generation time is known
     * @param callbacks  the overdue grace ({@code imagebatch.callback.overdue-grace})
     * @param clock      the clock that says how long the times of a provider and model have been learnt
     */
    @Autowired
    public PollSchedule(JobProperties properties, CallbackProperties callbacks, Clock clock) {
        this.properties = properties;
        this.overdueGraceMillis = callbacks.overdueGrace().toMillis();
        this.clock = clock;
    }

    /**
     * Records how long a finished task took.
     *
     * @param providerModel    for example {@code liangxin nano-banana-pro-flash}
     * @param generationMillis its generation time, ms
     */
    public void observe(String providerModel, long generationMillis) {
        if (generationMillis >= 0) {
            windows.computeIfAbsent(providerModel, k -> new Window(null, null)).add(generationMillis);
        }
    }

    /**
     * Records how long a finished task took, knowing its provider and model apart, so that the tasks of that
     * provider and model can be brought forward once they are overdue ({@link #overdueRules()}).
     *
     * @param provider         for example {@code liangxin}
     * @param model            for example {@code nano-banana-pro-flash}, or null when the entry names none
     * @param generationMillis its generation time, ms; a negative one is ignored
     */
    public void observe(String provider, String model, long generationMillis) {
        if (generationMillis >= 0) {
            firstSeen.putIfAbsent(key(provider, model), clock.millis() - generationMillis);
            windows.computeIfAbsent(key(provider, model), k -> new Window(provider, model)).add(generationMillis);
        }
    }

    /**
     * Learns from a task an authenticated callback ended ({@link TaskEndedByCallback}, published by the callback
     * endpoint): its generation time.
     *
     * @param ended the callback's outcome
     */
    @EventListener
    public void taskEndedByCallback(TaskEndedByCallback ended) {
        observe(ended.provider(), ended.model(), ended.generationMillis());
    }

    /**
     * @param provider for example {@code liangxin}
     * @param model    for example {@code nano-banana-pro-flash}, or null
     * @return the key this schedule learns under, {@code "<provider> <model>"} (as the poll and submit steps
     *         name it)
     */
    public static String key(String provider, String model) {
        return provider + " " + model;
    }

    /**
     * When to query a task that will call back (callbacks on, and its provider sends them): polling is then only
     * the fallback for a callback that never comes, so the task is first queried once it is overdue
     * ({@link #overdueAfterMillis}); past that, as a task without callbacks.
     *
     * @param providerModel for example {@code hiapi Nano-Banana-Pro}
     * @param ageMillis     the task's age now, ms
     * @param callsBack     whether a callback is expected for this task
     * @return how long to wait before querying it, ms
     */
    public long nextDelayMillis(String providerModel, long ageMillis, boolean callsBack) {
        firstSeen.putIfAbsent(providerModel, clock.millis() - Math.max(0, ageMillis));
        if (callsBack) {
            long overdue = overdueAfterMillis(providerModel);
            if (overdue >= ageMillis + MIN_GAP_MILLIS) {
                return overdue - ageMillis;
            }
        }
        return nextDelayMillis(providerModel, ageMillis);
    }

    /**
     * How long a task that will call back may run before it is overdue and queried.
     *
     * @param providerModel for example {@code hiapi Nano-Banana-Pro}
     * @return ms since the task's create: the {@value #OVERDUE_QUANTILE} quantile of the known generation times
     *         plus the larger of a tenth of it and {@link CallbackProperties#overdueGrace()} (at least
     *         {@value #MIN_GAP_MILLIS} ms), once {@value #MIN_SAMPLES} are known and the first task of this
     *         provider and model was seen (created or ended) at least twice that quantile ago (the first tasks to
     *         end are the quick ones: until the slow ones of the earliest tasks could have ended too, the times
     *         seen are too short); before that {@link JobProperties#pollCallbackFallback()}
     */
    public long overdueAfterMillis(String providerModel) {
        return learntOverdueMillis(providerModel).orElse(properties.pollCallbackFallback().toMillis());
    }

    /** {@link #overdueAfterMillis} once learnt; empty while the floor applies. */
    private OptionalLong learntOverdueMillis(String providerModel) {
        Window window = windows.get(providerModel);
        long[] known = window == null ? null : window.snapshot();
        if (known == null || known.length < MIN_SAMPLES) {
            return OptionalLong.empty();
        }
        long at = known[(int) Math.min(known.length - 1, Math.floor(OVERDUE_QUANTILE * known.length))];
        // the first tasks to end are the quick ones: the times are trusted only once the earliest tasks seen have
        // had twice as long to end, so that their slow ones are among them too
        Long since = firstSeen.get(providerModel);
        if (since == null || clock.millis() - since < 2 * at) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(at + Math.max(Math.max(MIN_GAP_MILLIS, overdueGraceMillis), at / 10));
    }

    /**
     * When a task of a provider and model is overdue.
     *
     * @param provider           the provider
     * @param model              the model, or null
     * @param overdueAfterMillis ms since the task's create ({@link #overdueAfterMillis})
     */
    public record Overdue(String provider, String model, long overdueAfterMillis) {
    }

    /**
     * @return for each provider and model whose generation times are trusted ({@link #overdueAfterMillis}: not
     *         the floor), learnt through {@link #observe(String, String, long)}, when its tasks that will call back
     *         are overdue
     */
    public List<Overdue> overdueRules() {
        List<Overdue> rules = new ArrayList<>();
        windows.forEach((key, window) -> {
            if (window.provider != null) {
                learntOverdueMillis(key).ifPresent(overdue -> rules.add(new Overdue(window.provider, window.model,
                        overdue)));
            }
        });
        return rules;
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
        /** The provider and model apart, when known ({@link #observe(String, String, long)}); else null. */
        final String provider;
        final String model;
        private final long[] values = new long[WINDOW];
        private int count;
        private int next;
        private long[] sorted = new long[0];
        private boolean dirty;

        Window(String provider, String model) {
            this.provider = provider;
            this.model = model;
        }

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
