package io.imagebatch.sandbox;

import java.util.List;

/**
 * mingyan's Nano Banana models (mingyan-nano-banana-create-task.txt, {@code model}; docs/providers/mingyan.md), and
 * whether each honours {@code resolution}: the documentation says the field "is only effective when using
 * nano-banana-2 or nano-banana-pro models", so the sandbox renders the others at 1K whatever they are sent.
 */
enum MingyanModel {
    /** The basic model; ignores {@code resolution}. */
    NANO_BANANA("nano-banana"),
    /** The professional model; honours {@code resolution} up to 4K. */
    NANO_BANANA_PRO("nano-banana-pro"),
    /** Ignores {@code resolution} (not named among the models it is effective for). */
    NANO_BANANA_PRO_STABLE("nano-banana-pro-stable"),
    /** Ignores {@code resolution} (not named among the models it is effective for). */
    NANO_BANANA_2_STABLE("nano-banana-2-stable"),
    /** The enhanced model; honours {@code resolution}. */
    NANO_BANANA_2("nano-banana-2");

    /** The models by wire name (exact), in declaration order for error messages. */
    static final Choices<MingyanModel> IDS = Choices.of(MingyanModel::id, List.of(values()));

    private final String id;

    MingyanModel(String id) {
        this.id = id;
    }

    /** @return the wire name, for example {@code nano-banana-2} */
    String id() {
        return id;
    }

    /**
     * @return true when {@code resolution} changes the image size: only on nano-banana-2 and nano-banana-pro
     * ("is only effective when using nano-banana-2 or nano-banana-pro models", mingyan-nano-banana-create-task.txt)
     */
    boolean honoursResolution() {
        return this == NANO_BANANA_PRO || this == NANO_BANANA_2;
    }
}
