package io.imagebatch.sandbox;

import java.util.List;

/**
 * The aspect ratios the Nano Banana models accept (LiangXin: liangxin-nano-banana-pro-flash-reference.txt,
 * {@code input.aspect_ratio}; mingyan and HiAPI list the same ten, docs/providers/), with the pixel size Gemini
 * produces for each at 1K. 2K and 4K double and quadruple both sides ({@link Resolution}).
 */
enum AspectRatio {
    /** 1:1: 1024x1024 at 1K. */
    SQUARE("1:1", 1024, 1024),
    /** 2:3: 848x1264 at 1K. */
    PORTRAIT_2_3("2:3", 848, 1264),
    /** 3:2: 1264x848 at 1K. */
    LANDSCAPE_3_2("3:2", 1264, 848),
    /** 3:4: 896x1200 at 1K. */
    PORTRAIT_3_4("3:4", 896, 1200),
    /** 4:3: 1200x896 at 1K. */
    LANDSCAPE_4_3("4:3", 1200, 896),
    /** 4:5: 928x1152 at 1K. */
    PORTRAIT_4_5("4:5", 928, 1152),
    /** 5:4: 1152x928 at 1K. */
    LANDSCAPE_5_4("5:4", 1152, 928),
    /** 9:16: 768x1376 at 1K. */
    PORTRAIT_9_16("9:16", 768, 1376),
    /** 16:9: 1376x768 at 1K. */
    LANDSCAPE_16_9("16:9", 1376, 768),
    /** 21:9: 1584x672 at 1K. */
    ULTRAWIDE_21_9("21:9", 1584, 672);

    /** The ten, by wire spelling (exact), in declaration order for error messages. */
    static final Choices<AspectRatio> LABELS = Choices.of(AspectRatio::label, List.of(values()));

    private final String label;
    private final int width1k;
    private final int height1k;

    AspectRatio(String label, int width1k, int height1k) {
        this.label = label;
        this.width1k = width1k;
        this.height1k = height1k;
    }

    /** @return the wire spelling, for example {@code 16:9} */
    String label() {
        return label;
    }

    /** @return width in pixels at 1K */
    int width1k() {
        return width1k;
    }

    /** @return height in pixels at 1K */
    int height1k() {
        return height1k;
    }
}
