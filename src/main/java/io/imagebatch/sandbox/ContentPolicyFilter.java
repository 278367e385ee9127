package io.imagebatch.sandbox;

import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sandbox's stand-in for a provider's safety filter (README, "Content refusals"; the codes and messages are
 * the inferred ones of docs/providers/content-policy.md): off unless set. A prompt holding the create marker word
 * (ignoring case) is refused at create, in each protocol's own error shape ({@link SandboxProtocol#badRequest}:
 * LiangXin and mingyan 400, HiAPI 400 with {@code error_code}, crun.ai 422), with the message
 * {@value #MESSAGE}; a prompt holding the generation marker word is accepted and its task ends failed with that
 * message as its failure (each protocol's fail state). Thread-safe.
 */
final class ContentPolicyFilter {

    /** The message of a refusal, at create and on a failed task. */
    static final String MESSAGE = "content policy violation: the prompt was flagged by the safety filter";

    private volatile String atCreate;
    private volatile String inGeneration;
    private final Set<String> refusedTasks = ConcurrentHashMap.newKeySet();

    /**
     * @param createWord     a prompt holding it is refused at create; null or blank for none
     * @param generationWord a prompt holding it makes a task that fails for content policy; null or blank for none
     */
    void set(String createWord, String generationWord) {
        this.atCreate = blankToNull(createWord);
        this.inGeneration = blankToNull(generationWord);
    }

    /** @return true when a create of this prompt is refused */
    boolean refusesAtCreate(String prompt) {
        return holds(prompt, atCreate);
    }

    /** @return true when a task of this prompt fails for content policy */
    boolean refusesInGeneration(String prompt) {
        return holds(prompt, inGeneration);
    }

    /** Remembers a task made to fail for content policy. */
    void refused(String taskId) {
        refusedTasks.add(taskId);
    }

    /** @return true when the task failed for content policy */
    boolean wasRefused(SandboxTask task) {
        return refusedTasks.contains(task.id());
    }

    private static boolean holds(String prompt, String word) {
        return word != null && prompt != null
                && prompt.toLowerCase(Locale.ROOT).contains(word.toLowerCase(Locale.ROOT));
    }

    private static String blankToNull(String word) {
        return word == null || word.isBlank() ? null : word.trim();
    }
}
