package io.imagebatch.sandbox;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task store shared by all protocols: creates tasks (drawing their generation time and outcome from a seeded
 * Random), finds them, says which phase they are in, and runs a listener when a task turns terminal (for
 * callbacks). Thread-safe. Tasks are kept for the life of the sandbox.
 */
final class TaskEngine {

    /** End of {@link TaskPhase#WAITING}, as a fraction of the generation time. */
    static final double WAITING_END = 0.10;
    /** End of {@link TaskPhase#QUEUING}, as a fraction of the generation time. */
    static final double QUEUING_END = 0.25;

    private static final Logger log = LoggerFactory.getLogger(TaskEngine.class);

    private final long minGenerationMs;
    private final long maxGenerationMs;
    /** The sandbox's content filter (off unless set): which prompts fail in generation, which at create. */
    private final ContentPolicyFilter contentPolicy = new ContentPolicyFilter();
    private final double failureRate;
    private final Random random; // guarded by itself: one task's draws stay together
    private final ScheduledExecutorService scheduler;
    private final StatsCounter stats;
    private final Map<String, SandboxTask> tasks = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();
    private final double lostCallbackRate;
    /** The seed of the lost-callback draws: the sandbox's, mixed so that they differ from its other draws. */
    private final long lostCallbackSeed;
    private final java.util.concurrent.atomic.AtomicInteger lostCallbacks = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * @param settings  generation times, failure rate and seed
     * @param scheduler runs terminal listeners; owned by the caller
     * @param stats     counts every created task
     */
    TaskEngine(SandboxSettings settings, ScheduledExecutorService scheduler, StatsCounter stats) {
        this.minGenerationMs = settings.minGenerationTime().toMillis();
        this.maxGenerationMs = settings.maxGenerationTime().toMillis();
        this.failureRate = settings.failureRate();
        this.random = new Random(settings.seed());
        this.lostCallbackRate = settings.lostCallbackRate();
        this.lostCallbackSeed = settings.seed() ^ 0x5DEECE66DL;
        this.scheduler = scheduler;
        this.stats = stats;
    }

    /** Makes a protocol's public task id from the create time and a sandbox-wide sequence number. */
    @FunctionalInterface
    interface IdFormat {
        /**
         * @param createTimeMs epoch milliseconds of the create
         * @param sequence     1, 2, 3... across all protocols of this sandbox
         * @return a task id, unique because {@code sequence} is
         */
        String taskId(long createTimeMs, long sequence);
    }

    /**
     * What a protocol knows about a task before it exists.
     *
     * @param protocol    protocol name, for example {@code liangxin}
     * @param model       model name
     * @param prompt      prompt text
     * @param size        image size
     * @param paramJson   the create body as compact JSON
     * @param callbackUrl where to POST the terminal payload, or null
     */
    record Draft(String protocol, String model, String prompt, ImageSize size, String paramJson, URI callbackUrl) {
    }

    /**
     * Creates a task and counts it in the stats.
     *
     * @param ids        how the protocol names its tasks
     * @param draft      the task's request data
     * @param onTerminal run once on the scheduler when the task turns terminal (not run when the sandbox closes
     *                   first, nor for a task whose callback is lost, {@link SandboxSettings#lostCallbackRate()});
     *                   null for none
     * @return the task
     */
    SandboxTask submit(IdFormat ids, Draft draft, Consumer<SandboxTask> onTerminal) {
        // (a prompt the content filter refuses in generation makes a task that fails: ContentPolicyFilter)
        long generationMs;
        boolean fails;
        synchronized (random) {
            generationMs = minGenerationMs + (maxGenerationMs > minGenerationMs
                    ? random.nextLong(maxGenerationMs - minGenerationMs + 1) : 0);
            fails = random.nextDouble() < failureRate;
        }
        boolean refused = contentPolicy.refusesInGeneration(draft.prompt());
        long now = nowMillis();
        SandboxTask task = new SandboxTask(ids.taskId(now, sequence.incrementAndGet()), draft.protocol(),
                draft.model(), draft.prompt(), draft.size(), draft.paramJson(), now, generationMs, fails || refused,
                draft.callbackUrl());
        if (refused) {
            contentPolicy.refused(task.id());
        }
        tasks.put(task.id(), task);
        stats.taskCreated(task.prompt());
        if (onTerminal != null && lostCallbackRate > 0
                && FaultGate.perTask(lostCallbackSeed, task.id()) < lostCallbackRate) {
            lostCallbacks.incrementAndGet(); // SandboxSettings#lostCallbackRate: its callback is never sent
        } else if (onTerminal != null) {
            try {
                scheduler.schedule(() -> whenTerminal(task, onTerminal), generationMs, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException closing) {
                log.debug("sandbox closing; no terminal listener for {}", task.id());
            }
        }
        return task;
    }

    /**
     * Runs the terminal listener once the task is terminal by the wall clock its status and files are judged by
     * ({@link #phaseAt}): the scheduler's clock may run a millisecond ahead, and a callback must never announce
     * a result file that still answers 404, as a real provider calls back only once its result is there.
     */
    private void whenTerminal(SandboxTask task, Consumer<SandboxTask> onTerminal) {
        long left = task.completeTimeMs() - nowMillis();
        if (left <= 0) {
            onTerminal.accept(task);
            return;
        }
        try {
            scheduler.schedule(() -> whenTerminal(task, onTerminal), left, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            log.debug("sandbox closing; no terminal listener for {}", task.id());
        }
    }

    /** @return how many tasks' callbacks were lost on purpose so far ({@link SandboxSettings#lostCallbackRate()}) */
    int lostCallbacks() {
        return lostCallbacks.get();
    }

    /**
     * @param id a task id
     * @return the task, or empty when no task has that id
     */
    Optional<SandboxTask> find(String id) {
        return id == null ? Optional.empty() : Optional.ofNullable(tasks.get(id));
    }

    /**
     * @param protocol a protocol name, for example {@code hiapi}
     * @return the tasks that protocol created, in no particular order (a snapshot)
     */
    List<SandboxTask> tasksOf(String protocol) {
        return tasks.values().stream().filter(t -> t.protocol().equals(protocol)).toList();
    }

    /** @return the sandbox's content filter, shared by every protocol */
    ContentPolicyFilter contentPolicy() {
        return contentPolicy;
    }

    /** @return every task, of every protocol, in no particular order (a snapshot) */
    List<SandboxTask> all() {
        return List.copyOf(tasks.values());
    }

    /** @return the current time in epoch milliseconds, the clock all task times use */
    long nowMillis() {
        return System.currentTimeMillis();
    }

    /**
     * The phase of a task at a moment: the first 10% of its generation time {@link TaskPhase#WAITING}, up to 25%
     * {@link TaskPhase#QUEUING}, then {@link TaskPhase#GENERATING}, and from the full generation time on
     * {@link TaskPhase#SUCCEEDED} or {@link TaskPhase#FAILED}.
     *
     * @param task  the task
     * @param nowMs epoch milliseconds
     * @return the phase at {@code nowMs}
     */
    static TaskPhase phaseAt(SandboxTask task, long nowMs) {
        long elapsed = nowMs - task.createTimeMs();
        long generation = task.generationTimeMs();
        if (elapsed >= generation) {
            return task.fails() ? TaskPhase.FAILED : TaskPhase.SUCCEEDED;
        }
        if (elapsed < generation * WAITING_END) {
            return TaskPhase.WAITING;
        }
        return elapsed < generation * QUEUING_END ? TaskPhase.QUEUING : TaskPhase.GENERATING;
    }

    /**
     * When the task last changed phase, at or before a moment.
     *
     * @param task  the task
     * @param nowMs epoch milliseconds
     * @return epoch milliseconds of the start of the phase the task is in at {@code nowMs}
     */
    static long phaseStartMs(SandboxTask task, long nowMs) {
        long generation = task.generationTimeMs();
        return task.createTimeMs() + switch (phaseAt(task, nowMs)) {
            case WAITING -> 0L;
            case QUEUING -> (long) Math.ceil(generation * WAITING_END);
            case GENERATING -> (long) Math.ceil(generation * QUEUING_END);
            case SUCCEEDED, FAILED -> generation;
        };
    }
}
